// DESIGN.md's guarantee table as a function: may this acked message be lost, given the
// topology and the power losses that happened? Crashes never permit loss (the page cache
// survives). A power loss of a master permits losing a message that was not durable on it
// (ASYNC_FLUSH, or a SYNC_FLUSH ack that said FLUSH_DISK_TIMEOUT) unless a slave surely had it
// (SYNC_MASTER acked SEND_OK / FLUSH_DISK_TIMEOUT, and that slave did not lose power itself
// with the message unflushed) and the master stayed down, so consumers read the slave. A master
// that restarts recovers only its own flushed log (4.x copies no slave tail back), so even a
// SYNC_MASTER's SEND_OK inside the flush window may be lost then. ASYNC_MASTER slaves may lag,
// so they never "surely" have it.
// The flush window bounds ASYNC_FLUSH loss: a message acked longer than the broker's
// unflushedWindowMs before the power loss should have reached the disk; losing it is a bug.
// ASYNC_MASTER + slave ("loss bounded by replication lag"): the restarted master recovers only
// its own flushed log and 4.x never copies the slave's extra tail back, so what it loses is
// still bounded by its flush window; the slave's lag only decides whether a consumer could
// read the message from the slave while the master was down. The history holds no
// replication-lag measurement, so no tighter bound is derived from it: the judgement names the
// flush window as the mechanism and says the lag was not measured.
// Offset reuse (4.x, no DLedger): a master that lost its unflushed tail restarts with shorter
// consume queues and gives those queue offsets to new messages. A consumer that had already
// been handed the old messages at those offsets (before the master served again: before the
// power loss, or from the slave while it was down) pulls past them and skips the new ones —
// when it is not sent back to 0 first (OFFSET_OVERFLOW_BADLY with minOffset 0). So an ASYNC_FLUSH
// master's power loss also permits losing a message acked AFTER its restart at a queue offset at
// or below the highest offset the group had been handed on that queue before; the evidence
// names both offsets. The hand-out is seen in two ways: a delivery that started before the
// restart, or a delivery (at any time) of the message acked at that very queue offset before the
// power loss, inside the master's flush window. The latter is what a push consumer's process
// queue leaves: it pulled the old tail before the loss and consumed it from memory after the
// restart (battery seed 1 run 2309: an orderly consumer, slowed by 1 s suspends, consumed at
// 20 s offsets 141..147 pulled before the 15 s loss, then pulled on from 148 while the restarted
// broker had given 141..147 to new messages). The restarted broker gave the judged message an
// offset at or below that one, so it no longer held the old message: the group can only have had
// it from before the loss. An old message acked longer than the flush window before the loss
// should have survived it, so its delivery is no such evidence (a recovery that dropped it is a
// bug, not reuse).
// A SYNC_FLUSH master never hands out undurable records (#8239), but its slave replicates from
// the master's page cache without waiting for the flush, and serves reads when a consumer's
// route has no master (a NameServer dropped it) or the master is down. So a SYNC_FLUSH master's
// reuse counts only such slave hand-outs of records stored within two group-commit fsyncs of the
// loss (battery seed 28 run 229: a firewall made namesrv-2 drop broker-a's master; a consumer
// routed by it read offset 3 from the slave 0.2 s before the power loss took that record, then
// skipped the new message the restarted master put there).
// Forced clean on a full disk (4.9.x CleanCommitLogService): above diskSpaceCleanForciblyRatio
// (85 %) with cleanFileForciblyEnable (default true) the broker deletes its oldest commit-log
// files whether or not any group consumed them; delayed messages and retry copies still parked
// in SCHEDULE_TOPIC_XXXX go with them. So a disk-full fault on a master permits losing a message
// stored there before the fault healed — only when the broker's final store digest shows that
// files were deleted (minPhysicalOffset > 0); without that evidence no allowance applies.
// A client's re-send to the retry topic (4.9.x DefaultMQPushConsumerImpl.sendMessageBack): when
// CONSUMER_SEND_MSG_BACK fails (e.g. SYSTEM_BUSY), the consumer's inner producer sends the
// message to %RETRY%<group> itself, on whichever master its queue selection picks, and once that
// send returns the consume service counts the message as done, so the group's offset moves past
// the original. From then on that copy is the group's only way back to the message (its
// retry-resend event in the history). So a message the group never got, whose last event there is
// such a re-send (no delivery to the group ended after it began), is judged as if it had been
// sent to the copy's queue at the re-send's times with the re-send's status: lost as the table
// allows when the master that stored the copy lost power inside its flush window after the
// re-send (or a forced clean there deleted it), as for any message stored there; the original's
// broker and offset reuse play no part (battery seed 1 run 3024: the copy went to broker-b,
// ASYNC_FLUSH, no slave, which lost power 4.2 s later with it unflushed).
// A consumer's send-back (4.9.x CONSUMER_SEND_MSG_BACK, after RECONSUME_LATER) is a second write
// too: the broker the message was read from stores a retry copy (SCHEDULE_TOPIC_XXXX, later
// %RETRY%<group>) and the consume service counts the original done, so the group's offset moves
// past it. When the group's last delivery of a message failed and no client re-send or local
// retry followed (the send-back went through), that copy is the group's only way back, and it
// is judged as a message stored on that broker's master when the failed delivery ended (battery
// seed 25 run 776: a burst consumed 7.6 s late failed at 18.0 s; broker-b, ASYNC_FLUSH with a
// 200x slow disk, lost power at 19 s with the copies unflushed). The copy's later re-put into
// %RETRY% is not judged separately.
// A slow disk stretches the flush window (the dying-disk-power-loss draw: battery seed 1 run
// 1323, a 1000x slow disk on broker-b from 10 s, power loss at 14 s; its durable log ended
// between messages acked at 11.9 s and 12.3 s). The flush service runs one fsync round at a
// time, so a message written while a slow fsync is in flight waits for that round (up to
// slowFsyncMs), then for the healthy schedule (thorough interval + one tick, ticks skipped
// during a round only move the next round to the tick after it), then for its own round's
// fsync (up to slowFsyncMs again): window + 2 x slowFsyncMs. slowFsyncMs = factor x the
// slowest healthy fsync the lab's disks model (healthyFsyncMaxMs). It applies only when a
// slow-disk fault on that node was active at some time in [ack - slowFsyncMs, power loss]:
// an fsync issued earlier had finished before the ack.
// A delayed message is written twice (allowance (d)): SCHEDULE_TOPIC_XXXX holds it until due, and
// then 4.9.x's ScheduleMessageService re-puts it into its topic's queue (REAL_QID, the queue the
// producer picked) at a new queue offset, as a plain put, and moves its level's offset past it
// whether or not that copy reached the disk. So on an ASYNC_FLUSH master a delayed message may
// also be lost with its re-put copy: by a power loss inside the flush window after the re-put,
// or by offset reuse when the re-put came after a restart into offsets the group had already
// read past. The re-put time is not in the history: at the due time (the producer's ack + its
// level's delay) when the master is well, later when it was not (a refused re-put waits
// DELAY_FOR_A_PERIOD, 10 s; a restarted broker runs its levels a second after start), so the
// allowance takes every time from due to the end of the master's last trouble (down, paused,
// disk full or failing) that began by then, + 10 s, and holds only where one of those times
// fits (battery seed 12 run 1190: due at 19.0 s while the disk was full, re-put at 25.0 s after a
// restart at 24 s into offset 64 of a queue the group had read to 71 before the loss).
// Every allowed loss carries the window it fell in and the mechanism behind that window.
import type { DeliverEvent, RetryResendEvent, RouteEvent } from "../history/types.ts";
import type { BrokerFacts, CheckContext } from "./context.ts";
import { brokerOfQueue, slavesOf } from "./context.ts";
import { formatMs } from "./evidence.ts";
import { faultWindows } from "./fault_windows.ts";
import type { HistoryIndex, SendRecord } from "./history_index.ts";

