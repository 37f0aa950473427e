// SEND_MESSAGE (10), SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320) through the broker's real
// dispatch in the simulator: the happy path of each code and every refusal with the code and
// remark of RocketMQ 4.9.7 (SendMessageProcessor, AbstractSendMessageProcessor.msgCheck,
// TopicValidator, handlePutMessageResult, BrokerFastFailure).
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeMessageRecords, encodeBatch, messageProperties2String } from "../../message/index.ts";
import { encodeHeader, SendMessageRequestHeader } from "../../protocol/index.ts";
import { createRequest, fromUtf8, RequestCode, ResponseCode, utf8 } from "../../remoting/index.ts";
import { BROKER_IP, CLIENT_IP, withProcessorWorld } from "./testing/processor_world.ts";
import type { ProcessorWorld } from "./testing/processor_world.ts";

const FAQ = "\nSee http://rocketmq.apache.org/docs/faq/ for further details.";
const SERVICE_NOT_AVAILABLE_REMARK = "service not available now. It may be caused by one of the following reasons: the broker's disk is full";

async function createTopic(pw: ProcessorWorld, topic: string, fields: Record<string, string | number | boolean> = {}): Promise<void> {
  const created = await pw.call(RequestCode.UPDATE_AND_CREATE_TOPIC, {
    topic, defaultTopic: "TBW102", readQueueNums: 2, writeQueueNums: 2, perm: 6, topicFilterType: "SINGLE_TAG", order: false, ...fields,
  });
  assert.equal(created.code, ResponseCode.SUCCESS, created.remark);
}

test("happy paths: 310 auto-creates and stores, 10 takes long header names, 320 stores a batch", () => withProcessorWorld({}, async (pw) => {
  const v2 = await pw.send("SendTopic", "hello", { queueId: 1, properties: { TAGS: "a", KEYS: "k" } });
  assert.equal(v2.code, ResponseCode.SUCCESS, v2.remark);
  assert.equal(v2.remark, undefined);
  assert.equal(v2.extFields["queueId"], "1");
  assert.equal(v2.extFields["queueOffset"], "0");
  assert.equal(v2.extFields["MSG_REGION"], "DefaultRegion");
  assert.equal(v2.extFields["TRACE_ON"], "true");
  assert.match(v2.extFields["msgId"] ?? "", /^[0-9A-F]{32}$/);

  const v1Fields = encodeHeader(SendMessageRequestHeader, {
    producerGroup: "pg", topic: "SendTopic", defaultTopic: "TBW102", defaultTopicQueueNums: 4, queueId: 1, sysFlag: 0,
    bornTimestamp: pw.clientNowMs, flag: 7, properties: messageProperties2String(new Map([["TAGS", "v1"]])),
  });
  const v1 = await pw.invoke(createRequest(RequestCode.SEND_MESSAGE, v1Fields, utf8("v1")));
  assert.equal(v1.code, ResponseCode.SUCCESS, v1.remark);
  assert.equal(v1.extFields["queueOffset"], "1");

  const batch = encodeBatch([1, 2, 3].map((n) => ({ flag: 0, body: utf8(`m${n}`), properties: new Map([["TAGS", "b"]]) })));
  const sent = await pw.send("SendTopic", batch, { queueId: 1, code: RequestCode.SEND_BATCH_MESSAGE });
  assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
  assert.equal(sent.extFields["queueOffset"], "2");
  assert.equal(sent.extFields["msgId"]?.split(",").length, 3);

  const records = decodeMessageRecords((await pw.pull("SendTopic", 1, 0)).body!);
  assert.deepEqual(records.map((m) => fromUtf8(m.body)), ["hello", "v1", "m1", "m2", "m3"]);
  assert.equal(records[0]!.properties.get("CLUSTER"), "DefaultCluster");
  assert.equal(records[0]!.bornHost.startsWith(CLIENT_IP), true);
  assert.equal(records[1]!.flag, 7);
}));

test("msgCheck and size refusals: codes and 4.9.7 remarks", () => withProcessorWorld({ config: { autoCreateTopicEnable: false, maxMessageSize: 1024 } }, async (pw) => {
  await createTopic(pw, "T");
  const cases: { name: string; topic: string; body?: string | Uint8Array; queueId?: number; code: number; remark: string | RegExp }[] = [
    { name: "blank topic", topic: "  ", code: ResponseCode.SYSTEM_ERROR, remark: "The specified topic is blank." },
    { name: "illegal characters", topic: "bad topic!", code: ResponseCode.SYSTEM_ERROR, remark: "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$" },
    { name: "too long", topic: "t".repeat(128), code: ResponseCode.SYSTEM_ERROR, remark: "The specified topic is longer than topic max length." },
    { name: "not allowed to send", topic: "SCHEDULE_TOPIC_XXXX", code: ResponseCode.NO_PERMISSION, remark: "Sending message to topic[SCHEDULE_TOPIC_XXXX] is forbidden." },
    { name: "half topic", topic: "RMQ_SYS_TRANS_HALF_TOPIC", code: ResponseCode.NO_PERMISSION, remark: "Sending message to topic[RMQ_SYS_TRANS_HALF_TOPIC] is forbidden." },
    { name: "unknown topic, no auto-create", topic: "Nope", code: ResponseCode.TOPIC_NOT_EXIST, remark: `topic[Nope] not exist, apply first please!${FAQ}` },
    {
      name: "queueId out of range", topic: "T", queueId: 2, code: ResponseCode.SYSTEM_ERROR,
      remark: /^request queueId\[2\] is illegal, TopicConfig \[topicName=T, readQueueNums=2, writeQueueNums=2, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false\] Producer: 10\.0\.0\.9:\d+$/,
    },
    {
      name: "body over maxMessageSize", topic: "T", body: new Uint8Array(2000), code: ResponseCode.MESSAGE_ILLEGAL,
      remark: /^the message is illegal, maybe msg body or properties length not matched\. msg body length limit 1024B, msg properties length limit 32KB\./,
    },
  ];
  for (const c of cases) {
    const response = await pw.send(c.topic, c.body ?? "x", { queueId: c.queueId ?? 0 });
    assert.equal(response.code, c.code, `${c.name}: ${response.remark}`);
    if (typeof c.remark === "string") assert.equal(response.remark, c.remark, c.name);
    else assert.match(response.remark ?? "", c.remark, c.name);
    assert.equal(response.extFields["MSG_REGION"], "DefaultRegion", c.name);
  }
  assert.equal(pw.broker.store.getMaxOffsetInQueue("T", 0), 0);
}));

