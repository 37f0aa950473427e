// Latency: send (invoke → ok outcome) and end-to-end (invoke → first successful delivery to
// any group) as p50 / p99 / max in ms, nearest-rank, and one opinion that holds in every run:
// the calm wake (calm_wake.ts) — a message stored into a queue its consumer keeps up with, while
// nothing is faulted or moving, reaches the listener within the long poll's wake bound. Fails
// on a late calm wake, or when options.latency gives a p99 bound that is exceeded.
// O(n log n) (one sort per series and per queue).
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { calmWake, type CalmWakeEvidence } from "./calm_wake.ts";
import { capped, formatMs, idsMax, percentileOfSorted, plural, type CappedList } from "./evidence.ts";
import { indexHistory } from "./history_index.ts";

export type LatencyStats = { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null };
export type LatencyEvidence = {
  send: LatencyStats;
  endToEnd: LatencyStats;
  bounds: { sendP99Ms?: number; endToEndP99Ms?: number };
  calmWake: Omit<CalmWakeEvidence, "late"> & { late: CappedList<CalmWakeEvidence["late"][number]> };
};

export function checkLatency(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const sendMs: number[] = [];
  for (const send of index.sends) {
    if (send.outcome === "ok" && send.outcomeMs !== undefined) sendMs.push(send.outcomeMs - send.invokeMs);
  }
  const endToEndMs: number[] = [];
  for (const message of index.messages) {
    if (message.firstDeliveredMs !== undefined) endToEndMs.push(Math.max(0, message.firstDeliveredMs - message.invokeMs));
  }
  const bounds = context.options?.latency ?? {};
  const wake = calmWake(index, context);
  const evidence: LatencyEvidence = {
    send: statsOf(sendMs), endToEnd: statsOf(endToEndMs), bounds: { ...bounds },
    calmWake: { ...wake, late: capped(wake.late, idsMax(context)) },
  };
  const over: string[] = [];
  const latest = wake.late[0];
  if (latest !== undefined) {
    over.push(`${plural(wake.late.length, "calm wake")} of ${wake.judged} past ${formatMs(wake.boundMs)} (${latest.messageId} ` +
      `waited ${formatMs(latest.wakeMs)} in idle ${latest.queue} for ${latest.process} of ${latest.group}, acked at ${formatMs(latest.ackMs)})`);
  }
  if (bounds.sendP99Ms !== undefined && (evidence.send.p99Ms ?? 0) > bounds.sendP99Ms) {
    over.push(`send p99 ${formatMs(evidence.send.p99Ms)} > ${formatMs(bounds.sendP99Ms)}`);
  }
  if (bounds.endToEndP99Ms !== undefined && (evidence.endToEnd.p99Ms ?? 0) > bounds.endToEndP99Ms) {
    over.push(`end-to-end p99 ${formatMs(evidence.endToEnd.p99Ms)} > ${formatMs(bounds.endToEndP99Ms)}`);
  }
  const described = `send ${describe(evidence.send)}; end-to-end ${describe(evidence.endToEnd)}; ` +
    `calm wake ${wake.judged === 0 ? "n/a (no calm idle queue)" : `worst ${formatMs(wake.worstMs)} of ${wake.judged}`} (bound ${formatMs(wake.boundMs)}` +
    `${wake.excusedByFullPool > 0 ? `; ${wake.excusedByFullPool} waited for a full consume pool` : ""}` +
    `${wake.excusedByPullError > 0 ? `; ${wake.excusedByPullError} for a failed pull's retry` : ""}` +
    `${wake.excusedByLargeTransfer > 0 ? `; ${wake.excusedByLargeTransfer} behind a large body` : ""}` +
    `${wake.excusedByDelayedUnlock > 0 ? `; ${wake.excusedByDelayedUnlock} behind another member's delayed unlock` : ""})`;
  const summary = over.length > 0 ? `Latency over bound: ${over.join(", ")} (${described}).` : `Latency ${described}.`;
  return { name: "latency", verdict: over.length > 0 ? "fail" : "pass", summary, evidence };
}

function describe(stats: LatencyStats): string {
  if (stats.count === 0) return "n/a (no samples)";
  return `p50 ${formatMs(stats.p50Ms)} p99 ${formatMs(stats.p99Ms)} max ${formatMs(stats.maxMs)}`;
}

export function statsOf(values: readonly number[]): LatencyStats {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50Ms: percentileOfSorted(sorted, 0.5),
    p99Ms: percentileOfSorted(sorted, 0.99),
    maxMs: sorted.length === 0 ? null : sorted[sorted.length - 1] ?? null,
  };
}