export interface PowerLoss {
  node: string;
  timeMs: number;
  /** When the node served again (its next start/restart, else the fault's heal); undefined = never. */
  restartMs?: number;
  /** The slow-disk faults on the node (any time): they stretch its flush window. */
  slowDisks?: SlowDisk[];
}

/** A slow-disk fault: fsyncs issued in [injectMs, healMs) take `factor` times longer. */
interface SlowDisk {
  injectMs: number;
  /** undefined = never healed. */
  healMs?: number;
  factor: number;
}

/**
 * The slowest fsync of a healthy disk as the lab models it: the sim's disk takes
 * fsyncLatencyMs 1 + up to fsyncJitterMs 1 (chaos/sim/disk.ts diskDefaults), the k8s
 * slow-disk fault adds 1 ms x factor per I/O. A slow-disk fault multiplies it by its factor.
 */
export const healthyFsyncMaxMs = 2;

/**
 * The highest queue offset `group` had been handed on `queue` by deliveries that started before
 * `beforeMs`, or undefined when none. With `fromSlave`, only deliveries a slave may have served
 * of a record its master had not made durable: the record stored at or after `storedFromMs`
 * (by the delivery's store time; without one, started then or later), and the delivering
 * process reading from the slave — the delivery started at or after `masterDownFromMs` (the
 * master was down), or the process's route for the topic had no master for the queue's broker
 * at some time between the record's store and the delivery's start (when it was pulled).
 */
export type HandedOffsets = (group: string, queue: string, beforeMs: number, fromSlave?: SlaveHandOut) => number | undefined;

/** What makes a hand-out one a slave may have served of a record its master lost (HandedOffsets). */
export interface SlaveHandOut {
  storedFromMs: number;
  masterDownFromMs: number;
}

/** Per group and queue, the deliveries' (start time, queue offset), for the offset-reuse rule. */
export function handedOffsetsOf(index: Pick<HistoryIndex, "deliveries" | "routes">): HandedOffsets {
  const byKey = new Map<string, { startMs: number; offset: number; storeMs?: number; process: string; topic: string }[]>();
  for (const delivery of index.deliveries) {
    const key = `${delivery.group}\u0000${delivery.queue}`;
    const list = byKey.get(key) ?? [];
    list.push({ startMs: delivery.startMs ?? delivery.timeMs, offset: delivery.queueOffset, storeMs: delivery.storeTimeMs, process: delivery.process, topic: delivery.topic });
    byKey.set(key, list);
  }
  const routesByClient = new Map<string, RouteEvent[]>();
  for (const route of index.routes) {
    const key = `${route.process}\u0000${route.topic}`;
    const list = routesByClient.get(key) ?? [];
    list.push(route);
    routesByClient.set(key, list);
  }
  // A route without the broker's master in force at some time in [fromMs, toMs] (routes are recorded in time order).
  const masterlessBetween = (process: string, topic: string, brokerName: string, fromMs: number, toMs: number): boolean => {
    const routes = routesByClient.get(`${process}\u0000${topic}`) ?? [];
    for (let at = 0; at < routes.length; at++) {
      const route = routes[at]!;
      const untilMs = routes[at + 1]?.timeMs ?? Number.POSITIVE_INFINITY;
      if (route.timeMs <= toMs && untilMs > fromMs && !route.writableBrokers.includes(brokerName)) return true;
    }
    return false;
  };
  return (group, queue, beforeMs, fromSlave) => {
    let highest: number | undefined;
    for (const handed of byKey.get(`${group}\u0000${queue}`) ?? []) {
      if (handed.startMs >= beforeMs || (highest !== undefined && handed.offset <= highest)) continue;
      if (fromSlave !== undefined) {
        const storedMs = handed.storeMs ?? handed.startMs;
        if (storedMs < fromSlave.storedFromMs) continue;
        const slaveRead = handed.startMs >= fromSlave.masterDownFromMs ||
          masterlessBetween(handed.process, handed.topic, brokerOfQueue(queue), storedMs, handed.startMs);
        if (!slaveRead) continue;
      }
      highest = handed.offset;
    }
    return highest;
  };
}

/**
 * Pre-loss copies a group consumed: the highest queue offset at which `group` was delivered
 * (at any time) the message acked at that very offset of `queue` (same topic) before the power
 * loss at `lossMs` and at most `windowMs` before it — the old tail that a restart without it
 * reassigns. Undefined when none.
 */
