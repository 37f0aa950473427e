// Delivery: lost, duplicated and unexpected messages (Jepsen's total-queue, per group).
// - lost: an acked send that a receiver (receivers.ts) was expected to get but never got with
//   a successful delivery (retry-only deliveries do not count). Loss fails the check unless the
//   guarantee table (guarantee.ts) permits it for that message; permitted loss is still
//   counted and listed ("allowedLoss").
// - duplicated: more than one successful delivery of a message to one clustering group (or to
//   one broadcasting consumer). Counted and listed; fails only past options.maxDuplicated.
// - unexpected: a delivery whose messageId was never invoked. Always a failure.
// - unwanted: a delivery to a tag-subscribed group ("TagA", "TagA || TagB") of a message whose
//   tags the subscription does not accept: the broker's tags-code filter and the client's tag
//   check both let it through. Always a failure (SQL92 groups: sql_filter.ts).
// - misplaced: a delivery from the queue its message was acked in, at another offset. A send
//   acked at (queue, offset) after one attempt was stored once, there, and every copy a consumer
//   reads of it in that queue (from the master or a slave, before or after a crash) is that one
//   record. Another offset means the consume queue points at the wrong record (a recovery that
//   kept a unit past the commit log's end, a unit written at the wrong place, a queue offset the
//   ack misreported). Always a failure. Judged only where the position is certain: the message id
//   invoked once, acked after exactly one attempt, not delayed (it is stored in the schedule
//   topic first and re-stored later), not a transaction's (no queue in its ack), and the original
//   copy (reconsumeTimes 0: retries come from %RETRY%). Also misplaced, whatever the message: a
//   delivery whose record names another queue or topic than the one the consumer pulled it from
//   (the workload records `readFrom` then).
// - dead-lettered: a message the group's DLQ holds (DlqEvent) counts as received by the group
//   (gotBy in history_index.ts: the one notion of "received" the loss-judging checkers share).
// - resolved sends: an unknown-outcome (or never-completed) send that was delivered did happen
//   ("unknownResolvedOk"); a failed send that was delivered is "failedButDelivered" — RocketMQ
//   can store a message whose ack was lost. Both are allowed and reported. An unknown send
//   never delivered is presumed not stored.
// - a committed transactional message never delivered because a forward clock skew stalled its
//   broker's transaction checks past the run's end (transaction_stall.ts) is allowed loss with
//   that mechanism: its END_TRANSACTION was lost and no check round could yet resolve it.
// - a message whose group's only copy was the client's own re-send to %RETRY%<group> after a
//   failed send-back (retry-resend) is judged by the table where that copy was stored
//   (guarantee.ts); when that re-send's count reached maxReconsumeTimes the broker put it in the
//   DLQ at once (dead_letters.ts): received if the DLQ was read and holds it, else listed as an
//   unverified dead letter (not lost, not judged: the run did not read that DLQ).
// - a message a CONSUME_FROM_LAST_OFFSET group skipped because a crash (of the queue's master or
//   of its holder) took its first offsets on the queue and it took the queue back at the max
//   offset (lost_offsets.ts) is allowed loss with that mechanism.
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { groupSpecs, subscriptionAccepts } from "./context.ts";
import type { CappedList } from "./evidence.ts";
import { capped, idsMax, plural, quoteIds } from "./evidence.ts";
import { consumedPreLossTailOf, delayedReputEvidenceOf, forcedCleansOf, handedOffsetsOf, judgeLoss, powerLossesOf, resentCopiesOf, sentBackCopiesOf } from "./guarantee.ts";
import { delayLevelsMs } from "./delay.ts";
import { gotBy, indexHistory, receivedBy, type HistoryIndex, type SendRecord } from "./history_index.ts";
import { expects, receiversOf } from "./receivers.ts";
import { lostOffsetsExcuse } from "./lost_offsets.ts";
import { stallExcuse } from "./transaction_stall.ts";
import { resentIntoUnreadDlq } from "./dead_letters.ts";

