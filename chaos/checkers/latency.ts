// Latency: send (invoke → ok outcome) and end-to-end (invoke → first successful delivery to
// any group) as p50 / p99 / max in ms, nearest-rank. Informational: the verdict is "pass"
// unless options.latency gives a p99 bound and it is exceeded. O(n log n) (one sort per series).
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { formatMs, percentileOfSorted } from "./evidence.ts";
import { indexHistory } from "./history_index.ts";

export type LatencyStats = { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null };
export type LatencyEvidence = { send: LatencyStats; endToEnd: LatencyStats; bounds: { sendP99Ms?: number; endToEndP99Ms?: number } };

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
  const evidence: LatencyEvidence = { send: statsOf(sendMs), endToEnd: statsOf(endToEndMs), bounds: { ...bounds } };
  const over: string[] = [];
  if (bounds.sendP99Ms !== undefined && (evidence.send.p99Ms ?? 0) > bounds.sendP99Ms) {
    over.push(`send p99 ${formatMs(evidence.send.p99Ms)} > ${formatMs(bounds.sendP99Ms)}`);
  }
  if (bounds.endToEndP99Ms !== undefined && (evidence.endToEnd.p99Ms ?? 0) > bounds.endToEndP99Ms) {
    over.push(`end-to-end p99 ${formatMs(evidence.endToEnd.p99Ms)} > ${formatMs(bounds.endToEndP99Ms)}`);
  }
  const described = `send ${describe(evidence.send)}; end-to-end ${describe(evidence.endToEnd)}`;
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
