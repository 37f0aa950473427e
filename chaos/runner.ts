// One run, end to end: execute a scenario on a deployer, judge the history with the checkers,
// write DIR/result.json, DIR/history.jsonl and DIR/scenario.json (what replay re-runs). The
// HTML report is not the runner's business: the CLI renders it from those files
// (reports/run_dir.ts), so chaos/ never imports reports/. The verdict is "error" when the run itself broke (the history is still
// written: it shows how far it got).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadTopology } from "./topologies/index.ts";
import { contextFromScenario, evaluateRun, topologyFactsFromFiles } from "./checkers/index.ts";
import type { Deployer } from "./deploy/types.ts";
import { executeScenario } from "./execute.ts";
import { faultRecordOf, historyFileName, writeRunResult, emptyCounts, type RunResult } from "./result.ts";
import { effectiveIntervals, type Scenario } from "./scenario.ts";
import type { HistoryEvent } from "./history/types.ts";
import { scenarioFileName } from "./scenario_json.ts";

export interface RunOptions {
  deployer: Deployer;
  seed: number;
  outDir: string;
  /** How to replay this run; default: `npx mqlab replay <outDir>`. */
  replayCommand?: string;
}

/** Judges a history; `clock` says whether its times are the simulator's (virtual) or real. */
export function judge(scenario: Scenario, history: readonly HistoryEvent[], endMs: number, clock: "virtual" | "wall" = "wall"): Pick<RunResult, "checks" | "counts" | "verdict"> {
  const topology = loadTopology(scenario.topology);
  const facts = topologyFactsFromFiles(topology, scenario.brokerConfig ?? {}, scenario.brokerConfigByNode ?? {});
  const maxDuplicated = scenario.expectations.maxDuplicated;
  const context = contextFromScenario(scenario, facts, { endMs, options: { clock, ...(maxDuplicated === undefined ? {} : { maxDuplicated }) } });
  return evaluateRun(history, context);
}

/** The simulator reports simulated time; real deployers run on the wall clock. */
export function clockOf(execution: { simulatedMs: number | undefined }): "virtual" | "wall" {
  return execution.simulatedMs === undefined ? "wall" : "virtual";
}

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunResult> {
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(join(options.outDir, scenarioFileName), JSON.stringify(scenario, null, 2) + "\n");
  const startedAt = new Date().toISOString();
  const execution = await executeScenario(scenario, options.deployer, {
    seed: options.seed,
    outDir: options.outDir,
    wallClock: () => performance.now(),
  });
  const events = execution.history.events;
  writeFileSync(join(options.outDir, historyFileName), execution.history.toJsonl());
  const judged = execution.error === undefined ? judge(scenario, events, execution.endMs, clockOf(execution)) : { checks: [], counts: emptyCounts(), verdict: "error" as const };
  const result: RunResult = {
    scenario: scenario.name,
    topology: scenario.topology,
    deployer: options.deployer.name,
    seed: options.seed,
    verdict: judged.verdict,
    checks: judged.checks,
    counts: judged.counts,
    faults: scenario.faults.map(faultRecordOf),
    intervals: effectiveIntervals(scenario),
    wallMs: Math.round(execution.wallMs),
    replay: options.replayCommand ?? `npx mqlab replay ${options.outDir}`,
    brokerConfig: scenario.brokerConfig ?? {},
    startedAt,
    probes: execution.probes,
  };
  if (execution.error !== undefined) result.error = execution.error;
  if (scenario.brokerConfigByNode !== undefined) result.brokerConfigByNode = scenario.brokerConfigByNode;
  if (scenario.testFaults !== undefined) result.testFaults = scenario.testFaults;
  if (execution.traceHash !== undefined) result.traceHash = execution.traceHash;
  if (execution.simulatedMs !== undefined) result.simulatedMs = Math.round(execution.simulatedMs);
  writeRunResult(options.outDir, result);
  return result;
}