export type LostMessage = {
  id: string; receiver: string; queue?: string; ackMs?: number; reason?: string;
  /** Allowed loss: how long before the power loss it was acked, the window allowed, and why. */
  ackBeforeLossMs?: number; windowMs?: number | null; mechanism?: string;
};
export type DuplicatedMessage = { id: string; receiver: string; count: number };
export type UnexpectedMessage = { id: string; group: string; count: number };
export type UnwantedMessage = { id: string; group: string; tags: string | null; subscription: string };
export type MisplacedMessage = {
  id: string; group: string; process: string; queue: string; deliveredOffset: number; deliveredMs: number;
  /** Where its one attempt was acked, when the delivery came from that queue at another offset. */
  ackedOffset?: number;
  /** The queue the consumer pulled it from, when its record names another. */
  readFrom?: string;
};

export type DeliveryEvidence = {
  guarantee: string;
  lost: CappedList<LostMessage>;
  allowedLoss: CappedList<LostMessage>;
  duplicated: CappedList<DuplicatedMessage>;
  unexpected: CappedList<UnexpectedMessage>;
  misplaced: CappedList<MisplacedMessage>;
  unwanted: CappedList<UnwantedMessage>;
  unknownResolvedOk: CappedList<string>;
  failedButDelivered: CappedList<string>;
  receivers: { receiver: string; expected: number; received: number }[];
  /** Messages the client re-sent straight into a DLQ the run did not read (dead_letters.ts): not lost, not verified. */
  deadLetteredUnread: CappedList<string>;
};

export interface DeliveryAnalysis {
  check: CheckResult;
  /** Distinct ids (the counts table). */
  lostIds: number;
  duplicatedIds: number;
  unexpectedIds: number;
  unknownResolvedOk: number;
  failedButDelivered: number;
  consumedIds: number;
}

export function checkDelivery(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  return analyzeDelivery(history, context).check;
}

/**
 * The analysis of a history under a context, kept as indexHistory keeps its index (by the
 * array's identity): evaluateRun asks twice, for the delivery check and for the run's counts.
 */
const analyses = new WeakMap<readonly HistoryEvent[], { context: CheckContext; analysis: DeliveryAnalysis }>();

export function analyzeDelivery(history: readonly HistoryEvent[], context: CheckContext): DeliveryAnalysis {
  const known = analyses.get(history);
  if (known !== undefined && known.context === context) return known.analysis;
  const analysis = analyzeDeliveryOnce(history, context);
  analyses.set(history, { context, analysis });
  return analysis;
}

