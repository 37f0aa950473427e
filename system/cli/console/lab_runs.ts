// The Lab page's data: runs found under reports/out (every directory holding a result.json, up to
// four levels deep; a top-level directory holding several is a suite) read as plain JSON, since
// system/ never imports the lab; and scenario runs started from the page (`mqlab run` children
// in the simulator) whose output the page tails. Invariants: files are only served from inside
// reportsDir; at most jobsMax jobs are kept, the oldest finished ones dropped first.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

export interface LabRun {
  /** Directory relative to reportsDir. */
  readonly dir: string;
  readonly suite: string | undefined;
  readonly scenario: string;
  readonly deployer: string;
  readonly seed: number | string;
  readonly verdict: string;
  readonly counts: Record<string, number>;
  readonly startedAt: string;
  readonly hasReport: boolean;
}

const depthMax = 4;
const runsMax = 500;

function readRun(reportsDir: string, dir: string): LabRun | undefined {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as Record<string, unknown>;
  } catch {
    return undefined; // a result being written or not a run's: not listed
  }
  const rel = relative(reportsDir, dir);
  const parts = rel.split(sep);
  const text = (key: string, fallback: string): string => (typeof json[key] === "string" ? json[key] : fallback);
  const counts: Record<string, number> = {};
  for (const [key, value] of Object.entries((json["counts"] ?? {}) as Record<string, unknown>)) if (typeof value === "number") counts[key] = value;
  return {
    dir: rel, suite: parts.length > 1 ? parts[0] : undefined, scenario: text("scenario", "?"), deployer: text("deployer", "?"),
    seed: typeof json["seed"] === "number" ? json["seed"] : "?", verdict: text("verdict", "?"), counts,
    startedAt: text("startedAt", ""), hasReport: existsSync(join(dir, "report.html")),
  };
}

export function listRuns(reportsDir: string): LabRun[] {
  const runs: LabRun[] = [];
  const walk = (dir: string, depth: number): void => {
    if (runs.length >= runsMax) return;
    if (existsSync(join(dir, "result.json"))) {
      const run = readRun(reportsDir, dir);
      if (run !== undefined) runs.push(run);
    }
    if (depth >= depthMax) return;
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry);
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory() === true) walk(path, depth + 1);
    }
  };
  if (existsSync(reportsDir)) walk(reportsDir, 0);
  return runs;
}

/** An absolute path inside reportsDir, or undefined for anything that would leave it. */
export function reportFile(reportsDir: string, rel: string): string | undefined {
  const root = resolve(reportsDir);
  const path = resolve(root, rel);
  return path.startsWith(root + sep) && existsSync(path) && statSync(path).isFile() ? path : undefined;
}

export interface LabJob {
  readonly id: number;
  readonly scenario: string;
  readonly seed: number;
  readonly outDir: string;
  output: string;
  exitCode: number | null | undefined;
}

const jobsMax = 20;
const outputCharsMax = 64 * 1024;

export class LabJobs {
  private readonly jobs = new Map<number, LabJob>();
  private readonly running = new Map<number, ChildProcess>();
  private nextId = 1;

  constructor(private readonly repoRoot: string, private readonly reportsDir: string) {}

  /** Starts `mqlab run <scenario> --deployer sim --seed <seed>` writing under reports/out/console/. */
  start(scenario: string, seed: number): LabJob {
    const id = this.nextId++;
    const outDir = join(this.reportsDir, "console", `${scenario.replace(/[^A-Za-z0-9_.-]/g, "_")}--seed-${seed}--job-${id}`);
    const job: LabJob = { id, scenario, seed, outDir, output: "", exitCode: undefined };
    const child = spawn(process.execPath, ["--import", "tsx", join(this.repoRoot, "chaos/cli/mqlab.ts"), "run", scenario, "--deployer", "sim", "--seed", String(seed), "--out", outDir], {
      cwd: this.repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, MQLAB_LOG_LEVEL: "silent" },
    });
    const append = (chunk: Buffer): void => {
      job.output = (job.output + chunk.toString()).slice(-outputCharsMax);
    };
    child.stdout.on("data", append);
    child.stderr.on("data", append);
    child.on("error", (error) => append(Buffer.from(`\ncannot start mqlab: ${error.message}\n`)));
    this.running.set(id, child);
    child.on("exit", (code) => {
      job.exitCode = code;
      this.running.delete(id);
    });
    this.jobs.set(id, job);
    this.trim();
    return job;
  }

  /** The console is closing: runs it started must not outlive it. */
  stopAll(): void {
    for (const child of this.running.values()) child.kill("SIGTERM");
  }

  get(id: number): LabJob | undefined {
    return this.jobs.get(id);
  }

  all(): LabJob[] {
    return [...this.jobs.values()].reverse();
  }

  private trim(): void {
    for (const job of this.jobs.values()) {
      if (this.jobs.size <= jobsMax) return;
      if (job.exitCode !== undefined) this.jobs.delete(job.id);
    }
  }
}
