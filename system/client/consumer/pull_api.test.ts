import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeMessageRecord } from "../../message/message_record.ts";
import { compressBody } from "../../message/compression.ts";
import { decodeMessageRecords } from "../../message/message_record_decode.ts";
import type { ClientInstance } from "../client_instance.ts";
import { toClientMessage } from "../message.ts";
import { PullAPIWrapper, pullStatusOf } from "./pull_api.ts";
import { buildSubscriptionData } from "./subscription_data.ts";

test("pull response codes map to Java's PullStatus; others are errors", () => {
  assert.equal(pullStatusOf(0), "FOUND");
  assert.equal(pullStatusOf(19), "NO_NEW_MSG");
  assert.equal(pullStatusOf(20), "NO_MATCHED_MSG");
  assert.equal(pullStatusOf(21), "OFFSET_ILLEGAL");
  for (const code of [1, 2, 17, 24, 25, 26, 215]) assert.equal(pullStatusOf(code), undefined);
});

function record(queueOffset: number, tags: string | undefined, body: string, compressed = false) {
  const properties = new Map<string, string>();
  if (tags !== undefined) properties.set("TAGS", tags);
  properties.set("UNIQ_KEY", `UNIQ${queueOffset}`);
  const raw = new TextEncoder().encode(body);
  return encodeMessageRecord({
    topic: "T", queueId: 1, flag: 0, body: compressed ? compressBody(raw) : raw, properties, sysFlag: compressed ? 1 : 0,
    bornTimestamp: 1, bornHost: "10.0.0.1:5000", storeHost: "10.0.0.2:10911", reconsumeTimes: 0,
    preparedTransactionOffset: 0, queueOffset, commitLogOffset: 1000 + queueOffset, storeTimestamp: 2,
  });
}

test("processPullResult decodes, inflates, checks tags exactly and adds MIN/MAX_OFFSET", () => {
  const wrapper = new PullAPIWrapper({} as ClientInstance, "G");
  const body = new Uint8Array([...record(0, "TagA", "a"), ...record(1, "TagB", "b"), ...record(2, undefined, "none"), ...record(3, "TagA", "big", true)]);
  const mq = { topic: "T", brokerName: "broker-x", queueId: 1 };
  const result = wrapper.processPullResult(mq, { code: 0, nextBeginOffset: 4, minOffset: 0, maxOffset: 9, suggestWhichBrokerId: 0, body },
    buildSubscriptionData("T", "TagA", 1));
  assert.equal(result.pullStatus, "FOUND");
  assert.deepEqual(result.msgFoundList.map((m) => m.queueOffset), [0, 3]);
  const [first, last] = result.msgFoundList;
  assert.equal(first!.msgId, "UNIQ0");
  assert.match(first!.offsetMsgId, /^0A00000200002A9F/);
  assert.equal(first!.brokerName, "broker-x");
  assert.equal(first!.properties.get("MAX_OFFSET"), "9");
  assert.equal(new TextDecoder().decode(last!.body), "big");
  const all = wrapper.processPullResult(mq, { code: 0, nextBeginOffset: 4, minOffset: 0, maxOffset: 9, suggestWhichBrokerId: 1, body },
    buildSubscriptionData("T", "*", 1));
  assert.equal(all.msgFoundList.length, 4);
  const none = wrapper.processPullResult(mq, { code: 19, nextBeginOffset: 4, minOffset: 0, maxOffset: 4, suggestWhichBrokerId: 0, body: undefined },
    buildSubscriptionData("T", "*", 1));
  assert.deepEqual({ ...none, msgFoundList: none.msgFoundList.length }, { pullStatus: "NO_NEW_MSG", nextBeginOffset: 4, minOffset: 0, maxOffset: 4, msgFoundList: 0 });
});

test("a corrupt pull body is an error, never a silent skip", () => {
  const wrapper = new PullAPIWrapper({} as ClientInstance, "G");
  const good = record(0, "A", "x");
  const corrupt = good.slice(0, good.length - 3);
  assert.throws(() => wrapper.processPullResult({ topic: "T", brokerName: "b", queueId: 1 },
    { code: 0, nextBeginOffset: 1, minOffset: 0, maxOffset: 1, suggestWhichBrokerId: 0, body: corrupt }, buildSubscriptionData("T", "*", 1)));
});

test("pulled messages are what toClientMessage makes of the record: same fields, same key order", () => {
  const wrapper = new PullAPIWrapper({} as ClientInstance, "G");
  const body = new Uint8Array([...record(5, "TagA", "x"), ...record(6, "TagA", "y")]);
  const mq = { topic: "T", brokerName: "broker-x", queueId: 1 };
  const raw = { code: 0, nextBeginOffset: 7, minOffset: 2, maxOffset: 9, suggestWhichBrokerId: 0, body };
  const pulled = wrapper.processPullResult(mq, raw, buildSubscriptionData("T", "*", 1)).msgFoundList;
  const expected = decodeMessageRecords(body, { inflateBody: true }).map((decoded) => {
    decoded.properties.set("MIN_OFFSET", "2");
    decoded.properties.set("MAX_OFFSET", "9");
    return toClientMessage(decoded, "broker-x");
  });
  assert.deepEqual(pulled, expected);
  assert.deepEqual(pulled.map((message) => Object.keys(message)), expected.map((message) => Object.keys(message)));
});
