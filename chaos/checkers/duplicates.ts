// Duplicates budget: at-least-once allows duplicates only where something explains them.
// A duplicate is a successful delivery of a message to a receiver (a CLUSTERING group, or one
// BROADCASTING consumer) after an earlier successful delivery to the same receiver. A retry
// (the listener answered RECONSUME_LATER, then a later delivery succeeded) is not a duplicate:
// only successes count. Each duplicate must be attributed to:
// - a fault window (fault_windows.ts) overlapping [first success − settle, duplicate]: a
//   crash/power loss/pause/partition can lose committed offsets (the consumer's in-memory
//   ones, the broker's consumerOffset.json persisted every few seconds) and replay; or
// - a message in flight when its consumer dropped the queue in a rebalance (addInFlightAtDrop):
//   the offset persisted on the drop does not include it, so the next holder reads it again
//   however late it gets the queue (an orderly one waits for the lock);
// - a rebalance window of the group (a membership change, or a snapshot moving a queue to
//   another consumer) overlapping the same span: the new owner restarts at the committed
//   offset, which lags what the old owner consumed by up to offsetPersistMs.
// settle = rebalanceMs + offsetPersistMs + 1 s: the time a queue change takes to be seen.
// Replay depth: a window explains a duplicate only if the message's first success (by that
// receiver) came at most `depth` before the window opened — the commit interval the window's
// mechanism can lose (a later first success is inside the window and always fits):
// - consumer side (a fault on a consumer process, a partition/pause/firewall/flow/... that
//   makes a consumer lose its queues, a rebalance or membership window): the client commits
//   every offsetPersistMs (persistConsumerOffsetInterval), so the new owner resumes at most
//   offsetPersistMs + slack behind what was consumed. A rebalance window explains only
//   duplicates on the queue it moved, and its depth counts from the move (the new owner's
//   snapshot), not from the window's settle-widened start: an old owner that dropped the queue
//   earlier committed its offset on the drop (removeUnnecessaryMessageQueue), and one that
//   died earlier is covered by its own fault window;
// - broker crash / power loss / node down of a broker (or a cluster-wide fault): the broker
//   keeps committed offsets in memory and flushes consumerOffset.json every
//   flushConsumerOffsetInterval (RocketMQ default 5 s; CheckContext.brokerConfig), so
//   flushConsumerOffsetInterval + offsetPersistMs + slack (plus, when a disk error or a full
//   disk on it kept failing those writes, the time since that fault began: persistBlockedSince);
//   if the broker is in a master/slave
//   pair, consumers that commit to or query the slave while the master is down see offsets the
//   slave synced from the master every slaveSyncIntervalMs (SlaveSynchronize, default 10 s),
//   so at least slaveSyncIntervalMs + offsetPersistMs + slack;
// - a fault that may make the NameServers drop a master with a slave (a partition naming it, a
//   lost broker heartbeat, a firewall/flow/reset between it and a NameServer): routes without
//   the master send offset queries and commits to the slave, whose offsets are as old as its last
//   sync before the cut (syncs fail while the slave cannot reach the master; a group that first
//   read a queue after that sync has no offset there and starts over), so the same
//   slaveSyncIntervalMs + offsetPersistMs + slack.
// The broker-side depths above hold for the hit broker's own queues only; on another broker's
// queue the same window gives the consumer's depth (its rebalance moved the queue, whose offset
// that broker kept).
// slack = 1 s (one persist round trip, a pull in flight) + how long an unfinished message can
// hold the committed offset (the min of the process queue) back while later ones are consumed:
// the group's processingMs × pullBatchSize (32 default), or, when some messages are slow
// (slowPercent), a slow batch's whole run (slowMs + processingMs × consumeBatchMaxSize): a
// clean shutdown that stops the slow batch commits its offset, and everything consumed above
// it is read again.
// The evidence names the window and the mechanism; a replay deeper than every window's depth
// (e.g. a broker that ignores offset commits) fails. The retry checker uses the same windows
// without the depth bound (explainRedelivery without `depthOf`).
// - a consume timeout: an earlier delivery of the message whose listener outlasted the group's
//   consumeTimeout was sent back while it ran (consume_timeout.ts), so its retry copy succeeds too;
// - a local retry (consume_timeout.ts isLocalRetry): the client's send-back and re-send failed,
//   but a re-send that timed out may have been stored, so a %RETRY% copy arrives as well;
// - the delayed OFFSET_ILLEGAL fix after a master's power loss (offset_illegal_fix.ts): it
//   rewinds the queue's reader to offset 0 up to 10 s after the queue grew back past the
//   group's stale offset, long after the power-loss window closed;
// - a producer retry (producer_retry.ts): the two deliveries come from two queues the message's
//   send attempted, one attempt failed at the client yet was stored, the retry stored another copy;
//   or from two records of one queue that the send attempted twice.
// - a delayed re-put that timed out (scheduleReputRetry): RocketMQ 4.9.x's ScheduleMessageService
//   advances a delay level's offset only on PUT_OK. On a SYNC_FLUSH master a re-put into the real
//   topic that answers FLUSH_DISK_TIMEOUT is stored all the same, and the level retries the same
//   schedule offset DELAY_FOR_A_PERIOD (10 s) after the put returned (syncFlushTimeout after its
//   store time), storing a second copy. Delayed sends and %RETRY% copies (the broker delays those,
//   level 3 + reconsumeTimes) both take this path. The evidence: both copies have the same
//   reconsumeTimes on the same queue, the later one at a higher queue offset (a second stored
//   copy, not a re-read), stored at least 10 s + syncFlushTimeout after the earlier, on a
//   SYNC_FLUSH master.
// - a schedule replay after a master's crash (scheduleReplayAfterCrash): its delay-level offsets
//   are persisted every flushDelayOffsetInterval, so the restarted schedule service re-puts what
//   it had re-put since: the earlier copy stored within that interval before the crash, the later
//   one after the restart, same queue, higher offset.
// - a transaction check replay after a master's crash (transactionCheckReplay): 4.9.x's check
//   service puts each half message it checks back at the end of the half queue (the check names
//   that copy) and moves the half queue's offset past the original; that offset is kept with the
//   consumer offsets, persisted every flushConsumerOffsetInterval, so after a crash or power loss
//   the restarted broker reads the originals again, puts back a second copy of each and checks
//   both; a producer that commits both checks gets its message stored twice. Evidence: two check
//   decisions COMMIT for the message, two first deliveries of distinct records of one queue, and
//   that queue's master crashed or lost power between the send and the later check.
// A process fault on producer nodes only (a crash, power loss, restart or pause of a producer,
// and its node-down window) explains no duplicate: a producer holds no queue and no consume
// offset, so nothing a consumer reads moves when it dies. Without this, a producer crash that
// never heals (the transactions mix's, 1m/transactions') excused every duplicate after it, e.g.
// a committed transaction the broker checked and committed a second time.
// Anything else fails the check naming the message, receiver, both times and the queue.
import type { DeliverEvent, HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { BrokerFacts, CheckContext } from "./context.ts";
import { brokerOfQueue, groupSpecs } from "./context.ts";
import type { ConsumerGroupSpec } from "../scenario.ts";
import type { CappedList } from "./evidence.ts";
import { capped, formatMs, idsMax, plural } from "./evidence.ts";
import type { Window } from "./fault_windows.ts";
import { faultWindows, rebalanceWindows } from "./fault_windows.ts";
import type { HistoryIndex } from "./history_index.ts";
import { indexHistory } from "./history_index.ts";
import { queueDropsOf } from "./queue_drops.ts";
import { consumeTimeoutMsOf, isLocalRetry, outlastedConsumeTimeout } from "./consume_timeout.ts";
import { attemptsByMessage, explainProducerRetry } from "./producer_retry.ts";
import { offsetIllegalRewinds } from "./offset_illegal_fix.ts";

export type Duplicate = {
  id: string; receiver: string; queue: string; firstMs: number; duplicateMs: number; process: string; explainedBy?: string;
  /** Unexplained: the nearest window that would have explained it but for the replay depth. */
  tooDeep?: string;
};

/** How far before a window opened a first delivery may lie and still be replayed, and why. */
export type ReplayDepth = { depthMs: number; mechanism: string };

export type DuplicatesEvidence = {
  duplicates: number;
  explained: number;
  unexplained: CappedList<Duplicate>;
  /** Explained duplicates with their cause (capped). */
  attributed: CappedList<Duplicate>;
  settleMs: number;
};

export function settleMsOf(context: CheckContext): number {
  return context.intervals.rebalanceMs + context.intervals.offsetPersistMs + 1_000;
}

/**
 * The window explaining a redelivery of a message first consumed at firstMs, again at againMs.
 * With `depthOf`, a window opened more than its replay depth after firstMs explains nothing.
 */
export function explainRedelivery(
  windows: { faults: readonly Window[]; rebalances: ReadonlyMap<string, readonly Window[]> },
  group: string, firstMs: number, againMs: number, settleMs: number,
  bound?: { depthOf: (window: Window, queue: string) => ReplayDepth; queue: string },
): Window | undefined {
  const overlaps = (window: Window): boolean => {
    if (window.startMs > againMs || (window.endMs !== null && window.endMs + settleMs < firstMs - settleMs)) return false;
    if (bound === undefined) return true;
    if (window.kind === "rebalance" && !window.nodes.includes(bound.queue)) return false;
    return firstMs >= replayAnchorMs(window) - bound.depthOf(window, bound.queue).depthMs;
  };
  return windows.faults.find(overlaps) ?? (windows.rebalances.get(group) ?? []).find(overlaps);
}

/** Where a window's replay depth counts from: its start, or for a moved queue the move. */
export function replayAnchorMs(window: Window): number {
  return window.kind === "rebalance" && window.atMs !== undefined ? window.atMs : window.startMs;
}

export function redeliveryWindows(index: HistoryIndex, context: CheckContext): { faults: Window[]; rebalances: Map<string, Window[]> } {
  return { faults: faultWindows(index, context), rebalances: rebalanceWindows(index, settleMsOf(context)) };
}

const brokerLosing = new Set(["crash", "clean-restart", "power-loss", "node"]);

/**
 * The replay depth of a window for a group, on a queue (header). A broker's fault deepens only
 * the replays of its own queues: other brokers keep their offsets, and a queue of theirs that the
 * fault's rebalance moved resumes from the owner's last commit (battery seed 1 run 47 with a
 * slave that never synced offsets: a NameServer flow fault on broker-a had excused broker-b's
 * queues replayed from 0 after a rack failure of broker-b).
 */
export function replayDepthOf(
  context: CheckContext, spec: ConsumerGroupSpec | undefined, faultWindowsSeen: readonly Window[] = [],
): (window: Window, queue: string) => ReplayDepth {
  const config = context.brokerConfig ?? {};
  const flushOffsetsMs = Number(config.flushConsumerOffsetInterval ?? 5_000);
  const slaveSyncMs = Number(config.slaveSyncIntervalMs ?? 10_000);
  const persistMs = context.intervals.offsetPersistMs;
  const batchMs = (spec?.processingMs ?? 0) * (spec?.pullBatchSize ?? 32);
  // A slow batch (slowPercent) holds the offset for its whole run while other threads consume past it.
  const slowHoldMs = (spec?.slowPercent ?? 0) > 0 ? (spec?.slowMs ?? 0) + (spec?.processingMs ?? 0) * (spec?.consumeBatchMaxSize ?? 1) : 0;
  const inFlightMs = Math.max(batchMs, slowHoldMs);
  const slackMs = 1_000 + inFlightMs;
  const held = slowHoldMs > batchMs ? `a slow batch's slowMs + processing ${formatMs(slowHoldMs)}` : `processingMs × pullBatchSize ${formatMs(batchMs)}`;
  const slack = `slack ${formatMs(slackMs)}${inFlightMs > 0 ? ` incl. ${held}` : ""}`;
  const brokers = new Map(context.topology.brokers.map((broker) => [broker.node, broker]));
  // Disk faults that may have kept the broker's consumerOffset.json writes failing (persistBlockedSince).
  const diskFaults = faultWindowsSeen.filter((window) => window.kind === "disk-error" || window.kind === "disk-full");
  const pairedMaster = (broker: BrokerFacts): boolean =>
    broker.role !== "SLAVE" && context.topology.brokers.some((other) => other.brokerName === broker.brokerName && other.node !== broker.node);
  return (window, queue) => {
    const queueBroker = brokerOfQueue(queue);
    const hitBrokers = window.nodes.map((node) => brokers.get(node)).filter((broker): broker is BrokerFacts => broker !== undefined && broker.brokerName === queueBroker);
    const brokerWide = window.kind !== "rebalance" && window.kind !== "membership" && (window.nodes.length === 0 || (hitBrokers.length > 0 && brokerLosing.has(window.kind)));
    const consumerDepth = { depthMs: persistMs + slackMs, mechanism: `consumer offsets committed every offsetPersistMs ${formatMs(persistMs)} (${slack})` };
    if (!brokerWide) {
      const cutMaster = cutsFromNameServers(window) ? hitBrokers.find(pairedMaster) : undefined;
      if (cutMaster === undefined) return consumerDepth;
      const cutDepthMs = slaveSyncMs + persistMs + slackMs;
      return cutDepthMs <= consumerDepth.depthMs ? consumerDepth : {
        depthMs: cutDepthMs,
        mechanism: `${cutMaster.node} cut from the NameServers: routes without it send offset queries and commits to its slave, whose ` +
          `offsets were synced from the master every slaveSyncIntervalMs ${formatMs(slaveSyncMs)} (none while cut) + offsetPersistMs ${formatMs(persistMs)} (${slack})`,
      };
    }
    // A master's power loss bounds no replay: RocketMQ 4.9.x writes consumerOffset.json without
    // fsync (MixAll.string2File), so the restarted broker may hold an older offset file or none
    // (the group then starts where ConsumeFromWhere says); and under ASYNC_FLUSH its queues may
    // come back shorter, where OFFSET_OVERFLOW_BADLY resets a consumer past the end to min
    // offset 0 (DefaultMessageStore.getMessage). Either way the whole queue may be read again.
    if (window.kind === "power-loss" && hitBrokers.some((broker) => broker.role !== "SLAVE")) {
      return { depthMs: Infinity, mechanism: "a master's power loss: consumerOffset.json is not fsynced (4.9.x), and an ASYNC_FLUSH queue may come back shorter (OFFSET_OVERFLOW_BADLY resets to min offset 0)" };
    }
    const paired = window.nodes.length === 0 || hitBrokers.some((broker) => context.topology.brokers.some((other) => other.brokerName === broker.brokerName && other.node !== broker.node));
    const blocked = persistBlockedSince(diskFaults, hitBrokers, replayAnchorMs(window), flushOffsetsMs);
    const flushDepthMs = flushOffsetsMs + persistMs + slackMs + (blocked === undefined ? 0 : replayAnchorMs(window) - blocked.startMs);
    const syncDepthMs = paired ? slaveSyncMs + persistMs + slackMs : 0;
    return syncDepthMs > flushDepthMs
      ? { depthMs: syncDepthMs, mechanism: `slave's offsets synced from its master every slaveSyncIntervalMs ${formatMs(slaveSyncMs)} + offsetPersistMs ${formatMs(persistMs)} (${slack})` }
      : {
        depthMs: flushDepthMs,
        mechanism: `broker flushes consumerOffset.json every flushConsumerOffsetInterval ${formatMs(flushOffsetsMs)} + offsetPersistMs ${formatMs(persistMs)} (${slack})` +
          (blocked === undefined ? "" : `, and none succeeded after ${blocked.cause} opened at ${formatMs(blocked.startMs)} (a failed write or fsync keeps the old file)`),
      };
  };
}

/**
 * The earliest disk fault on a hit broker still failing its config-file writes within one
 * flushConsumerOffsetInterval before `atMs`: mqlab persists consumerOffset.json by writing a
 * temporary file, fsyncing it and renaming it over the old one (Env writeFileAtomic), so a
 * disk error (write, fsync or create) or a full disk keeps the file as it was when the fault
 * began, and a crash then loads offsets from before it (battery seed 2 run 517: fsync errors
 * from 9 s, a crash at 17 s, a queue read again from 5.3 s). 4.9.x writes the file without
 * fsync (MixAll.string2File) and would have kept persisting through fsync errors.
 */
function persistBlockedSince(diskFaults: readonly Window[], hitBrokers: readonly BrokerFacts[], atMs: number, flushOffsetsMs: number): Window | undefined {
  let earliest: Window | undefined;
  for (const window of diskFaults) {
    if (!hitBrokers.some((broker) => window.nodes.includes(broker.node))) continue;
    if (window.startMs >= atMs || (window.endMs !== null && window.endMs + flushOffsetsMs <= atMs)) continue;
    if (earliest === undefined || window.startMs < earliest.startMs) earliest = window;
  }
  return earliest;
}

/**
 * Whether a fault may make the NameServers drop a master it names, so that clients' routes lose
 * it and they query and commit offsets on its slave (4.9.x findBrokerAddressInAdmin falls back to
 * a slave): a partition naming it, a lost broker heartbeat, or a firewall, flow or reset between
 * it and a NameServer (battery seed 29 run 866: broker-b isolated at 10 s; at 22 s a consumer
 * resumed a queue from broker-b-s, whose last offset sync, at 3 s, predated the group's reads).
 */
function cutsFromNameServers(window: Window): boolean {
  if (window.kind === "partition" || window.kind === "heartbeat-loss") return true;
  return (window.kind === "firewall" || window.kind === "flow" || window.kind === "connection-reset") &&
    window.nodes.some((node) => node.startsWith("namesrv"));
}

/** ScheduleMessageService.DELAY_FOR_A_PERIOD: how long a delay level waits after a failed re-put. */
const scheduleRetryPeriodMs = 10_000;

/**
 * A second copy of a delayed message stored by the schedule service retrying a re-put that
 * answered FLUSH_DISK_TIMEOUT (header), or undefined when the two deliveries do not fit it.
 */
/**
 * Both deliveries are stored copies the schedule service re-put (a delayed send, or a %RETRY%
 * copy, which the broker delays too): same level, same queue, the later at a higher offset (a
 * second record, not a re-read), with their store times; undefined otherwise.
 */
function twoSchedulePuts(first: DeliverEvent, again: DeliverEvent, sentDelayLevel: number | undefined): { firstStoreMs: number; againStoreMs: number } | undefined {
  const delayed = (sentDelayLevel ?? 0) > 0 || again.reconsumeTimes > 0;
  if (!delayed || first.reconsumeTimes !== again.reconsumeTimes || first.queue !== again.queue || again.queueOffset <= first.queueOffset) return undefined;
  if (first.storeTimeMs === undefined || again.storeTimeMs === undefined) return undefined;
  return { firstStoreMs: first.storeTimeMs, againStoreMs: again.storeTimeMs };
}

export function scheduleReputRetry(context: CheckContext, first: DeliverEvent, again: DeliverEvent, sentDelayLevel: number | undefined): string | undefined {
  const puts = twoSchedulePuts(first, again, sentDelayLevel);
  if (puts === undefined) return undefined;
  const master = context.topology.brokers.find((broker) => broker.brokerName === brokerOfQueue(again.queue) && broker.role !== "SLAVE");
  if (master?.flushDiskType !== "SYNC_FLUSH") return undefined;
  const syncFlushTimeoutMs = Number(context.brokerConfig?.syncFlushTimeout ?? 5_000);
  const minGapMs = scheduleRetryPeriodMs + syncFlushTimeoutMs;
  const gapMs = puts.againStoreMs - puts.firstStoreMs;
  if (gapMs < minGapMs) return undefined;
  return `schedule re-put retry: copy at offset ${first.queueOffset} stored at ${formatMs(puts.firstStoreMs)}, again at offset ${again.queueOffset} ` +
    `${formatMs(gapMs)} later (≥ DELAY_FOR_A_PERIOD ${formatMs(scheduleRetryPeriodMs)} + syncFlushTimeout ${formatMs(syncFlushTimeoutMs)}): ` +
    `a re-put answered FLUSH_DISK_TIMEOUT on SYNC_FLUSH ${master.node} was stored, and the delay level retried it (4.9.x advances only on PUT_OK)`;
}

/** 4.9.x MessageStoreConfig.flushDelayOffsetInterval's default. */
const defaultFlushDelayOffsetIntervalMs = 10_000;

/**
 * A second copy of a delayed message (or a %RETRY% copy, which the broker delays too) re-put by a
 * master whose crash took its schedule progress: ScheduleMessageService persists each level's
 * offset (delayOffset.json) every flushDelayOffsetInterval and at a clean shutdown, so after a
 * crash or power loss it re-puts what it had re-put since its last persist (battery seed 5 run
 * 13: re-put at 10.7 s, crash at 18.0 s, re-put again at 22.0 s after the restart). The first
 * copy must be stored within flushDelayOffsetInterval + 1 s before the crash, the second after
 * the restart, on the same queue at a higher offset; undefined otherwise.
 */
export function scheduleReplayAfterCrash(index: HistoryIndex, context: CheckContext, first: DeliverEvent, again: DeliverEvent, sentDelayLevel: number | undefined): string | undefined {
  const puts = twoSchedulePuts(first, again, sentDelayLevel);
  if (puts === undefined) return undefined;
  const { firstStoreMs, againStoreMs } = puts;
  const master = context.topology.brokers.find((broker) => broker.brokerName === brokerOfQueue(again.queue) && broker.role !== "SLAVE");
  if (master === undefined) return undefined;
  const configured = Number(context.brokerConfig?.flushDelayOffsetInterval ?? defaultFlushDelayOffsetIntervalMs);
  const persistMs = (Number.isFinite(configured) ? configured : defaultFlushDelayOffsetIntervalMs) + 1_000;
  const events = index.nodes.filter((event) => event.node === master.node);
  const crash = events.find((event) => (event.event === "crash" || event.event === "power-loss")
    && event.timeMs >= firstStoreMs && event.timeMs - firstStoreMs <= persistMs
    && events.some((restart) => restart.event === "restart" && restart.timeMs > event.timeMs && restart.timeMs <= againStoreMs));
  if (crash === undefined) return undefined;
  return `schedule replay: ${master.node}'s ${crash.event} at ${formatMs(crash.timeMs)} took its delay-level progress (persisted every flushDelayOffsetInterval ${formatMs(persistMs - 1_000)}); ` +
    `the copy re-put at ${formatMs(firstStoreMs)} (offset ${first.queueOffset}) was re-put again at ${formatMs(againStoreMs)} (offset ${again.queueOffset}) after the restart`;
}

/**
 * A transaction committed twice by the broker's checks after its master crashed (header): the
 * producer answered COMMIT to two checks of the message, both deliveries are first deliveries of
 * two records of one queue, and that queue's master crashed or lost power after the message was
 * sent and before the later of those checks; undefined otherwise.
 */
export function transactionCheckReplay(index: HistoryIndex, context: CheckContext, checkCommitsMs: ReadonlyMap<string, number[]>, first: DeliverEvent, again: DeliverEvent): string | undefined {
  if (first.reconsumeTimes !== 0 || again.reconsumeTimes !== 0 || first.queue !== again.queue || first.queueOffset === again.queueOffset) return undefined;
  const commitsMs = checkCommitsMs.get(again.messageId) ?? [];
  const sentMs = index.sendById.get(again.messageId)?.invokeMs;
  if (commitsMs.length < 2 || sentMs === undefined) return undefined;
  const lastCheckMs = commitsMs.at(-1)!;
  const master = context.topology.brokers.find((broker) => broker.brokerName === brokerOfQueue(again.queue) && broker.role !== "SLAVE");
  const crash = master === undefined ? undefined : index.nodes.find((event) => event.node === master.node &&
    (event.event === "crash" || event.event === "power-loss") && event.timeMs >= sentMs && event.timeMs <= lastCheckMs);
  if (crash === undefined) return undefined;
  return `transaction check replay: ${crash.node}'s ${crash.event} at ${formatMs(crash.timeMs)} took its half queue's check progress (kept with the consumer offsets, ` +
    `persisted every flushConsumerOffsetInterval); the restarted check service put the half message back and checked it again, and the producer ` +
    `committed ${commitsMs.length} checks (${commitsMs.map(formatMs).join(", ")}), each storing a copy (offsets ${first.queueOffset} and ${again.queueOffset})`;
}

/**
 * A fault that touched producers' traffic only (node names as the deployers give them): a crash,
 * restart, pause, clock skew or lost heartbeat of a producer, or a firewall, flow, reset or
 * partition one of whose ends is a producer. No consumer reads or commits through it, so it
 * explains no consumer's replay; a producer's retries that stored a message twice are judged
 * apart (producer_retry.ts). Before, any such window overlapping a first delivery and its
 * re-read excused the re-read (battery seed 1 run 292: a 2 s producer firewall at 2 s excused
 * a queue re-read at 21 s).
 */
export function producerOnlyFault(window: Window): boolean {
  if (window.kind === "rebalance" || window.kind === "membership") return false;
  return window.nodes.some((node) => node.startsWith("producer-"));
}

/** A delivery that held its queue's committed offset, re-read at the same count by another holder of the queue. */
interface HeldOffset {
  process: string;
  queue: string;
  queueOffset: number;
  /** From when it held the offset (a failure's end; a timed-out listener's start). */
  timeMs: number;
  rereadBy: string;
  rereadMs: number;
  /** Why the offset stayed there, for the evidence. */
  why: string;
}

/**
 * Per group and queue: failed deliveries that held the queue's committed offset. A send-back that
 * failed parks the message for a local retry and keeps it in the process queue (4.9.x), so the
 * consumer commits no offset past it; when that consumer leaves first (a clean stop drops the
 * parked retry), the next holder re-reads from the failed message, replaying every later message
 * the first consumer had already consumed, however long before (seed 1 swarm run 1364 of the
 * rogue-peer re-draw: failed at 1.7 s, stopped at 6 s, replayed from there). The evidence: no
 * retry copy of the failed delivery, and another process re-read the same record at the same count.
 * A consume timeout holds it too: 4.9.x's cleanExpiredMsg sends the timed-out message back and
 * removes it from the process queue without committing, and when that leaves the process queue
 * empty, the listener's own late result finds nothing to remove (removeMessage answers -1), so the
 * committed offset stays at the timed-out message until the queue's next consumption (battery seed
 * 12 run 250: @12 ran 4 s from 10.4 s, sent back at 13.0 s, nothing more on that queue; the offset
 * stayed at 12 through a clean restart 5 s later, and @13..15 were read again). The evidence:
 * another process re-read the record at the same count, and no other delivery on that queue by
 * the timed-out consumer returned between the message's timeout and that re-read.
 */
function heldOffsets(index: HistoryIndex, specOf: ReadonlyMap<string, ConsumerGroupSpec>): Map<string, HeldOffset[]> {
  const byRecord = new Map<string, DeliverEvent[]>();
  for (const delivery of index.deliveries) {
    const key = `${delivery.group}\u0000${delivery.messageId}`;
    const list = byRecord.get(key);
    if (list === undefined) byRecord.set(key, [delivery]);
    else list.push(delivery);
  }
  const held = new Map<string, HeldOffset[]>();
  const add = (entry: HeldOffset, group: string): void => {
    const key = `${group}\u0000${entry.queue}`;
    const list = held.get(key);
    if (list === undefined) held.set(key, [entry]);
    else list.push(entry);
  };
  for (const deliveries of byRecord.values()) {
    for (const failed of deliveries) {
      if (failed.result === "success") continue;
      if (deliveries.some((next) => next.reconsumeTimes > failed.reconsumeTimes)) continue;
      const reread = deliveries.find((next) => next.timeMs > failed.timeMs && next.process !== failed.process && next.reconsumeTimes === failed.reconsumeTimes
        && next.queue === failed.queue && next.queueOffset === failed.queueOffset && next.storeTimeMs === failed.storeTimeMs);
      if (reread === undefined) continue;
      add({
        process: failed.process, queue: failed.queue, queueOffset: failed.queueOffset, timeMs: failed.timeMs, rereadBy: reread.process, rereadMs: reread.timeMs,
        why: `failed ${failed.queue}@${String(failed.queueOffset)} at ${formatMs(failed.timeMs)} and never settled it (no retry copy)`,
      }, failed.group);
    }
  }
  const slowOnes = index.deliveries.filter((delivery) => outlastedConsumeTimeout(delivery, specOf.get(delivery.group)));
  // Each timed-out delivery looks at the other deliveries of its consumer and queue only.
  const byLane = new Map<string, DeliverEvent[]>();
  if (slowOnes.length > 0) {
    for (const delivery of index.deliveries) {
      const lane = `${delivery.group}\u0000${delivery.process}\u0000${delivery.queue}`;
      const list = byLane.get(lane);
      if (list === undefined) byLane.set(lane, [delivery]);
      else list.push(delivery);
    }
  }
  for (const slow of slowOnes) {
    const spec = specOf.get(slow.group);
    const startMs = slow.startMs ?? slow.timeMs;
    const expiredMs = startMs + consumeTimeoutMsOf(spec);
    const reread = (byRecord.get(`${slow.group}\u0000${slow.messageId}`) ?? []).find((next) => (next.startMs ?? next.timeMs) > expiredMs && next.process !== slow.process
      && next.reconsumeTimes === slow.reconsumeTimes && next.queue === slow.queue && next.queueOffset === slow.queueOffset && next.storeTimeMs === slow.storeTimeMs);
    if (reread === undefined) continue;
    const rereadMs = reread.startMs ?? reread.timeMs;
    const settledBefore = (byLane.get(`${slow.group}\u0000${slow.process}\u0000${slow.queue}`) ?? [])
      .some((other) => other !== slow && other.timeMs > expiredMs && other.timeMs < rereadMs);
    if (settledBefore) continue;
    add({
      process: slow.process, queue: slow.queue, queueOffset: slow.queueOffset, timeMs: startMs, rereadBy: reread.process, rereadMs,
      why: `timed out on ${slow.queue}@${String(slow.queueOffset)} (listener from ${formatMs(startMs)}, consumeTimeout ${formatMs(consumeTimeoutMsOf(spec))}); ` +
        "the send-back emptied its process queue, so no result moved the offset on (4.9.x cleanExpiredMsg commits nothing)",
    }, slow.group);
  }
  addInFlightAtDrop(index, byRecord, add);
  return held;
}

/**
 * A message in flight when its consumer dropped the queue in a rebalance: 4.9.x's
 * removeUnnecessaryMessageQueue persists the queue's offset before the in-flight listener returns
 * (an orderly one takes the consume lock only after the persist), and the dropped process queue
 * never commits the result, so the queue's next holder reads that message again whenever it gets
 * the queue (battery seed 2 run 1104: dropped at 2.126 s as offset 4's listener returned, the next
 * holder locked the orderly queue at 5.022 s and read offset 4 again).
 */
function addInFlightAtDrop(index: HistoryIndex, byRecord: ReadonlyMap<string, DeliverEvent[]>, add: (entry: HeldOffset, group: string) => void): void {
  const drops = queueDropsOf(index);
  if (drops.length === 0) return;
  const lane = (group: string, process: string, queue: string): string => `${group}\u0000${process}\u0000${queue}`;
  const byLane = new Map<string, DeliverEvent[]>();
  for (const delivery of index.deliveries) {
    const key = lane(delivery.group, delivery.process, delivery.queue);
    const list = byLane.get(key);
    if (list === undefined) byLane.set(key, [delivery]);
    else list.push(delivery);
  }
  for (const drop of drops) {
    for (const delivery of byLane.get(lane(drop.group, drop.process, drop.queue)) ?? []) {
      if ((delivery.startMs ?? delivery.timeMs) > drop.timeMs || delivery.timeMs < drop.timeMs) continue;
      const reread = (byRecord.get(`${delivery.group}\u0000${delivery.messageId}`) ?? []).find((next) => next.timeMs > drop.timeMs && next.process !== delivery.process
        && next.reconsumeTimes === delivery.reconsumeTimes && next.queue === delivery.queue && next.queueOffset === delivery.queueOffset);
      if (reread === undefined) continue;
      add({
        process: delivery.process, queue: delivery.queue, queueOffset: delivery.queueOffset, timeMs: delivery.startMs ?? delivery.timeMs,
        rereadBy: reread.process, rereadMs: reread.startMs ?? reread.timeMs,
        why: `dropped ${delivery.queue} at ${formatMs(drop.timeMs)} with offset ${String(delivery.queueOffset)} in flight; 4.9.x persists the offset on the drop ` +
          "before the listener returns, and a dropped process queue commits no result",
      }, delivery.group);
    }
  }
}

export function checkDuplicates(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const specs = groupSpecs(context.workload, index.seenGroups);
  const broadcasting = new Set(specs.filter((spec) => spec.model === "BROADCASTING").map((spec) => spec.group));
  const all = redeliveryWindows(index, context);
  const windows = { ...all, faults: all.faults.filter((window) => !producerOnlyFault(window)) };
  const settleMs = settleMsOf(context);
  const depths = new Map(specs.map((spec) => [spec.group, replayDepthOf(context, spec, all.faults)]));
  const specOf = new Map(specs.map((spec) => [spec.group, spec]));
  const firstSuccess = new Map<string, { timeMs: number; queue: string; delivery: DeliverEvent }>();
  const sendAttempts = attemptsByMessage(index);
  const rewinds = offsetIllegalRewinds(index, context, settleMs);
  // When each transaction's checks answered COMMIT (the producer records the decision before END_TRANSACTION leaves).
  const checkCommitsMs = new Map<string, number[]>();
  for (const event of history) {
    if (event.type !== "transaction" || event.phase !== "check" || event.decision !== "commit") continue;
    checkCommitsMs.set(event.messageId, [...checkCommitsMs.get(event.messageId) ?? [], event.timeMs]);
  }
  const held = heldOffsets(index, specOf);
  const unexplained: Duplicate[] = [];
  const attributed: Duplicate[] = [];
  // Every delivery per receiver and message (failed ones too): two retry copies come from two
  // failed deliveries, and what explains those (a rebalance handing the queue over between them)
  // explains the copies' duplicate.
  const attempts = new Map<string, DeliverEvent[]>();
  for (const delivery of index.deliveries) {
    if (!index.sendById.has(delivery.messageId)) continue;
    const receiver = broadcasting.has(delivery.group) ? `${delivery.group}/${delivery.process}` : delivery.group;
    const key = `${receiver}\u0000${delivery.messageId}`;
    const seen = attempts.get(key) ?? [];
    seen.push(delivery);
    attempts.set(key, seen);
    if (delivery.result !== "success") continue;
    const first = firstSuccess.get(key);
    if (first === undefined) {
      firstSuccess.set(key, { timeMs: delivery.timeMs, queue: delivery.queue, delivery });
      continue;
    }
    const firstMs = first.timeMs;
    const duplicate: Duplicate = { id: delivery.messageId, receiver, queue: delivery.queue, firstMs, duplicateMs: delivery.timeMs, process: delivery.process };
    const depthOf = depths.get(delivery.group) ?? replayDepthOf(context, undefined, all.faults);
    // Either delivery's queue may have moved: a message sent back from a batch just before a
    // rebalance is read again from its own queue by the new owner (the first success here) and
    // also arrives as a retry copy on %RETRY% (the duplicate).
    const origins = delivery.reconsumeTimes > 0 ? seen.filter((earlier) => earlier.reconsumeTimes === delivery.reconsumeTimes - 1 && earlier.result !== "success") : [];
    // Two copies of one failure are possible too: a send-back stored but answered with an error
    // (SLAVE_NOT_AVAILABLE under SYNC_MASTER) makes the client re-send the copy itself (4.9.x).
    const originMs = origins.length > 0 ? origins[0]!.timeMs : undefined;
    const spec = specOf.get(delivery.group);
    // Any earlier delivery that outlasted it (a success, or a failure sent back twice: by the
    // timeout and by its RECONSUME_LATER answer).
    const slow = seen.find((earlier) => earlier !== delivery && outlastedConsumeTimeout(earlier, spec));
    const localRetry = seen.find((retry) => seen.some((failed) => failed !== retry && failed.result !== "success" && isLocalRetry(failed, retry)));
    if (localRetry !== undefined && slow === undefined) {
      attributed.push({ ...duplicate, explainedBy: `local retry at ${formatMs(localRetry.timeMs)}: send-back and re-send failed at the client, yet a copy reached %RETRY%` });
      continue;
    }
    const holder = delivery.reconsumeTimes === 0 ? (held.get(`${delivery.group}\u0000${delivery.queue}`) ?? []).find((failure) => failure.process === first.delivery.process
      && failure.queueOffset <= delivery.queueOffset && failure.rereadMs <= delivery.timeMs && failure.timeMs <= first.timeMs) : undefined;
    if (holder !== undefined) {
      attributed.push({ ...duplicate, explainedBy: `held offset: ${holder.process} ${holder.why}, so its committed offset stayed there and ${holder.rereadBy} re-read from it at ${formatMs(holder.rereadMs)}` });
      continue;
    }
    // A retry copy stands for the stored original it descends from: the queue of a failed first
    // delivery (seed 2 swarm run 586: one copy failed and came back from %RETRY%, the other
    // producer-retry copy was read later from its own queue).
    const rootQueues = (of: DeliverEvent): string[] => of.reconsumeTimes === 0 ? [of.queue]
      : [...new Set(seen.filter((earlier) => earlier.reconsumeTimes === 0 && earlier.result !== "success").map((earlier) => earlier.queue))];
    let producerRetry: string | undefined;
    for (const firstRoot of rootQueues(first.delivery)) {
      for (const root of rootQueues(delivery)) {
        const distinctRecords = first.delivery.reconsumeTimes === 0 && delivery.reconsumeTimes === 0 && first.delivery.queueOffset !== delivery.queueOffset;
        producerRetry ??= explainProducerRetry(sendAttempts, delivery.messageId, firstRoot, root, distinctRecords);
      }
    }
    if (producerRetry !== undefined) {
      attributed.push({ ...duplicate, explainedBy: producerRetry });
      continue;
    }
    if (slow !== undefined) {
      attributed.push({ ...duplicate, explainedBy: `consume timeout: the listener ran ${formatMs(slow.timeMs - (slow.startMs ?? slow.timeMs))} on it, beyond consumeTimeout ${formatMs(consumeTimeoutMsOf(spec))}: sent back while consumed` });
      continue;
    }
    // The replayed queue: the duplicate's, the first delivery's, or the send-back origin's.
    const explainOn = (queue: string, fromMs: number, toMs: number): { window: Window; queue: string } | undefined => {
      const window = explainRedelivery(windows, delivery.group, fromMs, toMs, settleMs, { depthOf, queue });
      return window === undefined ? undefined : { window, queue };
    };
    const why = explainOn(delivery.queue, firstMs, delivery.timeMs) ??
      (first.queue === delivery.queue ? undefined : explainOn(first.queue, firstMs, delivery.timeMs)) ??
      (originMs === undefined ? undefined : explainOn(origins[0]!.queue, originMs, origins.at(-1)!.timeMs));
    if (why !== undefined) {
      const depth = depthOf(why.window, why.queue);
      attributed.push({ ...duplicate, explainedBy: `${why.window.cause}: replay depth ${formatMs(depth.depthMs)} (${depth.mechanism})` });
      continue;
    }
    const rewind = rewinds(delivery.group, delivery.queue, delivery.timeMs);
    if (rewind !== undefined) {
      attributed.push({ ...duplicate, explainedBy: rewind });
      continue;
    }
    const sentDelayLevel = index.sendById.get(delivery.messageId)?.delayLevel;
    const reputRetry = scheduleReputRetry(context, first.delivery, delivery, sentDelayLevel) ?? scheduleReplayAfterCrash(index, context, first.delivery, delivery, sentDelayLevel) ??
      transactionCheckReplay(index, context, checkCommitsMs, first.delivery, delivery);
    if (reputRetry !== undefined) {
      attributed.push({ ...duplicate, explainedBy: reputRetry });
      continue;
    }
    const shallow = explainRedelivery(windows, delivery.group, firstMs, delivery.timeMs, settleMs, { depthOf: () => ({ depthMs: Infinity, mechanism: "" }), queue: delivery.queue });
    if (shallow === undefined) unexplained.push(duplicate);
    else {
      const depth = depthOf(shallow, delivery.queue);
      unexplained.push({
        ...duplicate,
        tooDeep: `${shallow.cause} opened at ${formatMs(replayAnchorMs(shallow))}, ${formatMs(replayAnchorMs(shallow) - firstMs)} after the first delivery: ` +
          `deeper than its replay depth ${formatMs(depth.depthMs)} (${depth.mechanism})`,
      });
    }
  }
  const max = idsMax(context);
  const evidence: DuplicatesEvidence = {
    duplicates: unexplained.length + attributed.length, explained: attributed.length,
    unexplained: capped(unexplained, max), attributed: capped(attributed, max), settleMs,
  };
  const first = unexplained[0];
  const summary = first !== undefined
    ? `${plural(unexplained.length, "duplicate")} no fault or rebalance explains; first ${first.id} to ${first.receiver} on ${first.queue} ` +
      `at ${formatMs(first.firstMs)} and again at ${formatMs(first.duplicateMs)} (${first.process})${first.tooDeep === undefined ? "" : `; ${first.tooDeep}`}.`
    : evidence.duplicates === 0 ? "No duplicate deliveries."
      : `${plural(evidence.duplicates, "duplicate")}, each inside a fault or rebalance window (settle ${formatMs(settleMs)}).`;
  return { name: "duplicates", verdict: unexplained.length > 0 ? "fail" : "pass", summary, evidence };
}
