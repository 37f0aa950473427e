// Late joiners: a CLUSTERING group with startAtMs starts, on each queue, where its
// consumeFromWhere and RocketMQ's rules say — and then neither skips nor replays.
// A new group has no committed offset, so RebalancePushImpl.computePullFromWhereWithException
// asks the broker (QUERY_CONSUMER_OFFSET). RocketMQ 4.9.x
// ConsumerManageProcessor.queryConsumerOffset answers offset 0 — not "not found" — when
// `minOffset <= 0 && !checkInDiskByConsumeOffset(topic, queueId, 0)`: the queue still starts
// at 0 and its first message is still in memory (within accessMessageInMemoryMaxRatio, 40 %
// of physical memory, of the commit log's end). This lab's broker does the same
// (system/broker/processor/consumer_manage_processor.ts). Only on "not found" does
// consumeFromWhere apply:
// - CONSUME_FROM_LAST_OFFSET: the queue's max offset when the group takes the queue;
// - CONSUME_FROM_FIRST_OFFSET: 0 (the min offset; lab runs never delete segments);
// - CONSUME_FROM_TIMESTAMP: the first message stored at/after consumeTimestampMs.
// So the young-queue rule makes every setting start at 0 on a queue whose min offset is 0 and
// whose head is in memory. In the lab both always hold (no retention; commit logs are far
// below 40 % of the 16 GiB the sim's brokers assume, and of a real machine's memory), so the
// checker expects offset 0 everywhere unless `youngQueues: false` is asked of it (a test, or
// a future scenario with retention) — then the consumeFromWhere rule above applies.
// Judged per (late group, queue) from acked sends with known queue and offset:
// - replayed: a message below the allowed start was delivered to the group;
// - skipped: an acked message at/after the start, accepted by the subscription, was never
//   received (gotBy: delivered or dead-lettered; the delivery checker does not blame a late
//   group for what predates its join).
// Sends in flight when the group took the queue (invoke before, outcome after) may fall on
// either side: they are not judged.
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { subscriptionAccepts } from "./context.ts";
import type { CappedList } from "./evidence.ts";
import { capped, formatMs, idsMax, plural } from "./evidence.ts";
import type { SendRecord } from "./history_index.ts";
import { gotBy, indexHistory } from "./history_index.ts";

export type LateJoinViolation = { kind: "replayed" | "skipped"; group: string; queue: string; id: string; queueOffset: number; expectedStart: number; rule: string };
export type LateQueueStart = { group: string; queue: string; joinedMs: number; expectedStart: number; firstDelivered: number | null; rule: string };

export type LateJoinEvidence = {
  groups: string[];
  starts: CappedList<LateQueueStart>;
  violations: CappedList<LateJoinViolation>;
};

export function checkLateJoin(history: readonly HistoryEvent[], context: CheckContext, options: { youngQueues?: boolean } = {}): CheckResult {
  const index = indexHistory(history);
  const young = options.youngQueues ?? true;
  const late = context.workload.consumers.filter((spec) => spec.startAtMs !== undefined && spec.model !== "BROADCASTING");
  const starts: LateQueueStart[] = [];
  const violations: LateJoinViolation[] = [];
  for (const spec of late) {
    const delivered = gotBy(index, spec.group);
    const attempted = new Set(index.deliveries.filter((delivery) => delivery.group === spec.group).map((delivery) => delivery.messageId));
    const byQueue = new Map<string, SendRecord[]>();
    for (const send of index.messages) {
      if (send.topic !== spec.topic || send.outcome !== "ok" || send.queue === undefined || send.queueOffset === undefined) continue;
      const list = byQueue.get(send.queue) ?? [];
      list.push(send);
      byQueue.set(send.queue, list);
    }
    for (const [queue, sends] of byQueue) {
      const joinedMs = takenAt(index.rebalances, spec.group, queue) ?? spec.startAtMs ?? 0;
      const where = spec.consumeFromWhere ?? "CONSUME_FROM_FIRST_OFFSET";
      let expectedStart = 0;
      let rule = young ? `young queue (min offset 0, head in memory): QUERY_CONSUMER_OFFSET answers 0 whatever ${where} says` : where;
      if (!young && where === "CONSUME_FROM_LAST_OFFSET") {
        expectedStart = 1 + Math.max(-1, ...sends.filter((send) => (send.outcomeMs ?? send.invokeMs) < joinedMs).map((send) => send.queueOffset ?? -1));
        rule = `${where}: max offset when ${spec.group} took ${queue} at ${formatMs(joinedMs)}`;
      } else if (!young && where === "CONSUME_FROM_TIMESTAMP") {
        const fromMs = spec.consumeTimestampMs ?? 0;
        const after = sends.filter((send) => send.invokeMs >= fromMs).map((send) => send.queueOffset ?? 0);
        expectedStart = after.length === 0 ? 1 + Math.max(-1, ...sends.map((send) => send.queueOffset ?? -1)) : Math.min(...after);
        rule = `${where}: first message stored at/after ${formatMs(fromMs)}`;
      }
      const firstDelivered = Math.min(...sends.filter((send) => attempted.has(send.messageId)).map((send) => send.queueOffset ?? Infinity));
      starts.push({ group: spec.group, queue, joinedMs, expectedStart, firstDelivered: Number.isFinite(firstDelivered) ? firstDelivered : null, rule });
      for (const send of sends) {
        const offset = send.queueOffset ?? 0;
        const inFlight = send.invokeMs < joinedMs && (send.outcomeMs ?? send.invokeMs) >= joinedMs;
        if (inFlight || !subscriptionAccepts(spec.subscription, send.tags)) continue;
        if (offset < expectedStart && attempted.has(send.messageId)) {
          violations.push({ kind: "replayed", group: spec.group, queue, id: send.messageId, queueOffset: offset, expectedStart, rule });
        } else if (offset >= expectedStart && !delivered.has(send.messageId) && !attempted.has(send.messageId)) {
          violations.push({ kind: "skipped", group: spec.group, queue, id: send.messageId, queueOffset: offset, expectedStart, rule });
        }
      }
    }
  }
  const max = idsMax(context);
  starts.sort((left, right) => left.group.localeCompare(right.group) || left.queue.localeCompare(right.queue));
  const evidence: LateJoinEvidence = { groups: late.map((spec) => spec.group), starts: capped(starts, max), violations: capped(violations, max) };
  const first = violations[0];
  const summary = first !== undefined
    ? `${plural(violations.length, "late-join violation")}; first ${first.id} @${first.queueOffset} on ${first.queue} ${first.kind} by ${first.group} (expected start ${first.expectedStart}: ${first.rule}).`
    : late.length === 0 ? "No late-joining group in this run: nothing to judge."
      : `Late groups ${evidence.groups.join(", ")} started each queue where their rule says and neither skipped nor replayed (${plural(starts.length, "queue")}).`;
  return { name: "late-join", verdict: violations.length > 0 ? "fail" : "pass", summary, evidence };
}

/** When the group first held the queue (its first rebalance snapshot naming it). */
function takenAt(rebalances: readonly { group: string; queues: readonly string[]; timeMs: number }[], group: string, queue: string): number | undefined {
  return rebalances.find((event) => event.group === group && event.queues.includes(queue))?.timeMs;
}
