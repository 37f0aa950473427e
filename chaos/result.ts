// The result contract of one run: DIR/result.json, written by the runner, read by reports/ and
// CI. It is plain JSON (no Infinity, no undefined): an unbounded bound is `null`. The overall
// verdict is "error" when the run itself broke (the message says why), else "fail" iff some
// check failed. Evidence is structured data the report renders; long id lists are capped by
// the checkers (a count always comes with them).
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Fault, ScheduledFault } from "./faults/types.ts";
import { faultTarget } from "./faults/types.ts";
import type { Intervals } from "./scenario.ts";
import type { BrokerTestFaults } from "../system/broker/index.ts";
import type { ProbeName } from "../system/env/index.ts";

/** Code-probe hits by name (only probes hit at least once); see chaos/probes.ts. */
export type ProbeHits = Partial<Record<ProbeName, number>>;

/** What a run says about code probes: the hits, or honestly that they were not collected. */
export type RunProbes =
  | { collected: true; hits: ProbeHits }
  | { collected: false; reason: string };

export type Deployer = "sim" | "process" | "container" | "external" | "k8s";
export type RunVerdict = "pass" | "fail" | "error";
export type CheckVerdict = "pass" | "fail";

/** Structured evidence of one check (see each checker's evidence type for its keys). */
export type CheckEvidence = { readonly [key: string]: unknown };

export interface CheckResult {
  /** The checker's name: "delivery", "order", "failover", "rebalance", "latency". */
  name: string;
  verdict: CheckVerdict;
  /** One human sentence: what was checked and what was found. */
  summary: string;
  evidence: CheckEvidence;
}

export interface RunCounts {
  /** Send invokes. */
  sent: number;
  acked: number;
  failed: number;
  /** Outcome unknown (timeouts), including invokes the history never completed. */
  unknown: number;
  /** Distinct message ids delivered successfully (to any group). */
  consumed: number;
  /** Every deliver event (retries and duplicates included). */
  deliveries: number;
  /** Distinct acked message ids some group (or broadcasting consumer) never received. */
  lost: number;
  /** Distinct message ids delivered successfully more than once to one group/consumer. */
  duplicated: number;
  /** Distinct message ids delivered but never sent. */
  unexpected: number;
  /** Unknown-outcome sends that were delivered: they did happen. */
  unknownResolvedOk: number;
  /** Failed sends that were delivered anyway (the ack was lost, the store kept it). */
  failedButDelivered: number;
}

/** One fault as it happened (or was scheduled): what the report shades on the timeline. */
export interface FaultRecord {
  atMs: number;
  healAtMs?: number;
  kind: string;
  target: string;
  detail?: string;
}

/** For incident reproductions: the story the report tells next to the evidence. */
export interface Narrative {
  title: string;
  symptom: string;
  cause: string;
  /** What in this report shows the cause (which chart, which check). */
  reportShows: string;
  fix: string;
}

/** A result without its own phases/narrative: one phase of a two-phase incident run. */
export type RunSummary = Omit<RunResult, "phases" | "narrative">;

/** An incident phase's symptom reading (scenarios/incidents/): shown or not, and the numbers. */
export interface PhaseSymptom {
  present: boolean;
  /** One sentence with the numbers behind the decision. */
  summary: string;
  measured: Record<string, number | string | boolean>;
  /** When the symptom showed (run time), shaded on the phase's timeline. */
  spans: { startMs: number; endMs: number; label: string }[];
}

export interface PhaseResult extends RunSummary {
  /** Short phase name, e.g. "before the fix" / "after the fix". */
  phase: string;
  description?: string;
  symptom?: PhaseSymptom;
}

export interface RunResult {
  scenario: string;
  /** The topology's name (a TopologyName for the classic four). */
  topology: string;
  deployer: Deployer;
  seed: number;
  verdict: RunVerdict;
  /** Why the run broke, when verdict is "error". */
  error?: string;
  checks: CheckResult[];
  counts: RunCounts;
  faults: FaultRecord[];
  intervals: Intervals;
  /** Sim only: hash of the event trace (same seed, same hash). */
  traceHash?: string;
  simulatedMs?: number;
  wallMs: number;
  /** The one command that replays this run. */
  replay: string;
  /** broker.conf overrides the run applied (every broker). */
  brokerConfig: Record<string, string>;
  brokerConfigByNode?: Record<string, Record<string, string>>;
  /** Test-only switches that deliberately broke the brokers (Scenario.testFaults). */
  testFaults?: BrokerTestFaults;
  /** ISO time the run started (informational: never part of a determinism check). */
  startedAt: string;
  /** Code probes hit in system/ (summed over every node), or why they were not collected. */
  probes?: RunProbes;
  narrative?: Narrative;
  phases?: PhaseResult[];
}

