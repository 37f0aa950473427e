// `mqlab battery`: the one command for CI. It runs the CI suite (`mqlab suite ci --seeds 1`),
// then spends the rest of a wall-time budget on swarm runs (chaos/swarm/swarm_case.ts) across
// the battery's properties, stops at the first failure, shrinks it (chaos/check/check.ts) and
// writes junit.xml plus battery.json / battery.html (reports/battery.ts).
// Determinism: run i is (property i mod P, fast-check seed mix(seed, i)) — its configuration,
// faults and world seed derive from (seed, i) alone, so a budget only cuts the list short; it
// never changes what a run is. Shrinking is bounded by a run count, never by wall time, so a
// failure shrinks to the same case on any machine. The budget is split: searching stops when
// what is left is the shrink reserve. With `threads` > 1 the swarm runs go to worker threads
// (battery_pool.ts), several at once, and are accepted in index order: the report is the same,
// more runs fit in the budget.
import { join } from "node:path";
import { mkdirSync, writeFileSync } from "node:fs";
import type { BrokerTestFaults } from "../../system/broker/index.ts";
import { findSuite } from "../../scenarios/index.ts";
import { renderJunit } from "../../reports/junit.ts";
import { renderBatteryHtml } from "../../reports/battery.ts";
import { runSuite } from "./suite_command.ts";
import type { RunResult } from "../result.ts";
import type { BatterySummary, SwarmRunRecord } from "../swarm/battery_summary.ts";
import { emptyDistribution, tally } from "../swarm/distribution.ts";
import { writeProbeCoverage } from "./coverage_command.ts";
import type { ProbeRun } from "../probes.ts";
import { requiredProbeNames, type ProbeName } from "../../system/env/index.ts";
import { SwarmWorkerPool } from "./battery_pool.ts";
import { brokenFlag, swarmRun, swarmRunLine, type SwarmRunOptions, type SwarmRunOutcome } from "./swarm_run.ts";

export interface BatteryOptions {
  /** Wall-time budget for the whole battery (suite + swarm + shrink). */
  budgetMs: number;
  seed: number;
  outDir: string;
  deployer: string;
  testFaults?: BrokerTestFaults;
  /** The `--broken` text as given (for printed commands). */
  brokenText?: string;
  /** Run the CI suite first (default true). */
  suite?: boolean;
  /** Most swarm runs (default: as many as the budget allows). */
  runsMax?: number;
  /**
   * The first swarm run's index (default 0): runs are numbered by (seed, index) alone, so
   * `firstRun: 698, runsMax: 1` runs exactly the run a longer battery numbered 698.
   */
  firstRun?: number;
  shrinkRunsMax?: number;
  /**
   * Go on after a failing swarm run (no shrinking; each failure still gets its run directory):
   * for measuring a long run list. The verdict is the first failure's.
   */
  keepGoing?: boolean;
  /**
   * Swarm runs at once, each on its own worker thread (default 1: on this thread). What the
   * battery reports is the same for any count; only how many runs fit in the budget changes.
   */
  threads?: number;
  /**
   * Probes the battery must hit (default: system/env/probe.ts's required ones); missing one fails
   * the battery (exit 1) naming it, when nothing else failed first.
   */
  requiredProbes?: readonly ProbeName[];
  /** Wall clock (ms); tests pass a fake one. */
  nowMs?: () => number;
  onLine?: (line: string) => void;
}

export const batteryDefaults = { shrinkRunsMax: 24, outDir: "reports/out/battery" } as const;

/**
 * The part of the budget kept out of the search for shrinking: room for every shrink run (and
 * the counterexample's own run) at the mean wall time of the runs so far, at most half the
 * budget; before any run, a fifth of it. Wall time only decides how many runs are searched,
 * never what a run or a shrink step is.
 */
export function shrinkReserveMs(budgetMs: number, shrinkRunsMax: number = batteryDefaults.shrinkRunsMax, meanRunMs?: number): number {
  if (meanRunMs === undefined) return Math.round(budgetMs * 0.2);
  return Math.min(Math.round(budgetMs * 0.5), Math.round((shrinkRunsMax + 2) * meanRunMs));
}

/**
 * The swarm phase's totals. `passed` counts judged runs that passed; cases fast-check skipped
 * (a precondition, fc.pre, rejected them before anything ran) are `skipped`, never passes.
 */
