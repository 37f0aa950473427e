// `mqlab battery --budget <seconds> [--seed N] [--out dir] [--deployer sim] [--broken switch]`:
// the command to run in CI (chaos/cli/battery.ts). Prints a line per run on stderr; on
// stdout the verdict, the distribution of what the swarm visited and, for a failure, the shrunk
// scenario and its replay command. Exit codes: 0 pass, 1 a check failed, 2 the lab broke or
// the command was wrong (one line on stderr).
import type { Command } from "commander";
import { resolve, join } from "node:path";
import { availableParallelism } from "node:os";
import { renderTextSummary } from "../../reports/text.ts";
import { brokenUsage, parseBrokenSwitch } from "../check/broken.ts";
import { describeSchedule } from "../check/check_scenario.ts";
import { deployerNames } from "../deploy/index.ts";
import { batteryDefaults, runBattery } from "./battery.ts";
import type { BatterySummary } from "../swarm/battery_summary.ts";
import { renderDistributionText } from "../swarm/distribution.ts";
import { errorText } from "../../system/stdx/index.ts";

interface BatteryCliOptions {
  budget?: string;
  seed?: string;
  out: string;
  deployer: string;
  broken?: string;
  runs?: string;
  from?: string;
  suite: boolean;
  shrinkRuns?: string;
  keepGoing?: boolean;
  threads?: string;
}

export function renderBatteryText(summary: BatterySummary): string {
  const lines: string[] = [];
  if (summary.suite !== null) lines.push(`CI suite: ${summary.suite.passed}/${summary.suite.runs} passed in ${(summary.suite.wallMs / 1000).toFixed(1)} s`);
  lines.push(`swarm: ${summary.swarm.runs} run(s), ${summary.swarm.passed} passed, ${summary.swarm.skipped} case(s) skipped by a precondition, ${(summary.swarm.wallMs / 1000).toFixed(1)} s ` +
    `(${summary.swarm.runsPerMinute} runs/min, ${summary.swarm.simulatedSecondsPerWallSecond} simulated s per wall s), stopped by ${summary.stoppedBy}`);
  lines.push("", renderDistributionText(summary.distribution), "");
  const probes = summary.probes;
  lines.push(`code probes: ${probes.hit}/${probes.total} hit, required ${probes.requiredHit}/${probes.required} hit, over ${probes.runsCollected} run(s)` +
    (probes.runsNotCollected > 0 ? `, ${probes.runsNotCollected} run(s) did not collect probes` : "") + " (table: coverage.html)");
  const failure = summary.failure;
  if (failure === undefined && probes.missingRequired.length > 0) {
    for (const name of probes.missingRequired) lines.push(`mqlab: required code probe not hit: ${name}`);
    lines.push(`FAIL  battery seed ${summary.seed}: every run passed, but ${probes.missingRequired.length} required code probe(s) were not hit (${probes.missingRequired.join(", ")})`);
    return lines.join("\n");
  }
  if (failure === undefined) {
    lines.push(`PASS  battery seed ${summary.seed}: ${(summary.wallMs / 1000).toFixed(1)} s of a ${(summary.budgetMs / 1000).toFixed(0)} s budget`);
    return lines.join("\n");
  }
  if (summary.failures.length > 1) {
    lines.push(`${summary.failures.length} failing swarm runs (kept going):`);
    for (const each of summary.failures) lines.push(`  run ${String(each.runIndex)} ${each.property ?? ""}: ${each.result.checks.filter((check) => check.verdict === "fail").map((check) => check.summary).join("; ").slice(0, 200)}  replay: ${each.replay}`);
    lines.push("");
  }
  lines.push(`${summary.verdict === "error" ? "ERROR" : "FAIL "} battery seed ${summary.seed}: ${failure.phase} phase` +
    (failure.property === undefined ? "" : `, property ${failure.property}, swarm run ${String(failure.runIndex)}, shrunk in ${String(failure.shrinks)} step(s) from ${String(failure.originalFaults)} fault(s)`));
  if (failure.scenario !== undefined) {
    lines.push("", `shrunk scenario: ${failure.scenario.description}`, `shrunk schedule (${failure.scenario.faults.length} fault(s)):`);
    for (const text of describeSchedule({ faults: failure.scenario.faults })) lines.push(`  ${text}`);
    if (failure.scenario.faults.length === 0) lines.push("  (none: the failure needs no fault)");
  }
  lines.push("", renderTextSummary(failure.result));
  lines.push(`run directory: ${failure.outDir}`);
  lines.push(`replay:        ${failure.replay}`);
  if (failure.reproduce !== undefined) lines.push(`search again:  ${failure.reproduce}`);
  return lines.join("\n");
}