test("a missing required header field is SYSTEM_ERROR naming the field; an unknown code is 3", () => withProcessorWorld({}, async (pw) => {
  const bad = await pw.call(RequestCode.SEND_MESSAGE_V2, { a: "pg", c: "TBW102", d: 4, e: 0, f: 0, g: 0, h: 0 }, "x");
  assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
  assert.match(bad.remark ?? "", /missing required header field b/);
  const unknown = await pw.call(9999);
  assert.equal(unknown.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  assert.equal(unknown.remark, " request type 9999 not supported");
}));

test("an order topic on a broker without write permission → 16", () => withProcessorWorld({ config: { brokerPermission: 4 } }, async (pw) => {
  await createTopic(pw, "OrderT", { order: true });
  const refused = await pw.send("OrderT", "x");
  assert.equal(refused.code, ResponseCode.NO_PERMISSION);
  assert.equal(refused.remark, `the broker[${BROKER_IP}] sending message is forbidden`);
}));

test("a slave refuses sends with SERVICE_NOT_AVAILABLE (14), the store's remark", () => withProcessorWorld({ config: { brokerId: 1, brokerRole: "SLAVE" } }, async (pw) => {
  const refused = await pw.send("SlaveT", "x");
  assert.equal(refused.code, ResponseCode.SERVICE_NOT_AVAILABLE);
  assert.ok(refused.remark?.startsWith(SERVICE_NOT_AVAILABLE_REMARK), refused.remark);
}));

test("transactions refused by rejectTransactionMessage → 16", () => withProcessorWorld({ config: { rejectTransactionMessage: true } }, async (pw) => {
  const refused = await pw.send("TxT", "x", { properties: { TRAN_MSG: "true", PGROUP: "pg" } });
  assert.equal(refused.code, ResponseCode.NO_PERMISSION);
  assert.equal(refused.remark, `the broker[${BROKER_IP}] sending transaction message is forbidden`);
}));

test("%RETRY% topics: unknown group → 26 with the FAQ; past maxReconsumeTimes → the DLQ", () => withProcessorWorld({ config: { autoCreateSubscriptionGroup: false } }, async (pw) => {
  const unknown = await pw.send("%RETRY%nogroup", "x");
  assert.equal(unknown.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
  assert.equal(unknown.remark, `subscription group not exist, nogroup ${FAQ}`);
  const group = await pw.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, JSON.stringify({ groupName: "g", retryMaxTimes: 2 }));
  assert.equal(group.code, ResponseCode.SUCCESS);
  const retried = await pw.send("%RETRY%g", "r", { reconsumeTimes: 1 });
  assert.equal(retried.code, ResponseCode.SUCCESS, retried.remark);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("%RETRY%g", 0), 1);
  const dead = await pw.send("%RETRY%g", "d", { reconsumeTimes: 2 });
  assert.equal(dead.code, ResponseCode.SUCCESS, dead.remark);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("%DLQ%g", 0), 1);
}));

test("store outcomes: SYNC_MASTER without a slave → 11 with the msgId (stored)", () => withProcessorWorld({ config: { brokerRole: "SYNC_MASTER" } }, async (pw) => {
  const sent = await pw.send("SyncT", "x");
  assert.equal(sent.code, ResponseCode.SLAVE_NOT_AVAILABLE);
  assert.match(sent.extFields["msgId"] ?? "", /^[0-9A-F]{32}$/);
  assert.equal(pw.broker.store.getMaxOffsetInQueue("SyncT", 0), 1);
}));

test("flow control: a send that waits past waitTimeMillsInSendQueue → SYSTEM_BUSY [TIMEOUT_CLEAN_QUEUE]", () => withProcessorWorld({
  config: { sendMessageThreadPoolNums: 1, putMessageLockHoldMs: 400, waitTimeMillsInSendQueue: 200, osPageCacheBusyTimeOutMills: 10_000 },
}, async (pw) => {
  const first = pw.unsettled(pw.sendRequest("BusyT", "1"));
  const second = pw.unsettled(pw.sendRequest("BusyT", "2"));
  const [a, b] = await pw.settle(Promise.all([first, second]));
  assert.equal(a.code, ResponseCode.SUCCESS, a.remark);
  assert.equal(b.code, ResponseCode.SYSTEM_BUSY);
  assert.match(b.remark ?? "", /^\[TIMEOUT_CLEAN_QUEUE\]broker busy, start flow control for a while, period in queue: \d+ms, size of queue: \d+$/);
}));