export type ConsumedPreLossTail = (group: string, queue: string, topic: string, lossMs: number, windowMs: number) =>
  { offset: number; messageId: string; ackMs: number } | undefined;

export function consumedPreLossTailOf(deliveries: readonly DeliverEvent[], sendById: ReadonlyMap<string, SendRecord>): ConsumedPreLossTail {
  const byKey = new Map<string, { offset: number; messageId: string; ackMs: number; topic: string }[]>();
  for (const delivery of deliveries) {
    const send = sendById.get(delivery.messageId);
    // The original copy only: a retry copy sits at an offset of its retry queue.
    if (send === undefined || send.outcome !== "ok" || send.outcomeMs === undefined || send.queue !== delivery.queue ||
      send.queueOffset !== delivery.queueOffset || send.topic !== delivery.topic) continue;
    const key = `${delivery.group}\u0000${delivery.queue}`;
    const list = byKey.get(key) ?? [];
    list.push({ offset: delivery.queueOffset, messageId: send.messageId, ackMs: send.outcomeMs, topic: send.topic });
    byKey.set(key, list);
  }
  return (group, queue, topic, lossMs, windowMs) => {
    let highest: { offset: number; messageId: string; ackMs: number } | undefined;
    for (const consumed of byKey.get(`${group}\u0000${queue}`) ?? []) {
      if (consumed.topic !== topic || consumed.ackMs > lossMs || lossMs - consumed.ackMs > windowMs) continue;
      if (highest === undefined || consumed.offset > highest.offset) highest = { offset: consumed.offset, messageId: consumed.messageId, ackMs: consumed.ackMs };
    }
    return highest;
  };
}

/** What the offset-reuse rule knows of a group's hand-outs. */
export interface ReuseEvidence {
  group: string;
  handed: HandedOffsets;
  preLossTail?: ConsumedPreLossTail;
  /** When a delivery showed the message's store time (its original copy): stored after a restart, whenever it was invoked. */
  storeTimeOf?: (messageId: string) => number | undefined;
  /** For delayed messages' re-put copies (allowance (d)); without it they are judged as plain sends. */
  delayed?: DelayedReputEvidence;
}

/** How long 4.9.x's ScheduleMessageService waits to retry a refused re-put (DELAY_FOR_A_PERIOD). */
const reputRetryMs = 10_000;

/** What allowance (d) needs: the levels' delays, each node's troubled spans, each queue's acked offsets. */
export interface DelayedReputEvidence {
  /** Delay per level (index 0 = level 1), as the broker's messageDelayLevel says. */
  levelsMs: readonly number[];
  /** Per node, spans in which a re-put may have been refused or held: down, paused, disk full or failing. */
  troubles: Map<string, { startMs: number; endMs: number }[]>;
  /** Per queue, its acked sends' (ack time, queue offset), by ack time. */
  acked: Map<string, { ackMs: number; offset: number }[]>;
}

/** Troubled spans (fault_windows.ts: a node down, a full or failing disk; unhealed ones run to the end of time). */
export function delayedReputEvidenceOf(index: HistoryIndex, context: CheckContext, levelsMs: readonly number[]): DelayedReputEvidence {
  const troubles = new Map<string, { startMs: number; endMs: number }[]>();
  for (const window of faultWindows(index, context)) {
    // A full or failing disk refuses the re-put; a slow one only slows it (no retry period).
    if (window.kind !== "node" && window.kind !== "disk-full" && window.kind !== "disk-error") continue;
    for (const node of window.nodes) {
      const span = { startMs: window.startMs, endMs: window.endMs ?? Number.POSITIVE_INFINITY };
      const list = troubles.get(node);
      if (list === undefined) troubles.set(node, [span]);
      else list.push(span);
    }
  }
  const acked = new Map<string, { ackMs: number; offset: number }[]>();
  for (const send of index.sends) {
    if (send.outcome !== "ok" || send.queue === undefined || send.queueOffset === undefined || send.outcomeMs === undefined) continue;
    if ((send.delayLevel ?? 0) > 0) continue;
    const list = acked.get(send.queue);
    if (list === undefined) acked.set(send.queue, [{ ackMs: send.outcomeMs, offset: send.queueOffset }]);
    else list.push({ ackMs: send.outcomeMs, offset: send.queueOffset });
  }
  for (const list of acked.values()) list.sort((left, right) => left.ackMs - right.ackMs);
  return { levelsMs, troubles, acked };
}

/**
 * Whether `send` sits at a reused offset (allowance (b)): acked after its master restarted from a
 * power loss, at or below the highest offset `group` had been handed on that queue before the
 * restart (a SYNC_FLUSH master's: by its slave, of a record the master had not made durable).
 * The group had read past that offset, so it reaches the message only if something sends it back.
 */
export function atReusedOffset(send: SendRecord, losses: Map<string, PowerLoss[]>, context: CheckContext, reuse: ReuseEvidence): boolean {
  if (send.queue === undefined) return false;
  const brokerName = brokerOfQueue(send.queue);
  const master = context.topology.brokers.find((broker) => broker.brokerName === brokerName && broker.role !== "SLAVE");
  return master !== undefined && offsetReuse(master, send, losses, reuse) !== null;
}

/** Disk-full faults on a node whose store later showed deleted commit-log files. */
export type ForcedCleans = Map<string, { injectMs: number; healMs: number | undefined; minPhysicalOffset: number }[]>;

/** Disk-full windows per node, kept only where the node's last store digest has minPhysicalOffset > 0. */
export function forcedCleansOf(index: HistoryIndex): ForcedCleans {
  const minOffsetByNode = new Map<string, number>();
  for (const digest of index.digests) minOffsetByNode.set(digest.node, digest.minPhysicalOffset);
  const cleans: ForcedCleans = new Map();
  for (const event of index.nemesis) {
    if (event.phase !== "inject" || event.kind !== "disk-full") continue;
    const minPhysicalOffset = minOffsetByNode.get(event.target) ?? 0;
    if (minPhysicalOffset <= 0) continue;
    const heal = index.nemesis.find((other) => other.phase === "heal" && other.faultIndex === event.faultIndex && other.timeMs >= event.timeMs);
    const list = cleans.get(event.target) ?? [];
    list.push({ injectMs: event.timeMs, healMs: heal?.timeMs, minPhysicalOffset });
    cleans.set(event.target, list);
  }
  return cleans;
}