export function swarmTotals(runs: readonly SwarmRunRecord[], wallMs: number, simulatedMs: number): BatterySummary["swarm"] {
  return {
    runs: runs.length, passed: runs.filter((run) => run.verdict === "pass").length,
    skipped: runs.reduce((sum, run) => sum + run.skipped, 0), wallMs: Math.round(wallMs),
    runsPerMinute: wallMs > 0 ? Math.round((runs.length * 60_000 / wallMs) * 10) / 10 : 0,
    simulatedSecondsPerWallSecond: wallMs > 0 ? Math.round((simulatedMs / wallMs) * 10) / 10 : 0,
  };
}

export async function runBattery(options: BatteryOptions): Promise<BatterySummary> {
  const now = options.nowMs ?? (() => performance.now());
  const line = options.onLine ?? (() => undefined);
  const startMs = now();
  const shrinkRunsMax = options.shrinkRunsMax ?? batteryDefaults.shrinkRunsMax;
  const distribution = emptyDistribution();
  const runs: SwarmRunRecord[] = [];
  const swarmResults: RunResult[] = [];
  const summary: BatterySummary = {
    seed: options.seed, budgetMs: options.budgetMs, deployer: options.deployer, verdict: "pass", exitCode: 0, wallMs: 0,
    suite: null, swarm: { runs: 0, passed: 0, skipped: 0, wallMs: 0, runsPerMinute: 0, simulatedSecondsPerWallSecond: 0 },
    runs, distribution, failures: [], stoppedBy: "budget",
    probes: { total: 0, hit: 0, required: 0, requiredHit: 0, missingRequired: [], runsCollected: 0, runsNotCollected: 0 },
    command: `npx mqlab battery --budget ${Math.round(options.budgetMs / 1000)} --seed ${options.seed}${brokenFlag(options)}`,
  };
  if (options.testFaults !== undefined) summary.testFaults = options.testFaults;
  mkdirSync(options.outDir, { recursive: true });
  let suiteResults: RunResult[] = [];
  const keepGoing = options.keepGoing === true;
  const runOptions: SwarmRunOptions = {
    seed: options.seed, outDir: options.outDir, deployer: options.deployer, keepGoing, shrinkRunsMax,
    ...(options.testFaults === undefined ? {} : { testFaults: options.testFaults }),
    ...(options.brokenText === undefined ? {} : { brokenText: options.brokenText }),
  };
  const threads = Math.max(1, options.threads ?? 1);
  const pool = threads > 1 ? new SwarmWorkerPool(threads, runOptions, line) : undefined;

  if (options.suite ?? true) {
    line(`battery: CI suite (mqlab suite ci --seeds 1) on ${options.deployer}`);
    const suiteStartMs = now();
    const suiteOutDir = join(options.outDir, "suite");
    try {
      suiteResults = await runSuite(findSuite("ci"), {
        seeds: 1, shard: undefined, deployer: options.deployer, outDir: suiteOutDir,
        // Worker threads run suite jobs in the simulator only (battery_worker.ts).
        ...(pool === undefined || options.deployer !== "sim" ? {} : { threads, runJob: (job) => pool.runSuiteJob(job, suiteOutDir) }),
      });
    } catch (error) {
      await pool?.close();
      throw error;
    }
    summary.suite = {
      runs: suiteResults.length, passed: suiteResults.filter((result) => result.verdict === "pass").length, wallMs: Math.round(now() - suiteStartMs),
      results: suiteResults.map((result) => ({ scenario: result.scenario, seed: result.seed, verdict: result.verdict, wallMs: result.wallMs, replay: result.replay })),
    };
    const broken = suiteResults.find((result) => result.verdict === "error") ?? suiteResults.find((result) => result.verdict === "fail");
    if (broken !== undefined) {
      summary.failure = { phase: "suite", verdict: broken.verdict, result: broken, outDir: join(options.outDir, "suite"), replay: broken.replay };
      summary.stoppedBy = "suite";
    }
  }

  const swarmStartMs = now();
  let simulatedMs = 0;
  const budgetEndMs = startMs + options.budgetMs;
  const firstRun = options.firstRun ?? 0;
  // Runs start in index order, up to `threads` at once, and are accepted in index order: a run
  // finished early waits for the runs before it, and the first failure accepted ends the search
  // (runs after it, finished or not, are dropped), as a one-thread battery would have stopped.
  const inFlight = new Map<number, Promise<[number, SwarmRunOutcome]>>();
  const finished = new Map<number, SwarmRunOutcome>();
  let nextIndex = firstRun;
  let acceptIndex = firstRun;
  let starting = summary.failure === undefined;
  /** A failure was accepted and the battery is not keeping going: nothing after it counts. */
  let failed = false;
  const mayStart = (): boolean => {
    if (!starting) return false;
    if (options.runsMax !== undefined && nextIndex - firstRun >= options.runsMax) { summary.stoppedBy = "runs"; starting = false; return false; }
    const meanRunMs = runs.length === 0 ? undefined : runs.reduce((sum, run) => sum + run.wallMs, 0) / runs.length;
    if (now() >= budgetEndMs - shrinkReserveMs(options.budgetMs, shrinkRunsMax, meanRunMs)) { summary.stoppedBy = "budget"; starting = false; return false; }
    return true;
  };
  const accept = (outcome: SwarmRunOutcome): void => {
    runs.push(outcome.record);
    simulatedMs += outcome.record.simulatedMs ?? 0;
    swarmResults.push(outcome.result);
    tally(distribution, outcome.record.property, outcome.scenario);
    line(swarmRunLine(outcome));
    if (outcome.failure === undefined) return;
    summary.failures.push(outcome.failure);
    summary.failure ??= outcome.failure;
    if (!keepGoing) { summary.stoppedBy = "failure"; starting = false; failed = true; }
  };
  try {
    for (;;) {
      while (inFlight.size < threads && mayStart()) {
        const index = nextIndex++;
        const outcome = pool === undefined ? swarmRun(runOptions, index, line) : pool.run(index);
        inFlight.set(index, outcome.then((done) => [index, done]));
      }
      if (inFlight.size === 0) break;
      const [index, outcome] = await Promise.race(inFlight.values());
      inFlight.delete(index);
      finished.set(index, outcome);
      for (let next = finished.get(acceptIndex); next !== undefined && !failed; next = finished.get(acceptIndex)) {
        finished.delete(acceptIndex++);
        accept(next);
      }
      if (failed) break;
    }
  } finally {
    // Runs still in flight after a failure (or after the lab broke) are abandoned: closing the
    // pool rejects them, and nobody waits for them. (The suite phase above closes it itself.)
    for (const abandoned of inFlight.values()) abandoned.catch(() => undefined);
    await pool?.close();
  }

  summary.swarm = swarmTotals(runs, now() - swarmStartMs, simulatedMs);
  // Code probes: every suite run and every swarm search run (shrink re-runs add nothing new).
  const probeRuns: ProbeRun[] = [
    ...suiteResults.map((result) => ({ result })),
    ...swarmResults.map((result) => ({ result })),
  ];
  const required = options.requiredProbes ?? requiredProbeNames;
  const aggregate = writeProbeCoverage(options.outDir, `Code probes: ${summary.command}`, probeRuns, required);
  summary.probes = {
    total: aggregate.rows.length, hit: aggregate.hit.length, required: required.length,
    requiredHit: required.length - aggregate.missingRequired.length, missingRequired: aggregate.missingRequired,
    runsCollected: aggregate.runsCollected, runsNotCollected: aggregate.notCollected.length,
  };
  const failure = summary.failure;
  const probesMissed = failure === undefined && aggregate.missingRequired.length > 0;
  if (probesMissed) summary.stoppedBy = `${summary.stoppedBy}; required probes not hit`;
  summary.verdict = failure === undefined ? (probesMissed ? "fail" : "pass") : failure.verdict;
  summary.exitCode = failure === undefined ? (probesMissed ? 1 : 0) : failure.verdict === "error" ? 2 : 1;
  summary.wallMs = Math.round(now() - startMs);
  const suites = [{ name: "battery.suite-ci", results: suiteResults }, { name: "battery.swarm", results: swarmResults }];
  if (failure?.phase === "swarm") suites.push({ name: "battery.shrunk", results: [failure.result] });
  writeFileSync(join(options.outDir, "junit.xml"), renderJunit(suites.filter((suite) => suite.results.length > 0)));
  writeFileSync(join(options.outDir, "battery.json"), JSON.stringify(summary, null, 2) + "\n");
  writeFileSync(join(options.outDir, "battery.html"), renderBatteryHtml(summary));
  return summary;
}
