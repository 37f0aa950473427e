// CONSUMER_SEND_MSG_BACK (36) through the broker's real dispatch in the simulator: the retry
// copy (delay level 3 + reconsumeTimes, parked in SCHEDULE_TOPIC_XXXX), the DLQ (delayLevel < 0
// or reconsumeTimes ≥ maxReconsumeTimes), retryQueueNums 0, and the refusals of RocketMQ 4.9.7
// SendMessageProcessor.asyncConsumerSendMsgBack with their remarks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeMessageRecords, MessageConst } from "../../message/index.ts";
import type { MessageExt } from "../../message/index.ts";
import { RequestCode, ResponseCode } from "../../remoting/index.ts";
import { BROKER_IP, withProcessorWorld } from "./testing/processor_world.ts";
import type { ProcessorWorld } from "./testing/processor_world.ts";

const FAQ = "\nSee http://rocketmq.apache.org/docs/faq/ for further details.";

async function stored(pw: ProcessorWorld, topic: string, reconsumeTimes = 0): Promise<MessageExt> {
  assert.equal((await pw.send(topic, "payload", { properties: { TAGS: "t" }, reconsumeTimes })).code, ResponseCode.SUCCESS);
  const records = decodeMessageRecords((await pw.pull(topic, 0, 0, { group: "reader" })).body!);
  return records[records.length - 1]!;
}

function sendBack(pw: ProcessorWorld, offset: number, group: string, delayLevel: number, maxReconsumeTimes?: number): ReturnType<ProcessorWorld["call"]> {
  return pw.call(RequestCode.CONSUMER_SEND_MSG_BACK, { offset, group, delayLevel, maxReconsumeTimes });
}

test("happy path: the retry copy is parked at delay level 3 with RETRY_TOPIC and ORIGIN_MESSAGE_ID", () => withProcessorWorld({}, async (pw) => {
  const original = await stored(pw, "RT");
  const back = await sendBack(pw, original.commitLogOffset, "g", 0);
  assert.equal(back.code, ResponseCode.SUCCESS, back.remark);
  assert.equal(back.remark, undefined);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("SCHEDULE_TOPIC_XXXX", 2), 1);
  const [copy] = decodeMessageRecords((await pw.pull("SCHEDULE_TOPIC_XXXX", 2, 0, { group: "reader" })).body!);
  assert.equal(copy!.properties.get(MessageConst.REAL_TOPIC), "%RETRY%g");
  assert.equal(copy!.properties.get(MessageConst.RETRY_TOPIC), "RT");
  assert.equal(copy!.properties.get(MessageConst.ORIGIN_MESSAGE_ID), original.msgId);
  assert.equal(copy!.reconsumeTimes, 1);
  assert.equal(pw.broker.topicConfigManager.selectTopicConfig("%RETRY%g")?.writeQueueNums, 1);
}));

test("the DLQ: delayLevel < 0, or reconsumeTimes ≥ maxReconsumeTimes (header, else retryMaxTimes)", () => withProcessorWorld({}, async (pw) => {
  const fresh = await stored(pw, "DT");
  assert.equal((await sendBack(pw, fresh.commitLogOffset, "g", -1)).code, ResponseCode.SUCCESS);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("%DLQ%g", 0), 1);
  const tired = await stored(pw, "DT", 3);
  assert.equal((await sendBack(pw, tired.commitLogOffset, "g", 0, 3)).code, ResponseCode.SUCCESS);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("%DLQ%g", 0), 2);
  // Without the header field the group's retryMaxTimes (16) decides: 3 < 16 → a retry.
  assert.equal((await sendBack(pw, tired.commitLogOffset, "g", 0)).code, ResponseCode.SUCCESS);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("%DLQ%g", 0), 2);
  const [dead] = decodeMessageRecords((await pw.pull("%DLQ%g", 0, 1, { group: "reader" })).body!);
  assert.equal(dead!.properties.has(MessageConst.DELAY_TIME_LEVEL), false);
  assert.equal(dead!.reconsumeTimes, 4);
}));

test("refusals: unknown group → 26 (FAQ), no such offset → 1, retry topic not writable → 16; retryQueueNums 0 → 0, nothing stored", () => withProcessorWorld({ config: { autoCreateSubscriptionGroup: false } }, async (pw) => {
  assert.equal((await pw.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, JSON.stringify({ groupName: "reader" }))).code, ResponseCode.SUCCESS);
  const original = await stored(pw, "ET");
  const unknown = await sendBack(pw, original.commitLogOffset, "nogroup", 0);
  assert.equal(unknown.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
  assert.equal(unknown.remark, `subscription group not exist, nogroup ${FAQ}`);
  assert.equal((await pw.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, JSON.stringify({ groupName: "g" }))).code, ResponseCode.SUCCESS);
  const missing = await sendBack(pw, 999_999, "g", 0);
  assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(missing.remark, "look message by offset failed, 999999");
  assert.equal((await pw.call(RequestCode.UPDATE_AND_CREATE_TOPIC, {
    topic: "%RETRY%ro", defaultTopic: "TBW102", readQueueNums: 1, writeQueueNums: 1, perm: 4, topicFilterType: "SINGLE_TAG", order: false,
  })).code, ResponseCode.SUCCESS);
  assert.equal((await pw.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, JSON.stringify({ groupName: "ro" }))).code, ResponseCode.SUCCESS);
  const readOnly = await sendBack(pw, original.commitLogOffset, "ro", 0);
  assert.equal(readOnly.code, ResponseCode.NO_PERMISSION);
  assert.equal(readOnly.remark, "the topic[%RETRY%ro] sending message is forbidden");
  assert.equal((await pw.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, JSON.stringify({ groupName: "noretry", retryQueueNums: 0 }))).code, ResponseCode.SUCCESS);
  const skipped = await sendBack(pw, original.commitLogOffset, "noretry", 0);
  assert.equal(skipped.code, ResponseCode.SUCCESS);
  assert.equal(pw.broker.topicConfigManager.selectTopicConfig("%RETRY%noretry"), undefined);
}));

test("a broker without write permission refuses send-back with 16", () => withProcessorWorld({ config: { brokerPermission: 4 } }, async (pw) => {
  const refused = await sendBack(pw, 0, "g", 0);
  assert.equal(refused.code, ResponseCode.NO_PERMISSION);
  assert.equal(refused.remark, `the broker[${BROKER_IP}] sending message is forbidden`);
}));