export type LossJudgement =
  | { allowed: true; reason: string; node: string; powerLossAtMs: number; ackAgeMs: number; windowMs: number | null; mechanism: string }
  | { allowed: false; reason?: string };

/** Power losses that happened: nemesis injects and node events, else the schedule's. */
export function powerLossesOf(index: HistoryIndex, context: CheckContext): Map<string, PowerLoss[]> {
  const found: PowerLoss[] = [];
  for (const event of index.nemesis) {
    if (event.phase !== "inject" || event.kind !== "power-loss") continue;
    const heal = index.nemesis.find((other) => other.phase === "heal" && other.faultIndex === event.faultIndex && other.timeMs >= event.timeMs);
    const loss: PowerLoss = { node: event.target, timeMs: event.timeMs };
    if (heal !== undefined) loss.restartMs = heal.timeMs;
    found.push(loss);
  }
  for (const event of index.nodes) {
    if (event.event === "power-loss") found.push({ node: event.node, timeMs: event.timeMs });
  }
  if (index.nemesis.length === 0 && index.nodes.length === 0) {
    for (const scheduled of context.faults) {
      if (scheduled.fault.kind !== "power-loss") continue;
      const loss: PowerLoss = { node: scheduled.fault.target, timeMs: scheduled.atMs };
      if (scheduled.healAtMs !== undefined) loss.restartMs = scheduled.healAtMs;
      found.push(loss);
    }
  }
  // A node event (start/restart) after the loss is the precise restart time.
  for (const loss of found) {
    const started = index.nodes.find((event) => event.node === loss.node && event.timeMs >= loss.timeMs &&
      (event.event === "start" || event.event === "restart"));
    if (started !== undefined) loss.restartMs = started.timeMs;
  }
  const slowDisks = slowDisksOf(index, context);
  for (const loss of found) {
    const slow = slowDisks.get(loss.node);
    if (slow !== undefined) loss.slowDisks = slow;
  }
  const byNode = new Map<string, PowerLoss[]>();
  for (const loss of found) {
    const list = byNode.get(loss.node) ?? [];
    list.push(loss);
    byNode.set(loss.node, list);
  }
  return byNode;
}

/** Slow-disk faults per node: nemesis injects (factor from the schedule) and their heals, else the schedule's. */
function slowDisksOf(index: HistoryIndex, context: CheckContext): Map<string, SlowDisk[]> {
  const found: { node: string; slow: SlowDisk }[] = [];
  for (const event of index.nemesis) {
    if (event.phase !== "inject" || event.kind !== "slow-disk") continue;
    const scheduled = context.faults[event.faultIndex]?.fault;
    if (scheduled?.kind !== "slow-disk") continue;
    const heal = index.nemesis.find((other) => other.phase === "heal" && other.faultIndex === event.faultIndex && other.timeMs >= event.timeMs);
    const slow: SlowDisk = { injectMs: event.timeMs, factor: scheduled.factor };
    if (heal !== undefined) slow.healMs = heal.timeMs;
    found.push({ node: event.target, slow });
  }
  if (index.nemesis.length === 0) {
    for (const scheduled of context.faults) {
      if (scheduled.fault.kind !== "slow-disk") continue;
      const slow: SlowDisk = { injectMs: scheduled.atMs, factor: scheduled.fault.factor };
      if (scheduled.healAtMs !== undefined) slow.healMs = scheduled.healAtMs;
      found.push({ node: scheduled.fault.target, slow });
    }
  }
  const byNode = new Map<string, SlowDisk[]>();
  for (const { node, slow } of found) byNode.set(node, [...byNode.get(node) ?? [], slow]);
  return byNode;
}

/**
 * The ASYNC_FLUSH window of `broker` for a message acked at `ackMs` and a power loss `loss`:
 * its healthy window, plus twice the slowest fsync of a slow-disk fault active at some time in
 * [ackMs - that fsync, loss] (the round in flight at the ack, then the message's own round).
 */
function flushWindowOf(broker: BrokerFacts, loss: PowerLoss, ackMs: number): { windowMs: number; slowFactor?: number } {
  let slowFactor: number | undefined;
  for (const slow of loss.slowDisks ?? []) {
    const slowFsyncMs = healthyFsyncMaxMs * slow.factor;
    const active = slow.injectMs <= loss.timeMs && (slow.healMs === undefined || slow.healMs > ackMs - slowFsyncMs);
    if (active && slow.factor > (slowFactor ?? 1)) slowFactor = slow.factor;
  }
  if (slowFactor === undefined) return { windowMs: broker.unflushedWindowMs };
  return { windowMs: broker.unflushedWindowMs + 2 * healthyFsyncMaxMs * slowFactor, slowFactor };
}

/**
 * How long a put that did not wait for its flush (waitStoreMsgOK false: a transaction check's
 * re-put, a schedule re-put) can stay off the disk of `broker` before the power loss `loss`.
 * ASYNC_FLUSH: its flush window. SYNC_FLUSH: the put only kicks the group-commit service, so the
 * round in flight (one fsync) and then its own round (another) cover it: two fsyncs. A slow-disk
 * fault active in that span before the loss stretches each fsync by its factor.
 */
export function unwaitedPutWindowOf(broker: BrokerFacts, loss: PowerLoss): { windowMs: number; slowFactor?: number } {
  const healthyMs = broker.flushDiskType === "SYNC_FLUSH" ? 2 * healthyFsyncMaxMs : broker.unflushedWindowMs;
  let slowFactor: number | undefined;
  for (const slow of loss.slowDisks ?? []) {
    const stretchMs = 2 * healthyFsyncMaxMs * slow.factor;
    const active = slow.injectMs <= loss.timeMs && (slow.healMs === undefined || slow.healMs > loss.timeMs - healthyMs - stretchMs);
    if (active && slow.factor > (slowFactor ?? 1)) slowFactor = slow.factor;
  }
  if (slowFactor === undefined) return { windowMs: healthyMs };
  const stretchMs = 2 * healthyFsyncMaxMs * slowFactor;
  return { windowMs: broker.flushDiskType === "SYNC_FLUSH" ? stretchMs : healthyMs + stretchMs, slowFactor };
}

