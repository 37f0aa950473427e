// Orderly exclusivity (MessageListenerOrderly with broker-side queue locks). Three judgements
// per orderly CLUSTERING group (spec.orderly, or any group whose deliveries carry lockHeld):
// - exclusivity: for each queue, no two consumer processes of the group were inside the
//   listener ([startMs, timeMs] of a delivery) at overlapping times while both believed they
//   held the queue's lock (lockHeld true). Touching ends (one ends at t, the other starts at t)
//   are not an overlap: the history's clock has millisecond resolution.
// - queue order across owners: the FIRST deliveries of one queue's messages (reconsumeTimes 0)
//   go up in offset across every process of the group, not only within one process (order.ts
//   judges per process). A new owner starts at the committed offset, so what it replays was
//   delivered before (a duplicate, not a first delivery); a first delivery going backwards
//   across owners means two owners consumed the queue interleaved. The power-loss allowances
//   of order.ts hold here too: a power loss of the queue's master between the two deliveries
//   restarts the queue's order (it may come back shorter and give those offsets to new
//   messages), and a first delivery at a reused offset is not judged (seed 1 battery run 650).
// - key order: order.ts's per-key check, restricted to the orderly groups, across rebalances
//   and restarts (it keys on the receiver, not the process).
// Deliveries without startMs are judged as instants [timeMs, timeMs].
import type { DeliverEvent, HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { groupSpecs } from "./context.ts";
import type { CappedList } from "./evidence.ts";
import { capped, formatMs, idsMax, plural } from "./evidence.ts";
import { indexHistory } from "./history_index.ts";
import type { KeyReorder, OrderEvidence } from "./order.ts";
import { checkOrder, queueOrderAllowances } from "./order.ts";

export type LockOverlap = {
  group: string; queue: string;
  first: { process: string; id: string; startMs: number; endMs: number };
  second: { process: string; id: string; startMs: number; endMs: number };
  overlapMs: number;
};
export type CrossOwnerReorder = { group: string; queue: string; earlier: { process: string; id: string; queueOffset: number; timeMs: number }; later: { process: string; id: string; queueOffset: number; timeMs: number } };

export type OrderlyEvidence = {
  groups: string[];
  overlaps: CappedList<LockOverlap>;
  crossOwnerReorders: CappedList<CrossOwnerReorder>;
  keyReorders: CappedList<KeyReorder>;
  lockedDeliveries: number;
  queuesChecked: number;
};

export function checkOrderly(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const specs = groupSpecs(context.workload, index.seenGroups);
  const broadcasting = new Set(specs.filter((spec) => spec.model === "BROADCASTING").map((spec) => spec.group));
  const orderly = new Set(specs.filter((spec) => spec.orderly === true && !broadcasting.has(spec.group)).map((spec) => spec.group));
  for (const delivery of index.deliveries) if (delivery.lockHeld !== undefined && !broadcasting.has(delivery.group)) orderly.add(delivery.group);
  const lanes = new Map<string, DeliverEvent[]>();
  let lockedDeliveries = 0;
  for (const delivery of index.deliveries) {
    if (!orderly.has(delivery.group)) continue;
    const key = `${delivery.group}\u0000${delivery.queue}`;
    const lane = lanes.get(key) ?? [];
    lane.push(delivery);
    lanes.set(key, lane);
    if (delivery.lockHeld === true) lockedDeliveries++;
  }
  const overlaps: LockOverlap[] = [];
  const reorders: CrossOwnerReorder[] = [];
  const allowances = queueOrderAllowances(index, context);
  for (const lane of lanes.values()) {
    overlaps.push(...laneOverlaps(lane));
    reorders.push(...laneReorders(lane, allowances));
  }
  const order = checkOrder(history, context).evidence as OrderEvidence;
  const keyReorders = order.keyReorders.items.filter((reorder) => orderly.has(reorder.group));
  const max = idsMax(context);
  const evidence: OrderlyEvidence = {
    groups: [...orderly].sort(), overlaps: capped(overlaps, max), crossOwnerReorders: capped(reorders, max),
    keyReorders: capped(keyReorders, max), lockedDeliveries, queuesChecked: lanes.size,
  };
  const failed = overlaps.length + reorders.length + keyReorders.length > 0;
  return { name: "orderly", verdict: failed ? "fail" : "pass", summary: summaryOf(evidence), evidence };
}

const spanOf = (delivery: DeliverEvent): { startMs: number; endMs: number } =>
  ({ startMs: Math.min(delivery.startMs ?? delivery.timeMs, delivery.timeMs), endMs: delivery.timeMs });

function laneOverlaps(lane: readonly DeliverEvent[]): LockOverlap[] {
  const locked = lane.filter((delivery) => delivery.lockHeld === true).sort((left, right) => spanOf(left).startMs - spanOf(right).startMs);
  const found: LockOverlap[] = [];
  const reported = new Set<string>();
  // Per process, the delivery reaching furthest among those started so far.
  const furthest = new Map<string, DeliverEvent>();
  for (const delivery of locked) {
    const span = spanOf(delivery);
    for (const [process, other] of furthest) {
      if (process === delivery.process) continue;
      const otherSpan = spanOf(other);
      if (otherSpan.endMs <= span.startMs) continue;
      const pair = `${process}\u0000${delivery.process}\u0000${other.messageId}`;
      if (reported.has(pair)) continue;
      reported.add(pair);
      found.push({
        group: delivery.group, queue: delivery.queue,
        first: { process, id: other.messageId, ...otherSpan },
        second: { process: delivery.process, id: delivery.messageId, ...span },
        overlapMs: Math.min(otherSpan.endMs, span.endMs) - span.startMs,
      });
    }
    const current = furthest.get(delivery.process);
    if (current === undefined || spanOf(current).endMs < span.endMs) furthest.set(delivery.process, delivery);
  }
  return found;
}

function laneReorders(lane: readonly DeliverEvent[], allowances: ReturnType<typeof queueOrderAllowances>): CrossOwnerReorder[] {
  const seen = new Set<string>();
  const found: CrossOwnerReorder[] = [];
  let latest: DeliverEvent | undefined;
  for (const delivery of lane) {
    if (seen.has(delivery.messageId)) continue;
    seen.add(delivery.messageId);
    if (delivery.reconsumeTimes !== 0) continue;
    if (latest !== undefined && delivery.queueOffset < latest.queueOffset) {
      if (allowances.reused(delivery.group, delivery.messageId)) continue;
      if (allowances.masterLostPowerBetween(delivery.queue, latest.timeMs, delivery.timeMs)) {
        latest = delivery;
        continue;
      }
      if (latest.process !== delivery.process) {
        found.push({
          group: delivery.group, queue: delivery.queue,
          earlier: { process: latest.process, id: latest.messageId, queueOffset: latest.queueOffset, timeMs: latest.timeMs },
          later: { process: delivery.process, id: delivery.messageId, queueOffset: delivery.queueOffset, timeMs: delivery.timeMs },
        });
      }
      continue;
    }
    latest = delivery;
  }
  return found;
}

function summaryOf(evidence: OrderlyEvidence): string {
  if (evidence.groups.length === 0) return "No orderly group in this run: nothing to judge.";
  const parts: string[] = [];
  const overlap = evidence.overlaps.items[0];
  if (overlap !== undefined) {
    parts.push(`${plural(evidence.overlaps.count, "lock overlap")}, first on ${overlap.queue} (group ${overlap.group}): ${overlap.first.process} ` +
      `processed ${overlap.first.id} until ${formatMs(overlap.first.endMs)} while ${overlap.second.process} processed ${overlap.second.id} from ${formatMs(overlap.second.startMs)}, both holding the lock`);
  }
  const reorder = evidence.crossOwnerReorders.items[0];
  if (reorder !== undefined) {
    parts.push(`${plural(evidence.crossOwnerReorders.count, "cross-owner reorder")}, first on ${reorder.queue}: ${reorder.later.process} first-delivered ` +
      `${reorder.later.id} @${reorder.later.queueOffset} after ${reorder.earlier.process} had ${reorder.earlier.id} @${reorder.earlier.queueOffset}`);
  }
  const key = evidence.keyReorders.items[0];
  if (key !== undefined) {
    parts.push(`${plural(evidence.keyReorders.count, "per-key reorder")}, first on key ${key.key} (group ${key.group}): ${key.later.id} seq ${key.later.orderSeq} after ${key.earlier.id} seq ${key.earlier.orderSeq}`);
  }
  if (parts.length > 0) return `${parts.join("; ")}.`;
  return `Orderly groups ${evidence.groups.join(", ")}: ${plural(evidence.queuesChecked, "queue")} consumed by one lock holder at a time ` +
    `(${plural(evidence.lockedDeliveries, "locked delivery", "locked deliveries")}), first deliveries in offset order across owners, keys in order.`;
}
