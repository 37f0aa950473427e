// One swarm run of the battery (chaos/cli/battery.ts): what run i is — a function of the
// battery's seed and i alone — and running it: a fast-check search of one case under the run's
// property, and, when it fails (unless the battery keeps going), the shrink. Everything in and
// out is plain data, so a run goes the same on the battery's own thread and on a worker thread
// (battery_pool.ts).
import { join } from "node:path";
import type { BrokerTestFaults } from "../../system/broker/index.ts";
import { runCheck, type CheckReport, type CheckRunEvent } from "../check/check.ts";
import { findProperty, type PropertyName } from "../check/properties.ts";
import { brokenTag } from "../check/broken.ts";
import type { RunResult } from "../result.ts";
import { effectiveIntervals, type Scenario } from "../scenario.ts";
import { faultRecordOf } from "../result.ts";
import type { BatteryFailure, SwarmRunRecord } from "../swarm/battery_summary.ts";
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

export function brokenFlag(options: { brokenText?: string }): string {
  return options.brokenText === undefined ? "" : ` --broken ${options.brokenText}`;
}

export function checkCommandOf(property: string, options: { brokenText?: string }): string {
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


/** What a swarm run needs besides its index (structured-cloneable: it goes to worker threads). */
export interface SwarmRunOptions {
  seed: number;
  outDir: string;
  deployer: string;
  testFaults?: BrokerTestFaults;
  /** The `--broken` text as given (for printed commands). */
  brokenText?: string;
  /** No shrinking: a failing run only gets its run directory. */
  keepGoing?: boolean;
  shrinkRunsMax: number;
}

/** What one swarm run gives the battery: plain data (a worker thread sends it back as is). */
export interface SwarmRunOutcome {
  record: SwarmRunRecord;
  /** The run as junit and the probe table see it (no run directory of its own). */
  result: RunResult;
  scenario: Scenario;
  /** The shrunk counterexample (unshrunk with keepGoing), when the run failed. */
  failure?: BatteryFailure;
}

/**
 * Runs swarm run `index`: the search case, and its shrink when it fails. `line` gets the shrink
 * steps as they run. Throws when the lab itself broke (naming the run and its fast-check seed).
 */
export async function swarmRun(options: SwarmRunOptions, index: number, line: (text: string) => void): Promise<SwarmRunOutcome> {
  const plan = runPlan(options.seed, index);
  const property = findProperty(plan.property);
  const reproduce = checkCommandOf(plan.property, options);
  const outDir = join(options.outDir, `failure--${plan.property}--run-${index}${options.testFaults === undefined ? "" : `--broken-${brokenTag(options.testFaults)}`}`);
  let searched: CheckRunEvent | undefined;
  let skipped = 0;
  let report: CheckReport;
  try {
    report = await runCheck({
      property, topology: "2m-noslave", runs: 1, seed: plan.fastCheckSeed, shrinkRunsMax: options.keepGoing === true ? 0 : options.shrinkRunsMax, outDir, command: reproduce,
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
  if (searched.judged?.simulatedMs !== undefined) record.simulatedMs = searched.judged.simulatedMs;
  if (scenario.generated?.worldSeed !== undefined) record.worldSeed = scenario.generated.worldSeed;
  const result = resultOfRun(record, searched, options.deployer);
  if (searched.judged?.probes !== undefined) result.probes = searched.judged.probes;
  const outcome: SwarmRunOutcome = { record, result, scenario };
  const example = report.counterexample;
  if (report.failed && example !== undefined) {
    writeRunReport(example.outDir);
    outcome.failure = {
      phase: "swarm", verdict: example.result.verdict, property: plan.property, runIndex: index, result: example.result, scenario: example.scenario,
      outDir: example.outDir, replay: example.replay, reproduce: example.reproduce, shrinks: report.shrinks, originalFaults: example.originalFaults.length,
    };
  }
  return outcome;
}

/** The battery's line for an accepted run. */
export function swarmRunLine(outcome: SwarmRunOutcome): string {
  const { record, scenario } = outcome;
  return `[swarm ${record.index + 1}] ${record.property.padEnd(19)} ${scenario.topology.padEnd(11)} ${record.verdict.padEnd(5)} ` +
    `${String(scenario.faults.length).padStart(2)} fault(s) ${String(record.wallMs).padStart(5)} ms  ${record.faultKinds.join(",") || "-"}` +
    (record.failedChecks.length > 0 ? `  FAILED: ${record.failedChecks.join(", ").slice(0, 200)}` : "") +
    (record.skipped > 0 ? `  (${record.skipped} case(s) skipped by a precondition first)` : "");
}