function flushWindowText(broker: BrokerFacts, loss: { windowMs: number; slowFactor?: number }): string {
  return loss.slowFactor === undefined
    ? `${formatMs(loss.windowMs)} flush window`
    : `${formatMs(loss.windowMs)} flush window (${formatMs(broker.unflushedWindowMs)} + 2 slow fsyncs of its ${loss.slowFactor}x slow disk)`;
}

/**
 * The group's retry copy of a message it never got, re-sent by the client after a failed
 * send-back: the group's last re-send of the message, when no delivery of the message to the
 * group ended after that re-send began (else the group went on reading the message some other
 * way, and this copy was not its only one). Undefined when there is none.
 */
export type ResentCopies = (group: string, messageId: string) => RetryResendEvent | undefined;

export function resentCopiesOf(index: HistoryIndex): ResentCopies {
  const lastResend = latestPerGroupMessage(index.retryResends, (resend) => resend.startMs);
  const lastDelivery = latestPerGroupMessage(index.deliveries, (delivery) => delivery.timeMs);
  return (group, messageId) => {
    const key = groupMessageKey(group, messageId);
    const resend = lastResend.get(key);
    if (resend === undefined || (lastDelivery.get(key)?.timeMs ?? -Infinity) > resend.startMs) return undefined;
    return resend;
  };
}

function groupMessageKey(group: string, messageId: string): string {
  return `${group}\u0000${messageId}`;
}

/** The latest of `items` per (group, message) by `timeOf`; on a tie the later item. */
function latestPerGroupMessage<T extends { group: string; messageId: string }>(items: readonly T[], timeOf: (item: T) => number): Map<string, T> {
  const latest = new Map<string, T>();
  for (const item of items) {
    const key = groupMessageKey(item.group, item.messageId);
    const previous = latest.get(key);
    if (previous === undefined || timeOf(item) >= timeOf(previous)) latest.set(key, item);
  }
  return latest;
}

/**
 * The group's send-back copy of a message it never got (header): its last delivery to the group,
 * when that failed (result "retry", a concurrent consumer's RECONSUME_LATER) and no client re-send
 * or local retry of it by the group began after it. Undefined when there is none.
 */
export type SentBackCopies = (group: string, messageId: string) => DeliverEvent | undefined;

export function sentBackCopiesOf(index: HistoryIndex, context: CheckContext): SentBackCopies {
  // Orderly groups retry in place (SUSPEND_CURRENT_QUEUE_A_MOMENT); broadcasting ones drop a failure: no send-back.
  const sendsBack = new Set(context.workload.consumers.filter((spec) => spec.orderly !== true && spec.model !== "BROADCASTING").map((spec) => spec.group));
  const lastDelivery = latestPerGroupMessage(index.deliveries, (delivery) => delivery.timeMs);
  const otherwiseRetried = new Map<string, number>();
  const note = (group: string, messageId: string, timeMs: number): void => {
    const key = groupMessageKey(group, messageId);
    otherwiseRetried.set(key, Math.max(otherwiseRetried.get(key) ?? -Infinity, timeMs));
  };
  for (const resend of index.retryResends) note(resend.group, resend.messageId, resend.startMs);
  for (const retry of index.localRetries) for (const message of retry.messages) note(retry.group, message.messageId, retry.timeMs);
  return (group, messageId) => {
    const key = groupMessageKey(group, messageId);
    const last = lastDelivery.get(key);
    if (last === undefined || last.result !== "retry" || !sendsBack.has(group)) return undefined;
    return (otherwiseRetried.get(key) ?? -Infinity) >= last.timeMs ? undefined : last;
  };
}

/** A send-back copy as a send record: stored on the master of the queue it was read from when the failed delivery ended. */
function sentBackCopyRecord(failed: DeliverEvent): SendRecord {
  return {
    opId: -1, messageId: failed.messageId, process: failed.process, topic: `%RETRY%${failed.group}`, invokeMs: failed.timeMs,
    outcome: "ok", outcomeMs: failed.timeMs, queue: failed.queue, sendStatus: "SEND_OK",
  };
}

/** A re-sent retry copy as a send record: invoked when the re-send began, acked when it returned, at its retry queue. */
export function resentCopyRecord(resend: RetryResendEvent): SendRecord {
  return {
    opId: -1, messageId: resend.messageId, process: resend.process, topic: `%RETRY%${resend.group}`, invokeMs: resend.startMs,
    outcome: "ok", outcomeMs: resend.timeMs, queue: resend.queue, queueOffset: resend.queueOffset, sendStatus: resend.sendStatus,
  };
}

/**
 * Whether the table permits losing `send`. `resent`: the receiving group's only copy of it,
 * re-sent by the client to the retry topic (resentCopiesOf), judged where it was stored when
 * the original's own judgement does not allow the loss.
 */
export function judgeLoss(
  send: SendRecord,
  losses: Map<string, PowerLoss[]>,
  context: CheckContext,
  reuse?: ReuseEvidence,
  cleans?: ForcedCleans,
  resent?: RetryResendEvent,
  sentBack?: DeliverEvent,
): LossJudgement {
  const original = judgeStoredLoss(send, losses, context, reuse, cleans);
  if (original.allowed) return original;
  if (resent === undefined) return sentBack === undefined ? original : judgeSentBackLoss(original, sentBack, losses, context, cleans);
  const copy = judgeStoredLoss(resentCopyRecord(resent), losses, context, undefined, cleans);
  const resentText = `after its send-back failed, ${resent.process} re-sent it to %RETRY%${resent.group} at ${resent.queue} ` +
    `(${formatMs(resent.timeMs)}) and ${resent.group}'s offset moved past the original`;
  if (!copy.allowed) {
    if (copy.reason === undefined) return original;
    return { allowed: false, reason: `${original.reason === undefined ? "" : `${original.reason}; `}${resentText}, and that copy: ${copy.reason}` };
  }
  return {
    ...copy,
    reason: `${resentText}; that copy was the group's only one: ${copy.reason}`,
    mechanism: "client re-send to the retry topic (4.9.x sendMessageBack: CONSUMER_SEND_MSG_BACK failed, the inner producer " +
      `stored the copy on ${copy.node}, the consume service counted the message done); ${copy.mechanism}`,
  };
}

