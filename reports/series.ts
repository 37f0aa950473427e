// What the report's charts show, computed from result.json + the history alone: per-bucket
// counts (sends invoked, acks, failed/unknown sends, deliveries, retries, deliveries of delayed
// messages, moves to the dead-letter queue), fault bands, node
// marks, and per group the queue ownership over time. Aggregated so a 1e6-event history
// becomes a few hundred points, never one DOM node per event.
import type { HistoryEvent } from "../chaos/history/types.ts";
import type { RunResult } from "../chaos/result.ts";

export interface Series {
  originMs: number;
  endMs: number;
  bucketMs: number;
  invoked: Uint32Array;
  acked: Uint32Array;
  failed: Uint32Array;
  delivered: Uint32Array;
  retried: Uint32Array;
  /** Successful deliveries of messages sent with a delayTimeLevel. */
  delayed: Uint32Array;
  /**
   * Messages found in a group's DLQ, placed at their last failed delivery to that group (the
   * consumer's send-back then moved them; the DLQ itself is read only when the run drains).
   */
  deadLettered: Uint32Array;
}

const bucketChoicesMs = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
const bucketsMax = 600;
/** Sub-second buckets only for short runs (at most this many of them). */
const subSecondBucketsMax = 100;

/** The time axis: from 0 (run-relative histories) or the first event (epoch histories). */
export function timeRange(result: RunResult, history: readonly HistoryEvent[]): { originMs: number; endMs: number } {
  let firstMs = Infinity;
  let lastMs = -Infinity;
  for (const event of history) {
    if (event.timeMs < firstMs) firstMs = event.timeMs;
    if (event.timeMs > lastMs) lastMs = event.timeMs;
  }
  if (!Number.isFinite(firstMs)) firstMs = lastMs = 0;
  const originMs = firstMs > 1e12 ? firstMs : Math.min(0, firstMs);
  for (const fault of result.faults) lastMs = Math.max(lastMs, fault.healAtMs ?? fault.atMs);
  return { originMs, endMs: Math.max(lastMs, originMs + 1000) };
}

export function bucketize(history: readonly HistoryEvent[], originMs: number, endMs: number): Series {
  const spanMs = endMs - originMs;
  // Whole seconds when the run is long enough; finer for short (simulated) runs.
  const bucketMs = bucketChoicesMs.find((choice) => spanMs / choice <= bucketsMax && (choice >= 1000 || spanMs / choice <= subSecondBucketsMax))
    ?? bucketChoicesMs[bucketChoicesMs.length - 1] ?? 3_600_000;
  // Events at exactly endMs fall into the last bucket (clamped below), not a near-empty extra one.
  const count = Math.max(1, Math.ceil(spanMs / bucketMs));
  const series: Series = {
    originMs, endMs, bucketMs,
    invoked: new Uint32Array(count), acked: new Uint32Array(count), failed: new Uint32Array(count),
    delivered: new Uint32Array(count), retried: new Uint32Array(count),
    delayed: new Uint32Array(count), deadLettered: new Uint32Array(count),
  };
  const bucketOf = (timeMs: number): number => Math.min(count - 1, Math.max(0, Math.floor((timeMs - originMs) / bucketMs)));
  const delayedIds = new Set<string>();
  const deadLetters = new Set<string>();
  for (const event of history) {
    if (event.type === "invoke" && event.delayLevel !== undefined && event.delayLevel > 0) delayedIds.add(event.messageId);
    else if (event.type === "dlq") deadLetters.add(`${event.group}\u0000${event.messageId}`);
  }
  const lastFailureMs = new Map<string, number>();
  for (const event of history) {
    const bucket = bucketOf(event.timeMs);
    switch (event.type) {
      case "invoke": series.invoked[bucket]!++; break;
      case "ok": series.acked[bucket]!++; break;
      case "fail":
      case "unknown": series.failed[bucket]!++; break;
      case "deliver": {
        if (event.result === "success") series.delivered[bucket]!++;
        else series.retried[bucket]!++;
        if (event.result === "success" && (delayedIds.has(event.messageId) || (event.delayLevel ?? 0) > 0)) series.delayed[bucket]!++;
        const key = `${event.group}\u0000${event.messageId}`;
        if (event.result === "retry" && deadLetters.has(key)) lastFailureMs.set(key, Math.max(lastFailureMs.get(key) ?? -Infinity, event.timeMs));
        break;
      }
      default: break;
    }
  }
  for (const key of deadLetters) {
    const timeMs = lastFailureMs.get(key);
    // A dead letter whose failed deliveries were not recorded (another run's) is left out.
    if (timeMs !== undefined) series.deadLettered[bucketOf(timeMs)]!++;
  }
  return series;
}

export interface FaultBand {
  startMs: number;
  /** null: never healed (shaded to the end). */
  endMs: number | null;
  kind: string;
  target: string;
  detail?: string;
}

