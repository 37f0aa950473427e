// Shared measurements for the incidents' symptom readings. Everything here reads checker
// results (result.json's checks and counts) or the recorded history (invokes, outcomes with
// their attempts and error names, deliveries, rebalance snapshots, nemesis and node events):
// data the run recorded on purpose, never log text.
import type { DeliverEvent, HistoryEvent, NemesisEvent, RebalanceEvent } from "../../chaos/history/types.ts";
import type { CheckResult, RunResult } from "../../chaos/result.ts";
import type { UnavailabilityWindow } from "../../chaos/checkers/failover.ts";
import type { GroupAssignment } from "../../chaos/checkers/rebalance.ts";
import type { SymptomSpan } from "../../chaos/incident_types.ts";

export interface SendOp {
  opId: number;
  process: string;
  invokeMs: number;
  outcome: "ok" | "fail" | "unknown" | "pending";
  outcomeMs?: number;
  queue?: string;
  /** Attempts the producer made (1 when the workload did not say). */
  attempts: number;
  error?: string;
}

/** Every send, its invoke joined with its outcome, in invoke order. */
export function sendOps(history: readonly HistoryEvent[]): SendOp[] {
  const byId = new Map<number, SendOp>();
  const ops: SendOp[] = [];
  for (const event of history) {
    if (event.type === "invoke" && event.op === "send") {
      const op: SendOp = { opId: event.opId, process: event.process, invokeMs: event.timeMs, outcome: "pending", attempts: 1 };
      byId.set(event.opId, op);
      ops.push(op);
    } else if ((event.type === "ok" || event.type === "fail" || event.type === "unknown") && event.op === "send") {
      const op = byId.get(event.opId);
      if (op === undefined) continue;
      op.outcome = event.type;
      op.outcomeMs = event.timeMs;
      if (event.attempts !== undefined) op.attempts = Math.max(1, event.attempts);
      if (event.queue !== undefined) op.queue = event.queue;
      if (event.error !== undefined) op.error = event.error;
    }
  }
  return ops.sort((left, right) => left.invokeMs - right.invokeMs);
}

/** Attempts that did not store the message: retries of acked sends plus every attempt of the others. */
export function failedAttempts(op: SendOp): number {
  return op.outcome === "ok" ? op.attempts - 1 : op.attempts;
}

export function checkOf(result: RunResult, name: string): CheckResult | undefined {
  return result.checks.find((check) => check.name === name);
}

/** The failover checker's windows (the evidence keeps every exceeded one and the longest). */
export function failoverWindows(result: RunResult): UnavailabilityWindow[] {
  const evidence = checkOf(result, "failover")?.evidence as { windows?: { items?: UnavailabilityWindow[] } } | undefined;
  return evidence?.windows?.items ?? [];
}

/** The rebalance checker's per-group assessment. */
export function rebalanceGroups(result: RunResult): GroupAssignment[] {
  const evidence = checkOf(result, "rebalance")?.evidence as { groups?: GroupAssignment[] } | undefined;
  return evidence?.groups ?? [];
}

export function nemesisEvents(history: readonly HistoryEvent[]): NemesisEvent[] {
  return history.filter((event): event is NemesisEvent => event.type === "nemesis");
}

/** When fault `faultIndex` was injected and healed (run time), as recorded by the nemesis. */
export function faultTimes(history: readonly HistoryEvent[], faultIndex: number): { injectMs?: number; healMs?: number } {
  const times: { injectMs?: number; healMs?: number } = {};
  for (const event of nemesisEvents(history)) {
    if (event.faultIndex !== faultIndex) continue;
    if (event.phase === "inject" && times.injectMs === undefined) times.injectMs = event.timeMs;
    if (event.phase === "heal" && times.healMs === undefined) times.healMs = event.timeMs;
  }
  return times;
}

export function deliveriesOf(history: readonly HistoryEvent[], group: string): DeliverEvent[] {
  return history.filter((event): event is DeliverEvent => event.type === "deliver" && event.group === group);
}

/**
 * Stretches in which one queue was held by two or more consumers of a group at once, from
 * the consumers' own rebalance snapshots (each snapshot replaces that consumer's holdings).
 */
export function doubleHeldSpans(history: readonly HistoryEvent[], group: string, topic: string, endMs: number): SymptomSpan[] {
  const holdings = new Map<string, Set<string>>();
  const since = new Map<string, number>();
  const spans: SymptomSpan[] = [];
  const holdersOf = (queue: string): number => [...holdings.values()].filter((queues) => queues.has(queue)).length;
  const snapshots = history.filter((event): event is RebalanceEvent => event.type === "rebalance" && event.group === group && event.topic === topic);
  const queues = new Set(snapshots.flatMap((event) => event.queues));
  const settle = (atMs: number): void => {
    for (const queue of queues) {
      const shared = holdersOf(queue) > 1;
      const start = since.get(queue);
      if (shared && start === undefined) since.set(queue, atMs);
      if (!shared && start !== undefined) {
        if (atMs > start) spans.push({ startMs: start, endMs: atMs, label: `${queue} held by two consumers` });
        since.delete(queue);
      }
    }
  };
  for (const event of snapshots) {
    holdings.set(event.process, new Set(event.queues));
    settle(event.timeMs);
  }
  for (const [queue, start] of since) if (endMs > start) spans.push({ startMs: start, endMs, label: `${queue} held by two consumers` });
  return spans.sort((left, right) => left.startMs - right.startMs);
}

/** The union length of spans (overlaps counted once). */
export function coveredMs(spans: readonly SymptomSpan[]): number {
  const sorted = [...spans].sort((left, right) => left.startMs - right.startMs);
  let total = 0;
  let openStart = -Infinity;
  let openEnd = -Infinity;
  for (const span of sorted) {
    if (span.startMs > openEnd) {
      if (openEnd > openStart) total += openEnd - openStart;
      openStart = span.startMs;
      openEnd = span.endMs;
    } else {
      openEnd = Math.max(openEnd, span.endMs);
    }
  }
  if (openEnd > openStart) total += openEnd - openStart;
  return total;
}

/** "12.3 s" for the summaries. */
export function secondsText(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Messages sent at or after `sinceMs` that reached the group successfully more than once. */
export function duplicatedSentSince(history: readonly HistoryEvent[], group: string, sinceMs: number): number {
  const sentAt = new Map<string, number>();
  for (const event of history) if (event.type === "invoke" && event.op === "send") sentAt.set(event.messageId, event.timeMs);
  const successes = new Map<string, number>();
  for (const event of deliveriesOf(history, group)) {
    if (event.result !== "success" || (sentAt.get(event.messageId) ?? -Infinity) < sinceMs) continue;
    successes.set(event.messageId, (successes.get(event.messageId) ?? 0) + 1);
  }
  return [...successes.values()].filter((count) => count > 1).length;
}
