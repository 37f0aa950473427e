// A crash can take a group's first offsets on a queue (4.9.x, and mqlab, which does the same).
// The broker's ConsumerOffsetManager keeps offsets in memory and persists them every
// flushConsumerOffsetInterval (5 s) and at a clean shutdown, so a crash or a power loss of the
// master loses what consumers committed since its last persist; and a consumer keeps its offsets
// in memory until its next commit (every offsetPersistMs, or with a pull), so its own crash loses
// what it had not yet committed. A group that held the queue through a broker restart heals it
// by committing its in-memory offset again; but a group whose holder let the queue go meanwhile
// (the route dropped the dead broker, a rebalance moved the queue) or died asks the broker on its
// next take, and when the lost offsets were the group's first on that queue the broker has none:
// QUERY_CONSUMER_OFFSET answers "not found" and consumeFromWhere applies as for a new group.
// For CONSUME_FROM_LAST_OFFSET that is the queue's max offset at the retake (on an old queue), so
// everything stored between the group's last consumption and the retake is skipped (battery seed
// 3 run 943: a late LAST_OFFSET group's first commits on broker-b died with it 4 s after the
// join; 20 s later the group took the queue back at its max offset and skipped three messages).
// FIRST_OFFSET and TIMESTAMP groups start where they started before, which costs duplicates only.
// The holder can lose them without a crash too: a client holds a queue's offset only once its
// first pull is answered (or a message consumed), and dropping the process queue (a rebalance
// moving it, or a pull-expired replacement: removed and added back in one rebalance) persists
// only an offset it holds, by a one-way request. So a group whose holder dropped the queue before
// its first commit reached the broker (the broker paused or cut off meanwhile) asks the broker on
// the re-add and finds nothing (battery seed 8 run 460: broker-b paused 1 s after a
// LAST_OFFSET group's join, the holder replaced the stalled queue at 28 s and started at the max
// offset, skipping a message stored just before).
//
// The allowance is only as wide as the mechanism: the crash must come before the group's first
// offsets on the queue could have reached the broker — within pullSuspendMs (the client holds an
// offset for the queue only once its first pull is answered, which a long poll may hold) +
// offsetPersistMs (the client's commit interval) + slackMs of the group's first take — or, for a
// master's crash, been persisted there (+ flushConsumerOffsetInterval); or a fault that can block
// commits was active between the take and the crash. The message must be on that queue, below
// its max offset at the retake. A broker that loses offsets it had persisted long before is still
// caught, and so is a consumer that forgets offsets it had committed.
import type { CheckContext } from "./context.ts";
import { brokerOfQueue } from "./context.ts";
import { formatMs } from "./evidence.ts";
import type { HistoryIndex, SendRecord } from "./history_index.ts";
import type { Fault } from "../faults/types.ts";

/** 4.9.x BrokerConfig.flushConsumerOffsetInterval's default. */
const defaultFlushConsumerOffsetIntervalMs = 5_000;
/** Room for the first pull's round trip and the commit's own. */
const slackMs = 1_000;
/**
 * Faults that can keep a commit from the broker or its persist from the disk: cut or slowed
 * links, a paused process, a skewed clock, a failing disk. A crash elsewhere cannot.
 */
const blocksCommits: ReadonlySet<Fault["kind"]> = new Set<Fault["kind"]>([
  "pause", "firewall", "heartbeat-loss", "partition", "flow", "connection-reset", "clock-skew", "slow-disk", "disk-full", "disk-error",
]);

export interface LostOffsetsRestart {
  group: string;
  queue: string;
  /** The group's first take of the queue whose commits the crash may have taken. */
  takenMs: number;
  crashMs: number;
  /** The master broker (its name) or the consumer process that crashed or dropped the queue. */
  crashedNode: string;
  /** "dropped": the holder dropped the queue (no crash) before its first commit reached the broker. */
  crashedRole: "broker" | "consumer" | "dropped";
  /** The take after the restart that asked the broker again. */
  retakeMs: number;
  /** Acked messages on the queue below this offset may be skipped. */
  skipBelow: number;
}

/** Why `group` may have skipped `send` ("broker crash took ..." or "consumer crash took ..."), or undefined. */
export type LostOffsetsExcuse = (group: string, send: SendRecord) => string | undefined;

