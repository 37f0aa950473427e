// Consumer lag per group over time, from the history alone: how many stored messages a group
// had not yet received. A message counts from its producer's ack until the group's first
// successful delivery of it, and only if the group received it in the end (a message the group
// filtered out by tag, or one that was lost, is not lag; the delivery check judges losses).
// Delayed messages are left out: they wait on purpose. Sampled at each bucket's end, like
// rocketmq-exporter's rocketmq_group_diff, so a long run is a few hundred points per group.
import type { HistoryEvent } from "../chaos/history/types.ts";

export interface GroupLag {
  group: string;
  /** Messages acked but not yet received by the group, at the end of each bucket. */
  lag: Int32Array;
  maxLag: number;
  /** Start of the bucket with the most lag (ms, history time). */
  maxLagAtMs: number;
  /** End of the last bucket with lag, or null when the group never lagged. */
  caughtUpAtMs: number | null;
}

export function groupLags(history: readonly HistoryEvent[], originMs: number, bucketMs: number, bucketCount: number): GroupLag[] {
  const ackMsById = new Map<string, number>();
  const delayed = new Set<string>();
  const firstDeliveryMs = new Map<string, Map<string, number>>();
  for (const event of history) {
    if (event.type === "invoke" && (event.delayLevel ?? 0) > 0) delayed.add(event.messageId);
    else if (event.type === "ok" && !ackMsById.has(event.messageId)) ackMsById.set(event.messageId, event.timeMs);
    else if (event.type === "deliver" && event.result === "success") {
      let perGroup = firstDeliveryMs.get(event.group);
      if (perGroup === undefined) firstDeliveryMs.set(event.group, perGroup = new Map());
      const seenMs = perGroup.get(event.messageId);
      if (seenMs === undefined || event.timeMs < seenMs) perGroup.set(event.messageId, event.timeMs);
    }
  }
  const bucketOf = (timeMs: number): number => Math.min(bucketCount, Math.max(0, Math.floor((timeMs - originMs) / bucketMs)));
  const lags: GroupLag[] = [];
  for (const [group, deliveries] of [...firstDeliveryMs].sort(([left], [right]) => left.localeCompare(right))) {
    // Difference array over buckets: +1 where the message is stored, -1 where the group got it.
    const steps = new Int32Array(bucketCount + 1);
    for (const [messageId, deliveredMs] of deliveries) {
      const ackMs = ackMsById.get(messageId);
      if (ackMs === undefined || delayed.has(messageId) || deliveredMs <= ackMs) continue;
      const from = bucketOf(ackMs);
      const to = bucketOf(deliveredMs);
      if (from >= to) continue;
      steps[from]!++;
      steps[to]!--;
    }
    const lag = new Int32Array(bucketCount);
    let running = 0;
    let maxLag = 0;
    let maxLagAtMs = originMs;
    let lastLaggingBucket = -1;
    for (let bucket = 0; bucket < bucketCount; bucket++) {
      running += steps[bucket]!;
      lag[bucket] = running;
      if (running > maxLag) { maxLag = running; maxLagAtMs = originMs + bucket * bucketMs; }
      if (running > 0) lastLaggingBucket = bucket;
    }
    lags.push({ group, lag, maxLag, maxLagAtMs, caughtUpAtMs: lastLaggingBucket < 0 ? null : originMs + (lastLaggingBucket + 1) * bucketMs });
  }
  return lags;
}