/** The original's loss not allowed: may the group's send-back copy (its only way back) have been lost? */
function judgeSentBackLoss(
  original: LossJudgement, failed: DeliverEvent, losses: Map<string, PowerLoss[]>, context: CheckContext, cleans?: ForcedCleans,
): LossJudgement {
  const copy = judgeStoredLoss(sentBackCopyRecord(failed), losses, context, undefined, cleans);
  if (!copy.allowed) return original;
  return {
    ...copy,
    reason: `its last delivery to ${failed.group} failed at ${formatMs(failed.timeMs)} (${failed.process}) and the send-back's copy on ` +
      `${brokerOfQueue(failed.queue)} was the group's only one: ${copy.reason}`,
    mechanism: `send-back (4.9.x CONSUMER_SEND_MSG_BACK: the broker stored a retry copy on ${copy.node}, the consume service counted the ` +
      `original done and the group's offset moved past it); ${copy.mechanism}`,
  };
}

function judgeStoredLoss(
  send: SendRecord,
  losses: Map<string, PowerLoss[]>,
  context: CheckContext,
  reuse?: ReuseEvidence,
  cleans?: ForcedCleans,
): LossJudgement {
  const original = judgeOriginalLoss(send, losses, context, reuse, cleans);
  if (original.allowed || (send.delayLevel ?? 0) <= 0 || reuse?.delayed === undefined || send.queue === undefined) return original;
  const brokerName = brokerOfQueue(send.queue);
  const master = context.topology.brokers.find((broker) => broker.brokerName === brokerName && broker.role !== "SLAVE");
  return (master === undefined ? null : reputLoss(master, send, losses, reuse, reuse.delayed, context)) ?? original;
}

function judgeOriginalLoss(
  send: SendRecord,
  losses: Map<string, PowerLoss[]>,
  context: CheckContext,
  reuse?: ReuseEvidence,
  cleans?: ForcedCleans,
): LossJudgement {
  const guarantee = context.expectations.guarantee ?? "auto";
  if (guarantee === "loss-allowed") {
    return { allowed: true, reason: "the scenario expects loss", node: "", powerLossAtMs: -1, ackAgeMs: -1, windowMs: null, mechanism: "scenario override (guarantee: loss-allowed)" };
  }
  if (guarantee === "no-loss" || send.queue === undefined) return { allowed: false };
  const brokerName = brokerOfQueue(send.queue);
  const master = context.topology.brokers.find((broker) => broker.brokerName === brokerName && broker.role !== "SLAVE");
  if (master === undefined) return { allowed: false };
  const masterLoss = unflushedLoss(master, send, losses);
  if (masterLoss === null || masterLoss.tooOld) {
    const reused = reuse === undefined ? null : offsetReuse(master, send, losses, reuse);
    if (reused !== null) return reused;
    const cleaned = cleans === undefined ? null : forcedClean(master, send, cleans);
    if (cleaned !== null) return cleaned;
  }
  if (masterLoss === null) return { allowed: false };
  if (masterLoss.tooOld) {
    return {
      allowed: false,
      reason: `acked ${formatMs(masterLoss.ackAgeMs)} before ${master.node}'s power loss: ` +
        `beyond its ${flushWindowText(master, masterLoss)}, it should have been on disk`,
    };
  }
  const slaves = slavesOf(context.topology, brokerName);
  // A slave that surely has the message saves it only while the master stays down (consumers
  // then read the slave). A master that restarts recovers its own flushed log alone: 4.x never
  // copies a slave's tail back, and consumers return to the master, so the copy on the slave is
  // out of their reach (no DLedger).
  const slaveHasIt = slaveSurelyHasIt(master, slaves, send, losses);
  if (slaveHasIt && masterLoss.restartMs === undefined) return { allowed: false };
  const why = slaves.length === 0
    ? `${master.flushDiskType}, no slave`
    : slaveHasIt
      ? `${master.role}: the slave had it, but the master restarted from its own flushed log (4.x copies no slave tail back)`
      : `${master.role}: the slave may not have had it (replication lag not measured)`;
  const syncFlushTimeout = master.flushDiskType === "SYNC_FLUSH";
  const windowMs = syncFlushTimeout ? null : masterLoss.windowMs;
  const healthyMechanism = `flush window ${formatMs(master.unflushedWindowMs)} = flushCommitLogThoroughInterval + flushIntervalCommitLog (page cache not yet on disk)`;
  const mechanism = syncFlushTimeout
    ? "SYNC_FLUSH answered FLUSH_DISK_TIMEOUT: the flush was still pending at the ack"
    : masterLoss.slowFactor === undefined
      ? healthyMechanism
      : `${healthyMechanism}, + 2 x ${formatMs(healthyFsyncMaxMs * masterLoss.slowFactor)} fsyncs of a ${masterLoss.slowFactor}x slow disk ` +
        "(the round in flight at the ack, then the message's own round)";
  return {
    allowed: true,
    reason: `power loss of ${master.node} (${why}) ${formatMs(masterLoss.ackAgeMs)} after the ack, inside the ${syncFlushTimeout ? "pending flush" : flushWindowText(master, masterLoss)}`,
    node: master.node,
    powerLossAtMs: masterLoss.timeMs,
    ackAgeMs: masterLoss.ackAgeMs,
    windowMs,
    mechanism,
  };
}

/**
 * Allowance (b): `send` was acked after `master` restarted from a power loss, at a queue offset
 * at or below the highest offset the group had been handed on that queue before the restart
 * (SYNC_FLUSH: handed by the slave, of a record stored within two group-commit fsyncs of the loss).
 */
