// Duplicates budget: at-least-once allows duplicates only where something explains them.
// A duplicate is a successful delivery of a message to a receiver (a CLUSTERING group, or one
// BROADCASTING consumer) after an earlier successful delivery to the same receiver. A retry
// (the listener answered RECONSUME_LATER, then a later delivery succeeded) is not a duplicate:
// only successes count. Each duplicate must be attributed to:
// - a fault window (fault_windows.ts) overlapping [first success − settle, duplicate]: a
//   crash/power loss/pause/partition can lose committed offsets (the consumer's in-memory
//   ones, the broker's consumerOffset.json persisted every few seconds) and replay; or
// - a rebalance window of the group (a membership change, or a snapshot moving a queue to
//   another consumer) overlapping the same span: the new owner restarts at the committed
//   offset, which lags what the old owner consumed by up to offsetPersistMs.
// settle = rebalanceMs + offsetPersistMs + 1 s: the time a queue change takes to be seen.
// Anything else fails the check naming the message, receiver, both times and the queue.
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { groupSpecs } from "./context.ts";
import type { CappedList } from "./evidence.ts";
import { capped, formatMs, idsMax, plural } from "./evidence.ts";
import type { Window } from "./fault_windows.ts";
import { faultWindows, rebalanceWindows } from "./fault_windows.ts";
import type { HistoryIndex } from "./history_index.ts";
import { indexHistory } from "./history_index.ts";

export type Duplicate = { id: string; receiver: string; queue: string; firstMs: number; duplicateMs: number; process: string; explainedBy?: string };

export type DuplicatesEvidence = {
  duplicates: number;
  explained: number;
  unexplained: CappedList<Duplicate>;
  /** Explained duplicates with their cause (capped). */
  attributed: CappedList<Duplicate>;
  settleMs: number;
};

export function settleMsOf(context: CheckContext): number {
  return context.intervals.rebalanceMs + context.intervals.offsetPersistMs + 1_000;
}

/** The window explaining a redelivery of a message first consumed at firstMs, again at againMs. */
export function explainRedelivery(
  windows: { faults: readonly Window[]; rebalances: ReadonlyMap<string, readonly Window[]> },
  group: string, firstMs: number, againMs: number, settleMs: number,
): Window | undefined {
  const overlaps = (window: Window): boolean =>
    window.startMs <= againMs && (window.endMs === null || window.endMs + settleMs >= firstMs - settleMs);
  return windows.faults.find(overlaps) ?? (windows.rebalances.get(group) ?? []).find(overlaps);
}

export function redeliveryWindows(index: HistoryIndex, context: CheckContext): { faults: Window[]; rebalances: Map<string, Window[]> } {
  return { faults: faultWindows(index, context), rebalances: rebalanceWindows(index, settleMsOf(context)) };
}

export function checkDuplicates(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const specs = groupSpecs(context.workload, index.seenGroups);
  const broadcasting = new Set(specs.filter((spec) => spec.model === "BROADCASTING").map((spec) => spec.group));
  const windows = redeliveryWindows(index, context);
  const settleMs = settleMsOf(context);
  const firstSuccess = new Map<string, number>();
  const unexplained: Duplicate[] = [];
  const attributed: Duplicate[] = [];
  for (const delivery of index.deliveries) {
    if (delivery.result !== "success" || !index.sendById.has(delivery.messageId)) continue;
    const receiver = broadcasting.has(delivery.group) ? `${delivery.group}/${delivery.process}` : delivery.group;
    const key = `${receiver}\u0000${delivery.messageId}`;
    const firstMs = firstSuccess.get(key);
    if (firstMs === undefined) {
      firstSuccess.set(key, delivery.timeMs);
      continue;
    }
    const duplicate: Duplicate = { id: delivery.messageId, receiver, queue: delivery.queue, firstMs, duplicateMs: delivery.timeMs, process: delivery.process };
    const why = explainRedelivery(windows, delivery.group, firstMs, delivery.timeMs, settleMs);
    if (why === undefined) unexplained.push(duplicate);
    else attributed.push({ ...duplicate, explainedBy: why.cause });
  }
  const max = idsMax(context);
  const evidence: DuplicatesEvidence = {
    duplicates: unexplained.length + attributed.length, explained: attributed.length,
    unexplained: capped(unexplained, max), attributed: capped(attributed, max), settleMs,
  };
  const first = unexplained[0];
  const summary = first !== undefined
    ? `${plural(unexplained.length, "duplicate")} no fault or rebalance explains; first ${first.id} to ${first.receiver} on ${first.queue} ` +
      `at ${formatMs(first.firstMs)} and again at ${formatMs(first.duplicateMs)} (${first.process}).`
    : evidence.duplicates === 0 ? "No duplicate deliveries."
      : `${plural(evidence.duplicates, "duplicate")}, each inside a fault or rebalance window (settle ${formatMs(settleMs)}).`;
  return { name: "duplicates", verdict: unexplained.length > 0 ? "fail" : "pass", summary, evidence };
}
