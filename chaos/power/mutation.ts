// `just mutation [--sample N]`: the project's mutation score. Lists the mutants of system/
// (chaos/power/mutator.ts), draws a seeded sample, and runs the mutation lab
// (chaos/cli/mutation_lab.ts) against each in a scratch git worktree of HEAD, one mutant at a
// time: write the mutated file, run the lab within a per-mutant budget, restore the file.
// Killed = the lab failed a check, threw, or ran out of budget; survived = it passed; invalid =
// the mutant does not type-check (found in-process with the TypeScript language service, before
// any lab run) — invalid mutants are not counted. Writes mutation.json and prints the score and
// the survivors grouped by file and by kind. A long job, never part of CI.
// Exit codes: 0 done (whatever the score), 2 the lab failed on the unmutated tree or bad usage.
// The scratch worktree is removed at the end; a run killed midway leaves one under $TMPDIR
// (mqlab-mutation-*): `git worktree prune` after deleting it. Uncommitted edits are not mutated.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { applyMutant, isMutableSystemFile, mutantsOf, sampleMutants, type Mutant } from "./mutator.ts";

type Status = "killed" | "survived" | "invalid" | "timeout";

interface Outcome {
  mutant: Mutant;
  status: Status;
  wallMs: number;
  /** First lines of the lab's output, or the type error. */
  detail: string;
}

interface Options {
  /** Re-summarize an earlier mutation.json instead of running mutants. */
  report: string | undefined;
  /** Istanbul coverage-final.json of the mutation lab (c8 --reporter=json): splits survivors into never reached vs reached. */
  coverageJson: string | undefined;
  sample: number | undefined;
  /** Run exactly these mutant ids (from an earlier mutation.json), e.g. to see a strengthened lab kill survivors. */
  ids: string[] | undefined;
  seed: number;
  budgetMs: number;
  outDir: string;
  labCommand: string[];
}

/** The one-minute mutation lab (chaos/cli/mutation_lab.ts). */
const smokeLabCommand = ["--import", "tsx", "chaos/cli/mutation_lab.ts"];
/**
 * Seed 1's first 60 swarm runs reach every required probe (the last one first at run 54), so a
 * battery that short still fails a mutant that makes a required path unreachable.
 */
const batteryLabRunsDefault = 60;

/**
 * The CI battery itself, cut to a fixed number of swarm runs (the wall budget is left huge so a
 * slow mutant runs the same runs and meets the per-mutant --budget-s instead): this measures the
 * lab CI actually runs, not a stand-in. Shrinking is cut to one run: the first failure kills the mutant.
 */
function batteryLabCommand(runs: number): string[] {
  return ["--import", "tsx", "chaos/cli/mqlab.ts", "battery", "--budget", "86400", "--seed", "1", "--runs", String(runs), "--shrink-runs", "1", "--out", "reports/out/mutation-battery"];
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { report: undefined, coverageJson: undefined, sample: undefined, ids: undefined, seed: 1, budgetMs: 180_000, outDir: "reports/out/mutation", labCommand: smokeLabCommand };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = argv[index + 1];
    const number = Number(value);
    if (flag === "--sample" && Number.isSafeInteger(number) && number > 0) options.sample = number;
    else if (flag === "--seed" && Number.isSafeInteger(number)) options.seed = number;
    else if (flag === "--budget-s" && number > 0) options.budgetMs = number * 1000;
    else if (flag === "--out" && value !== undefined) options.outDir = value;
    else if (flag === "--report" && value !== undefined) options.report = value;
    else if (flag === "--ids" && value !== undefined) options.ids = value.split(",");
    else if (flag === "--coverage-json" && value !== undefined) options.coverageJson = value;
    else if (flag === "--lab" && value === "smoke") options.labCommand = smokeLabCommand;
    else if (flag === "--lab" && value !== undefined && /^battery(:\d+)?$/.test(value)) options.labCommand = batteryLabCommand(Number(value.split(":")[1] ?? batteryLabRunsDefault));
    else throw new UsageError(`usage: mutation.ts [--sample N] [--seed S] [--budget-s seconds] [--out dir] [--lab smoke|battery[:runs]] (bad: ${flag} ${value ?? ""})`);
    index++;
  }
  return options;
}

