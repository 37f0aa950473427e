// `mqlab check`: a fast-check property over generated runs. Each case (arbitraries.ts) becomes
// a scenario (check_scenario.ts) that runs in the simulator and is judged by the property's
// checkers; a failing case is shrunk by fast-check to the fewest faults with the earliest,
// shortest windows, then run once more through runScenario so it lands as an ordinary run
// directory that `mqlab replay` reproduces (same verdict, same traceHash).
// Determinism: the search depends only on the fast-check seed (and path): runs are simulated,
// and the shrink budget counts property calls, never wall time.
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BrokerTestFaults } from "../../system/broker/index.ts";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import { executeScenario } from "../execute.ts";
import type { ScheduledFault } from "../faults/types.ts";
import { emptyCounts, type CheckResult, type ProbeHits, type RunCounts, type RunProbes, type RunResult, type RunVerdict } from "../result.ts";
import { ProbeCounter } from "../../system/env/index.ts";
import { clockOf, judge, runScenario } from "../runner.ts";
import type { Scenario, TopologyName } from "../scenario.ts";
import { checkCaseArbitrary, type CheckCase } from "./arbitraries.ts";
import { checkScenario } from "./check_scenario.ts";
import type { CheckProperty } from "./properties.ts";

/**
 * Where a check's cases come from: an arbitrary and the scenario each case becomes. The plain
 * `mqlab check` source draws fault schedules over a fixed topology (arbitraries.ts); the swarm
 * source (chaos/swarm/) also draws the topology and the configuration.
 */
export interface CaseSource<C extends { seed: number }> {
  arbitrary: fc.Arbitrary<C>;
  scenarioOf(checkCase: C): Scenario;
  /** What check.json records about the first failing and the shrunk case. */
  recordOf(checkCase: C): Record<string, unknown>;
  /**
   * Generate without fast-check's bias toward small values (its first runs are biased: a
   * one-run search would mostly draw empty schedules). Shrinking is unaffected.
   */
  unbiased?: boolean;
}

/** The plain source: schedules over one topology (`mqlab check` without --swarm). */
export function scheduleSource(property: CheckProperty, topology: TopologyName, testFaults?: BrokerTestFaults): CaseSource<CheckCase> {
  return {
    arbitrary: checkCaseArbitrary(property, topology),
    scenarioOf: (checkCase) => checkScenario(checkCase, property, topology, testFaults),
    recordOf: (checkCase) => ({ faults: checkCase.faults, workload: checkCase.workload, worldSeed: checkCase.seed }),
  };
}

export interface CheckOptions {
  property: CheckProperty;
  topology: TopologyName;
  /** Generated cases to try before declaring the property holds. */
  runs: number;
  /** fast-check seed: the same seed gives the same cases and the same shrinking. */
  seed: number;
  /** fast-check path of a counterexample: replays it (and shrinks on from it). */
  path?: string;
  /** Property calls allowed while shrinking; later candidates count as passing. */
  shrinkRunsMax: number;
  /** Deliberately broken brokers (system/broker/test_faults.ts). */
  testFaults?: BrokerTestFaults;
  /** Where the shrunk counterexample's run directory goes. */
  outDir: string;
  /** The command that reproduces this search (printed, and written to check.json). */
  command: string;
  onRun?: (event: CheckRunEvent) => void;
  /** Where the cases come from (default: scheduleSource(property, topology, testFaults)). */
  source?: CaseSource<{ seed: number }>;
}

export interface CheckRunEvent {
  phase: "search" | "shrink";
  /** 1-based call number within its phase. */
  index: number;
  verdict: RunVerdict | "skipped";
  faults: number;
  failedChecks: string[];
  wallMs: number;
  /** The run's scenario and judgement (absent for skipped shrink candidates). */
  scenario?: Scenario;
  judged?: Judged;
}

export interface Counterexample {
  scenario: Scenario;
  result: RunResult;
  outDir: string;
  /** fast-check's path to the shrunk case (with the seed, replays the search's end). */
  path: string;
  /** The first failing case's faults, before shrinking. */
  originalFaults: ScheduledFault[];
  /** The first failing case's scenario, before shrinking. */
  originalScenario: Scenario;
  replay: string;
  reproduce: string;
}

export interface CheckReport {
  property: string;
  topology: TopologyName;
  seed: number;
  testFaults?: BrokerTestFaults;
  /** Generated cases run (the failing one included). */
  runs: number;
  /** Search cases a precondition (fc.pre in the source) made fast-check skip: neither run nor passed. */
  skipped: number;
  /** Shrink steps fast-check accepted, and property calls spent shrinking. */
  shrinks: number;
  shrinkRuns: number;
  failed: boolean;
  counterexample?: Counterexample;
  wallMs: number;
  /** Code probes hit over every generated run (search and shrink), summed over their nodes. */
  probes: ProbeHits;
}

export interface Judged {
  verdict: RunVerdict;
  failedChecks: string[];
  checks: CheckResult[];
  counts: RunCounts;
  traceHash?: string;
  simulatedMs?: number;
  probes: RunProbes;
}

