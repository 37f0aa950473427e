// What a battery run records (battery.json) and reports/battery.ts renders: the suite and swarm
// phases, every swarm run, the first failure (and with keepGoing every one), probe coverage.
// Plain data: the battery command (chaos/cli/battery.ts) fills it, reports/ only reads it.
import type { BrokerTestFaults } from "../../system/broker/index.ts";
import type { ProbeName } from "../../system/env/index.ts";
import type { PropertyName } from "../check/properties.ts";
import type { RunResult, RunVerdict } from "../result.ts";
import type { Scenario } from "../scenario.ts";
import type { Distribution } from "./distribution.ts";

export interface SwarmRunRecord {
  index: number;
  property: PropertyName;
  fastCheckSeed: number;
  worldSeed?: number;
  topology: string;
  /** The judged case's verdict (a skipped case is never a run's verdict). */
  verdict: RunVerdict;
  /** Cases fast-check skipped (fc.pre) before it drew the judged one: not passes. */
  skipped: number;
  failedChecks: string[];
  wallMs: number;
  simulatedMs?: number;
  traceHash?: string;
  description: string;
  config: Record<string, string | number | boolean>;
  faultKinds: string[];
  /** Repeats this run's search (and shrink). */
  reproduce: string;
}

export interface BatteryFailure {
  phase: "suite" | "swarm";
  verdict: RunVerdict;
  property?: string;
  runIndex?: number;
  /** The shrunk (swarm) or failing (suite) run. */
  result: RunResult;
  scenario?: Scenario;
  outDir: string;
  replay: string;
  reproduce?: string;
  shrinks?: number;
  originalFaults?: number;
}

export interface BatterySummary {
  seed: number;
  budgetMs: number;
  deployer: string;
  testFaults?: BrokerTestFaults;
  verdict: RunVerdict;
  exitCode: 0 | 1 | 2;
  wallMs: number;
  suite: { runs: number; passed: number; wallMs: number; results: { scenario: string; seed: number; verdict: RunVerdict; wallMs: number; replay: string }[] } | null;
  /** passed: judged runs that passed; skipped: cases a precondition skipped (not in runs). */
  swarm: { runs: number; passed: number; skipped: number; wallMs: number; runsPerMinute: number; simulatedSecondsPerWallSecond: number };
  runs: SwarmRunRecord[];
  distribution: Distribution;
  failure?: BatteryFailure;
  /** With keepGoing: every failing swarm run (the first is `failure`). */
  failures: BatteryFailure[];
  /** Why the swarm stopped: "budget", "runs", "failure", "suite". */
  stoppedBy: string;
  command: string;
  /** Code probes over every run (suite and swarm search runs); the table is coverage.json/.html. */
  probes: BatteryProbes;
}

export interface BatteryProbes {
  total: number;
  hit: number;
  required: number;
  requiredHit: number;
  /** Required probes no run hit: the battery fails naming them (when nothing else failed). */
  missingRequired: ProbeName[];
  runsCollected: number;
  runsNotCollected: number;
}