function analyzeDeliveryOnce(history: readonly HistoryEvent[], context: CheckContext): DeliveryAnalysis {
  const index = indexHistory(history);
  const receivers = receiversOf(index, context);
  const broadcastingGroups = new Set(receivers.filter((receiver) => receiver.broadcasting).map((receiver) => receiver.group));
  const unexpectedByKey = new Map<string, UnexpectedMessage>();
  const processesByGroup = new Map<string, Set<string>>();
  for (const delivery of index.deliveries) {
    if (!index.sendById.has(delivery.messageId)) {
      const key = `${delivery.group}\u0000${delivery.messageId}`;
      const entry = unexpectedByKey.get(key) ?? { id: delivery.messageId, group: delivery.group, count: 0 };
      entry.count++;
      unexpectedByKey.set(key, entry);
    }
    const processes = processesByGroup.get(delivery.group) ?? new Set<string>();
    processes.add(delivery.process);
    processesByGroup.set(delivery.group, processes);
  }
  const misplaced = misplacedDeliveries(index);
  const unwanted = unwantedDeliveries(index, context);
  const duplicated: DuplicatedMessage[] = [];
  const duplicatedIds = new Set<string>();
  for (const [group, processes] of processesByGroup) {
    const tables: [string, string | undefined][] = broadcastingGroups.has(group)
      ? [...processes].map((process) => [`${group}/${process}`, process])
      : [[group, undefined]];
    for (const [receiver, process] of tables) {
      for (const [id, received] of receivedBy(index, group, process)) {
        if (received.count < 2 || !index.sendById.has(id)) continue;
        duplicated.push({ id, receiver, count: received.count });
        duplicatedIds.add(id);
      }
    }
  }
  const losses = powerLossesOf(index, context);
  const handed = handedOffsetsOf(index);
  const preLossTail = consumedPreLossTailOf(index.deliveries, index.sendById);
  const delayed = delayedReputEvidenceOf(index, context, delayLevelsMs(context));
  const cleans = forcedCleansOf(index);
  const resent = resentCopiesOf(index);
  const sentBack = sentBackCopiesOf(index, context);
  const stalled = stallExcuse(index, context);
  const lostOffsets = lostOffsetsExcuse(index, context);
  const deadLetteredUnread: string[] = [];
  const lost: LostMessage[] = [];
  const allowedLoss: LostMessage[] = [];
  const lostIds = new Set<string>();
  const receiverStats: DeliveryEvidence["receivers"] = [];
  for (const receiver of receivers) {
    const received = gotBy(index, receiver.group, receiver.process);
    let expected = 0;
    let got = 0;
    for (const send of index.messages) {
      if (!expects(receiver, send)) continue;
      expected++;
      if (received.has(send.messageId)) {
        got++;
        continue;
      }
      const copy = resent(receiver.group, send.messageId);
      if (resentIntoUnreadDlq(index, context, receiver.group, copy)) {
        deadLetteredUnread.push(send.messageId);
        got++;
        continue;
      }
      const judgement = judgeLoss(withAttemptQueue(send, index.okAttemptByOp), losses, context, { group: receiver.group, handed, preLossTail, delayed }, cleans, copy,
        sentBack(receiver.group, send.messageId));
      const stall = judgement.allowed ? undefined : stalled(send.messageId);
      const offsetsLost = judgement.allowed || stall !== undefined ? undefined : lostOffsets(receiver.group, send);
      const entry: LostMessage = { id: send.messageId, receiver: receiver.key };
      if (send.queue !== undefined) entry.queue = send.queue;
      if (send.outcomeMs !== undefined) entry.ackMs = send.outcomeMs;
      if (judgement.reason !== undefined) entry.reason = judgement.reason;
      if (judgement.allowed && judgement.ackAgeMs >= 0) {
        entry.ackBeforeLossMs = judgement.ackAgeMs;
        entry.windowMs = judgement.windowMs;
      }
      if (judgement.allowed) entry.mechanism = judgement.mechanism;
      if (stall !== undefined) entry.mechanism = `transaction check stalled: ${stall}`;
      if (offsetsLost !== undefined) entry.mechanism = offsetsLost;
      (judgement.allowed || stall !== undefined || offsetsLost !== undefined ? allowedLoss : lost).push(entry);
      lostIds.add(send.messageId);
    }
    receiverStats.push({ receiver: receiver.key, expected, received: got });
  }
  const unknownResolvedOk: string[] = [];
  const failedButDelivered: string[] = [];
  let consumedIds = 0;
  for (const send of index.messages) {
    if (send.firstDeliveredMs === undefined) continue;
    consumedIds++;
    if (send.outcome === "unknown" || send.outcome === "pending") unknownResolvedOk.push(send.messageId);
    if (send.outcome === "fail") failedButDelivered.push(send.messageId);
  }
  const unexpected = [...unexpectedByKey.values()];
  const max = idsMax(context);
  const evidence: DeliveryEvidence = {
    guarantee: context.expectations.guarantee ?? "auto",
    lost: capped(lost, max),
    allowedLoss: capped(allowedLoss, max),
    duplicated: capped(duplicated, max),
    unexpected: capped(unexpected, max),
    misplaced: capped(misplaced, max),
    unwanted: capped(unwanted, max),
    unknownResolvedOk: capped(unknownResolvedOk, max),
    failedButDelivered: capped(failedButDelivered, max),
    receivers: receiverStats,
    deadLetteredUnread: capped(deadLetteredUnread, max),
  };
  const maxDuplicated = context.options?.maxDuplicated;
  const tooManyDuplicates = maxDuplicated !== undefined && duplicatedIds.size > maxDuplicated;
  const verdict = lost.length > 0 || unexpected.length > 0 || misplaced.length > 0 || unwanted.length > 0 || tooManyDuplicates ? "fail" : "pass";
  const distinct = {
    lost: new Set(lost.map((entry) => entry.id)).size,
    allowed: new Set(allowedLoss.map((entry) => entry.id)).size,
    duplicated: duplicatedIds.size,
  };
  const summary = deliverySummary(evidence, receivers.length, distinct, maxDuplicated);
  return {
    check: { name: "delivery", verdict, summary, evidence },
    lostIds: lostIds.size,
    duplicatedIds: duplicatedIds.size,
    unexpectedIds: new Set(unexpected.map((entry) => entry.id)).size,
    unknownResolvedOk: unknownResolvedOk.length,
    failedButDelivered: failedButDelivered.length,
    consumedIds,
  };
}