function offsetReuse(
  master: BrokerFacts, send: SendRecord, losses: Map<string, PowerLoss[]>, reuse: ReuseEvidence,
): LossJudgement | null {
  if (send.queue === undefined || send.queueOffset === undefined) return null;
  // A delayed send's queue offset is its SCHEDULE_TOPIC_XXXX one: its topic's queue sees only the re-put (reputLoss).
  if ((send.delayLevel ?? 0) > 0) return null;
  const ackMs = send.outcomeMs;
  if (ackMs === undefined) return null;
  const syncFlush = master.flushDiskType === "SYNC_FLUSH";
  const storedMs = reuse.storeTimeOf?.(send.messageId);
  for (const loss of losses.get(master.node) ?? []) {
    const restartMs = loss.restartMs;
    if (restartMs === undefined || ackMs < restartMs) continue;
    // Invoked before the loss, it may have been stored before it too; unless a delivery showed
    // it stored after the restart (its send waited out the outage: seed 6 swarm run 736).
    if (send.invokeMs < loss.timeMs && (storedMs === undefined || storedMs < restartMs)) continue;
    // A SYNC_FLUSH master hands out only durable records (#8239), but its slave does not wait
    // for the master's flush: only a slave's hand-out of a record the master had not yet made
    // durable (stored within two group-commit fsyncs of the loss) can be reused (seed 28 run 229).
    const fromSlave = syncFlush ? { storedFromMs: loss.timeMs - unwaitedPutWindowOf(master, loss).windowMs, masterDownFromMs: loss.timeMs } : undefined;
    const handed = reuse.handed(reuse.group, send.queue, restartMs, fromSlave);
    if (handed === undefined || send.queueOffset > handed) {
      // A SYNC_FLUSH master's acked records were durable: none of them is a lost old tail.
      if (syncFlush) continue;
      const tail = reuse.preLossTail?.(reuse.group, send.queue, send.topic, loss.timeMs, master.unflushedWindowMs);
      if (tail === undefined || send.queueOffset > tail.offset) continue;
      return {
        allowed: true,
        reason: `offset reuse after ${master.node}'s power loss at ${formatMs(loss.timeMs)}: acked after its restart at ` +
          `${formatMs(restartMs)} at ${send.queue} offset ${send.queueOffset}, at or below offset ${tail.offset} whose old message ` +
          `${tail.messageId} (acked ${formatMs(loss.timeMs - tail.ackMs)} before the loss) ${reuse.group} consumed: the restarted ` +
          "broker no longer held it, so the group had pulled it before the loss",
        node: master.node,
        powerLossAtMs: loss.timeMs,
        ackAgeMs: -1,
        windowMs: null,
        mechanism: `offset reuse: ${master.node} (ASYNC_FLUSH) restarted without its unflushed tail and gave queue offsets ` +
          `up to ${tail.offset} on ${send.queue} to new messages; the group's consumer had pulled the old tail into its process ` +
          "queue before the loss and pulled on past it (4.x, no DLedger)",
      };
    }
    return {
      allowed: true,
      reason: `offset reuse after ${master.node}'s power loss at ${formatMs(loss.timeMs)}: acked after its restart at ` +
        `${formatMs(restartMs)} at ${send.queue} offset ${send.queueOffset}, at or below offset ${handed} that ${reuse.group} ` +
        `had already been handed there before the restart${syncFlush ? " by a slave (its route had no master, or the master was down)" : ""}`,
      node: master.node,
      powerLossAtMs: loss.timeMs,
      ackAgeMs: -1,
      windowMs: null,
      mechanism: syncFlush
        ? `offset reuse: ${master.node}'s slave (ASYNC replication does not wait for the master's flush) served records of ` +
          `${send.queue} up to offset ${handed} that ${master.node} (SYNC_FLUSH) had not made durable; ${master.node} restarted ` +
          "without them and gave those offsets to new messages, which the group had read past (4.x, no DLedger; #8239 bounds the master only)"
        : `offset reuse: ${master.node} (ASYNC_FLUSH) restarted without its unflushed tail and gave queue offsets ` +
          `up to ${handed} on ${send.queue} to new messages; the group's consumers had read past them (4.x, no DLedger)`,
    };
  }
  return null;
}

/** Allowance (c): `send` was stored on `master` before a disk-full fault healed that led to a forced clean. */
function forcedClean(master: BrokerFacts, send: SendRecord, cleans: ForcedCleans): LossJudgement | null {
  const storedMs = send.outcomeMs ?? send.invokeMs;
  for (const clean of cleans.get(master.node) ?? []) {
    if (clean.healMs !== undefined && storedMs > clean.healMs) continue;
    return {
      allowed: true,
      reason: `${master.node}'s disk filled at ${formatMs(clean.injectMs)} and its store later began at commit-log offset ` +
        `${clean.minPhysicalOffset}: files holding the message were deleted before any consumer got it`,
      node: master.node,
      powerLossAtMs: -1,
      ackAgeMs: -1,
      windowMs: null,
      mechanism: "forced clean: above diskSpaceCleanForciblyRatio with cleanFileForciblyEnable the broker deletes its oldest " +
        "commit-log files whether consumed or not (4.9.x CleanCommitLogService)",
    };
  }
  return null;
}

interface UnflushedLoss {
  timeMs: number;
  /** When the broker served again; undefined = it stayed down. */
  restartMs: number | undefined;
  ackAgeMs: number;
  tooOld: boolean;
  /** The ASYNC_FLUSH window judged against (a slow disk stretches it: flushWindowOf). */
  windowMs: number;
  slowFactor?: number;
}

