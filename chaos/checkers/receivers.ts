// Who must receive which acked message (the delivery expectation shared by the delivery and
// failover checkers). Rules, kept simple on purpose:
// - CLUSTERING group G of topic T: every acked send of T whose tags G's subscription accepts
//   (a SQL92 group: whose properties its selector matches, chaos/workload/sql_properties.ts)
//   must reach G at least once — if it was sent at or after G could first have consumed it:
//   the first rebalance snapshot in G that holds the message's queue (so a group that starts
//   late is not blamed for what was sent before it existed). If G has snapshots but none ever
//   holds the queue, the group's first snapshot counts (a never-assigned queue is a loss, not
//   an excuse). Without snapshots: G's first join; without joins: always.
// - BROADCASTING group G: each consumer process present at the end (see membership.ts) must
//   receive every such send made after its last join and after its first snapshot (since that
//   join) that holds the queue.
// Membership as of context.endMs: what consumers do at or after it is the teardown.
import type { HistoryIndex, SendRecord } from "./history_index.ts";
import { settledView } from "./history_index.ts";
import type { CheckContext } from "./context.ts";
import { groupSpecs, subscriptionAccepts } from "./context.ts";
import { membershipOf } from "./membership.ts";
import { sqlSelectorAccepts } from "../workload/sql_properties.ts";

export interface Receiver {
  /** "group" (clustering) or "group/process" (broadcasting). */
  key: string;
  group: string;
  process?: string;
  topic: string;
  subscription?: string;
  /** A SQL92 group: it must receive exactly the acked sends its selector matches. */
  sqlSelector?: string;
  broadcasting: boolean;
  /** Sends invoked before this (per queue) are not expected. */
  startMsByQueue: Map<string, number>;
  defaultStartMs: number;
}

export function receiversOf(index: HistoryIndex, context: CheckContext): Receiver[] {
  const specs = groupSpecs(context.workload, index.seenGroups);
  const members = membershipOf(settledView(index, context.endMs));
  const receivers: Receiver[] = [];
  for (const spec of specs) {
    const base = { group: spec.group, topic: spec.topic, broadcasting: spec.model === "BROADCASTING" };
    const withTags = spec.subscription === undefined ? base : { ...base, subscription: spec.subscription };
    const withSubscription = spec.sqlSelector === undefined ? withTags : { ...base, sqlSelector: spec.sqlSelector };
    if (!base.broadcasting) {
      const firstJoin = Math.min(...[...(members.get(spec.group)?.values() ?? [])].map((member) => member.joinsMs[0] ?? Infinity));
      receivers.push({ ...withSubscription, key: spec.group, ...firstHolds(index, spec.group, spec.topic, undefined, -Infinity, firstJoin) });
      continue;
    }
    for (const member of members.get(spec.group)?.values() ?? []) {
      if (!member.aliveAtEnd) continue;
      receivers.push({
        ...withSubscription,
        key: `${spec.group}/${member.process}`,
        process: member.process,
        ...firstHolds(index, spec.group, spec.topic, member.process, member.lastJoinMs, member.lastJoinMs),
      });
    }
  }
  return receivers;
}

function firstHolds(
  index: HistoryIndex,
  group: string,
  topic: string,
  process: string | undefined,
  sinceMs: number,
  fallbackMs: number,
): { startMsByQueue: Map<string, number>; defaultStartMs: number } {
  const startMsByQueue = new Map<string, number>();
  let firstSnapshotMs = Infinity;
  for (const event of index.rebalances) {
    if (event.group !== group || event.topic !== topic || event.timeMs < sinceMs) continue;
    if (process !== undefined && event.process !== process) continue;
    firstSnapshotMs = Math.min(firstSnapshotMs, event.timeMs);
    for (const queue of event.queues) if (!startMsByQueue.has(queue)) startMsByQueue.set(queue, event.timeMs);
  }
  const defaultStartMs = Number.isFinite(firstSnapshotMs) ? firstSnapshotMs
    : Number.isFinite(fallbackMs) ? fallbackMs : -Infinity;
  return { startMsByQueue, defaultStartMs };
}

/** Must `receiver` see this send? (Only acked sends are ever expected.) */
export function expects(receiver: Receiver, send: SendRecord): boolean {
  if (send.outcome !== "ok" || send.topic !== receiver.topic) return false;
  if (receiver.sqlSelector !== undefined ? !sqlSelectorAccepts(receiver.sqlSelector, send.messageId) : !subscriptionAccepts(receiver.subscription, send.tags)) return false;
  const startMs = send.queue === undefined ? receiver.defaultStartMs
    : receiver.startMsByQueue.get(send.queue) ?? receiver.defaultStartMs;
  return send.invokeMs >= startMs;
}