/** Faults as they happened (nemesis events), else as scheduled (result.faults). */
export function faultBands(result: RunResult, history: readonly HistoryEvent[]): FaultBand[] {
  const byIndex = new Map<number, FaultBand>();
  for (const event of history) {
    if (event.type !== "nemesis") continue;
    if (event.phase === "inject") {
      const band: FaultBand = { startMs: event.timeMs, endMs: null, kind: event.kind, target: event.target };
      if (event.detail !== undefined) band.detail = event.detail;
      byIndex.set(event.faultIndex, band);
    } else {
      const band = byIndex.get(event.faultIndex);
      if (band !== undefined && band.endMs === null) band.endMs = event.timeMs;
    }
  }
  if (byIndex.size > 0) return [...byIndex.values()].sort((left, right) => left.startMs - right.startMs);
  return result.faults.map((fault) => {
    const band: FaultBand = { startMs: fault.atMs, endMs: fault.healAtMs ?? null, kind: fault.kind, target: fault.target };
    if (fault.detail !== undefined) band.detail = fault.detail;
    return band;
  });
}

export interface NodeMark {
  timeMs: number;
  node: string;
  event: string;
}

export function nodeMarks(history: readonly HistoryEvent[], max = 400): { marks: NodeMark[]; total: number } {
  const marks: NodeMark[] = [];
  let total = 0;
  for (const event of history) {
    if (event.type !== "node") continue;
    total++;
    if (marks.length < max) marks.push({ timeMs: event.timeMs, node: event.node, event: event.event });
  }
  return { marks, total };
}

export interface HoldSegment {
  startMs: number;
  endMs: number;
  holders: string[];
}

export interface GroupLanes {
  group: string;
  topic: string;
  processes: string[];
  lanes: { queue: string; segments: HoldSegment[] }[];
}

/** Per group and queue: who held it when, from rebalance snapshots, leaves and node deaths. */
export function assignmentLanes(history: readonly HistoryEvent[], endMs: number): GroupLanes[] {
  type Hold = { process: string; startMs: number; endMs: number };
  const groups = new Map<string, { group: string; topic: string; open: Map<string, Map<string, number>>; holds: Map<string, Hold[]> }>();
  const close = (state: { open: Map<string, Map<string, number>>; holds: Map<string, Hold[]> }, process: string, queue: string, atMs: number): void => {
    const startMs = state.open.get(process)?.get(queue);
    if (startMs === undefined) return;
    state.open.get(process)?.delete(queue);
    const list = state.holds.get(queue) ?? [];
    list.push({ process, startMs, endMs: atMs });
    state.holds.set(queue, list);
  };
  for (const event of history) {
    if (event.type === "rebalance") {
      // One chart per (group, topic): a group also rebalances its retry topic's queues.
      const key = `${event.group}\u0000${event.topic}`;
      const state = groups.get(key) ?? { group: event.group, topic: event.topic, open: new Map(), holds: new Map() };
      groups.set(key, state);
      const open = state.open.get(event.process) ?? new Map<string, number>();
      state.open.set(event.process, open);
      const next = new Set(event.queues);
      for (const queue of [...open.keys()]) if (!next.has(queue)) close(state, event.process, queue, event.timeMs);
      for (const queue of next) {
        if (!open.has(queue)) open.set(queue, event.timeMs);
        if (!state.holds.has(queue)) state.holds.set(queue, []);
      }
    } else if ((event.type === "membership" && event.change === "leave") ||
      (event.type === "node" && (event.event === "crash" || event.event === "power-loss" || event.event === "stop"))) {
      const process = event.type === "node" ? event.node : event.process;
      for (const state of groups.values()) {
        if (event.type === "membership" && event.group !== state.group) continue;
        for (const queue of [...(state.open.get(process)?.keys() ?? [])]) close(state, process, queue, event.timeMs);
      }
    }
  }
  const result: GroupLanes[] = [];
  for (const [, state] of [...groups].sort(([left], [right]) => left.localeCompare(right))) {
    for (const [process, open] of state.open) for (const queue of [...open.keys()]) close(state, process, queue, endMs);
    const processes = new Set<string>(state.open.keys());
    const lanes = [...state.holds].sort(([left], [right]) => left.localeCompare(right, undefined, { numeric: true }))
      .map(([queue, holds]) => ({ queue, segments: segmentsOf(holds) }));
    result.push({ group: state.group, topic: state.topic, processes: [...processes].sort(), lanes });
  }
  return result;
}

function segmentsOf(holds: readonly { process: string; startMs: number; endMs: number }[]): HoldSegment[] {
  const marks = holds.flatMap((hold) => [
    { timeMs: hold.startMs, process: hold.process, delta: 1 },
    { timeMs: hold.endMs, process: hold.process, delta: -1 },
  ]).sort((left, right) => left.timeMs - right.timeMs || left.delta - right.delta);
  const holders = new Map<string, number>();
  const segments: HoldSegment[] = [];
  let lastMs = marks[0]?.timeMs ?? 0;
  for (const mark of marks) {
    if (mark.timeMs > lastMs && holders.size > 0) {
      const names = [...holders.keys()].sort();
      const previous = segments[segments.length - 1];
      if (previous !== undefined && previous.endMs === lastMs && previous.holders.join() === names.join()) previous.endMs = mark.timeMs;
      else segments.push({ startMs: lastMs, endMs: mark.timeMs, holders: names });
    }
    lastMs = mark.timeMs;
    const count = (holders.get(mark.process) ?? 0) + mark.delta;
    if (count <= 0) holders.delete(mark.process);
    else holders.set(mark.process, count);
  }
  return segments;
}