/** The first power loss of `broker` after the send that could have dropped it unflushed. */
function unflushedLoss(broker: BrokerFacts, send: SendRecord, losses: Map<string, PowerLoss[]>): UnflushedLoss | null {
  const flushedBeforeAck = broker.flushDiskType === "SYNC_FLUSH" && send.sendStatus !== "FLUSH_DISK_TIMEOUT";
  if (flushedBeforeAck) return null;
  const ackMs = send.outcomeMs ?? send.invokeMs;
  let tooOld: UnflushedLoss | null = null;
  for (const loss of losses.get(broker.node) ?? []) {
    // The broker may lose power after storing but before the ack reaches the producer, so
    // any power loss after the invoke counts.
    if (loss.timeMs < send.invokeMs) continue;
    const ackAgeMs = Math.max(0, loss.timeMs - ackMs);
    const window = flushWindowOf(broker, loss, ackMs);
    // SYNC_FLUSH with FLUSH_DISK_TIMEOUT: the flush was pending at the ack; no window applies.
    const inWindow = broker.flushDiskType === "SYNC_FLUSH" || ackAgeMs <= window.windowMs;
    if (inWindow) return { timeMs: loss.timeMs, restartMs: loss.restartMs, ackAgeMs, tooOld: false, ...window };
    tooOld ??= { timeMs: loss.timeMs, restartMs: loss.restartMs, ackAgeMs, tooOld: true, ...window };
  }
  return tooOld;
}

function slaveSurelyHasIt(
  master: BrokerFacts,
  slaves: readonly BrokerFacts[],
  send: SendRecord,
  losses: Map<string, PowerLoss[]>,
): boolean {
  if (master.role !== "SYNC_MASTER") return false;
  if (send.sendStatus === "FLUSH_SLAVE_TIMEOUT" || send.sendStatus === "SLAVE_NOT_AVAILABLE") return false;
  // A SYNC_MASTER acks SEND_OK only after a slave has the bytes; that copy survives unless
  // the slave's machine also lost power before flushing it.
  return slaves.some((slave) => {
    const lost = unflushedLoss(slave, { ...send, sendStatus: "SEND_OK" }, losses);
    return lost === null || lost.tooOld;
  });
}

/**
 * Allowance (d): the re-put copy of delayed `send` may have been lost on its ASYNC_FLUSH master
 * (the file comment): by a power loss inside the flush window after a possible re-put time, or
 * by offset reuse when a possible re-put time fell after a restart while the queue's new offsets
 * were still at or below the highest one the group had been handed before it.
 */
function reputLoss(
  master: BrokerFacts, send: SendRecord, losses: Map<string, PowerLoss[]>, reuse: ReuseEvidence, delayed: DelayedReputEvidence, context: CheckContext,
): LossJudgement | null {
  if (master.flushDiskType !== "ASYNC_FLUSH" || send.queue === undefined || send.outcomeMs === undefined) return null;
  const level = send.delayLevel ?? 0;
  const dueMs = send.outcomeMs + (delayed.levelsMs[Math.min(level, delayed.levelsMs.length) - 1] ?? 0);
  // The latest re-put time: each trouble of the master that began by then pushes it to its end + a retry period.
  let latestMs = dueMs;
  for (let changed = true; changed;) {
    changed = false;
    for (const trouble of delayed.troubles.get(master.node) ?? []) {
      if (trouble.startMs > latestMs || trouble.endMs + reputRetryMs <= latestMs) continue;
      latestMs = trouble.endMs + reputRetryMs;
      changed = true;
    }
  }
  const slaveKept = slavesOf(context.topology, master.brokerName).length > 0;
  const mechanismHead = `delayed message (level ${level}, due ${formatMs(dueMs)}): 4.9.x's ScheduleMessageService re-put it into ${send.queue} ` +
    `between ${formatMs(dueMs)} and ${latestMs === Number.POSITIVE_INFINITY ? "the end" : formatMs(latestMs)} and moved its level's offset past it`;
  // A slave may hold the copy while the master stays down; once it restarts, only its own log counts.
  const considered = (losses.get(master.node) ?? []).filter((loss) => !slaveKept || loss.restartMs !== undefined);
  // Offset reuse first: when it fits, it is what a consumer that read past the offsets saw.
  for (const loss of considered) {
    const restartMs = loss.restartMs;
    if (restartMs === undefined || latestMs < restartMs) continue;
    const handed = reuse.handed(reuse.group, send.queue, restartMs);
    if (handed === undefined) continue;
    // The reuse range: from the restart until the queue's acked offsets passed what had been handed.
    const passed = (delayed.acked.get(send.queue) ?? []).find((entry) => entry.ackMs >= restartMs && entry.offset > handed);
    const rangeEndMs = passed?.ackMs ?? Number.POSITIVE_INFINITY;
    if (Math.max(dueMs, restartMs) >= rangeEndMs) continue;
    return {
      allowed: true,
      reason: `offset reuse after ${master.node}'s power loss at ${formatMs(loss.timeMs)}: its re-put copy (due ${formatMs(dueMs)}) may have ` +
        `been stored after the restart at ${formatMs(restartMs)} while ${send.queue}'s new offsets were at or below offset ${handed} that ` +
        `${reuse.group} had already been handed there (until ${rangeEndMs === Number.POSITIVE_INFINITY ? "the end" : formatMs(rangeEndMs)})`,
      node: master.node, powerLossAtMs: loss.timeMs, ackAgeMs: -1, windowMs: null,
      mechanism: `${mechanismHead}; offset reuse: ${master.node} (ASYNC_FLUSH) restarted without its unflushed tail and gave queue offsets ` +
        `up to ${handed} on ${send.queue} to new messages; the group's consumers had read past them (4.x, no DLedger)`,
    };
  }
  for (const loss of considered) {
    if (loss.timeMs >= dueMs && loss.timeMs > send.outcomeMs) {
      const reputMs = Math.min(loss.timeMs, latestMs);
      const window = flushWindowOf(master, loss, reputMs);
      if (loss.timeMs - reputMs <= window.windowMs) {
        return {
          allowed: true,
          reason: `power loss of ${master.node} at ${formatMs(loss.timeMs)}, inside the ${flushWindowText(master, window)} of its re-put copy ` +
            `(due ${formatMs(dueMs)}, re-put by ${formatMs(reputMs)} at the latest)`,
          node: master.node, powerLossAtMs: loss.timeMs, ackAgeMs: loss.timeMs - reputMs, windowMs: window.windowMs,
          mechanism: `${mechanismHead}; the copy was in the page cache when power went (ASYNC_FLUSH)`,
        };
      }
    }
  }
  return null;
}