function deliverySummary(
  evidence: DeliveryEvidence,
  receiverCount: number,
  distinct: { lost: number; allowed: number; duplicated: number },
  maxDuplicated: number | undefined,
): string {
  const parts: string[] = [];
  const lostIds = evidence.lost.items.map((entry) => entry.id);
  if (distinct.lost > 0) {
    parts.push(`${plural(distinct.lost, "acked message")} lost (${quoteIds([...new Set(lostIds)])})`);
  }
  if (evidence.unexpected.count > 0) {
    parts.push(`${plural(evidence.unexpected.count, "unexpected delivery", "unexpected deliveries")} of never-sent ids (${quoteIds(evidence.unexpected.items.map((entry) => entry.id))})`);
  }
  if (evidence.unwanted.count > 0) {
    const shown = evidence.unwanted.items.map((entry) => `${entry.id} tagged ${entry.tags ?? "(none)"} to ${entry.group} subscribed "${entry.subscription}"`);
    parts.push(`${plural(evidence.unwanted.count, "delivery", "deliveries")} its group's subscription does not accept (${shown.join("; ")})`);
  }
  if (evidence.misplaced.count > 0) {
    const shown = evidence.misplaced.items.map((entry) => entry.readFrom !== undefined
      ? `${entry.id} (its record: ${entry.queue}@${entry.deliveredOffset}) pulled from ${entry.readFrom}`
      : `${entry.id} acked at ${entry.queue}@${entry.ackedOffset}, read at @${entry.deliveredOffset}`);
    parts.push(`${plural(evidence.misplaced.count, "delivery", "deliveries")} of a record from another place than the message was stored at (${shown.join("; ")})`);
  }
  if (distinct.allowed > 0) {
    const ids = [...new Set(evidence.allowedLoss.items.map((entry) => entry.id))];
    parts.push(`${plural(distinct.allowed, "acked message")} lost as the guarantee table allows (${quoteIds(ids)})`);
  }
  if (evidence.deadLetteredUnread.count > 0) {
    parts.push(`${plural(evidence.deadLetteredUnread.count, "message")} re-sent by a consumer straight into a DLQ this run did not read (not judged: ${quoteIds(evidence.deadLetteredUnread.items)})`);
  }
  if (distinct.duplicated > 0) {
    const limit = maxDuplicated === undefined ? "allowed" : `limit ${maxDuplicated}`;
    parts.push(`${plural(distinct.duplicated, "message")} duplicated (${limit}: ${quoteIds(evidence.duplicated.items.map((entry) => `${entry.id}×${entry.count}`))})`);
  }
  if (parts.length === 0) {
    const expected = evidence.receivers.reduce((sum, receiver) => sum + receiver.expected, 0);
    return `Every acked message reached every receiver (${plural(receiverCount, "receiver")}, ${plural(expected, "expected delivery", "expected deliveries")}); nothing duplicated or unexpected.`;
  }
  return `${parts.join("; ")}.`;
}