export function lostOffsetsRestarts(index: HistoryIndex, context: CheckContext): LostOffsetsRestart[] {
  const groups = context.workload.consumers.filter((spec) => spec.model !== "BROADCASTING" && spec.consumeFromWhere === "CONSUME_FROM_LAST_OFFSET");
  if (groups.length === 0) return [];
  const crashesByNode = new Map<string, number[]>();
  for (const event of index.nodes) {
    if (event.event !== "crash" && event.event !== "power-loss") continue;
    const list = crashesByNode.get(event.node) ?? [];
    list.push(event.timeMs);
    crashesByNode.set(event.node, list);
  }
  const masterNode = new Map(context.topology.brokers.filter((broker) => broker.role !== "SLAVE").map((broker) => [broker.brokerName, broker.node]));
  const flushMs = Number(context.brokerConfig?.flushConsumerOffsetInterval ?? defaultFlushConsumerOffsetIntervalMs);
  // Until the client commits the queue's first offset (its first pull answered, then a commit interval)...
  const uncommittedMs = context.intervals.pullSuspendMs + context.intervals.offsetPersistMs + slackMs;
  // ...and until the broker persists it.
  const unpersistedMs = uncommittedMs + (Number.isFinite(flushMs) ? flushMs : defaultFlushConsumerOffsetIntervalMs);
  const commitBlockers = context.faults.filter((scheduled) => blocksCommits.has(scheduled.fault.kind));
  const restarts: LostOffsetsRestart[] = [];
  for (const spec of groups) {
    const snapshots = index.rebalances.filter((event) => event.group === spec.group && event.topic === spec.topic);
    const members = [...new Set(snapshots.map((event) => event.process))];
    const queues = new Set(snapshots.flatMap((event) => event.queues));
    for (const queue of queues) {
      const losses: OffsetLoss[] = [
        ...(crashesByNode.get(masterNode.get(brokerOfQueue(queue)) ?? "") ?? []).map((timeMs): OffsetLoss => ({ timeMs, windowMs: unpersistedMs, node: brokerOfQueue(queue), role: "broker" })),
        // The holder's own crash: its in-memory offset dies before any commit reached the broker.
        ...members.flatMap((member) => (crashesByNode.get(member) ?? [])
          .filter((timeMs) => heldAt(snapshots, member, queue, timeMs))
          .map((timeMs): OffsetLoss => ({ timeMs, windowMs: uncommittedMs, node: member, role: "consumer" }))),
        // The holder's drop of the queue, with no crash: only an offset it holds is persisted.
        ...members.flatMap((member) => dropsOf(snapshots, member, queue)
          .map((drop): OffsetLoss => ({ timeMs: drop.timeMs, windowMs: uncommittedMs, node: member, role: "dropped", ...(drop.replaced ? { retakeMs: drop.timeMs } : {}) }))),
      ].sort((left, right) => left.timeMs - right.timeMs);
      let takenMs = snapshots.find((event) => event.queues.includes(queue))?.timeMs;
      for (const loss of losses) {
        if (takenMs === undefined) break;
        if (loss.timeMs < takenMs) continue;
        const start = takenMs;
        const blocked = commitBlockers.some((scheduled) => scheduled.atMs < loss.timeMs && (scheduled.healAtMs ?? Infinity) > start);
        // A drop that took nothing does not end the search: a later crash may still have.
        if (loss.timeMs - takenMs > loss.windowMs && !blocked) {
          if (loss.role === "dropped") continue;
          break;
        }
        const retakeMs = loss.retakeMs ?? retakeAfter(snapshots, queue, loss.timeMs, loss.role === "consumer" ? loss.node : undefined);
        if (retakeMs === undefined) break;
        const skipBelow = 1 + Math.max(-1, ...index.messages
          .filter((send) => send.queue === queue && send.topic === spec.topic && send.outcome === "ok" && (send.outcomeMs ?? Infinity) <= retakeMs)
          .map((send) => send.queueOffset ?? -1));
        restarts.push({ group: spec.group, queue, takenMs, crashMs: loss.timeMs, crashedNode: loss.node, crashedRole: loss.role, retakeMs, skipBelow });
        takenMs = retakeMs;
      }
    }
  }
  return restarts;
}

/** A crash that can take the queue's offsets: of its master, or of the consumer holding it. */
interface OffsetLoss {
  timeMs: number;
  /** How long after the first take the offsets may still be unpersisted. */
  windowMs: number;
  node: string;
  /** A consumer's crash: its own next snapshot with the queue is a retake. */
  role: "broker" | "consumer" | "dropped";
  /** A replacement in place: the same snapshot added the queue back, asking the broker. */
  retakeMs?: number;
}

