// How a transactional message is rewritten on its way through the broker
// [broker/.../transaction/queue/TransactionalMessageUtil.java, TransactionalMessageBridge
// .parseHalfMessageInner, EndTransactionProcessor.endMessageTransaction]:
// - a prepared message (TRAN_MSG=true) is stored as a *half* message in RMQ_SYS_TRANS_HALF_TOPIC
//   queue 0 with its real topic/queue in REAL_TOPIC/REAL_QID and sysFlag type NOT_TYPE, so it is
//   dispatched into the half topic's consume queue and never into the real topic's;
// - commit stores a copy in the real topic (type COMMIT, REAL_* and TRAN_MSG removed);
// - commit or rollback then writes an *op* message to RMQ_SYS_TRANS_OP_HALF_TOPIC queue 0, tag
//   "d", whose body is the half message's queue offset: "this half message is done".
// All of it is ordinary commit-log content, so the transaction state survives restarts and power
// loss exactly like any message (what fsync covers).
import type { MessageExt, MessageExtBrokerInner } from "../../message/index.ts";
import { MessageConst, MessageSysFlag, SystemTopic, utf8Bytes, utf8Text, withTransactionType } from "../../message/index.ts";
import { assert } from "../../stdx/assert.ts";

export const HALF_TOPIC = SystemTopic.TRANS_HALF_TOPIC;
export const OP_TOPIC = SystemTopic.TRANS_OP_HALF_TOPIC;
export const CHECK_MAX_TIME_TOPIC = SystemTopic.TRANS_CHECK_MAX_TIME_TOPIC;
/** The consumer group whose offsets on the half and op queues record the check's progress. */
export const TRANS_SYS_GROUP = "CID_RMQ_SYS_TRANS";
export const REMOVE_TAG = "d";
/** Both system topics have one queue; every half message goes to queue 0. */
export const HALF_QUEUE_ID = 0;

/** TransactionalMessageBridge.parseHalfMessageInner. */
export function parseHalfMessageInner(message: MessageExtBrokerInner): MessageExtBrokerInner {
  assert(message.properties.get(MessageConst.TRANSACTION_PREPARED) === "true", "only prepared messages become half messages");
  assert(message.topic !== HALF_TOPIC, "a half message is not re-wrapped");
  const properties = new Map(message.properties);
  properties.set(MessageConst.REAL_TOPIC, message.topic);
  properties.set(MessageConst.REAL_QUEUE_ID, String(message.queueId));
  return {
    ...message,
    topic: HALF_TOPIC,
    queueId: HALF_QUEUE_ID,
    properties,
    sysFlag: withTransactionType(message.sysFlag, MessageSysFlag.TRANSACTION_NOT_TYPE),
  };
}

/** The real topic and queue a half message stands for, undefined when its properties lack them. */
export function realQueueOf(half: MessageExt): { topic: string; queueId: number } | undefined {
  const topic = half.properties.get(MessageConst.REAL_TOPIC);
  const queueText = half.properties.get(MessageConst.REAL_QUEUE_ID);
  if (topic === undefined || queueText === undefined || !/^\d+$/.test(queueText)) return undefined;
  return { topic, queueId: Number(queueText) };
}

/** EndTransactionProcessor.endMessageTransaction + the commit-time fields it sets after it. */
export function endMessageTransaction(half: MessageExt, commitOrRollback: number): MessageExtBrokerInner {
  const real = realQueueOf(half);
  assert(real !== undefined, "a half message carries REAL_TOPIC and REAL_QID");
  const properties = new Map(half.properties);
  properties.delete(MessageConst.REAL_TOPIC);
  properties.delete(MessageConst.REAL_QUEUE_ID);
  properties.delete(MessageConst.TRANSACTION_PREPARED);
  properties.delete(MessageConst.WAIT_STORE_MSG_OK);
  return {
    topic: real.topic,
    queueId: real.queueId,
    flag: half.flag,
    body: half.body,
    properties,
    sysFlag: withTransactionType(half.sysFlag, commitOrRollback),
    bornTimestamp: half.bornTimestamp,
    bornHost: half.bornHost,
    storeHost: half.storeHost,
    reconsumeTimes: half.reconsumeTimes,
    preparedTransactionOffset: half.commitLogOffset,
  };
}

/** TransactionalMessageBridge.putOpMessage: "half offset N is done". */
export function buildOpMessage(halfQueueOffset: number, storeHost: string, nowMs: number): MessageExtBrokerInner {
  assert(Number.isSafeInteger(halfQueueOffset) && halfQueueOffset >= 0, "op message names a half queue offset");
  return {
    topic: OP_TOPIC,
    queueId: HALF_QUEUE_ID,
    flag: 0,
    body: utf8Bytes(String(halfQueueOffset)),
    properties: new Map([[MessageConst.TAGS, REMOVE_TAG]]),
    sysFlag: 0,
    bornTimestamp: nowMs,
    bornHost: storeHost,
    storeHost,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}

/** Half queue offsets an op message marks done (4.9.x writes one; later versions a comma list). */
export function parseOpBody(op: MessageExt): number[] {
  if (op.properties.get(MessageConst.TAGS) !== REMOVE_TAG) return [];
  return utf8Text(op.body).split(",").map((part) => part.trim()).filter((part) => /^\d+$/.test(part)).map(Number);
}

/** A copy of a half message to append again (the check re-puts it before asking the producer). */
export function renewHalfMessage(half: MessageExt, checkTimes: number): MessageExtBrokerInner {
  assert(checkTimes >= 1, "a renewed half message has been checked at least once");
  const properties = new Map(half.properties);
  properties.set(MessageConst.TRANSACTION_CHECK_TIMES, String(checkTimes));
  return {
    topic: HALF_TOPIC, queueId: HALF_QUEUE_ID, flag: half.flag, body: half.body, properties, sysFlag: half.sysFlag,
    bornTimestamp: half.bornTimestamp, bornHost: half.bornHost, storeHost: half.storeHost,
    reconsumeTimes: half.reconsumeTimes, preparedTransactionOffset: 0,
  };
}

/** How often a half message has been checked (TRANSACTION_CHECK_TIMES, absent = 0). */
export function checkTimesOf(half: MessageExt): number {
  const text = half.properties.get(MessageConst.TRANSACTION_CHECK_TIMES);
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : 0;
}

/** DefaultTransactionalMessageCheckListener.toMessageExtBrokerInner: a half message checked too often. */
export function discardedMessage(half: MessageExt): MessageExtBrokerInner {
  return {
    topic: CHECK_MAX_TIME_TOPIC, queueId: 0, flag: half.flag, body: half.body, properties: new Map(half.properties),
    sysFlag: half.sysFlag, bornTimestamp: half.bornTimestamp, bornHost: half.bornHost, storeHost: half.storeHost,
    reconsumeTimes: half.reconsumeTimes, preparedTransactionOffset: 0,
  };
}
