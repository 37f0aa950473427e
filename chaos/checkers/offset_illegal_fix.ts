// The delayed OFFSET_ILLEGAL fix (4.9.x DefaultMQPushConsumerImpl.pullMessage): a master that
// lost power comes back with shorter queues, so a consumer whose committed offset lies past a
// queue's end meets OFFSET_OVERFLOW_BADLY (PULL_OFFSET_MOVED → OFFSET_ILLEGAL), drops its process
// queue and, 10 s later, sets the queue's offset to the broker's correction (min offset 0),
// persists it and removes whatever process queue the queue has THEN (removeProcessQueue is keyed
// by the message queue). If the queue was re-added meanwhile (a rebalance moving it away and
// back, or a pull-expired removal: pullMaxIdleTimeMs) and read on from the stale committed
// offset once the queue had grown past it, the fix rewinds that reader to 0 and everything it
// consumed is read again (battery seed 1 run 2071: 160 duplicates 12 s after the restart).
// Each stale pull schedules its own fix, and stale pulls happen until the queue has grown past
// the offset the group had reached before the loss, so a redelivery on that queue is explained
// from the master's restart until that growth + the fix delay + settleMs. The replay depth is
// unbounded (the fix goes back to offset 0), as for the power loss itself.
// The rebalance checker bounds the same chain's process-queue removals and re-adds (rebalance.ts).
import type { CheckContext } from "./context.ts";
import { brokerOfQueue } from "./context.ts";
import { formatMs } from "./evidence.ts";
import { handedOffsetsOf, powerLossesOf } from "./guarantee.ts";
import type { HistoryIndex } from "./history_index.ts";
import { runEndMs } from "./history_index.ts";

/** 4.9.x: executeTaskLater(..., 10000) after an OFFSET_ILLEGAL pull. */
export const offsetIllegalFixDelayMs = 10_000;

/** Why a redelivery of `group` on `queue` at `againMs` may be the delayed fix's rewind, or undefined. */
export type OffsetIllegalRewind = (group: string, queue: string, againMs: number) => string | undefined;

/** When an acked send first put an offset at or past `offset` on `queue` at or after `sinceMs`; undefined if none did. */
export type QueueGrowth = (queue: string, offset: number, sinceMs: number) => number | undefined;

export function queueGrowthOf(index: HistoryIndex): QueueGrowth {
  // Per queue: acks (time, offset) in time order, to find when the queue grew back.
  const acks = new Map<string, { timeMs: number; offset: number }[]>();
  for (const send of index.sends) {
    if (send.outcome !== "ok" || send.queue === undefined || send.queueOffset === undefined || send.outcomeMs === undefined) continue;
    const list = acks.get(send.queue) ?? [];
    list.push({ timeMs: send.outcomeMs, offset: send.queueOffset });
    acks.set(send.queue, list);
  }
  for (const list of acks.values()) list.sort((a, b) => a.timeMs - b.timeMs);
  return (queue, offset, sinceMs) => (acks.get(queue) ?? []).find((ack) => ack.timeMs >= sinceMs && ack.offset >= offset)?.timeMs;
}

export function offsetIllegalRewinds(index: HistoryIndex, context: CheckContext, settleMs: number): OffsetIllegalRewind {
  const losses = powerLossesOf(index, context);
  if (losses.size === 0) return () => undefined;
  const masterOf = new Map(context.topology.brokers.filter((broker) => broker.role !== "SLAVE").map((broker) => [broker.brokerName, broker.node]));
  const handed = handedOffsetsOf(index);
  const endMs = runEndMs(index, context.endMs);
  const grew = queueGrowthOf(index);
  return (group, queue, againMs) => {
    const node = masterOf.get(brokerOfQueue(queue));
    for (const loss of (node === undefined ? undefined : losses.get(node)) ?? []) {
      if (loss.restartMs === undefined || againMs < loss.restartMs) continue;
      const reached = handed(group, queue, loss.timeMs);
      if (reached === undefined) continue;
      // The stale committed offset is reached + 1; pulls at it are legal once an offset at or past it exists.
      const grewMs = grew(queue, reached + 1, loss.restartMs) ?? endMs;
      const untilMs = grewMs + offsetIllegalFixDelayMs + settleMs;
      if (againMs > untilMs) continue;
      return `${node} lost power at ${formatMs(loss.timeMs)} and restarted at ${formatMs(loss.restartMs)} with ${queue} shorter than the offset ` +
        `${group} had reached (${reached}); pulls at the stale offset until the queue grew past it (${formatMs(grewMs)}) each schedule ` +
        `the OFFSET_ILLEGAL fix ${formatMs(offsetIllegalFixDelayMs)} later, which rewinds the queue's current reader to offset 0 (until ${formatMs(untilMs)})`;
    }
    return undefined;
  };
}
