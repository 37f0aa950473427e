// `mqlab battery`: the one command for CI. It runs the CI suite (`mqlab suite ci --seeds 1`),
// then spends the rest of a wall-time budget on swarm runs (chaos/swarm/swarm_case.ts) across
// the battery's properties, stops at the first failure, shrinks it (chaos/check/check.ts) and
// writes junit.xml plus battery.json / battery.html (reports/battery.ts).
// Determinism: run i is (property i mod P, fast-check seed mix(seed, i)) — its configuration,
// faults and world seed derive from (seed, i) alone, so a budget only cuts the list short; it
// never changes what a run is. Shrinking is bounded by a run count, never by wall time, so a
// failure shrinks to the same case on any machine. The budget is split: searching stops when
// what is left is the shrink reserve.
import { join } from "node:path";
import { mkdirSync, writeFileSync } from "node:fs";
import type { BrokerTestFaults } from "../../system/broker/index.ts";
import { findSuite } from "../../scenarios/index.ts";
import { renderJunit } from "../../reports/junit.ts";
import { renderBatteryHtml } from "../../reports/battery.ts";
import { runCheck, type CheckReport, type CheckRunEvent } from "../check/check.ts";
import { findProperty, type PropertyName } from "../check/properties.ts";
import { brokenTag } from "../check/broken.ts";
import { runSuite } from "./suite_command.ts";
import type { RunResult } from "../result.ts";
import type { BatteryFailure, BatterySummary, SwarmRunRecord } from "../swarm/battery_summary.ts";
import type { Scenario } from "../scenario.ts";
import { effectiveIntervals } from "../scenario.ts";
import { faultRecordOf } from "../result.ts";
import { emptyDistribution, tally } from "../swarm/distribution.ts";
import { writeProbeCoverage } from "./coverage_command.ts";
import type { ProbeRun } from "../probes.ts";
import { requiredProbeNames, type ProbeName } from "../../system/env/index.ts";
import { swarmFaultWeights, swarmSource } from "../swarm/swarm_case.ts";
import { swarmFaultKinds, type SwarmFaultKind, type SwarmRole } from "../swarm/faults.ts";
import { writeRunReport } from "../../reports/run_dir.ts";
import { errorText } from "../../system/stdx/index.ts";

/**
 * The properties a battery cycles through: the durability pair, order, rebalance, duplicates,
 * "hostile" (SYNC_FLUSH under the workload mixes: orderly, failing/poison, batch, delayed,
 * broadcast, late, scaling, burst) and "all" (every checker under every fault kind).
 */
export const batteryProperties: readonly PropertyName[] = [
  "durability", "queue-order", "rebalance-converges", "no-acked-loss", "bounded-duplicates", "hostile", "all",
];

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
   * Probes the battery must hit (default: system/env/probe.ts's required ones); missing one fails
   * the battery (exit 1) naming it, when nothing else failed first.
   */
  requiredProbes?: readonly ProbeName[];
  /** Wall clock (ms); tests pass a fake one. */
  nowMs?: () => number;
  onLine?: (line: string) => void;
}

export const batteryDefaults = { shrinkRunsMax: 24, outDir: "reports/out/battery" } as const;

/** A 31-bit fast-check seed for run `index` of a battery with `seed` (splitmix32-style). */
export function runSeed(seed: number, index: number): number {
  let x = (Math.imul(seed | 0, 0x9e37_79b9) + Math.imul(index + 1, 0x85eb_ca6b)) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0_aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a_2d97);
  x ^= x >>> 15;
  return (x >>> 1) || 1;
}

/**
 * Kinds that may hit any node, aimed at a master in the covering pass: a master's crash, power
 * loss or full disk is where recovery, replication divergence and offset fallbacks live; the
 * random draws later spread them over every role.
 */
const masterFocused: ReadonlySet<SwarmFaultKind> = new Set(["crash", "clean-restart", "power-loss", "pause", "restart-loop", "slow-disk", "disk-full", "dying-disk-power-loss", "disk-error", "partition-isolate", "partition-bridge", "clock-skew"]);

/**
 * What run `index` of a battery is (budget-independent). The first swarmFaultKinds.length runs
 * are a covering pass: run i draws fault kind i first (its `focus`), under the first property in
 * rotation that may draw it, so a short battery visits every fault kind — and the recovery, HA,
 * disk and retry paths behind them — before the random draws begin. Later runs cycle the
 * properties with free draws.
 */
export function runPlan(seed: number, index: number): { property: PropertyName; fastCheckSeed: number; focus?: SwarmFaultKind; focusRole?: SwarmRole } {
  const fastCheckSeed = runSeed(seed, index);
  const focus = swarmFaultKinds[index];
  if (focus !== undefined) {
    for (let step = 0; step < batteryProperties.length; step++) {
      const property = batteryProperties[(index + step) % batteryProperties.length]!;
      if (property === "bounded-duplicates" || swarmFaultWeights(findProperty(property))[focus] === undefined) continue;
      return { property, fastCheckSeed, focus, ...(masterFocused.has(focus) ? { focusRole: "master" } : {}) };
    }
  }
  return { property: batteryProperties[index % batteryProperties.length]!, fastCheckSeed };
}

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

function brokenFlag(options: BatteryOptions): string {
  return options.brokenText === undefined ? "" : ` --broken ${options.brokenText}`;
}

export function checkCommandOf(property: string, options: BatteryOptions): string {
  return `npx mqlab check ${property} --swarm --runs 1${brokenFlag(options)}`;
}

