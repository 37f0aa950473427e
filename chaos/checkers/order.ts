// Order: per queue and per order key.
// Per queue (every group): take, for each (receiver, message), its FIRST delivery — the deliver
// event of that message to that clustering group (or broadcasting consumer) whose listener
// STARTED first (startMs; without it, its end), which is when the consumer handed it out. A
// deliver event is written when the listener returns, so the first event of a message need not
// be its first hand-out: in 4.9.x a queue dropped by a rebalance while slow listeners still run
// commits its lowest offset still in flight, and when the queue comes back the consumer hands
// those messages out again; such a second call can return before the first one (seed 1 battery
// run 2525: @356 handed out at 10.198 s, its listener returned at 14.198 s; the queue left at
// 12.471 s with @20 in flight, came back at 12.933 s from committed offset 20, and the copy of
// @356 returned at 14.131 s, after @387 had returned at 10.214 s). The copy is a duplicate (delivery.ts counts it), not a first delivery;
// the first hand-out is judged at its end as before (and a slow one by consume_timeout.ts). Keep only
// first deliveries taken from the original queue (reconsumeTimes = 0; whatever the listener
// answered: a message answered "retry" comes back later from the retry topic, so its later
// success is out of queue order by design, not a reorder). Within one (group, queue, consumer
// process), these first deliveries must have increasing queueOffsets, in history order. A
// redelivery after a rebalance goes back to the committed offset: those messages were
// delivered before, so they are duplicates (delivery.ts counts them), never first deliveries,
// and they cannot trigger a reorder here.
// Per key (orderly groups, and groups the workload does not describe): for each (receiver,
// producer, orderKey, stored queue), the first SUCCESSFUL deliveries of that key's acked messages must follow
// orderSeq (a smaller seq after a larger one is a reorder; gaps are the delivery checker's).
// The key includes the producer: two producers' sequences of one key are not ordered.
// Only sends made one after another are ordered: RocketMQ's promise is for a sender that sends a
// key's next message after the previous send returned. A seq is judged against a larger one only
// when the larger was invoked at or after the smaller one's ok; one invoked while the smaller was
// still in flight (a burst lane beside the steady loop, or a second lane, picking the key again
// while its send waited on a route lookup) may be stored first (seed 1 battery run 1223: seq 0's
// route lookup hung on a delayed NameServer for 2 s while seq 2 went through on a known route).
// A consumer process that died (crash, power loss, stop) between two first deliveries restarts
// its lanes: its listeners still running died unrecorded (a deliver event is written when the
// listener returns), and the new process reads again from the committed offset, so a message
// first handed out before the death shows its first recorded delivery after it, below offsets
// delivered before (battery seed 12 run 1182: 4 s slow listeners in flight at a power loss;
// their messages, at offsets 299..649, came back after the restart, after 792 had returned).
// A power loss of the queue's master between two first deliveries restarts that queue's order:
// the master may come back with a shorter queue (an unflushed tail, or a flush that timed out),
// give those offsets to new messages, and send a consumer past the end back to offset 0
// (OFFSET_OVERFLOW_BADLY) — new messages at lower offsets are then not a reorder.
// A first delivery of a message at a reused offset (guarantee.ts allowance (b): acked after its
// ASYNC_FLUSH master restarted, at or below the offset the group had been handed before) is
// not judged against its lane, nor against its key, at all, whenever it comes: the group had read past that offset
// and reaches the message only when sent back, and 4.9.x can send it back long after the power
// loss: the OFFSET_ILLEGAL fix runs 10 s after the pull, keyed by the queue, not by the process
// queue, so when the queue moved away and back meanwhile it rewinds the new holder's offset to
// the stale pull's (0) after later offsets were delivered (seed 1 battery run 202).
import type { DeliverEvent, HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { brokerOfQueue, groupSpecs } from "./context.ts";
import { atReusedOffset, consumedPreLossTailOf, handedOffsetsOf, powerLossesOf } from "./guarantee.ts";
import type { CappedList } from "./evidence.ts";
import { capped, idsMax, plural } from "./evidence.ts";
import { indexHistory, type HistoryIndex } from "./history_index.ts";
import { outlastedConsumeTimeout } from "./consume_timeout.ts";

export type OrderedDelivery = { id: string; timeMs: number; queueOffset?: number; orderSeq?: number };
export type QueueReorder = { group: string; queue: string; process: string; earlier: OrderedDelivery; later: OrderedDelivery };
export type KeyReorder = { group: string; key: string; producer: string; process: string; earlier: OrderedDelivery; later: OrderedDelivery };

export type OrderEvidence = {
  queueReorders: CappedList<QueueReorder>;
  keyReorders: CappedList<KeyReorder>;
  queuesChecked: number;
  /** Late first deliveries at reused offsets (after a master's power loss) left out of queue order. */
  reusedOffsetsNotJudged: number;
  keysChecked: number;
  keyCheckedGroups: string[];
};

type Latest = OrderedDelivery & { offset: number };

// The orderly checker reuses this result for the same history and context: judged once.
const judged = new WeakMap<readonly HistoryEvent[], WeakMap<CheckContext, CheckResult>>();

export function checkOrder(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const perHistory = judged.get(history) ?? new WeakMap<CheckContext, CheckResult>();
  judged.set(history, perHistory);
  const cached = perHistory.get(context);
  if (cached !== undefined) return cached;
  const result = judgeOrder(history, context);
  perHistory.set(context, result);
  return result;
}

/**
 * The two power-loss allowances of queue order (file comment), shared with the orderly checker:
 * a power loss of the queue's master between two first deliveries restarts the queue's order,
 * and a first delivery at a reused offset is not judged against its lane at all.
 */
export function queueOrderAllowances(index: HistoryIndex, context: CheckContext): {
  masterLostPowerBetween: (queue: string, fromMs: number, toMs: number) => boolean;
  reused: (group: string, messageId: string) => boolean;
} {
  const losses = powerLossesOf(index, context);
  const masterOf = new Map(context.topology.brokers.filter((broker) => broker.role !== "SLAVE").map((broker) => [broker.brokerName, broker.node]));
  const masterLostPowerBetween = (queue: string, fromMs: number, toMs: number): boolean =>
    (losses.get(masterOf.get(brokerOfQueue(queue)) ?? "") ?? []).some((loss) => loss.timeMs >= fromMs && loss.timeMs <= toMs);
  const handed = handedOffsetsOf(index);
  const preLossTail = consumedPreLossTailOf(index.deliveries, index.sendById);
  // Where a first delivery showed the original copy: its queue, offset and store time. A send the
  // client saw time out (unknown) or fail has no ack to place it, yet was stored there, then
  // (seed 6 swarm run 736: invoked after the restart, timed out, stored at a reused offset).
  const shown = new Map<string, { queue: string; queueOffset: number; storeTimeMs: number }>();
  for (const delivery of index.deliveries) {
    const send = index.sendById.get(delivery.messageId);
    if (delivery.storeTimeMs === undefined || delivery.reconsumeTimes !== 0 || send === undefined || send.topic !== delivery.topic) continue;
    const known = shown.get(delivery.messageId);
    if (known === undefined || delivery.storeTimeMs < known.storeTimeMs) shown.set(delivery.messageId, { queue: delivery.queue, queueOffset: delivery.queueOffset, storeTimeMs: delivery.storeTimeMs });
  }
  const storeTimeOf = (messageId: string): number | undefined => shown.get(messageId)?.storeTimeMs;
  const reused = (group: string, messageId: string): boolean => {
    const send = index.sendById.get(messageId);
    if (send === undefined) return false;
    const copy = shown.get(messageId);
    const placed = send.outcome !== "ok" && copy !== undefined ? { ...send, outcome: "ok" as const, outcomeMs: copy.storeTimeMs, queue: copy.queue, queueOffset: copy.queueOffset } : send;
    return atReusedOffset(placed, losses, context, { group, handed, preLossTail, storeTimeOf });
  };
  return { masterLostPowerBetween, reused };
}

function judgeOrder(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const specs = groupSpecs(context.workload, index.seenGroups);
  const broadcasting = new Set(specs.filter((spec) => spec.model === "BROADCASTING").map((spec) => spec.group));
  const keyGroups = new Set(specs.filter((spec) => spec.orderly === true || spec.count === 0).map((spec) => spec.group));
  const specOf = new Map(specs.map((spec) => [spec.group, spec]));
  // Per receiver, per message: bit 2 = succeeded (a first success was seen). Bit 1 is set with it
  // but no longer read: the first hand-outs come from firstHandOutsOf.
  const seen = new Map<string, Map<string, number>>();
  const queueLatest = new Map<string, Latest>();
  // Per key lane, its first successful deliveries so far (seq, when their send was invoked), and
  // the latest of those invokes: a delivery acked after it can have overtaken none of them.
  const keyDelivered = new Map<string, { deliveries: KeyDelivered[]; lastInvokeMs: number }>();
  const queueReorders: QueueReorder[] = [];
  const { masterLostPowerBetween, reused } = queueOrderAllowances(index, context);
  const deaths = new Map<string, number[]>();
  for (const event of index.nodes) {
    if (event.event !== "crash" && event.event !== "power-loss" && event.event !== "stop") continue;
    const times = deaths.get(event.node);
    if (times === undefined) deaths.set(event.node, [event.timeMs]);
    else times.push(event.timeMs);
  }
  const processDiedBetween = (process: string, fromMs: number, toMs: number): boolean =>
    (deaths.get(process) ?? []).some((timeMs) => timeMs >= fromMs && timeMs <= toMs);
  let reusedSkipped = 0;
  const keyReorders: KeyReorder[] = [];
  const receiverOf = (delivery: DeliverEvent): string =>
    broadcasting.has(delivery.group) ? `${delivery.group}/${delivery.process}` : delivery.group;
  const firstHandOut = firstHandOutsOf(index.deliveries, receiverOf);
  for (const delivery of index.deliveries) {
    const receiver = receiverOf(delivery);
    const perReceiver = seen.get(receiver) ?? new Map<string, number>();
    seen.set(receiver, perReceiver);
    const flags = perReceiver.get(delivery.messageId) ?? 0;
    if (firstHandOut.get(handOutKey(receiver, delivery.messageId)) === delivery) {
      // A first delivery that outlasted consumeTimeout finishes after later offsets by design
      // (consume_timeout.ts): its start, not its end, is its place in the queue; not judged.
      if (delivery.reconsumeTimes === 0 && !outlastedConsumeTimeout(delivery, specOf.get(delivery.group))) {
        const laneKey = `${delivery.group}\u0000${delivery.queue}\u0000${delivery.process}`;
        const current: Latest = { id: delivery.messageId, timeMs: delivery.timeMs, queueOffset: delivery.queueOffset, offset: delivery.queueOffset };
        const latest = queueLatest.get(laneKey);
        if (latest !== undefined && current.offset < latest.offset && reused(delivery.group, delivery.messageId)) {
          reusedSkipped++;
        } else if (latest !== undefined && current.offset < latest.offset && !masterLostPowerBetween(delivery.queue, latest.timeMs, current.timeMs)
          && !processDiedBetween(delivery.process, latest.timeMs, delivery.startMs ?? delivery.timeMs)) {
          queueReorders.push({ group: delivery.group, queue: delivery.queue, process: delivery.process, earlier: strip(latest), later: strip(current) });
        } else {
          queueLatest.set(laneKey, current);
        }
      }
    }
    if (delivery.result !== "success" || (flags & 2) !== 0) continue;
    perReceiver.set(delivery.messageId, flags | 3);
    if (!keyGroups.has(delivery.group)) continue;
    const send = index.sendById.get(delivery.messageId);
    if (send?.outcome !== "ok" || send.orderKey === undefined || send.orderSeq === undefined) continue;
    // Key order is queue order: a first success at a reused offset comes whenever the group goes
    // back for it (see the lane rule above), so it is not judged against its key either.
    // (Counted once, by its lane, in reusedOffsetsNotJudged.)
    if (reused(delivery.group, delivery.messageId)) continue;
    // Per key AND per stored queue: when a broker leaves the route the selector maps a key to
    // another queue, and RocketMQ promises order only within one queue.
    const keyKey = `${receiver}\u0000${send.process}\u0000${send.orderKey}\u0000${send.queue ?? ""}`;
    const current: KeyDelivered = { id: send.messageId, timeMs: delivery.timeMs, orderSeq: send.orderSeq, invokeMs: send.invokeMs };
    const lane = keyDelivered.get(keyKey) ?? { deliveries: [], lastInvokeMs: -Infinity };
    keyDelivered.set(keyKey, lane);
    const ackedMs = send.outcomeMs ?? send.invokeMs;
    const overtaken = lane.lastInvokeMs < ackedMs ? undefined
      : largestSeq(lane.deliveries.filter((earlier) => earlier.orderSeq > current.orderSeq && earlier.invokeMs >= ackedMs));
    if (overtaken !== undefined) {
      keyReorders.push({
        group: delivery.group, key: send.orderKey, producer: send.process, process: delivery.process,
        earlier: keyPlace(overtaken), later: keyPlace(current),
      });
    }
    lane.deliveries.push(current);
    lane.lastInvokeMs = Math.max(lane.lastInvokeMs, current.invokeMs);
  }
  const max = idsMax(context);
  const evidence: OrderEvidence = {
    queueReorders: capped(queueReorders, max),
    keyReorders: capped(keyReorders, max),
    queuesChecked: queueLatest.size,
    reusedOffsetsNotJudged: reusedSkipped,
    keysChecked: keyDelivered.size,
    keyCheckedGroups: [...keyGroups].sort(),
  };
  const failed = queueReorders.length + keyReorders.length > 0;
  return { name: "order", verdict: failed ? "fail" : "pass", summary: orderSummary(evidence), evidence };
}

const handOutKey = (receiver: string, messageId: string): string => `${receiver}\u0000${messageId}`;

/**
 * Per (receiver, message), the delivery whose listener started first: the message's first
 * hand-out (file comment). Ties go to the earlier event in history.
 */
export function firstHandOutsOf(deliveries: readonly DeliverEvent[], receiverOf: (delivery: DeliverEvent) => string): Map<string, DeliverEvent> {
  const first = new Map<string, DeliverEvent>();
  for (const delivery of deliveries) {
    const key = handOutKey(receiverOf(delivery), delivery.messageId);
    const current = first.get(key);
    if (current === undefined || (delivery.startMs ?? delivery.timeMs) < (current.startMs ?? current.timeMs)) first.set(key, delivery);
  }
  return first;
}

type KeyDelivered = { id: string; timeMs: number; orderSeq: number; invokeMs: number };

function largestSeq(candidates: readonly KeyDelivered[]): KeyDelivered | undefined {
  return candidates.reduce<KeyDelivered | undefined>((best, candidate) => (best === undefined || candidate.orderSeq > best.orderSeq ? candidate : best), undefined);
}

function keyPlace(delivered: KeyDelivered): OrderedDelivery {
  return { id: delivered.id, timeMs: delivered.timeMs, orderSeq: delivered.orderSeq };
}

function strip(latest: Latest): OrderedDelivery {
  const { offset: _offset, ...rest } = latest;
  return rest;
}

function orderSummary(evidence: OrderEvidence): string {
  const parts: string[] = [];
  const queue = evidence.queueReorders.items[0];
  if (queue !== undefined) {
    parts.push(`${plural(evidence.queueReorders.count, "per-queue reorder")}, first on ${queue.queue} (group ${queue.group}, ${queue.process}): ` +
      `${queue.later.id} @${queue.later.queueOffset} delivered after ${queue.earlier.id} @${queue.earlier.queueOffset}`);
  }
  const key = evidence.keyReorders.items[0];
  if (key !== undefined) {
    parts.push(`${plural(evidence.keyReorders.count, "per-key reorder")}, first on key ${key.key} (group ${key.group}): ` +
      `${key.later.id} seq ${key.later.orderSeq} delivered after ${key.earlier.id} seq ${key.earlier.orderSeq}`);
  }
  if (parts.length > 0) return `${parts.join("; ")}.`;
  const reused = evidence.reusedOffsetsNotJudged === 0 ? "" :
    ` (${plural(evidence.reusedOffsetsNotJudged, "late first delivery", "late first deliveries")} at a reused offset after a master's power loss not judged)`;
  return `First deliveries kept queue order on ${plural(evidence.queuesChecked, "queue lane")} and key order on ${plural(evidence.keysChecked, "key")}${reused}.`;
}