/** Runs one scenario in the simulator and judges it (no files). */
export async function judgeScenario(scenario: Scenario, seed: number): Promise<Judged> {
  const execution = await executeScenario(scenario, new SimDeployer(), { seed, outDir: "", wallClock: () => performance.now() });
  const trace = {
    ...(execution.traceHash === undefined ? {} : { traceHash: execution.traceHash }),
    ...(execution.simulatedMs === undefined ? {} : { simulatedMs: Math.round(execution.simulatedMs) }),
  };
  if (execution.error !== undefined) return { verdict: "error", failedChecks: [execution.error], checks: [], counts: emptyCounts(), probes: execution.probes, ...trace };
  const judged = judge(scenario, execution.history.events, execution.endMs, clockOf(execution));
  const failedChecks = judged.checks.filter((check) => check.verdict === "fail").map((check) => check.name);
  return { verdict: judged.verdict, failedChecks, checks: judged.checks, counts: judged.counts, probes: execution.probes, ...trace };
}

export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const startMs = performance.now();
  const source = options.source ?? (scheduleSource(options.property, options.topology, options.testFaults));
  let searchRuns = 0;
  let skippedRuns = 0;
  let shrinkRuns = 0;
  let firstFailure: { seed: number } | undefined;
  const probes = new ProbeCounter();
  const property = fc.asyncProperty(source.arbitrary, async (checkCase) => {
    const shrinking = firstFailure !== undefined;
    const index = shrinking ? ++shrinkRuns : ++searchRuns;
    const phase = shrinking ? "shrink" : "search";
    let scenario: Scenario;
    try {
      scenario = source.scenarioOf(checkCase);
    } catch (error) {
      // fc.pre(false) in a source: fast-check skips the case and draws another. Say so (a
      // battery counts skipped cases apart from passes) and let fast-check see the failure.
      if (fc.PreconditionFailure.isFailure(error)) {
        if (!shrinking) skippedRuns++;
        options.onRun?.({ phase, index, verdict: "skipped", faults: 0, failedChecks: [], wallMs: 0 });
      }
      throw error;
    }
    if (shrinking && shrinkRuns > options.shrinkRunsMax) {
      options.onRun?.({ phase, index, verdict: "skipped", faults: scenario.faults.length, failedChecks: [], wallMs: 0 });
      return true;
    }
    const runStartMs = performance.now();
    const judged = await judgeScenario(scenario, checkCase.seed);
    if (judged.probes.collected) probes.addAll(judged.probes.hits);
    options.onRun?.({ phase, index, verdict: judged.verdict, faults: scenario.faults.length, failedChecks: judged.failedChecks, wallMs: performance.now() - runStartMs, scenario, judged });
    if (judged.verdict === "pass") return true;
    firstFailure ??= checkCase;
    return false;
  });
  const parameters: fc.Parameters<[{ seed: number }]> = { seed: options.seed, numRuns: options.runs };
  if (options.path !== undefined) parameters.path = options.path;
  if (source.unbiased === true) parameters.unbiased = true;
  const details = await fc.check(property, parameters);
  const report: CheckReport = {
    property: options.property.name, topology: options.topology, seed: options.seed,
    runs: searchRuns - skippedRuns, skipped: skippedRuns, shrinks: details.numShrinks, shrinkRuns: Math.min(shrinkRuns, options.shrinkRunsMax),
    failed: details.failed, wallMs: 0, probes: {},
  };
  if (options.testFaults !== undefined) report.testFaults = options.testFaults;
  if (details.failed && details.counterexample !== null && details.counterexamplePath !== null) {
    const [shrunk] = details.counterexample;
    report.counterexample = await writeCounterexample(source, shrunk, firstFailure ?? shrunk, details.counterexamplePath, options);
  } else if (details.failed) {
    throw new Error(`fast-check failed without a counterexample: ${String(details.errorInstance ?? "interrupted")}`);
  }
  report.wallMs = Math.round(performance.now() - startMs);
  report.probes = probes.snapshot();
  return report;
}

async function writeCounterexample<C extends { seed: number }>(source: CaseSource<C>, shrunk: C, original: C, path: string, options: CheckOptions): Promise<Counterexample> {
  const scenario = source.scenarioOf(shrunk);
  const originalScenario = source.scenarioOf(original);
  const replay = `npx mqlab replay ${options.outDir}`;
  const reproduce = `${options.command} --seed ${options.seed} --path ${path}`;
  const result = await runScenario(scenario, { deployer: new SimDeployer(), seed: shrunk.seed, outDir: options.outDir, replayCommand: replay });
  if (result.verdict === "pass") {
    throw new Error(`the shrunk case passed when run again (${options.outDir}): the simulation is not deterministic`);
  }
  const counterexample: Counterexample = {
    scenario, result, outDir: options.outDir, path, originalFaults: originalScenario.faults, originalScenario, replay, reproduce,
  };
  const record = {
    property: options.property.name, topology: scenario.topology, fastCheck: { seed: options.seed, path, runs: options.runs },
    testFaults: options.testFaults ?? null, verdict: result.verdict, traceHash: result.traceHash ?? null,
    originalFaults: originalScenario.faults, shrunkFaults: scenario.faults, worldSeed: shrunk.seed,
    original: source.recordOf(original), shrunk: source.recordOf(shrunk),
    replay, reproduce,
  };
  writeFileSync(join(options.outDir, "check.json"), JSON.stringify(record, null, 2) + "\n");
  return counterexample;
}
