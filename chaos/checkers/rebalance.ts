// Rebalance: at the end of the run, per group, the last snapshot of each live consumer (taken
// since its last join) says which queues it holds. Clustering: every queue of the topic
// (masters × queues, minus masters dead at the end) is held by exactly one live consumer; the
// split is balanced (max − min ≤ 1) for the AVG strategies; consumers holding nothing are
// listed as idle (more consumers than queues is legal, and what some incidents are about).
// Broadcasting: every live consumer holds every queue. Convergence: the time from the last
// change (a member join/leave, or a master's node event) to the moment every live consumer
// reached its final set; its bound is expectations.rebalanceConvergeMs or derived: a clean
// join/leave triggers an immediate notify, with the periodic rebalanceMs + clientHeartbeatMs
// as the fallback; an unclean departure is noticed after clientExpiryMs + clientScanMs; a
// broker change reaches consumers after brokerExpiryMs + namesrvScanMs + routePollMs. When the
// run ended before that bound elapsed after the last change, a wrong final assignment is
// reported but not judged (the system had no time to converge). Events at or after
// context.endMs are the teardown (consumers stop, nodes stop) and are left out. An orderly
// clustering group gets 20 s more (plus one rebalance round): a consumer giving up a queue whose
// process queue still caches messages unlocks it on the broker only after 4.9.x's
// UNLOCK_DELAY_TIME_MILLS, and the new holder takes the queue when its lock succeeds. An unlock
// that never reached the broker (its sender died, its route had lost the master, a fault cut it
// off) leaves the lock until lockMaxLiveTime after its last refresh.
// A master that lost power and restarted with queues shorter than the group's committed offsets
// starts the delayed OFFSET_ILLEGAL fix chain (offset_illegal_fix.ts): the first pull at a stale
// offset (the pull retry delay after the restart reset it, or the broker's up bound when the
// group's queues of it were re-added after the restart) drops its process queue; a pull-expired
// re-add (pullMaxIdleTimeMs) before the fix lands reads the stale committed offset again and
// schedules one more fix; each fix removes the queue's process queue 10 s after its pull, and the
// next rebalance adds it back. So the last re-add may come firstStalePull + lastStalePull + 10 s
// + rebalanceMs (+ measurement slack for the pull and persist round trips) after the restart
// (battery seed 1 run 2344: restart 26.0 s, stale pulls 29.0 s and 37.1 s, last fix 47.1 s). The
// allowance applies only to a group that had read a queue of that master before the loss which
// had not grown back past that offset by the first stale pull.
import type { HistoryEvent, RebalanceEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { brokerOfQueue, groupSpecs, masters, topicQueues } from "./context.ts";
import { measurementSlackMs, pullRetryDelayMs } from "./bounds.ts";
import { REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT } from "../../system/broker/index.ts";
import { handedOffsetsOf, powerLossesOf } from "./guarantee.ts";
import { offsetIllegalFixDelayMs, queueGrowthOf } from "./offset_illegal_fix.ts";
import { formatMs, plural } from "./evidence.ts";
import { faultNodes, type Fault } from "../faults/types.ts";
import type { HistoryIndex } from "./history_index.ts";
import { indexHistory, runEndMs, settledView } from "./history_index.ts";
import type { MemberTimeline } from "./membership.ts";
import { membershipOf } from "./membership.ts";

export type GroupAssignment = {
  group: string;
  topic: string;
  model: "CLUSTERING" | "BROADCASTING";
  strategy: string;
  live: string[];
  expectedQueues: string[];
  final: Record<string, string[]>;
  doubleHeld: { queue: string; holders: string[] }[];
  unassigned: string[];
  /** Broadcasting: queues a live consumer lacks. */
  missing: { process: string; queues: string[] }[];
  extra: string[];
  idle: string[];
  minHeld: number;
  maxHeld: number;
  balanced: boolean | null;
  lastChangeMs: number;
  lastChange: string;
  convergedMs: number;
  convergenceMs: number;
  boundMs: number;
  judged: boolean;
  problems: string[];
};

export type RebalanceEvidence = { groups: GroupAssignment[] };

/** RocketMQ 4.9.x RebalancePushImpl.UNLOCK_DELAY_TIME_MILLS: an orderly queue given up with cached messages is unlocked this much later. */
const ORDERLY_UNLOCK_DELAY_MS = 20_000;
/** RocketMQ 4.9.x ProcessQueue's pullMaxIdleTime (rocketmq.client.pull.pullMaxIdleTime) default. */
const PULL_MAX_IDLE_TIME_MS_DEFAULT = 120_000;

type Change = { timeMs: number; boundMs: number; label: string };

/**
 * After the first pull at a stale offset: the time until the last re-add the OFFSET_ILLEGAL fix
 * chain causes. A pull-expired re-add at least pullMaxIdleTimeMs (and at most one rebalance
 * round more) after the previous stale pull reads the stale offset again while the first fix has
 * not landed; the last such pull's fix lands offsetIllegalFixDelayMs later and the next
 * rebalance adds the queue back.
 */
export function offsetIllegalChainMs(pullMaxIdleTimeMs: number, rebalanceMs: number): { totalMs: number; lastStalePullMs: number } {
  const staleReadds = Math.max(0, Math.ceil(offsetIllegalFixDelayMs / Math.max(1, pullMaxIdleTimeMs)) - 1);
  const lastStalePullMs = Math.min(offsetIllegalFixDelayMs, staleReadds * (pullMaxIdleTimeMs + rebalanceMs));
  return { totalMs: lastStalePullMs + offsetIllegalFixDelayMs + rebalanceMs, lastStalePullMs };
}

export function checkRebalance(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = settledView(indexHistory(history), context.endMs);
  const members = membershipOf(index);
  const groups: GroupAssignment[] = [];
  for (const spec of groupSpecs(context.workload, index.seenGroups)) {
    groups.push(assess(index, context, spec.group, spec.topic, spec.model ?? "CLUSTERING", spec.allocateStrategy ?? "AVG",
      members.get(spec.group) ?? new Map(), spec.orderly === true, spec.pullMaxIdleTimeMs ?? PULL_MAX_IDLE_TIME_MS_DEFAULT,
      spec.postSubscriptionWhenPull !== false));
  }
  const failing = groups.filter((group) => group.judged && group.problems.length > 0);
  const evidence: RebalanceEvidence = { groups };
  return { name: "rebalance", verdict: failing.length > 0 ? "fail" : "pass", summary: rebalanceSummary(groups, failing), evidence };
}

function assess(
  index: HistoryIndex, context: CheckContext, group: string, topic: string,
  model: "CLUSTERING" | "BROADCASTING", strategy: string, members: Map<string, MemberTimeline>, orderly: boolean, pullMaxIdleTimeMs: number,
  postSubscriptionWhenPull: boolean,
): GroupAssignment {
  const snapshots = new Map<string, RebalanceEvent[]>();
  for (const event of index.rebalances) {
    if (event.group !== group || event.topic !== topic) continue;
    const list = snapshots.get(event.process) ?? [];
    list.push(event);
    snapshots.set(event.process, list);
  }
  const deadMasters = deadMastersAtEnd(index, context);
  let expectedQueues = topicQueues(context, topic);
  if (expectedQueues.length === 0) expectedQueues = [...new Set(index.rebalances.filter((event) => event.group === group).flatMap((event) => event.queues))].sort();
  expectedQueues = expectedQueues.filter((queue) => !deadMasters.has(brokerOfQueue(queue)));
  const live = [...members.values()].filter((member) => member.aliveAtEnd).map((member) => member.process).sort();
  const final: Record<string, string[]> = {};
  let convergedMs = -Infinity;
  for (const process of live) {
    const since = members.get(process)?.lastJoinMs ?? -Infinity;
    const own = (snapshots.get(process) ?? []).filter((event) => event.timeMs >= since);
    const last = own[own.length - 1];
    final[process] = last === undefined ? [] : [...last.queues].sort();
    convergedMs = Math.max(convergedMs, settledSince(own, final[process]));
  }
  const holders = new Map<string, string[]>();
  for (const process of live) for (const queue of final[process] ?? []) holders.set(queue, [...(holders.get(queue) ?? []), process]);
  const expectedSet = new Set(expectedQueues);
  const doubleHeld = model === "CLUSTERING"
    ? [...holders].filter(([, list]) => list.length > 1).map(([queue, list]) => ({ queue, holders: list })).sort((a, b) => a.queue.localeCompare(b.queue))
    : [];
  const unassigned = model === "CLUSTERING" ? expectedQueues.filter((queue) => !holders.has(queue)) : [];
  const missing = model === "BROADCASTING"
    ? live.map((process) => ({ process, queues: expectedQueues.filter((queue) => !(final[process] ?? []).includes(queue)) })).filter((entry) => entry.queues.length > 0)
    : [];
  const extra = [...holders.keys()].filter((queue) => !expectedSet.has(queue)).sort();
  const held = live.map((process) => (final[process] ?? []).filter((queue) => expectedSet.has(queue)).length);
  const minHeld = held.length === 0 ? 0 : Math.min(...held);
  const maxHeld = held.length === 0 ? 0 : Math.max(...held);
  const balanced = model === "CLUSTERING" && strategy !== "CONSISTENT_HASH" && live.length > 0 ? maxHeld - minHeld <= 1 : null;
  const lockLapses = orderly && model === "CLUSTERING" ? [...lockLapseChanges(index, context, members), ...lostUnlockChanges(index, context, topic, snapshots, members)] : [];
  const change = lastChange(index, context, members, [...offsetIllegalChanges(index, context, group, snapshots, members, pullMaxIdleTimeMs, postSubscriptionWhenPull), ...lockLapses]);
  const convergenceMs = Math.max(0, convergedMs - change.timeMs);
  const unlockDelayMs = orderly && model === "CLUSTERING" ? ORDERLY_UNLOCK_DELAY_MS + context.intervals.rebalanceMs : 0;
  const boundMs = context.expectations.rebalanceConvergeMs ?? change.boundMs + unlockDelayMs;
  const endMs = runEndMs(index, context.endMs);
  const problems: string[] = [];
  for (const entry of doubleHeld) problems.push(`${entry.queue} held by ${entry.holders.join(" and ")}`);
  if (unassigned.length > 0) problems.push(`${plural(unassigned.length, "queue")} held by no live consumer: ${unassigned.join(", ")}`);
  for (const entry of missing) problems.push(`${entry.process} lacks ${entry.queues.join(", ")}`);
  if (balanced === false) problems.push(`unbalanced split: ${minHeld}..${maxHeld} queues per consumer (${live.map((process) => `${process}=${(final[process] ?? []).length}`).join(", ")})`);
  if (live.length > 0 && convergenceMs > boundMs) problems.push(`converged ${formatMs(convergenceMs)} after the last change (bound ${formatMs(boundMs)})`);
  const stable = endMs - change.timeMs >= boundMs;
  const judged = live.length > 0 && (stable || problems.length === 0);
  const idle = live.filter((process) => (final[process] ?? []).length === 0);
  return {
    group, topic, model, strategy, live, expectedQueues, final, doubleHeld, unassigned, missing, extra, idle, minHeld, maxHeld,
    balanced, lastChangeMs: change.timeMs, lastChange: change.label, convergedMs: Number.isFinite(convergedMs) ? convergedMs : change.timeMs,
    convergenceMs, boundMs, judged, problems,
  };
}

/** The time of the first snapshot of the final stretch in which the set equals `finalSet`. */
function settledSince(own: readonly RebalanceEvent[], finalSet: readonly string[]): number {
  const key = finalSet.join(",");
  let since = -Infinity;
  for (const event of own) {
    const same = [...event.queues].sort().join(",") === key;
    if (!same) since = Infinity;
    else if (since === Infinity || since === -Infinity) since = event.timeMs;
  }
  return since === Infinity ? -Infinity : since;
}

/** The broker-up bound: a master coming up is seen after it registers and consumers poll the route. */
function brokerUpBoundMs(context: CheckContext): number {
  const intervals = context.intervals;
  return intervals.brokerRegisterMs + intervals.routePollMs + intervals.rebalanceMs + intervals.rebalanceMs + intervals.clientHeartbeatMs;
}

/** Per master restart after a power loss that left `group` a stale offset: the OFFSET_ILLEGAL fix chain's bound. */
function offsetIllegalChanges(
  index: HistoryIndex, context: CheckContext, group: string, snapshots: Map<string, RebalanceEvent[]>,
  members: Map<string, MemberTimeline>, pullMaxIdleTimeMs: number, postSubscriptionWhenPull: boolean,
): Change[] {
  const losses = powerLossesOf(index, context);
  if (losses.size === 0) return [];
  const handed = handedOffsetsOf(index);
  const grew = queueGrowthOf(index);
  const readQueues = [...new Set(index.deliveries.filter((delivery) => delivery.group === group).map((delivery) => delivery.queue))];
  const chain = offsetIllegalChainMs(pullMaxIdleTimeMs, context.intervals.rebalanceMs);
  const changes: Change[] = [];
  for (const broker of masters(context.topology)) {
    for (const loss of losses.get(broker.node) ?? []) {
      const restartMs = loss.restartMs;
      if (restartMs === undefined) continue;
      // Held across the restart: the pull the restart reset is retried pullRetryDelayMs later.
      // Without postSubscriptionWhenPull the restarted master knows the group's subscription
      // only from the client's next heartbeat (up to clientHeartbeatMs after the restart) and
      // answers SUBSCRIPTION_NOT_EXIST until then, each retried pullRetryDelayMs later (seed 2
      // swarm run 1322: stale pulls at +2 s and +5 s refused, the heartbeat at +5 s, the first
      // stale pull at +8 s). Otherwise the queues come back with the route, within the broker-up bound.
      const held = heldAt(snapshots, members, broker.brokerName, restartMs);
      const heldRetryMs = postSubscriptionWhenPull ? pullRetryDelayMs : context.intervals.clientHeartbeatMs + pullRetryDelayMs;
      const firstStalePullMs = held ? heldRetryMs : brokerUpBoundMs(context);
      const stale = readQueues.some((queue) => {
        if (brokerOfQueue(queue) !== broker.brokerName) return false;
        const reached = handed(group, queue, loss.timeMs);
        if (reached === undefined) return false;
        const grewMs = grew(queue, reached + 1, restartMs);
        return grewMs === undefined || grewMs > restartMs + firstStalePullMs;
      });
      if (!stale) continue;
      changes.push({
        timeMs: restartMs, boundMs: firstStalePullMs + chain.totalMs + measurementSlackMs,
        label: `${broker.node} restart after its power loss (OFFSET_ILLEGAL fix chain: first stale pull ${formatMs(firstStalePullMs)}, ` +
          `last stale pull ${formatMs(chain.lastStalePullMs)} later, fix ${formatMs(offsetIllegalFixDelayMs)}, re-add within ${formatMs(context.intervals.rebalanceMs)}, ` +
          `slack ${formatMs(measurementSlackMs)})`,
      });
    }
  }
  return changes;
}

/**
 * Orderly groups: a member that dies without its unlock (crash, power loss, pause) keeps its
 * queues locked on the broker for lockMaxLiveTime after its last lock, and nobody else may take
 * them until then, so the group converges up to that long (plus a rebalance) after the death,
 * whatever joined meanwhile (seed 1 swarm runs 702, 905, 958 of the rogue-peer re-draw: all
 * converged at the lapse, 60 s after the crashed holder's last lock).
 */
function lockLapseChanges(index: HistoryIndex, context: CheckContext, members: Map<string, MemberTimeline>): Change[] {
  const lapseMs = REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT + context.intervals.rebalanceMs + measurementSlackMs;
  return index.nodes
    .filter((event) => members.has(event.node) && (event.event === "crash" || event.event === "power-loss" || event.event === "pause"))
    .map((event) => ({
      timeMs: event.timeMs, boundMs: lapseMs,
      label: `${event.node} ${event.event} holding orderly locks (they lapse lockMaxLiveTime ${formatMs(REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT)} after its last lock, then a rebalance)`,
    }));
}

/**
 * Orderly groups: a member that gives up a queue unlocks it on the queue's master (at once, or
 * UNLOCK_DELAY_TIME_MILLS later while its process queue still caches messages), and that unlock
 * can be lost: 4.9.x RebalanceImpl.unlock asks findBrokerAddressInSubscribe(brokerName,
 * MASTER_ID, true), which finds nothing while the member's route lists the broker without its
 * master (the master's registration dropped at the NameServer the member polled: the broker is
 * readable through its slave only, or not listed), and the unlock is skipped without a word; a
 * fault between the member and the master loses the request too. The lock then lasts until
 * lockMaxLiveTime after its last lock, which came before the give-up, and no other member may
 * take the queue until then (seed 6 swarm run 405: the member's route had lost broker-a's
 * master at the give-up, 21.0 s; the queue's new holder locked it when it lapsed, 79.0 s).
 */
function lostUnlockChanges(
  index: HistoryIndex, context: CheckContext, topic: string, snapshots: Map<string, RebalanceEvent[]>, members: Map<string, MemberTimeline>,
): Change[] {
  const lapseMs = REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT + context.intervals.rebalanceMs + measurementSlackMs;
  const masterNodeOf = new Map(masters(context.topology).map((broker) => [broker.brokerName, broker.node]));
  const changes: Change[] = [];
  for (const [process, own] of snapshots) {
    if (!members.has(process)) continue;
    const routes = index.routes.filter((event) => event.process === process && event.topic === topic);
    for (let at = 1; at < own.length; at++) {
      const givenUpMs = own[at]!.timeMs;
      const unlockLastMs = givenUpMs + ORDERLY_UNLOCK_DELAY_MS;
      const givenUp = new Set(own[at - 1]!.queues.filter((queue) => !own[at]!.queues.includes(queue)).map(brokerOfQueue));
      for (const brokerName of givenUp) {
        // The route in force at the give-up, and any the member took before the delayed unlock.
        const inForce = [routes.filter((event) => event.timeMs <= givenUpMs).at(-1), ...routes.filter((event) => event.timeMs > givenUpMs && event.timeMs <= unlockLastMs)];
        const noMaster = inForce.some((event) => event !== undefined && !event.writableBrokers.includes(brokerName));
        const masterNode = masterNodeOf.get(brokerName);
        const cut = masterNode !== undefined && context.faults.some((scheduled) => scheduled.atMs <= unlockLastMs && (scheduled.healAtMs ?? Infinity) >= givenUpMs && cutsApart(scheduled.fault, process, masterNode));
        if (!noMaster && !cut) continue;
        changes.push({
          timeMs: givenUpMs, boundMs: lapseMs,
          label: `${process} gave up a queue of ${brokerName} ${noMaster ? `while its route had no ${brokerName} master (its unlock skipped)` : `while a fault cut it from ${masterNode ?? brokerName} (its unlock lost)`}: the lock lapses lockMaxLiveTime ${formatMs(REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT)} after its last lock, then a rebalance`,
        });
      }
    }
  }
  return changes;
}

/** Whether a fault may keep `node`'s requests from `other` (a firewall or flow between them, any partition). */
function cutsApart(fault: Fault, node: string, other: string): boolean {
  if (fault.kind === "partition") return true;
  if (fault.kind !== "firewall" && fault.kind !== "flow" && fault.kind !== "connection-reset") return false;
  const ends = faultNodes(fault);
  return ends.includes(node) && ends.includes(other);
}

/** Whether a member of the group held a queue of `brokerName` in its last snapshot before `atMs` and was still in the group then. */
function heldAt(snapshots: Map<string, RebalanceEvent[]>, members: Map<string, MemberTimeline>, brokerName: string, atMs: number): boolean {
  for (const [process, own] of snapshots) {
    const last = own.filter((event) => event.timeMs < atMs).at(-1);
    if (last === undefined || !last.queues.some((queue) => brokerOfQueue(queue) === brokerName)) continue;
    const left = members.get(process)?.leavesMs.some((leaveMs) => leaveMs > last.timeMs && leaveMs <= atMs) ?? false;
    if (!left) return true;
  }
  return false;
}

function lastChange(index: HistoryIndex, context: CheckContext, members: Map<string, MemberTimeline>, extra: readonly Change[]): Change {
  const intervals = context.intervals;
  const clean = intervals.rebalanceMs + intervals.clientHeartbeatMs;
  const changes: Change[] = [{ timeMs: index.startMs, boundMs: clean, label: "start" }];
  for (const member of members.values()) {
    const unclean = member.lastChangeUnclean;
    const boundMs = unclean ? intervals.clientExpiryMs + intervals.clientScanMs + clean : clean;
    changes.push({ timeMs: member.lastChangeMs, boundMs, label: `${member.process} ${member.aliveAtEnd ? "joined" : unclean ? "died" : "left"}` });
  }
  const masterNodes = new Set(masters(context.topology).map((broker) => broker.node));
  // A master going away is seen after its NameServers expire it; one coming up, after it
  // registers its topics and consumers poll the route.
  const brokerGoneBound = intervals.brokerExpiryMs + intervals.namesrvScanMs + intervals.routePollMs + intervals.rebalanceMs;
  const brokerUpBound = brokerUpBoundMs(context);
  for (const event of index.nodes) {
    if (!masterNodes.has(event.node)) continue;
    const up = event.event === "start" || event.event === "restart" || event.event === "resume";
    changes.push({ timeMs: event.timeMs, boundMs: up ? brokerUpBound : brokerGoneBound, label: `${event.node} ${event.event}` });
  }
  // A network fault's inject or heal changes which brokers the routes list (a broker expired
  // by its NameServers comes back only at its next registration), so it restarts the clock too.
  const healedBound = brokerGoneBound + intervals.brokerRegisterMs;
  for (const event of index.nemesis) changes.push({ timeMs: event.timeMs, boundMs: healedBound, label: `${event.kind} ${event.target} ${event.phase}` });
  changes.push(...extra);
  // The last change restarts the clock, but a later, quicker change does not cut an earlier
  // one's bound short (a broker that registers a topic late at start is seen at the next route
  // poll, whatever consumer joined meanwhile): the bound reaches the latest deadline of all.
  let last = changes[0]!;
  let deadline = { atMs: last.timeMs + last.boundMs, label: last.label };
  for (const change of changes) {
    // Changes at the same moment: the longest bound and the mechanism it comes from.
    if (change.timeMs >= last.timeMs) last = change.timeMs === last.timeMs && last.boundMs > change.boundMs ? last : change;
    if (change.timeMs + change.boundMs > deadline.atMs) deadline = { atMs: change.timeMs + change.boundMs, label: change.label };
  }
  if (deadline.atMs > last.timeMs + last.boundMs) {
    return { timeMs: last.timeMs, boundMs: deadline.atMs - last.timeMs, label: `${last.label} (the bound of ${deadline.label} runs longer)` };
  }
  return last;
}

function deadMastersAtEnd(index: HistoryIndex, context: CheckContext): Set<string> {
  const state = new Map<string, string>();
  for (const event of index.nodes) state.set(event.node, event.event);
  const dead = new Set<string>();
  for (const broker of masters(context.topology)) {
    const last = state.get(broker.node);
    if (last === "crash" || last === "power-loss" || last === "stop") dead.add(broker.brokerName);
  }
  return dead;
}

function rebalanceSummary(groups: readonly GroupAssignment[], failing: readonly GroupAssignment[]): string {
  if (failing.length > 0) {
    return failing.map((group) => `group ${group.group}: ${group.problems.join("; ")}`).join(" | ") + ".";
  }
  const notes = groups.map((group) => {
    if (!group.judged) return `group ${group.group}: not judged (${group.live.length === 0 ? "no live consumer" : `last change ${group.lastChange} too close to the end`}${group.problems.length > 0 ? `; seen: ${group.problems.join("; ")}` : ""})`;
    const idle = group.idle.length > 0 ? `, idle: ${group.idle.join(", ")}` : "";
    return `group ${group.group}: ${group.expectedQueues.length} queues over ${plural(group.live.length, "consumer")}, converged in ${formatMs(group.convergenceMs)}${idle}`;
  });
  return notes.length === 0 ? "No consumer groups to check." : `${notes.join("; ")}.`;
}