/** Deliveries to a tag-subscribed group of messages its subscription rejects (file comment: unwanted). */
function unwantedDeliveries(index: HistoryIndex, context: CheckContext): UnwantedMessage[] {
  const subscriptionByGroup = new Map<string, string>();
  for (const spec of groupSpecs(context.workload, index.seenGroups)) {
    const expression = (spec.subscription ?? "*").trim();
    if (spec.sqlSelector === undefined && expression !== "" && expression !== "*") subscriptionByGroup.set(spec.group, expression);
  }
  const unwanted: UnwantedMessage[] = [];
  if (subscriptionByGroup.size === 0) return unwanted;
  for (const delivery of index.deliveries) {
    const subscription = subscriptionByGroup.get(delivery.group);
    const send = subscription === undefined ? undefined : index.sendById.get(delivery.messageId);
    if (send === undefined || subscriptionAccepts(subscription, send.tags)) continue;
    unwanted.push({ id: send.messageId, group: delivery.group, tags: send.tags ?? null, subscription: subscription! });
  }
  return unwanted;
}

/** Deliveries of an original copy from its acked queue at another offset (file comment: misplaced). */
function misplacedDeliveries(index: HistoryIndex): MisplacedMessage[] {
  const attemptsByOp = new Map<number, number>();
  for (const attempt of index.attempts) {
    if (attempt.opId !== undefined) attemptsByOp.set(attempt.opId, (attemptsByOp.get(attempt.opId) ?? 0) + 1);
  }
  const invokesById = new Map<string, number>();
  for (const send of index.sends) invokesById.set(send.messageId, (invokesById.get(send.messageId) ?? 0) + 1);
  const misplaced: MisplacedMessage[] = [];
  for (const delivery of index.deliveries) {
    if (delivery.readFrom !== undefined) {
      misplaced.push({
        id: delivery.messageId, group: delivery.group, process: delivery.process, queue: delivery.queue,
        deliveredOffset: delivery.queueOffset, deliveredMs: delivery.timeMs, readFrom: delivery.readFrom,
      });
      continue;
    }
    if (delivery.reconsumeTimes !== 0) continue;
    const send = index.sendById.get(delivery.messageId);
    if (send === undefined || send.outcome !== "ok" || send.queue === undefined || send.queueOffset === undefined || send.queueOffset < 0) continue;
    if ((send.delayLevel ?? 0) > 0 || invokesById.get(send.messageId) !== 1 || attemptsByOp.get(send.opId) !== 1) continue;
    if (delivery.topic !== send.topic || delivery.queue !== send.queue || delivery.queueOffset === send.queueOffset) continue;
    misplaced.push({
      id: send.messageId, group: delivery.group, process: delivery.process, queue: send.queue,
      ackedOffset: send.queueOffset, deliveredOffset: delivery.queueOffset, deliveredMs: delivery.timeMs,
    });
  }
  return misplaced;
}

/**
 * An acked send whose outcome names no queue — a transaction's: its ok comes after the local
 * transaction and END_TRANSACTION, which store the message in the half's queue on the half's
 * broker — is judged for loss where its successful attempt stored the half. Battery seed 11 run
 * 61: a half on broker-a, committed after broker-a's disk filled (the final put refused, the
 * half kept for the check), went with the commit-log files the forced clean deleted.
 */
function withAttemptQueue(send: SendRecord, storedAt: HistoryIndex["okAttemptByOp"]): SendRecord {
  if (send.queue !== undefined || send.outcome !== "ok") return send;
  const queue = storedAt.get(send.opId)?.queue;
  return queue === undefined ? send : { ...send, queue };
}