/**
 * When `process` dropped `queue` while it stayed in the group: a snapshot without it after one
 * with it, or a snapshot with the same queues as its previous one (a snapshot is taken only when
 * its process queues changed, so one queue was removed and added back: a pull-expired
 * replacement; it may have been another queue, but then this one was not re-read from the broker
 * and nothing here is skipped).
 */
function dropsOf(snapshots: readonly { timeMs: number; process: string; queues: readonly string[] }[], process: string, queue: string): { timeMs: number; replaced: boolean }[] {
  const drops: { timeMs: number; replaced: boolean }[] = [];
  let previous: readonly string[] | undefined;
  for (const snapshot of snapshots) {
    if (snapshot.process !== process) continue;
    if (previous?.includes(queue) === true) {
      if (!snapshot.queues.includes(queue)) drops.push({ timeMs: snapshot.timeMs, replaced: false });
      else if (replacedInPlace(previous, snapshot.queues)) drops.push({ timeMs: snapshot.timeMs, replaced: true });
    }
    previous = snapshot.queues;
  }
  return drops;
}

/** Whether `process`'s last snapshot at or before `timeMs` held `queue`. */
function heldAt(snapshots: readonly { timeMs: number; process: string; queues: readonly string[] }[], process: string, queue: string, timeMs: number): boolean {
  let holds = false;
  for (const snapshot of snapshots) {
    if (snapshot.timeMs > timeMs) break;
    if (snapshot.process === process) holds = snapshot.queues.includes(queue);
  }
  return holds;
}

/**
 * The first snapshot after `crashMs` in which a consumer of the group holds `queue` that it did
 * not hold in its previous snapshot (or that is its first; for `crashedConsumer`, its first after
 * the crash): a take that asks the broker again.
 */
function retakeAfter(
  snapshots: readonly { timeMs: number; process: string; queues: readonly string[] }[], queue: string, crashMs: number, crashedConsumer?: string,
): number | undefined {
  const held = new Map<string, boolean>();
  let forgotten = false;
  for (const snapshot of snapshots) {
    if (!forgotten && snapshot.timeMs > crashMs && crashedConsumer !== undefined) {
      held.set(crashedConsumer, false);
      forgotten = true;
    }
    const holds = snapshot.queues.includes(queue);
    const before = held.get(snapshot.process) ?? false;
    held.set(snapshot.process, holds);
    if (snapshot.timeMs > crashMs && holds && !before) return snapshot.timeMs;
  }
  return undefined;
}

export function lostOffsetsExcuse(index: HistoryIndex, context: CheckContext): LostOffsetsExcuse {
  const restarts = lostOffsetsRestarts(index, context);
  if (restarts.length === 0) return () => undefined;
  return (group, send) => {
    const restart = restarts.find((each) => each.group === group && each.queue === send.queue && (send.queueOffset ?? Infinity) < each.skipBelow);
    if (restart === undefined) return undefined;
    if (restart.crashedRole === "dropped") {
      return `a dropped process queue took the group's offsets: ${restart.crashedNode} dropped ${restart.queue} at ${formatMs(restart.crashMs)}, ` +
        `${formatMs(restart.crashMs - restart.takenMs)} after ${group} took it and before its first commit reached the broker, and ${group} took the queue back at ${formatMs(restart.retakeMs)} with no offset there: ` +
        `CONSUME_FROM_LAST_OFFSET started it at the max offset ${String(restart.skipBelow)}`;
    }
    const before = restart.crashedRole === "broker" ? "before its first commits could be persisted" : "before its first commit reached the broker";
    return `${restart.crashedRole} crash took the group's offsets: ${restart.crashedNode} crashed at ${formatMs(restart.crashMs)}, ` +
      `${formatMs(restart.crashMs - restart.takenMs)} after ${group} took ${restart.queue} (${before}), and ${group} took the queue back at ${formatMs(restart.retakeMs)} with no offset there: ` +
      `CONSUME_FROM_LAST_OFFSET started it at the max offset ${String(restart.skipBelow)}`;
  };
}

/**
 * Whether a member's rebalance snapshot, with the same queues as its previous one, marks process
 * queues replaced in place: the client snapshots only when a pass added or removed a queue, so a
 * queue was removed and added back in one pass (a pull-expired replacement).
 */
export function replacedInPlace(previous: readonly string[], current: readonly string[]): boolean {
  return previous.length === current.length && previous.every((queue) => current.includes(queue));
}
