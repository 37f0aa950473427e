// Retry and DLQ, per CLUSTERING group and message (broadcasting groups never retry: RocketMQ
// drops a failed broadcast message). RocketMQ's path: a delivery answered RECONSUME_LATER (or
// a listener that threw) with reconsumeTimes r is sent back; the broker
// (SendMessageProcessor.consumerSendMsgBack) moves it to %DLQ%<group> when
// r >= maxReconsumeTimes, else stores it in %RETRY%<group> with delayLevel 3 + r, and it comes
// back with reconsumeTimes r + 1. So:
// - redelivered: after a failed delivery with r < max, a delivery with reconsumeTimes r + 1
//   follows, unless the run ended before failMs + delay(3 + r) + deliverySlack;
// - not early: that redelivery is at or after failMs + delay(3 + r) − retryToleranceMs (the
//   broker stores the retry after the failure, and the delay counts from its store time).
//   The floors grow with r (10 s, 30 s, 1 m, 2 m, ... by default), so delays are
//   non-decreasing per the levels; actual gaps (which add pull latency) are not compared
//   with each other;
// - not late: when no fault window touches the span from the failure to its redelivery (and
//   no rebalance of the group, which can make a re-read failure the one that was sent back),
//   the redelivered copy was stored back into %RETRY%<group> (its storeTimeMs: the schedule
//   service re-puts it when due) by failMs + delay(3 + r) + lateRetryStoreSlackMs. The slack
//   covers the send-back's round trip and the service's 100 ms tick; calm CI and swarm runs
//   store copies within 0.1 s of due. How long the consumer then takes to read the copy is not
//   judged here (a backlogged consumer reads it late; seed 1 swarm run 97);
// - DLQ exactly: a failed delivery with r >= max puts the message in the DLQ: when the
//   group's DLQ was read (DlqEvents for the group, or the spec says readDlq/poisonPercent),
//   the message is there; a message in the DLQ had such a failure; and it is not delivered
//   to the group after that failure;
// - no retry after success: a delivery with a higher reconsumeTimes after a successful one
//   (the broker or client sent back a message that succeeded) fails unless a fault window
//   explains it (duplicates.ts judges plain duplicates).
// A send-back that failed and was re-sent by the client to %RETRY% (retry-resend) at level
// maxReconsumeTimes − 1 goes to the DLQ at once (the re-sent copy counts r + 1): no retry is due.
// When a fault window overlaps a retry, the client's local fallback (send-back failed →
// consume again after 5 s with reconsumeTimes + 1) excuses an early retry or a delivery past
// the DLQ point; a message past maxReconsumeTimes that came back at all is not looked for in
// the DLQ (the broker never took it there).
// That local retry is dropped when a rebalance takes the queue away before it runs (the process
// queue is dropped): a failure at the fault's time, its consumer losing the queue before the
// retry ran, and another consumer re-reading the same record at the same level after that move
// is no missing retry. When it runs: localRetryDelayMs after the consumer parked it (a
// local-retry event: once the batch's last send-back ended, which a slow broker or a pause can
// push far past the failure), held to the consumer's resume if it was paused then; without
// that event, localRetryDelayMs after the failure.
// A retry copy lost as the guarantee table allows (a power loss of the master holding it, inside
// its flush window) excuses a missing retry too; a copy the client re-sent itself after a failed
// send-back (retry-resend) is judged where that re-send stored it, not on the queue's master.
// A disk-full fault on the master that holds a retry copy or a dead letter, when its store later
// shows deleted commit-log files, excuses a missing retry or DLQ entry: 4.9.x's forced clean
// deletes the oldest files, with the copies parked in SCHEDULE_TOPIC_XXXX (guarantee.ts (c)).
// Orderly groups (MessageListenerOrderly) retry locally, in place, after
// suspendCurrentQueueTimeMillis, not through %RETRY% and the delay levels, so only their DLQ
// point is judged (ConsumeMessageOrderlyService.checkReconsumeTimes: a batch that failed with
// reconsumeTimes r >= maxReconsumeTimes is sent back to the DLQ and the queue moves past it;
// below it the client counts r + 1 and consumes the batch again). Their maxReconsumeTimes
// defaults to unlimited (-1 → Integer.MAX_VALUE). The counter lives in the client's copy of the
// message: a new holder of the queue (or the same process after the queue was re-added) reads
// the message from the broker again at reconsumeTimes 0. So:
// - delivered after DLQ: after a failure at r >= max, the next delivery of that message to the
//   group is a bug unless it is such a re-read (reconsumeTimes 0, a fault or rebalance window
//   of the group between the failure and it: the offset past the message was not committed
//   yet), or the send-back failed inside a fault window (the client suspends the batch and
//   consumes it again with r + 1);
// - missing from DLQ / DLQ too early: as for concurrent groups (a send-back that failed inside a
//   fault window at the end of the run excuses a missing dead letter).
import { ResponseCode } from "../../system/remoting/index.ts";
import type { DeliverEvent, HistoryEvent, LocalRetryEvent, NodeEvent, RetryResendEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { groupSpecs } from "./context.ts";
import { delayLevelsMs, delayOfLevel, deliverySlackMs } from "./delay.ts";
import { explainRedelivery, redeliveryWindows, settleMsOf } from "./duplicates.ts";
import type { CappedList } from "./evidence.ts";
import { capped, formatMs, idsMax, plural } from "./evidence.ts";
import { indexHistory, runEndMs } from "./history_index.ts";
import { consumeTimeoutMsOf, expiredAwaitingLocalRetry, isLocalRetry, localRetryDelayMs, outlastedConsumeTimeout } from "./consume_timeout.ts";
import { forcedCleansOf, judgeLoss, powerLossesOf, resentCopyRecord } from "./guarantee.ts";
import type { SendRecord } from "./history_index.ts";
import { brokerOfQueue } from "./context.ts";
import { dlqReadFor, maxReconsumeTimesOf, resentIntoDlq } from "./dead_letters.ts";
import { replacedInPlace } from "./lost_offsets.ts";
import type { ScheduledFault } from "../faults/types.ts";

/** How close to a failure a producer's SYSTEM_BUSY from the queue's broker counts as the send-back's weather. */
const busyEvidenceSlackMs = 1_000;
export const retryToleranceMs = 100;
/** How far a rebalance pass's snapshot may be from the pulls it dispatched (offset queries and lock round trips in between). */
const rebalancePassSlackMs = 1_000;
/** How late a retry copy may be stored back into %RETRY% after failure + delay (header: not late). */
export const lateRetryStoreSlackMs = 3_000;
/** How long a failed delivery's send-back may run: CONSUMER_SEND_MSG_BACK's 5 s, then the re-send to %RETRY% (3 s). */
const sendBackTimeoutMs = 5_000 + 3_000;

export type RetryViolation = {
  kind: "missing-retry" | "early-retry" | "late-retry" | "missing-from-dlq" | "dlq-too-early" | "delivered-after-dlq" | "retried-after-success";
  group: string; id: string; reconsumeTimes: number; timeMs: number; detail: string;
};

export type RetryEvidence = {
  groups: { group: string; maxReconsumeTimes: number; failures: number; retries: number; dlq: number; dlqRead: boolean }[];
  levelsMs: number[];
  toleranceMs: number;
  violations: CappedList<RetryViolation>;
  notJudgedNearEnd: number;
  /** Missing retries or dead letters excused because a forced clean deleted their copies. */
  excusedByForcedClean: number;
};

export function checkRetry(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const levels = delayLevelsMs(context);
  const endMs = runEndMs(index, context.endMs);
  const slackMs = deliverySlackMs(context);
  const windows = redeliveryWindows(index, context);
  const settleMs = settleMsOf(context);
  const cleans = forcedCleansOf(index);
  const masterNode = new Map(context.topology.brokers.filter((broker) => broker.role !== "SLAVE").map((broker) => [broker.brokerName, broker.node]));
  /** The client's re-send of a failure's copy to %RETRY% (its send-back failed), if it made one. */
  const resendOf = (delivery: DeliverEvent): RetryResendEvent | undefined => index.retryResends.find((event) => event.process === delivery.process
    && event.group === delivery.group && event.messageId === delivery.messageId && event.reconsumeTimes === delivery.reconsumeTimes && event.startMs >= delivery.timeMs);
  /**
   * A forced clean, between the failure and when its copy was due, on the master holding the
   * copy: the queue's, or the one the client's re-send stored it on.
   */
  const cleanedAway = (delivery: DeliverEvent, dueMs: number): boolean => {
    const holder = brokerOfQueue(resendOf(delivery)?.queue ?? delivery.queue);
    return (cleans.get(masterNode.get(holder) ?? "") ?? []).some((clean) => clean.injectMs <= dueMs && (clean.healMs === undefined || clean.healMs >= delivery.timeMs));
  };
  let excusedByClean = 0;
  // When each broker answered a send SYSTEM_BUSY (its flow control), for the send-back evidence below.
  const busyAnswers = new Map<string, number[]>();
  for (const attempt of index.attempts) {
    if (attempt.responseCode !== ResponseCode.SYSTEM_BUSY) continue;
    const times = busyAnswers.get(attempt.broker);
    if (times === undefined) busyAnswers.set(attempt.broker, [attempt.timeMs]);
    else times.push(attempt.timeMs);
  }
  const losses = powerLossesOf(index, context);
  /**
   * The retry copy is an allowed loss where it was stored (a power loss inside its flush window,
   * a forced clean on a full disk): on the queue's master at the failure, or, when the send-back
   * failed and the client re-sent it (retry-resend), wherever that re-send stored it (battery
   * seed 14 run 13: re-sent to broker-b, whose disk filled 4 s later and was cleaned by force).
   */
  const copyLost = (delivery: DeliverEvent): boolean => {
    const resend = resendOf(delivery);
    return judgeLoss(resend === undefined ? copyRecord(delivery) : resentCopyRecord(resend), losses, context, undefined, cleans).allowed;
  };
  /**
   * When the failure's local retry runs (or finds its process queue dropped). The client parks it
   * once the batch's last send-back ended (a local-retry event), localRetryDelayMs later, and a
   * paused consumer's timer fires at its resume (seed 11 swarm run 1440: failed at 18.0 s, the
   * batch's send-backs refused one by one until the consumer paused at 20 s, parked at 29.1 s on
   * resume); without such an event, localRetryDelayMs after the failure.
   */
  const parkedLocalRetry = (delivery: DeliverEvent): LocalRetryEvent | undefined => index.localRetries.find((event) =>
    event.process === delivery.process && event.group === delivery.group && event.timeMs >= delivery.timeMs
    && event.messages.some((message) => message.messageId === delivery.messageId && message.queueOffset === delivery.queueOffset
      && message.reconsumeTimes === delivery.reconsumeTimes + 1));
  const localRetryRunMs = (delivery: DeliverEvent): number => {
    const parked = parkedLocalRetry(delivery);
    return parked === undefined ? delivery.timeMs + localRetryDelayMs : resumedBy(index.nodes, delivery.process, parked.dueMs);
  };
  const violations: RetryViolation[] = [];
  const groups: RetryEvidence["groups"] = [];
  let notJudgedNearEnd = 0;
  const byGroup = new Map<string, Map<string, DeliverEvent[]>>();
  for (const delivery of index.deliveries) {
    const perGroup = byGroup.get(delivery.group) ?? new Map<string, DeliverEvent[]>();
    const list = perGroup.get(delivery.messageId) ?? [];
    list.push(delivery);
    perGroup.set(delivery.messageId, list);
    byGroup.set(delivery.group, perGroup);
  }
  const dlqByGroup = new Map<string, Set<string>>();
  for (const event of index.dlqs) {
    const set = dlqByGroup.get(event.group) ?? new Set<string>();
    set.add(event.messageId);
    dlqByGroup.set(event.group, set);
  }
  for (const spec of groupSpecs(context.workload, index.seenGroups)) {
    if (spec.model === "BROADCASTING") continue;
    const orderly = spec.orderly === true;
    const max = maxReconsumeTimesOf(spec);
    const dlq = dlqByGroup.get(spec.group) ?? new Set<string>();
    const dlqRead = dlqReadFor(index, spec);
    const stats = { group: spec.group, maxReconsumeTimes: max, failures: 0, retries: 0, dlq: dlq.size, dlqRead };
    const add = (kind: RetryViolation["kind"], delivery: Pick<DeliverEvent, "messageId" | "reconsumeTimes" | "timeMs">, detail: string): void => {
      violations.push({ kind, group: spec.group, id: delivery.messageId, reconsumeTimes: delivery.reconsumeTimes, timeMs: delivery.timeMs, detail });
    };
    const deadLettered = new Set<string>();
    // When the send-back to the broker fails, the client consumes the message again locally
    // after 5 s with reconsumeTimes + 1 (ConsumeMessageConcurrentlyService: msgBackFailed →
    // submitConsumeRequestLater): an early retry, or one past the DLQ point, inside a fault
    // window is that path, not a broker bug.
    const inFault = (fromMs: number, toMs: number): boolean =>
      windows.faults.some((window) => window.startMs <= toMs && (window.endMs === null || window.endMs + settleMs >= fromMs));
    // A send-back can fail without a fault too: the broker holding the queue answered SYSTEM_BUSY
    // (flow control: a busy page cache, a full send queue) to a send near the failure — the
    // history's own evidence (seed 3 swarm run 166: an orderly message at its DLQ point, the
    // send-back and the re-send both refused [PCBUSY_CLEAN_QUEUE], consumed once more in place).
    const brokerBusyNear = (delivery: DeliverEvent): boolean => (busyAnswers.get(brokerOfQueue(delivery.queue)) ?? [])
      .some((timeMs) => Math.abs(timeMs - delivery.timeMs) <= busyEvidenceSlackMs);
    /** The failure's send-back may have failed (a fault, or a busy broker), leaving 4.9.x's local retry. */
    const sendBackMayHaveFailed = (delivery: DeliverEvent, toMs: number): boolean => inFault(delivery.timeMs, toMs) || brokerBusyNear(delivery);
    const inRebalance = (fromMs: number, toMs: number): boolean =>
      (windows.rebalances.get(spec.group) ?? []).some((window) => window.startMs <= toMs && (window.endMs === null || window.endMs >= fromMs));
    // The same record re-read at the same level by the queue's next holder: another process, or
    // this one once it held the queue again after sinceMs (its old process queue was dropped with
    // the failed request; seed 1 swarm run 1427: a lossy flow left consumer-1 out of its own
    // allocation for half a second while its listener ran, and it re-read the record itself).
    const reReadAtSameLevel = (delivery: DeliverEvent, later: readonly DeliverEvent[], sinceMs: number): boolean =>
      later.some((next) => next.reconsumeTimes === delivery.reconsumeTimes && next.queue === delivery.queue
        && next.queueOffset === delivery.queueOffset && next.storeTimeMs === delivery.storeTimeMs
        && (next.process !== delivery.process || (next.startMs ?? next.timeMs) >= sinceMs));
    // The send-back failed inside a fault window, so the client parked a local retry for
    // localRetryDelayMs; a rebalance took the queue away before it ran, and 4.9.x's
    // ConsumeRequest.run drops a request whose process queue is dropped. The failed message was
    // neither sent back nor acknowledged (msgBackFailed stays in the process queue, so the
    // committed offset stays before it): the queue's new holder re-reads the same record at the
    // same level (seed 1 swarm run 3576).
    const localRetryDroppedByMove = (delivery: DeliverEvent, later: readonly DeliverEvent[]): boolean => {
      if (parkedLocalRetry(delivery) === undefined && !sendBackMayHaveFailed(delivery, delivery.timeMs)) return false;
      const runMs = localRetryRunMs(delivery);
      const moved = index.rebalances.find((rebalance) => rebalance.process === delivery.process && rebalance.group === delivery.group
        && rebalance.topic === delivery.topic && rebalance.timeMs >= delivery.timeMs
        && rebalance.timeMs < runMs && !rebalance.queues.includes(delivery.queue));
      if (moved === undefined) return replacedBeforeLocalRetry(delivery, later);
      // The new holder reads from the committed offset once the failure is in: 4.9.x's clients
      // rebalance on their own clocks, so it may take the queue just before the old holder drops
      // it (seed 2 run 1364: consumer-1 read the record at 25.008 s, consumer-2 let go at 25.012 s).
      return reReadAtSameLevel(delivery, later.filter((next) => (next.startMs ?? next.timeMs) >= delivery.timeMs), moved.timeMs);
    };
    // Or the failing consumer's own process queue was replaced in place (pull expired) before the
    // local retry ran, dropping it; the committed offset stayed before the record, so it is read
    // again at the same level: by the failing consumer's new process queue (a second hand-out
    // proves the replacement; the pass that made it logs its snapshot around that pull), or by
    // another consumer when the failing one's snapshot shows its queues replaced (the same set
    // again) inside the window (seed 8 swarm run 1370: two failures at 10.1 s and 10.3 s, their
    // send-backs refused; broker-a's crash stalled the pulls; both process queues were replaced at
    // 14.0 s and the records re-read 2 ms before the passes' snapshots).
    // The new process queue's first pull may fail and wait pullTimeDelayMillsWhenException before
    // its retry reads the record (seed 19 swarm run 1322: replaced at 29.0 s, the pull answered
    // SUBSCRIPTION_NOT_LATEST, the re-read at 32.0 s): the hand-out then follows the failed pull.
    // The replacement may come in a round that also moved another queue; the snapshot's
    // `replaced` names it then, and `replacedAtMs` dates it: the round drops the expired process
    // queue at once but reports only after persisting its offset, which a hung broker can hold
    // for seconds (seed 1 swarm run 741 of a tag-subscription draw tried on 2026-12-05: two
    // consumers held a queue at once in a partition, the other read the record successfully at
    // 22.3 s; the failing one's process queue was dropped at 28.0 s, reported at 29.2 s in the
    // round that also gave up broker-b:0, with the local retry parked at 29.2 s still in it).
    const replacedBeforeLocalRetry = (delivery: DeliverEvent, later: readonly DeliverEvent[]): boolean => {
      const windowEndMs = localRetryRunMs(delivery);
      const own = index.rebalances.filter((rebalance) => rebalance.process === delivery.process && rebalance.group === delivery.group && rebalance.topic === delivery.topic);
      const failedPulls = index.pullErrors.filter((event) => event.process === delivery.process && event.group === delivery.group && event.queue === delivery.queue);
      const nearPass = (passMs: number, startMs: number): boolean => Math.abs(passMs - startMs) <= rebalancePassSlackMs
        || failedPulls.some((event) => event.timeMs >= passMs - rebalancePassSlackMs && event.timeMs <= startMs
          && Math.abs(event.timeMs + event.retryInMs - startMs) <= rebalancePassSlackMs);
      const replacedSet = own.some((rebalance, position) => {
        if (position === 0 || !rebalance.queues.includes(delivery.queue)) return false;
        const named = rebalance.replaced?.includes(delivery.queue) ?? false;
        const atMs = named ? rebalance.replacedAtMs ?? rebalance.timeMs : rebalance.timeMs;
        return atMs > delivery.timeMs && atMs < windowEndMs && (named || replacedInPlace(own[position - 1]!.queues, rebalance.queues));
      });
      return later.some((next) => {
        const startMs = next.startMs ?? next.timeMs;
        if (next.reconsumeTimes !== delivery.reconsumeTimes || next.queue !== delivery.queue || next.queueOffset !== delivery.queueOffset
          || next.storeTimeMs !== delivery.storeTimeMs || startMs <= delivery.timeMs || startMs >= windowEndMs) return false;
        if (next.process !== delivery.process) return replacedSet;
        return own.some((rebalance) => rebalance.queues.includes(delivery.queue) && nearPass(rebalance.timeMs, startMs));
      });
    };
    // The failing consumer died (crash, power loss) before its send-back was answered: 4.9.x
    // acknowledges nothing before that answer, so the committed offset stays before the message
    // and the queue's next holder re-reads the same record at the same count — instead of a retry
    // copy (seed 1 swarm run 467 of the rogue-peer re-draw: failed at 21.0 s, consumer lost power
    // at 22 s, the message re-read by the other consumer at 29 s).
    // Likewise a consumer that stopped before a parked local retry ran (a failed send-back keeps
    // the message in the process queue for localRetryDelayMs; a clean stop drops it: seed 1 run 1364).
    const diedBeforeSendBack = (delivery: DeliverEvent, later: readonly DeliverEvent[]): boolean => {
      const died = index.nodes.find((event) => event.node === delivery.process && event.timeMs >= delivery.timeMs
        && (((event.event === "crash" || event.event === "power-loss") && event.timeMs <= delivery.timeMs + sendBackTimeoutMs)
          || (event.event === "stop" && event.timeMs <= delivery.timeMs + sendBackTimeoutMs + localRetryDelayMs)));
      if (died === undefined) return false;
      return reReadAtSameLevel(delivery, later, died.timeMs);
    };
    // The queue left, seen from the rebalance: a snapshot of this process without the queue falls
    // while the listener ran (startMs to timeMs), and another process later reads the same
    // record at the same level (seed 1 swarm run 243 of the second re-draw: the queue left at
    // 14.018 s, the listener failed at 14.035 s, the new holder read it at 15.0 s).
    // The same goes for a process queue replaced in place: a pull-expired queue (no pull for
    // pullMaxIdleTime) is removed and added back in one rebalance, and the new process queue
    // pulls from the committed offset, so the same consumer hands the record out again while the
    // first listener still runs (seed 6 swarm run 790: handed out at 14.1 s, the queue replaced at
    // 16.0 s, handed out again at 16.0 s; the first call's failure at 18.1 s was dropped).
    const droppedWhileRunning = (delivery: DeliverEvent, later: readonly DeliverEvent[]): boolean => {
      const startMs = delivery.startMs ?? delivery.timeMs;
      const moved = index.rebalances.find((rebalance) => rebalance.process === delivery.process && rebalance.group === delivery.group
        && rebalance.topic === delivery.topic && rebalance.timeMs >= startMs && rebalance.timeMs <= delivery.timeMs
        && !rebalance.queues.includes(delivery.queue));
      if (moved !== undefined) return reReadAtSameLevel(delivery, later, moved.timeMs);
      const replaced = index.rebalances.find((rebalance) => rebalance.process === delivery.process && rebalance.group === delivery.group
        && rebalance.topic === delivery.topic && rebalance.timeMs >= startMs && rebalance.timeMs <= delivery.timeMs
        && rebalance.queues.includes(delivery.queue));
      return replaced !== undefined && later.some((next) => next.process === delivery.process && next.reconsumeTimes === delivery.reconsumeTimes
        && next.queue === delivery.queue && next.queueOffset === delivery.queueOffset && next.storeTimeMs === delivery.storeTimeMs
        && (next.startMs ?? next.timeMs) >= replaced.timeMs && (next.startMs ?? next.timeMs) < delivery.timeMs);
    };
    // A failed send-back's client re-send carries RECONSUME_TIME r + 1, and 4.9.x's broker
    // (SendMessageProcessor.handleRetryAndDLQ) sends a %RETRY% message whose count reached
    // maxReconsumeTimes to the DLQ at once: a failure at max − 1 re-sent that way is dead-lettered
    // without a delivery at max (seed 1 swarm run 138 of the second re-draw).
    // Or one count later: the failure's send-back failed, so the client counted it (r + 1) and
    // parked a local retry, and before that ran an expire scan sent the record back, failed, and
    // re-sent it with r + 2 (seed 6 swarm run 923: one failure at 0, dead-lettered at max 2).
    const resentIntoDlqAfter = (delivery: DeliverEvent): boolean => index.retryResends.some((event) => event.process === delivery.process
      && event.group === spec.group && event.messageId === delivery.messageId && event.startMs >= delivery.timeMs && resentIntoDlq(event, max)
      && (event.reconsumeTimes === delivery.reconsumeTimes
        || (event.reconsumeTimes === delivery.reconsumeTimes + 1 && event.fromQueue === delivery.queue && event.fromQueueOffset === delivery.queueOffset)));
    const resentIntoDlqEver = (id: string): boolean => index.retryResends.some((event) => event.group === spec.group && event.messageId === id
      && resentIntoDlq(event, max));
    // A local retry (the same stored record consumed again with the client's count + 1) that
    // fails is sent back with that record's commit-log offset, and 4.9.x's broker
    // (consumerSendMsgBack) counts from the record it reads there: the copy comes back at the
    // record's level + 1, after that level's delay, not at the local count + 1 (seed 1 swarm
    // run 978 of the second re-draw: a local retry at 1 failed, its copy came back at 1 after 10 s).
    // The same goes for the DLQ point: the broker dead-letters by the record's count.
    // A record is known by its queue, offset and store time (a history without store times
    // cannot tell a local retry from a stored copy: each delivery is its own record then).
    const recordLevelOf = (delivery: DeliverEvent, deliveries: readonly DeliverEvent[]): number => delivery.storeTimeMs === undefined
      ? delivery.reconsumeTimes
      : Math.min(...deliveries
        .filter((other) => other.queue === delivery.queue && other.queueOffset === delivery.queueOffset && other.storeTimeMs === delivery.storeTimeMs)
        .map((other) => other.reconsumeTimes));
    const localRetryCopyCame = (delivery: DeliverEvent, deliveries: readonly DeliverEvent[], later: readonly DeliverEvent[]): boolean => {
      const recordLevel = recordLevelOf(delivery, deliveries);
      if (recordLevel >= delivery.reconsumeTimes) return false;
      const dueMs = delivery.timeMs + delayOfLevel(levels, 3 + recordLevel) - retryToleranceMs;
      return later.some((next) => next.reconsumeTimes === recordLevel + 1 && next.timeMs >= dueMs);
    };
    // A forward clock skew on the master holding a level's copies: a copy stored during it
    // carries a deliver time offsetMs too late (4.9.x computes storeTimestamp + delay by the
    // broker's clock), and ScheduleMessageService delivers a level's queue in order, so every
    // later copy of that level on that master waits behind it: until the skew's heal + offsetMs
    // + the level's delay (seed 6 swarm run 1035: +8 s on broker-b from 12 s to 15 s; failures
    // at 17.5 s came back at 32.2 s, behind copies stored at 13–15 s).
    const heldBySkewedEntry = (delivery: DeliverEvent, storedBackMs: number, delayMs: number): ScheduledFault | undefined => {
      const node = masterNode.get(brokerOfQueue(delivery.queue));
      return context.faults.find((scheduled) => {
        const fault = scheduled.fault;
        if (fault.kind !== "clock-skew" || fault.target !== node || fault.offsetMs <= 0 || scheduled.atMs > delivery.timeMs) return false;
        const healMs = scheduled.healAtMs ?? Infinity;
        const skewedEntry = index.deliveries.some((other) => other.result !== "success" && other.reconsumeTimes === delivery.reconsumeTimes
          && brokerOfQueue(other.queue) === brokerOfQueue(delivery.queue) && other.timeMs >= scheduled.atMs && other.timeMs <= healMs);
        return skewedEntry && storedBackMs <= healMs + fault.offsetMs + delayMs + lateRetryStoreSlackMs;
      });
    };
    for (const [id, deliveries] of orderly ? [] : byGroup.get(spec.group) ?? []) {
      let succeeded: DeliverEvent | undefined;
      const pairedRetries = new Set<DeliverEvent>();
      for (let position = 0; position < deliveries.length; position++) {
        const delivery = deliveries[position]!;
        if (delivery.reconsumeTimes > 0) stats.retries++;
        // A success that outlasted consumeTimeout was sent back while its listener ran (consume_timeout.ts).
        // Two stored originals (a producer retry after a send the client saw fail) live apart: a
        // retry of the one that failed before the other succeeded is that copy's (seed 2 run 586).
        const success = succeeded;
        const otherCopyFailed = success !== undefined && deliveries.some((failed) => failed.result !== "success"
          && failed.reconsumeTimes === delivery.reconsumeTimes - 1 && failed.timeMs < success.timeMs && failed.queue !== success.queue);
        // A failure waiting for its local retry, sent back by an expire scan meanwhile: the copy
        // one level above the local retry's success is that scan's (consume_timeout.ts).
        const expiredWhileWaiting = success !== undefined && delivery.reconsumeTimes === success.reconsumeTimes + 1
          && deliveries.some((failed) => failed.result !== "success" && expiredAwaitingLocalRetry(failed, success, spec));
        if (succeeded !== undefined && !otherCopyFailed && !expiredWhileWaiting && delivery.reconsumeTimes > succeeded.reconsumeTimes && !outlastedConsumeTimeout(succeeded, spec)
          && explainRedelivery(windows, spec.group, succeeded.timeMs, delivery.timeMs, settleMs) === undefined) {
          add("retried-after-success", delivery, `succeeded at ${formatMs(succeeded.timeMs)} with reconsumeTimes ${succeeded.reconsumeTimes}, delivered again as retry ${delivery.reconsumeTimes}`);
        }
        if (delivery.result === "success") {
          succeeded ??= delivery;
          continue;
        }
        stats.failures++;
        const later = deliveries.slice(position + 1);
        // The record's count is never above the delivery's: it alone decides.
        if (recordLevelOf(delivery, deliveries) >= max) {
          deadLettered.add(id);
          // Another stored copy of the message failing at the same level is no return from the
          // DLQ (both copies go there): a send-back the broker stored but answered too late,
          // plus the client's re-send to %RETRY% (seed 1 swarm run 138 of the second re-draw).
          const after = later.find((next) => next.reconsumeTimes !== delivery.reconsumeTimes
            || (next.queue === delivery.queue && next.queueOffset === delivery.queueOffset));
          if (after !== undefined && !sendBackMayHaveFailed(delivery, after.timeMs)) add("delivered-after-dlq", after, `failed with reconsumeTimes ${delivery.reconsumeTimes} ≥ maxReconsumeTimes ${max} at ${formatMs(delivery.timeMs)}: it belongs in the DLQ, yet came back`);
          if (dlqRead && !dlq.has(id) && later.length === 0 && cleanedAway(delivery, endMs)) excusedByClean++;
          else if (dlqRead && !dlq.has(id) && later.length === 0) add("missing-from-dlq", delivery, `failed with reconsumeTimes ${delivery.reconsumeTimes} ≥ maxReconsumeTimes ${max}, not found in %DLQ%${spec.group}`);
          continue;
        }
        // Another consumer may hold a duplicate failure of the same attempt: only the first counts.
        if (later.some((next) => next.reconsumeTimes === delivery.reconsumeTimes && next.result !== "success" && next.process !== delivery.process && next.timeMs - delivery.timeMs < 1)) continue;
        const delayMs = delayOfLevel(levels, 3 + delivery.reconsumeTimes);
        // Failures and their retries pair in order: when the same message failed twice at one
        // level (a replayed original, a delayed message re-put after a restart), the first retry
        // answers the first failure. A local retry re-runs its own stored record, so it answers
        // that record's failure only: two stored copies of one message (a batch the producer
        // retried) failing in one batch, each parked locally, come back in either order (seed 16
        // swarm run 1098).
        const retry = later.find((next) => !pairedRetries.has(next) && isLocalRetry(delivery, next))
          ?? later.find((next) => next.reconsumeTimes === delivery.reconsumeTimes + 1 && !pairedRetries.has(next)
            && !deliveries.some((failed) => failed !== delivery && failed.result !== "success" && isLocalRetry(failed, next)));
        if (retry !== undefined) pairedRetries.add(retry);
        if (retry === undefined) {
          if (succeeded !== undefined || later.some((next) => next.reconsumeTimes > delivery.reconsumeTimes)) continue;
          // The queue moved while this delivery ran: its process queue was dropped, so 4.9.x
          // ignores the result (ConsumeRequest.run: no processConsumeResult, no send-back) and the
          // new holder re-reads the message at the same level (seed 1 swarm run 447).
          if (later.some((next) => next.result === "success" && next.reconsumeTimes === delivery.reconsumeTimes
            && next.process !== delivery.process && next.startMs !== undefined && next.startMs < delivery.timeMs)) continue;
          if (droppedWhileRunning(delivery, later)) continue;
          if (diedBeforeSendBack(delivery, later)) continue;
          if (resentIntoDlqAfter(delivery)) {
            deadLettered.add(id);
            continue;
          }
          if (localRetryDroppedByMove(delivery, later)) continue;
          if (localRetryCopyCame(delivery, deliveries, later)) continue;
          if (delivery.timeMs + delayMs + slackMs > endMs) {
            notJudgedNearEnd++;
            continue;
          }
          if (cleanedAway(delivery, delivery.timeMs + delayMs) || copyLost(delivery)) {
            excusedByClean++;
            continue;
          }
          add("missing-retry", delivery, `failed with reconsumeTimes ${delivery.reconsumeTimes} < ${max}; no delivery with reconsumeTimes ${delivery.reconsumeTimes + 1} by the end (due ${formatMs(delivery.timeMs + delayMs)})`);
          continue;
        }
        // Early only if no failure at this level came long enough before it: a restarted master's
        // schedule service replays retry copies (its delayOffset.json is not fsynced), so a copy of
        // an earlier failure can land just after a later failure of a replayed original.
        // A delivery at this level that outlasted consumeTimeout was sent back by the expire scan,
        // which runs from its start + consumeTimeout on, success or not (battery seed 25 run 1273:
        // a 4 s listener from 31.0 s, scanned at 35.0 s, its copy at 45.0 s; the same record,
        // replayed after a rebalance, failed at 38.0 s).
        const fitsEarlierFailure = deliveries.some((earlier) => earlier.reconsumeTimes === delivery.reconsumeTimes && (
          (earlier.result !== "success" && earlier.timeMs + delayMs - retryToleranceMs <= retry.timeMs)
          || (outlastedConsumeTimeout(earlier, spec) && (earlier.startMs ?? earlier.timeMs) + consumeTimeoutMsOf(spec) + delayMs - retryToleranceMs <= retry.timeMs)));
        // A failure that outlasted consumeTimeout was also sent back while its listener ran (level 3,
        // from as early as its start + consumeTimeout): that copy may come before this failure's.
        const sentBackEarlier = outlastedConsumeTimeout(delivery, spec);
        // A local retry (send-back failed) comes after localRetryDelayMs, not the level's delay.
        const local = isLocalRetry(delivery, retry);
        if (local && retry.timeMs < delivery.timeMs + localRetryDelayMs - retryToleranceMs) {
          add("early-retry", retry, `local retry ${retry.reconsumeTimes} at ${formatMs(retry.timeMs)} only ${formatMs(retry.timeMs - delivery.timeMs)} after the failure; the client waits ${formatMs(localRetryDelayMs)}`);
        }
        if (!local && retry.timeMs < delivery.timeMs + delayMs - retryToleranceMs && !fitsEarlierFailure && !sentBackEarlier && !sendBackMayHaveFailed(delivery, retry.timeMs)) {
          add("early-retry", retry, `retry ${retry.reconsumeTimes} at ${formatMs(retry.timeMs)} only ${formatMs(retry.timeMs - delivery.timeMs)} after the failure at ${formatMs(delivery.timeMs)}; level ${3 + delivery.reconsumeTimes} asks ${formatMs(delayMs)}`);
        }
        const storedLateMs = retry.storeTimeMs === undefined ? 0 : retry.storeTimeMs - (delivery.timeMs + delayMs);
        // Late for this failure, on time for a later one: a failed local retry's copy comes back at
        // the record's level + 1 (above), so the next failure at this count can be that copy's, and
        // its own send-back is the retry paired here (seed 2 swarm run 789: local retry at 1 failed
        // at 30 s, its copy came back at 1 at 40 s and failed, that copy's retry at 2 is on time for 40 s).
        const onTimeForLaterFailure = storedLateMs > lateRetryStoreSlackMs && deliveries.some((other) => other.timeMs > delivery.timeMs
          && other.result !== "success" && recordLevelOf(other, deliveries) === retry.reconsumeTimes - 1
          && (retry.storeTimeMs ?? 0) - (other.timeMs + delayOfLevel(levels, 3 + retry.reconsumeTimes - 1)) <= lateRetryStoreSlackMs);
        // A failure waiting for its local retry was sent back by the expire scan meanwhile
        // (consume_timeout.ts): that copy is due a level's delay after the scan, which may run
        // until the local retry starts (seed 4 swarm run 1049: failed at 27.0 s on a busy broker,
        // scanned at 31.0 s, local retry at 32.1 s, the scan's copy at 41.1 s).
        const waitedLocally = deliveries.find((other) => other.timeMs >= delivery.timeMs + localRetryDelayMs - retryToleranceMs
          && expiredAwaitingLocalRetry(delivery, other, spec));
        const scannedWhileWaiting = waitedLocally !== undefined && retry.storeTimeMs !== undefined
          && retry.storeTimeMs <= (waitedLocally.startMs ?? waitedLocally.timeMs) + delayMs + lateRetryStoreSlackMs;
        if (!local && !sentBackEarlier && !onTimeForLaterFailure && !scannedWhileWaiting && storedLateMs > lateRetryStoreSlackMs
          && heldBySkewedEntry(delivery, retry.storeTimeMs ?? 0, delayMs) === undefined
          && !inFault(delivery.timeMs, retry.timeMs) && !inRebalance(delivery.timeMs, retry.timeMs)) {
          add("late-retry", retry, `retry ${retry.reconsumeTimes} stored back at ${formatMs(retry.storeTimeMs ?? 0)}, ${formatMs(storedLateMs)} after it was due: failed at ${formatMs(delivery.timeMs)}, level ${3 + delivery.reconsumeTimes} asks ${formatMs(delayMs)} (slack ${formatMs(lateRetryStoreSlackMs)}), no fault or rebalance in between`);
        }
      }
    }
    if (orderly) {
      for (const [id, deliveries] of byGroup.get(spec.group) ?? []) {
        deliveries.forEach((delivery, position) => {
          if (delivery.reconsumeTimes > 0) stats.retries++;
          if (delivery.result === "success") return;
          stats.failures++;
          // Below the DLQ point the batch is suspended and consumed again in place (r + 1).
          if (delivery.reconsumeTimes < max) return;
          deadLettered.add(id);
          const later = deliveries.slice(position + 1);
          const after = later[0];
          const reRead = after !== undefined && after.reconsumeTimes === 0
            && explainRedelivery(windows, spec.group, delivery.timeMs, after.timeMs, settleMs) !== undefined;
          const sendBackFailed = after !== undefined && after.reconsumeTimes === delivery.reconsumeTimes + 1 && sendBackMayHaveFailed(delivery, after.timeMs);
          if (after !== undefined && !reRead && !sendBackFailed) {
            add("delivered-after-dlq", after, `orderly: failed with reconsumeTimes ${delivery.reconsumeTimes} ≥ maxReconsumeTimes ${max} at ${formatMs(delivery.timeMs)}: it belongs in the DLQ, yet came back with reconsumeTimes ${after.reconsumeTimes}`);
          }
          if (!dlqRead || dlq.has(id) || later.length > 0) return;
          if (cleanedAway(delivery, endMs) || copyLost(delivery) || inFault(delivery.timeMs, delivery.timeMs)) excusedByClean++;
          else add("missing-from-dlq", delivery, `orderly: failed with reconsumeTimes ${delivery.reconsumeTimes} ≥ maxReconsumeTimes ${max}, not found in %DLQ%${spec.group}`);
        });
      }
    }
    for (const id of dlq) {
      if (deadLettered.has(id) || resentIntoDlqEver(id)) continue;
      const event = index.dlqs.find((entry) => entry.group === spec.group && entry.messageId === id);
      add("dlq-too-early", { messageId: id, reconsumeTimes: event?.reconsumeTimes ?? -1, timeMs: event?.timeMs ?? 0 },
        `in %DLQ%${spec.group} without a failed delivery at reconsumeTimes ≥ ${max}`);
    }
    groups.push(stats);
  }
  const evidence: RetryEvidence = { groups, levelsMs: levels, toleranceMs: retryToleranceMs, violations: capped(violations, idsMax(context)), notJudgedNearEnd, excusedByForcedClean: excusedByClean };
  const first = violations[0];
  const failures = groups.reduce((sum, group) => sum + group.failures, 0);
  const summary = first !== undefined
    ? `${plural(violations.length, "retry violation")}; first ${first.kind} of ${first.id} (group ${first.group}): ${first.detail}.`
    : failures === 0 ? "No consumption failed in this run: no retry to judge."
      : `${plural(failures, "failed delivery", "failed deliveries")} each retried at its level's delay or dead-lettered at maxReconsumeTimes` +
        `${notJudgedNearEnd > 0 ? ` (${notJudgedNearEnd} too close to the end to judge)` : ""}` +
        `${excusedByClean > 0 ? `; ${excusedByClean} whose copy a forced clean on a full disk deleted` : ""}.`;
  return { name: "retry", verdict: violations.length > 0 ? "fail" : "pass", summary, evidence };
}

/** A retry copy as a send record: stored on the failed delivery's queue's master when it failed. */
function copyRecord(delivery: DeliverEvent): SendRecord {
  return {
    opId: -1, messageId: delivery.messageId, process: delivery.process, topic: delivery.topic, invokeMs: delivery.timeMs,
    outcome: "ok", outcomeMs: delivery.timeMs, queue: delivery.queue, sendStatus: "SEND_OK",
  };
}

/**
 * When a timer of `node` due at dueMs fires: then, or at the node's resume when a pause holds it
 * at that instant (a paused process runs nothing; its overdue timers fire as it resumes).
 */
function resumedBy(nodes: readonly NodeEvent[], node: string, dueMs: number): number {
  let paused = false;
  for (const event of nodes) {
    if (event.node !== node) continue;
    if (event.timeMs > dueMs) return paused && event.event === "resume" ? event.timeMs : dueMs;
    paused = event.event === "pause";
  }
  // Still paused when the run ended: the retry never ran.
  return paused ? Number.POSITIVE_INFINITY : dueMs;
}