/** A scratch worktree of HEAD with the shared node_modules; removed by the returned function. */
function scratchTree(repo: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-mutation-"));
  execFileSync("git", ["-C", repo, "worktree", "add", "--detach", "--force", dir, "HEAD"], { stdio: "ignore" });
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  return {
    dir,
    remove: () => {
      execFileSync("git", ["-C", repo, "worktree", "remove", "--force", dir], { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Type-checks one file of the project with a mutated text (the language service, kept warm). */
class MutantTypeChecker {
  private readonly versions = new Map<string, number>();
  private readonly overrides = new Map<string, string>();
  private readonly service: ts.LanguageService;

  constructor(root: string) {
    const configPath = join(root, "tsconfig.json");
    const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    if (config === undefined) throw new Error(`cannot read ${configPath}`);
    const host: ts.LanguageServiceHost = {
      getScriptFileNames: () => config.fileNames,
      getScriptVersion: (file) => String(this.versions.get(file) ?? 0),
      getScriptSnapshot: (file) => {
        const text = this.overrides.get(file) ?? (existsSync(file) ? readFileSync(file, "utf8") : undefined);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => root,
      getCompilationSettings: () => config.options,
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: (path) => ts.sys.fileExists(path),
      readFile: (path, encoding) => ts.sys.readFile(path, encoding),
      readDirectory: (path, extensions, exclude, include, depth) => ts.sys.readDirectory(path, extensions, exclude, include, depth),
      directoryExists: (path) => ts.sys.directoryExists(path),
      getDirectories: (path) => ts.sys.getDirectories(path),
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /** The first error of `file` with `text` in place of its content, or undefined. */
  check(file: string, text: string | undefined): string | undefined {
    if (text === undefined) this.overrides.delete(file);
    else this.overrides.set(file, text);
    this.versions.set(file, (this.versions.get(file) ?? 0) + 1);
    if (text === undefined) return undefined;
    const diagnostics = [...this.service.getSyntacticDiagnostics(file), ...this.service.getSemanticDiagnostics(file)];
    const first = diagnostics.find((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
    return first === undefined ? undefined : ts.flattenDiagnosticMessageText(first.messageText, " ");
  }
}

/** Runs the lab in `cwd`; resolves its exit code ("timeout" when the budget ran out) and output head. */
function runLab(cwd: string, command: readonly string[], budgetMs: number): Promise<{ code: number | "timeout"; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [...command], { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer): void => {
      if (output.length < 4000) output += chunk.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, budgetMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code: timedOut ? "timeout" : code ?? 2, output });
    });
  });
}

/** Lines (file relative to the repo → set of 1-based lines) the lab executed, from istanbul JSON. */
export function executedLines(coverageJsonPath: string, repo: string): Map<string, Set<number>> {
  type FileCoverage = { path: string; statementMap: Record<string, { start: { line: number }; end: { line: number } }>; s: Record<string, number> };
  const data = JSON.parse(readFileSync(coverageJsonPath, "utf8")) as Record<string, FileCoverage>;
  const lines = new Map<string, Set<number>>();
  for (const file of Object.values(data)) {
    const relative = file.path.startsWith(repo + "/") ? file.path.slice(repo.length + 1) : file.path.replace(/^.*?\/(system\/)/, "$1");
    const hit = new Set<number>();
    for (const [id, count] of Object.entries(file.s)) {
      if (count <= 0) continue;
      const range = file.statementMap[id]!;
      for (let line = range.start.line; line <= range.end.line; line++) hit.add(line);
    }
    lines.set(relative, hit);
  }
  return lines;
}

function summarize(outcomes: readonly Outcome[], executed?: Map<string, Set<number>>): string {
  const count = (status: Status): number => outcomes.filter((outcome) => outcome.status === status).length;
  const killed = count("killed") + count("timeout");
  const survived = count("survived");
  const lines = [`mutants: ${outcomes.length} run, ${killed} killed (${count("timeout")} by timeout), ${survived} survived, ${count("invalid")} invalid (not counted)`];
  lines.push(`mutation score: ${killed + survived === 0 ? "n/a" : `${((killed * 100) / (killed + survived)).toFixed(1)}% (${killed}/${killed + survived})`}`);
  const survivors = outcomes.filter((outcome) => outcome.status === "survived");
  const byKind = new Map<string, number>();
  for (const outcome of survivors) byKind.set(outcome.mutant.kind, (byKind.get(outcome.mutant.kind) ?? 0) + 1);
  if (survivors.length > 0) lines.push(`survivors by kind: ${[...byKind].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${n}`).join(", ")}`);
  const reached = (mutant: Mutant): boolean | undefined => executed === undefined ? undefined : executed.get(mutant.file)?.has(mutant.line) ?? false;
  if (executed !== undefined && survivors.length > 0) {
    const never = survivors.filter((outcome) => reached(outcome.mutant) === false).length;
    lines.push(`survivors the lab never executed: ${never}; executed but undetected: ${survivors.length - never}`);
  }
  const byFile = new Map<string, Outcome[]>();
  for (const outcome of survivors) byFile.set(outcome.mutant.file, [...(byFile.get(outcome.mutant.file) ?? []), outcome]);
  for (const [file, list] of [...byFile].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))) {
    lines.push(`  ${file} (${list.length})`);
    for (const { mutant } of list) {
      const reach = reached(mutant) === undefined ? "" : reached(mutant) === true ? " [executed]" : " [never executed]";
      lines.push(`    line ${mutant.line} ${mutant.kind}: ${JSON.stringify(mutant.original.slice(0, 60))} -> ${JSON.stringify(mutant.replacement.slice(0, 60))}${reach}`);
    }
  }
  return lines.join("\n") + "\n";
}

class UsageError extends Error {}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const repo = resolve(".");
  const executed = options.coverageJson === undefined ? undefined : executedLines(resolve(options.coverageJson), repo);
  if (options.report !== undefined) {
    const recorded = JSON.parse(readFileSync(options.report, "utf8")) as { outcomes: Outcome[] };
    process.stdout.write(summarize(recorded.outcomes, executed));
    return 0;
  }
  const dirty = execFileSync("git", ["-C", repo, "status", "--porcelain", "--", "system", "chaos", "scenarios"], { encoding: "utf8" }).trim();
  if (dirty !== "") process.stderr.write("mutation: uncommitted changes in system/, chaos/ or scenarios/ are not part of the run (it mutates HEAD)\n");
  const scratch = scratchTree(repo);
  const log = (text: string): void => void process.stderr.write(text);
  try {
    const files = execFileSync("git", ["-C", scratch.dir, "ls-files", "system"], { encoding: "utf8" }).split("\n").filter(isMutableSystemFile);
    const all = files.flatMap((file) => mutantsOf(file, readFileSync(join(scratch.dir, file), "utf8")));
    const chosen = options.ids !== undefined ? all.filter((mutant) => options.ids!.includes(mutant.id))
      : options.sample === undefined ? all : sampleMutants(all, options.sample, options.seed);
    log(`mutation: ${all.length} mutants in ${files.length} files; running ${chosen.length} (seed ${options.seed}), budget ${options.budgetMs / 1000} s each, scratch tree ${scratch.dir}\n`);
    const baseline = await runLab(scratch.dir, options.labCommand, options.budgetMs * 2);
    if (baseline.code !== 0) {
      log(`mutation: the lab fails on the unmutated tree (exit ${baseline.code}); no score:\n${baseline.output}\n`);
      return 2;
    }
    log("mutation: baseline lab passes\n");
    const checker = new MutantTypeChecker(scratch.dir);
    const outcomes: Outcome[] = [];
    for (const [index, mutant] of chosen.entries()) {
      const path = join(scratch.dir, mutant.file);
      const original = readFileSync(path, "utf8");
      const mutated = applyMutant(original, mutant);
      const startMs = performance.now();
      let outcome: Outcome;
      const typeError = checker.check(path, mutated);
      if (typeError !== undefined) {
        outcome = { mutant, status: "invalid", wallMs: 0, detail: typeError };
      } else {
        try {
          writeFileSync(path, mutated);
          const lab = await runLab(scratch.dir, options.labCommand, options.budgetMs);
          const status: Status = lab.code === "timeout" ? "timeout" : lab.code === 0 ? "survived" : "killed";
          outcome = { mutant, status, wallMs: Math.round(performance.now() - startMs), detail: lab.output.split("\n").filter((line) => line !== "").slice(-3).join(" | ") };
        } finally {
          writeFileSync(path, original);
        }
      }
      checker.check(path, undefined);
      outcomes.push(outcome);
      log(`[${index + 1}/${chosen.length}] ${outcome.status.padEnd(8)} ${mutant.file}:${mutant.line} ${mutant.kind} ${JSON.stringify(mutant.original.slice(0, 40))} -> ${JSON.stringify(mutant.replacement.slice(0, 40))} (${outcome.wallMs} ms)\n`);
    }
    const text = summarize(outcomes, executed);
    mkdirSync(options.outDir, { recursive: true });
    writeFileSync(join(options.outDir, "mutation.json"), JSON.stringify({ seed: options.seed, sample: options.sample ?? null, totalMutants: all.length, outcomes }, null, 2) + "\n");
    process.stdout.write(text + `details: ${join(options.outDir, "mutation.json")}\n`);
    return 0;
  } finally {
    scratch.remove();
  }
}

process.exit(await main());
