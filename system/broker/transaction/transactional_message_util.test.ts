// The rewrites of a transactional message: half (REAL_TOPIC/REAL_QID, half topic queue 0, type
// NOT), commit (back to the real queue, COMMIT type, REAL_* and TRAN_MSG gone, prepared offset
// = the half's commit-log offset), op bodies, check times, and (property) half → commit restores
// the producer's topic, queue, body and user properties.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { MessageExt, MessageExtBrokerInner } from "../../message/index.ts";
import { MessageConst, MessageSysFlag, transactionType, utf8Bytes } from "../../message/index.ts";
import {
  buildOpMessage, checkTimesOf, endMessageTransaction, HALF_TOPIC, OP_TOPIC, parseHalfMessageInner, parseOpBody, renewHalfMessage,
} from "./transactional_message_util.ts";

function prepared(topic: string, queueId: number, user: Record<string, string>): MessageExtBrokerInner {
  return {
    topic, queueId, flag: 3, body: utf8Bytes("body"), sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE | MessageSysFlag.MULTI_TAGS_FLAG,
    properties: new Map([...Object.entries(user), [MessageConst.TRANSACTION_PREPARED, "true"], [MessageConst.PRODUCER_GROUP, "pg"]]),
    bornTimestamp: 1, bornHost: "10.0.0.1:5000", storeHost: "10.0.0.2:10911", reconsumeTimes: 0, preparedTransactionOffset: 0,
  };
}

function stored(inner: MessageExtBrokerInner, commitLogOffset: number, queueOffset: number): MessageExt {
  return { ...inner, commitLogOffset, queueOffset, storeTimestamp: 2, tags: undefined, keys: undefined, storeSize: 100, bodyCRC: 0, msgId: "X" };
}

test("a prepared message becomes a half message and commits back to its real queue", () => {
  const half = parseHalfMessageInner(prepared("T", 3, { k: "v" }));
  assert.equal(half.topic, HALF_TOPIC);
  assert.equal(half.queueId, 0);
  assert.equal(transactionType(half.sysFlag), MessageSysFlag.TRANSACTION_NOT_TYPE);
  assert.equal(half.sysFlag & MessageSysFlag.MULTI_TAGS_FLAG, MessageSysFlag.MULTI_TAGS_FLAG);
  assert.equal(half.properties.get(MessageConst.REAL_TOPIC), "T");
  assert.equal(half.properties.get(MessageConst.REAL_QUEUE_ID), "3");
  const committed = endMessageTransaction(stored(half, 4242, 7), MessageSysFlag.TRANSACTION_COMMIT_TYPE);
  assert.equal(committed.topic, "T");
  assert.equal(committed.queueId, 3);
  assert.equal(transactionType(committed.sysFlag), MessageSysFlag.TRANSACTION_COMMIT_TYPE);
  assert.equal(committed.preparedTransactionOffset, 4242);
  for (const key of [MessageConst.REAL_TOPIC, MessageConst.REAL_QUEUE_ID, MessageConst.TRANSACTION_PREPARED]) assert.equal(committed.properties.has(key), false);
  assert.equal(committed.properties.get(MessageConst.PRODUCER_GROUP), "pg");
});

test("op messages name half offsets; check times count renewals", () => {
  const op = buildOpMessage(17, "10.0.0.2:10911", 5);
  assert.equal(op.topic, OP_TOPIC);
  assert.deepEqual(parseOpBody(stored(op, 0, 0)), [17]);
  assert.deepEqual(parseOpBody(stored({ ...op, body: utf8Bytes("1,2, 3") }, 0, 0)), [1, 2, 3]);
  assert.deepEqual(parseOpBody(stored({ ...op, properties: new Map([[MessageConst.TAGS, "x"]]) }, 0, 0)), [], "only tag d removes");
  const half = stored(parseHalfMessageInner(prepared("T", 0, {})), 10, 0);
  assert.equal(checkTimesOf(half), 0);
  assert.equal(checkTimesOf(stored(renewHalfMessage(half, 2), 20, 1)), 2);
});

test("property: half then commit restores topic, queue, body, flag and user properties", () => {
  const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,12}$/);
  fc.assert(fc.property(name, fc.integer({ min: 0, max: 255 }), fc.dictionary(name.filter((key) => !Object.values(MessageConst).includes(key as never)), fc.string({ maxLength: 8 })), (topic, queueId, user) => {
    const original = prepared(topic, queueId, user);
    const committed = endMessageTransaction(stored(parseHalfMessageInner(original), 1, 0), MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    assert.equal(committed.topic, topic);
    assert.equal(committed.queueId, queueId);
    assert.deepEqual(committed.body, original.body);
    assert.equal(committed.flag, original.flag);
    for (const [key, value] of Object.entries(user)) assert.equal(committed.properties.get(key), value);
  }));
});