/** A RunResult for a swarm run that wrote no directory (junit wants one per testcase). */
function resultOfRun(record: SwarmRunRecord, event: CheckRunEvent, deployer: string): RunResult {
  const scenario = event.scenario;
  const result: RunResult = {
    scenario: `${scenario?.name ?? `swarm/${record.property}`}#${record.index}`, topology: record.topology, deployer: deployer as RunResult["deployer"],
    seed: record.worldSeed ?? 0, verdict: record.verdict, checks: event.judged?.checks ?? [],
    counts: event.judged?.counts ?? { sent: 0, acked: 0, failed: 0, unknown: 0, consumed: 0, deliveries: 0, lost: 0, duplicated: 0, unexpected: 0, unknownResolvedOk: 0, failedButDelivered: 0 },
    faults: (scenario?.faults ?? []).map(faultRecordOf), intervals: scenario === undefined ? effectiveIntervals({ intervals: {} } as Scenario) : effectiveIntervals(scenario),
    wallMs: Math.round(record.wallMs), replay: `${record.reproduce} --seed ${record.fastCheckSeed}`,
    brokerConfig: scenario?.brokerConfig ?? {}, startedAt: "",
  };
  if (record.traceHash !== undefined) result.traceHash = record.traceHash;
  return result;
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

  if (options.suite ?? true) {
    line(`battery: CI suite (mqlab suite ci --seeds 1) on ${options.deployer}`);
    const suiteStartMs = now();
    suiteResults = await runSuite(findSuite("ci"), { seeds: 1, shard: undefined, deployer: options.deployer, outDir: join(options.outDir, "suite") });
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
  for (let index = firstRun; summary.failure === undefined || (options.keepGoing === true && summary.failure.phase === "swarm"); index++) {
    if (options.runsMax !== undefined && index - firstRun >= options.runsMax) { summary.stoppedBy = "runs"; break; }
    const meanRunMs = runs.length === 0 ? undefined : runs.reduce((sum, run) => sum + run.wallMs, 0) / runs.length;
    if (now() >= budgetEndMs - shrinkReserveMs(options.budgetMs, shrinkRunsMax, meanRunMs)) { summary.stoppedBy = "budget"; break; }
    const plan = runPlan(options.seed, index);
    const property = findProperty(plan.property);
    const reproduce = checkCommandOf(plan.property, options);
    const outDir = join(options.outDir, `failure--${plan.property}--run-${index}${options.testFaults === undefined ? "" : `--broken-${brokenTag(options.testFaults)}`}`);
    let searched: CheckRunEvent | undefined;
    let skipped = 0;
    let report: CheckReport;
    try {
      report = await runCheck({
        property, topology: "2m-noslave", runs: 1, seed: plan.fastCheckSeed, shrinkRunsMax: options.keepGoing === true ? 0 : shrinkRunsMax, outDir, command: reproduce,
        source: swarmSource(property, options.testFaults, plan.focus, plan.focusRole),
        ...(options.testFaults === undefined ? {} : { testFaults: options.testFaults }),
        onRun: (event) => {
          if (event.phase === "search" && event.verdict === "skipped") skipped++;
          else if (event.phase === "search") searched = event;
          else if (event.verdict !== "skipped") line(`  shrink ${String(event.index).padStart(3)}: ${event.verdict} ${event.faults} fault(s) ${Math.round(event.wallMs)} ms`);
        },
      });
    } catch (error) {
      throw new Error(`swarm run ${index} (${plan.property}, fast-check seed ${plan.fastCheckSeed}): ${errorText(error)}`, { cause: error });
    }
    if (searched?.scenario === undefined || searched.verdict === "skipped") throw new Error(`swarm run ${index}: fast-check ran no case`);
    const scenario = searched.scenario;
    const record: SwarmRunRecord = {
      index, property: plan.property, fastCheckSeed: plan.fastCheckSeed, topology: scenario.topology,
      verdict: searched.verdict, skipped, failedChecks: searched.failedChecks, wallMs: Math.round(searched.wallMs),
      description: scenario.description, config: scenario.generated?.config ?? {},
      faultKinds: scenario.generated?.draws.map((draw) => `${draw.kind}@${draw.role}`) ?? [], reproduce,
    };
    if (searched.judged?.traceHash !== undefined) record.traceHash = searched.judged.traceHash;
    if (searched.judged?.simulatedMs !== undefined) { record.simulatedMs = searched.judged.simulatedMs; simulatedMs += searched.judged.simulatedMs; }
    if (scenario.generated?.worldSeed !== undefined) record.worldSeed = scenario.generated.worldSeed;
    runs.push(record);
    const runResult = resultOfRun(record, searched, options.deployer);
    if (searched.judged?.probes !== undefined) runResult.probes = searched.judged.probes;
    swarmResults.push(runResult);
    tally(distribution, plan.property, scenario);
    line(`[swarm ${index + 1}] ${plan.property.padEnd(19)} ${scenario.topology.padEnd(11)} ${record.verdict.padEnd(5)} ` +
      `${String(scenario.faults.length).padStart(2)} fault(s) ${String(record.wallMs).padStart(5)} ms  ${record.faultKinds.join(",") || "-"}` +
      (record.failedChecks.length > 0 ? `  FAILED: ${record.failedChecks.join(", ").slice(0, 200)}` : "") +
      (skipped > 0 ? `  (${skipped} case(s) skipped by a precondition first)` : ""));
    const example = report.counterexample;
    if (report.failed && example !== undefined) {
      writeRunReport(example.outDir);
      const failure: BatteryFailure = {
        phase: "swarm", verdict: example.result.verdict, property: plan.property, runIndex: index, result: example.result, scenario: example.scenario,
        outDir: example.outDir, replay: example.replay, reproduce: example.reproduce, shrinks: report.shrinks, originalFaults: example.originalFaults.length,
      };
      summary.failures.push(failure);
      summary.failure ??= failure;
      summary.stoppedBy = "failure";
    }
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