/** One swarm thread per core the machine gives this process: each run is single-threaded JavaScript. */
function defaultThreads(): number {
  return availableParallelism();
}

function usage(message: string): never {
  process.stderr.write(`mqlab battery: ${message}\n`);
  process.exit(2);
}

function positiveInteger(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) usage(`${name} wants a positive integer, got "${text}"`);
  return value;
}

async function batteryAction(options: BatteryCliOptions): Promise<never> {
  const budgetS = positiveInteger(options.budget, "--budget") ?? usage("--budget <seconds> is required");
  const seedText = options.seed ?? "1";
  const seed = Number(seedText);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0x7fff_ffff) usage(`--seed wants an integer in 0..2147483647, got "${seedText}"`);
  if (options.deployer !== "sim") {
    usage(`--deployer ${options.deployer}: swarm runs need the simulator (known: ${deployerNames.join(", ")}; only sim is supported)`);
  }
  let testFaults;
  try {
    testFaults = options.broken === undefined ? undefined : parseBrokenSwitch(options.broken);
  } catch (error) {
    usage((error as Error).message);
  }
  const runsMax = positiveInteger(options.runs, "--runs");
  const firstRun = options.from === undefined ? undefined : Number(options.from);
  if (firstRun !== undefined && (!Number.isSafeInteger(firstRun) || firstRun < 0)) usage(`--from wants a swarm run number (0 or more), got "${options.from}"`);
  const shrinkRunsMax = positiveInteger(options.shrinkRuns, "--shrink-runs");
  const threads = positiveInteger(options.threads, "--threads") ?? defaultThreads();
  const outDir = resolve(options.out);
  process.stderr.write(`mqlab battery: budget ${budgetS} s, seed ${seed}, ${threads} thread(s), out ${outDir}` +
    `${testFaults === undefined ? "" : `, broken broker ${JSON.stringify(testFaults)}`}\n`);
  let summary: BatterySummary;
  try {
    summary = await runBattery({
      budgetMs: budgetS * 1000, seed, outDir, deployer: options.deployer, suite: options.suite, keepGoing: options.keepGoing === true, threads,
      ...(testFaults === undefined ? {} : { testFaults, brokenText: options.broken ?? "" }),
      ...(runsMax === undefined ? {} : { runsMax }),
      ...(firstRun === undefined ? {} : { firstRun }),
      ...(shrinkRunsMax === undefined ? {} : { shrinkRunsMax }),
      onLine: (text) => process.stderr.write(text + "\n"),
    });
  } catch (error) {
    process.stderr.write(`mqlab battery: the lab broke: ${errorText(error)}\n`);
    process.exit(2);
  }
  process.stdout.write(renderBatteryText(summary) + "\n");
  process.stdout.write(`\njunit:   ${join(outDir, "junit.xml")}\nsummary: ${join(outDir, "battery.html")} (and battery.json)\n`);
  process.exit(summary.exitCode);
}

/** Registers `battery` on the mqlab program. */
export function registerBatteryCommand(program: Command): void {
  program
    .command("battery")
    .description("what to run in CI: the CI suite, then swarm runs over generated configurations and faults until the budget is spent; stops at the first failure and shrinks it")
    .option("--budget <seconds>", "wall-time budget for the whole battery (required)")
    .option("--seed <n>", "battery seed: run i's configuration and faults derive from (seed, i)", "1")
    .option("--out <dir>", "output directory (junit.xml, battery.json, battery.html, the failure's run directory)", batteryDefaults.outDir)
    .option("--deployer <name>", "sim (swarm runs are simulated)", "sim")
    .option("--broken <switch>", `turn on a test-only broker fault in the swarm runs: ${brokenUsage()}`)
    .option("--runs <n>", "stop after n swarm runs even if budget is left")
    .option("--from <n>", "start at swarm run n (runs are numbered by seed and index alone: --from 698 --runs 1 --no-suite is run 698 of any battery with this seed)")
    .option("--shrink-runs <n>", `most runs spent shrinking a failure (default ${batteryDefaults.shrinkRunsMax})`)
    .option("--no-suite", "skip the CI suite (swarm runs only)")
    .option("--threads <n>", "swarm runs at once, each on a worker thread; the report is the same for any n (default: the machine's available parallelism)")
    .option("--keep-going", "measure: go on after failing swarm runs (unshrunk, each with its run directory)")
    .action(batteryAction);
}