export const resultFileName = "result.json";
export const historyFileName = "history.jsonl";
export const reportFileName = "report.html";

export function emptyCounts(): RunCounts {
  return {
    sent: 0, acked: 0, failed: 0, unknown: 0, consumed: 0, deliveries: 0,
    lost: 0, duplicated: 0, unexpected: 0, unknownResolvedOk: 0, failedButDelivered: 0,
  };
}

/** "fail" iff some check failed; an error verdict is decided by the runner, not here. */
export function verdictOf(checks: readonly CheckResult[]): "pass" | "fail" {
  return checks.some((check) => check.verdict === "fail") ? "fail" : "pass";
}

/** Exit code convention (as Jepsen's): 0 pass, 1 fail, 2 error (the run itself broke). */
export function exitCodeOf(verdict: RunVerdict): 0 | 1 | 2 {
  return verdict === "pass" ? 0 : verdict === "fail" ? 1 : 2;
}

export function faultRecordOf(scheduled: ScheduledFault): FaultRecord {
  const record: FaultRecord = {
    atMs: scheduled.atMs,
    kind: scheduled.fault.kind,
    target: faultTarget(scheduled.fault),
  };
  if (scheduled.healAtMs !== undefined) record.healAtMs = scheduled.healAtMs;
  const detail = faultDetail(scheduled.fault);
  if (detail !== undefined) record.detail = detail;
  return record;
}

function faultDetail(fault: Fault): string | undefined {
  switch (fault.kind) {
    case "firewall":
      return `${fault.mode} ${fault.direction} port ${fault.port}`;
    case "flow":
      return `+${fault.delayMs}±${fault.jitterMs} ms, ${fault.lossPercent}% loss, ${fault.direction}` +
        (fault.bandwidthBytesPerSecond === undefined ? "" : `, ${fault.bandwidthBytesPerSecond} B/s`) +
        (fault.resetPercent === undefined ? "" : `, ${fault.resetPercent}% of writes reset mid-frame`);
    case "heartbeat-loss":
      return fault.scope;
    case "connection-reset":
      return `${fault.midFrame ? "mid-frame" : "between frames"}${fault.port === undefined ? "" : ` port ${fault.port}`}` +
        (fault.asymmetricDelayMs === undefined ? "" : `, target side ${fault.asymmetricDelayMs} ms later`);
    case "partition":
      return fault.shape;
    case "clock-skew":
      return `${fault.offsetMs} ms`;
    case "slow-disk":
      return `fsync ×${fault.factor}`;
    default:
      return undefined;
  }
}

/** Returns why `value` is not a RunResult, or null. Checks the shape, not every field. */
export function validateRunResult(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return "not an object";
  const result = value as Partial<RunResult>;
  if (typeof result.scenario !== "string") return "scenario: not a string";
  if (typeof result.seed !== "number") return "seed: not a number";
  if (result.verdict !== "pass" && result.verdict !== "fail" && result.verdict !== "error") {
    return `verdict: ${JSON.stringify(result.verdict)} is not pass|fail|error`;
  }
  if (!Array.isArray(result.checks)) return "checks: not an array";
  for (const [index, check] of result.checks.entries()) {
    if (typeof check?.name !== "string") return `checks[${index}].name: not a string`;
    if (check.verdict !== "pass" && check.verdict !== "fail") return `checks[${index}].verdict: bad`;
  }
  if (typeof result.counts !== "object" || result.counts === null) return "counts: missing";
  if (!Array.isArray(result.faults)) return "faults: not an array";
  if (typeof result.replay !== "string") return "replay: not a string";
  return null;
}

export class ResultFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ResultFileError";
  }
}

/** Writes DIR/result.json (creating DIR); returns the file's path. */
export function writeRunResult(directory: string, result: RunResult): string {
  const reason = validateRunResult(result);
  if (reason !== null) throw new ResultFileError(`refusing to write a bad result: ${reason}`);
  mkdirSync(directory, { recursive: true });
  const path = join(directory, resultFileName);
  writeFileSync(path, JSON.stringify(result, null, 2) + "\n");
  return path;
}

/** Reads a result from a run directory or from the result.json path itself. */
export function readRunResult(directoryOrFile: string): RunResult {
  const path = statSync(directoryOrFile).isDirectory() ? join(directoryOrFile, resultFileName) : directoryOrFile;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ResultFileError(`${path}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  const reason = validateRunResult(value);
  if (reason !== null) throw new ResultFileError(`${path}: not a run result: ${reason}`);
  return value as RunResult;
}
