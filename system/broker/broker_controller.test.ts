// The broker in-process on the real Env: send, pull, long polling, offsets, retry/DLQ, admin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealEnv } from "../env/real/index.ts";
import { createOffsetMsgId, decodeMessageRecords, encodeBatch, MessageConst } from "../message/index.ts";
import { RequestCode, ResponseCode, fromUtf8 } from "../remoting/index.ts";
import { parseFastjson } from "../protocol/index.ts";
import { call, heartbeat, pull, sendV2, startBroker, stopHarness } from "./testing/broker_harness.ts";
import type { Harness } from "./testing/broker_harness.ts";
import type { BrokerConfig } from "../config/broker_config.ts";

async function withBroker(overrides: Partial<BrokerConfig>, body: (harness: Harness) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "mqlab-broker-"));
  const env = createRealEnv({ nodeName: "broker-test", logLevel: "silent" });
  const harness = await startBroker(env, root, overrides);
  try {
    await body(harness);
  } finally {
    await stopHarness(harness);
    env.close();
    rmSync(root, { recursive: true, force: true });
  }
}

test("send V2 auto-creates the topic, returns the offset msgId, and pull returns the record", () => withBroker({}, async (h) => {
  const sent = await sendV2(h, "OrderTopic", "hello", { queueId: 1, properties: { TAGS: "TagA", KEYS: "k1", WAIT: "true" } });
  assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
  assert.equal(sent.extFields["queueId"], "1");
  assert.equal(sent.extFields["queueOffset"], "0");
  assert.equal(sent.extFields["MSG_REGION"], "DefaultRegion");
  assert.equal(sent.extFields["TRACE_ON"], "true");
  assert.equal(h.broker.topicConfigManager.selectTopicConfig("OrderTopic")?.writeQueueNums, 4);
  const pulled = await pull(h, "OrderTopic", 1, 0);
  assert.equal(pulled.code, ResponseCode.SUCCESS);
  assert.equal(pulled.extFields["nextBeginOffset"], "1");
  assert.equal(pulled.extFields["minOffset"], "0");
  assert.equal(pulled.extFields["maxOffset"], "1");
  assert.equal(pulled.extFields["suggestWhichBrokerId"], "0");
  const [message] = decodeMessageRecords(pulled.body!);
  assert.equal(fromUtf8(message!.body), "hello");
  assert.equal(message!.properties.get(MessageConst.CLUSTER), "DefaultCluster");
  assert.equal(message!.properties.has(MessageConst.WAIT_STORE_MSG_OK), false);
  assert.equal(message!.msgId, sent.extFields["msgId"]);
  assert.equal(sent.extFields["msgId"], createOffsetMsgId(`127.0.0.1:${h.broker.listenPort}`, message!.commitLogOffset));
  // Filtered out by tag: 20 with nextBeginOffset past it.
  const filtered = await pull(h, "OrderTopic", 1, 0, { subscription: "TagB" });
  assert.equal(filtered.code, ResponseCode.PULL_RETRY_IMMEDIATELY);
  assert.equal(filtered.extFields["nextBeginOffset"], "1");
  // Offset beyond max → 21 with the header.
  const moved = await pull(h, "OrderTopic", 1, 5, { sysFlag: 4 });
  assert.equal(moved.code, ResponseCode.PULL_OFFSET_MOVED);
  assert.equal(moved.extFields["maxOffset"], "1");
  // Empty queue, offset 0, no suspend → 19 with the header.
  const empty = await pull(h, "OrderTopic", 2, 0, { sysFlag: 4 });
  assert.equal(empty.code, ResponseCode.PULL_NOT_FOUND);
  assert.equal(empty.extFields["nextBeginOffset"], "0");
  // VIEW_MESSAGE_BY_ID and QUERY_MESSAGE by key.
  const viewed = await call(h, RequestCode.VIEW_MESSAGE_BY_ID, { offset: message!.commitLogOffset });
  assert.equal(decodeMessageRecords(viewed.body!)[0]?.msgId, message!.msgId);
  const queried = await call(h, RequestCode.QUERY_MESSAGE, { topic: "OrderTopic", key: "k1", maxNum: 10, beginTimestamp: 0, endTimestamp: Number.MAX_SAFE_INTEGER });
  assert.equal(queried.code, ResponseCode.SUCCESS, queried.remark);
  assert.equal(decodeMessageRecords(queried.body!).length, 1);
  const none = await call(h, RequestCode.QUERY_MESSAGE, { topic: "OrderTopic", key: "nope", maxNum: 10, beginTimestamp: 0, endTimestamp: Number.MAX_SAFE_INTEGER });
  assert.equal(none.code, ResponseCode.QUERY_NOT_FOUND);
}));

test("bad sends: unknown topic with auto-create off → 17, oversized → 13, bad queue → 1, forbidden topic → 16", () => withBroker({ autoCreateTopicEnable: false, maxMessageSize: 1024 }, async (h) => {
  const unknown = await sendV2(h, "Nope", "x");
  assert.equal(unknown.code, ResponseCode.TOPIC_NOT_EXIST);
  assert.match(unknown.remark ?? "", /^topic\[Nope\] not exist, apply first please!/);
  const created = await call(h, RequestCode.UPDATE_AND_CREATE_TOPIC, {
    topic: "T", defaultTopic: "TBW102", readQueueNums: 2, writeQueueNums: 2, perm: 6, topicFilterType: "SINGLE_TAG", order: false,
  });
  assert.equal(created.code, ResponseCode.SUCCESS);
  const big = await sendV2(h, "T", new Uint8Array(2000));
  assert.equal(big.code, ResponseCode.MESSAGE_ILLEGAL);
  assert.match(big.remark ?? "", /^the message is illegal, maybe msg body or properties length not matched. msg body length limit 1024B/);
  const badQueue = await sendV2(h, "T", "x", { queueId: 7 });
  assert.equal(badQueue.code, ResponseCode.SYSTEM_ERROR);
  const forbidden = await sendV2(h, "SCHEDULE_TOPIC_XXXX", "x");
  assert.equal(forbidden.code, ResponseCode.NO_PERMISSION);
  const unsupported = await call(h, 9999);
  assert.equal(unsupported.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
}));

test("long polling: a held pull is answered when a message arrives, and at its suspend timeout", () => withBroker({}, async (h) => {
  await sendV2(h, "LP", "first");
  const startMs = Date.now();
  const held = pull(h, "LP", 0, 1, { sysFlag: 2 | 4, suspendTimeoutMillis: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(h.broker.pullRequestHoldService.heldCount(), 1);
  await sendV2(h, "LP", "second");
  const woken = await held;
  assert.equal(woken.code, ResponseCode.SUCCESS);
  assert.ok(Date.now() - startMs < 3000, "woken by arrival, not by timeout");
  assert.equal(fromUtf8(decodeMessageRecords(woken.body!)[0]!.body), "second");
  const timeoutStart = Date.now();
  const idle = await pull(h, "LP", 0, 2, { sysFlag: 2 | 4, suspendTimeoutMillis: 400 });
  const waitedMs = Date.now() - timeoutStart;
  assert.equal(idle.code, ResponseCode.PULL_NOT_FOUND);
  assert.equal(idle.extFields["nextBeginOffset"], "2");
  assert.ok(waitedMs >= 350 && waitedMs < 2000, `answered at the suspend timeout (${waitedMs} ms)`);
}));

test("long polling: the arrival listener hands the hold service the queue's max offset after the message", () => withBroker({}, async (h) => {
  // A held pull from offset k waits for message k; its arrival must report max offset k + 1,
  // not k + 2: an inflated offset wakes pulls too early and hides a wrong wake comparison.
  const hold = h.broker.pullRequestHoldService;
  const reported: number[] = [];
  const notify = hold.notifyMessageArriving.bind(hold);
  hold.notifyMessageArriving = (topic, queueId, maxOffset, tagsCode) => {
    if (topic === "ARRIVE") reported.push(maxOffset);
    notify(topic, queueId, maxOffset, tagsCode);
  };
  await sendV2(h, "ARRIVE", "first");
  await sendV2(h, "ARRIVE", "second");
  assert.deepEqual(reported, [1, 2]);
}));

test("consumer offsets: query rule, update (-1 ignored), commit with pull sysFlag 1, persisted", () => withBroker({}, async (h) => {
  const q = (): Promise<string | undefined> => call(h, RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: "g", topic: "OT", queueId: 0 }).then((r) => r.code === 0 ? r.extFields["offset"] : `code ${r.code}`);
  // Queue unknown: min offset 0 and nothing on disk → offset 0.
  assert.equal(await q(), "0");
  await sendV2(h, "OT", "a");
  await call(h, RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "g", topic: "OT", queueId: 0, commitOffset: -1 });
  assert.equal(await q(), "0");
  await call(h, RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "g", topic: "OT", queueId: 0, commitOffset: 1 });
  assert.equal(await q(), "1");
  await pull(h, "OT", 0, 0, { group: "g", sysFlag: 1 | 4, commitOffset: 7 });
  assert.equal(await q(), "7");
  await h.broker.consumerOffsetManager.persist(true);
  assert.equal(h.broker.consumerOffsetManager.encode().offsetTable["OT@g"]?.["0"], 7);
}));

test("heartbeat registers a consumer, creates its retry topic, GET_CONSUMER_LIST_BY_GROUP lists it", () => withBroker({}, async (h) => {
  const none = await call(h, RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: "cg" });
  assert.equal(none.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(none.remark, "no consumer for this group, cg");
  const beat = await heartbeat(h, {
    clientID: "127.0.0.1@1",
    producerDataSet: [{ groupName: "pg" }],
    consumerDataSet: [{
      groupName: "cg", consumeType: "CONSUME_PASSIVELY", messageModel: "CLUSTERING", consumeFromWhere: "CONSUME_FROM_LAST_OFFSET", unitMode: false,
      subscriptionDataSet: [{ topic: "T", subString: "*", tagsSet: [], codeSet: [], subVersion: 1, expressionType: "TAG", classFilterMode: false }],
    }],
  });
  assert.equal(beat.code, ResponseCode.SUCCESS);
  assert.equal(h.broker.topicConfigManager.selectTopicConfig("%RETRY%cg")?.writeQueueNums, 1);
  const list = await call(h, RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: "cg" });
  assert.deepEqual(JSON.parse(fromUtf8(list.body!)), { consumerIdList: ["127.0.0.1@1"] });
  const connections = await call(h, RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: "cg" });
  assert.equal(connections.code, ResponseCode.SUCCESS);
  const producers = await call(h, RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup: "pg" });
  assert.equal(producers.code, ResponseCode.SUCCESS);
  // Pull without the subscription flag uses the heartbeat's subscription.
  await sendV2(h, "T", "x");
  const pulled = await pull(h, "T", 0, 0, { group: "cg", sysFlag: 0 });
  assert.equal(pulled.code, ResponseCode.SUCCESS);
  const unregistered = await call(h, RequestCode.UNREGISTER_CLIENT, { clientID: "127.0.0.1@1", consumerGroup: "cg", producerGroup: "pg" });
  assert.equal(unregistered.code, ResponseCode.SUCCESS);
  assert.equal((await call(h, RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: "cg" })).code, ResponseCode.SYSTEM_ERROR);
}));

test("send back: retry topic with delay level 3, then the DLQ past maxReconsumeTimes", () => withBroker({}, async (h) => {
  const sent = await sendV2(h, "RT", "payload", { properties: { TAGS: "t" } });
  const original = decodeMessageRecords((await pull(h, "RT", 0, 0)).body!)[0]!;
  const back = await call(h, RequestCode.CONSUMER_SEND_MSG_BACK, { offset: original.commitLogOffset, group: "g1", delayLevel: 0, originMsgId: sent.extFields["msgId"]!, maxReconsumeTimes: 2 });
  assert.equal(back.code, ResponseCode.SUCCESS, back.remark);
  // Delayed: parked in SCHEDULE_TOPIC_XXXX queue (level 3 - 1).
  assert.equal(h.broker.store.getMaxOffsetInQueue("SCHEDULE_TOPIC_XXXX", 2), 1);
  // A retried message already at 2 reconsumes goes to the DLQ through a retry-topic send.
  const dlq = await sendV2(h, "%RETRY%g1", "again", { reconsumeTimes: 2, maxReconsumeTimes: 2 });
  assert.equal(dlq.code, ResponseCode.SUCCESS, dlq.remark);
  assert.equal(h.broker.store.getMaxOffsetInQueue("%DLQ%g1", 0), 1);
  const back2 = await call(h, RequestCode.CONSUMER_SEND_MSG_BACK, { offset: original.commitLogOffset, group: "g1", delayLevel: -1 });
  assert.equal(back2.code, ResponseCode.SUCCESS);
  assert.equal(h.broker.store.getMaxOffsetInQueue("%DLQ%g1", 0), 2);
  const dlqMessage = decodeMessageRecords((await pull(h, "%DLQ%g1", 0, 1, { group: "reader" })).body!)[0]!;
  assert.equal(dlqMessage.properties.get(MessageConst.RETRY_TOPIC), "RT");
  assert.equal(dlqMessage.properties.get(MessageConst.ORIGIN_MESSAGE_ID), original.msgId);
  assert.equal(dlqMessage.reconsumeTimes, 1);
}));

test("batch send: one request, consecutive queue offsets, comma-joined msgIds", () => withBroker({}, async (h) => {
  const body = encodeBatch([1, 2, 3].map((n) => ({ flag: 0, body: new TextEncoder().encode(`m${n}`), properties: new Map([["TAGS", "b"]]) })));
  const sent = await sendV2(h, "BT", body, { code: RequestCode.SEND_BATCH_MESSAGE });
  assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
  assert.equal(sent.extFields["msgId"]?.split(",").length, 3);
  const pulled = decodeMessageRecords((await pull(h, "BT", 0, 0)).body!);
  assert.deepEqual(pulled.map((m) => m.queueOffset), [0, 1, 2]);
  assert.deepEqual(pulled.map((m) => fromUtf8(m.body)), ["m1", "m2", "m3"]);
}));

test("admin: stats, runtime info, topic list, delete, locks", () => withBroker({}, async (h) => {
  await sendV2(h, "AT", "x", { queueId: 0 });
  const stats = await call(h, RequestCode.GET_TOPIC_STATS_INFO, { topic: "AT" });
  assert.equal(stats.code, ResponseCode.SUCCESS);
  const table = parseFastjson(fromUtf8(stats.body!)) as { offsetTable: Record<string, { maxOffset: number }> };
  assert.equal(table.offsetTable[JSON.stringify({ brokerName: "broker-a", queueId: 0, topic: "AT" })]?.maxOffset, 1);
  const runtime = await call(h, RequestCode.GET_BROKER_RUNTIME_INFO);
  const kv = JSON.parse(fromUtf8(runtime.body!)) as { table: Record<string, string> };
  assert.equal(kv.table["brokerVersion"], "407");
  assert.ok(Number(kv.table["commitLogMaxOffset"]) > 0);
  assert.equal(kv.table["msgPutTotalTodayNow"], "1");
  const all = await call(h, RequestCode.GET_ALL_TOPIC_CONFIG);
  assert.ok("AT" in (JSON.parse(fromUtf8(all.body!)) as { topicConfigTable: object }).topicConfigTable);
  const config = await call(h, RequestCode.GET_BROKER_CONFIG);
  assert.match(fromUtf8(config.body!), /brokerName=broker-a/);
  const lockBody = new TextEncoder().encode(JSON.stringify({ consumerGroup: "g", clientId: "c1", mqSet: [{ topic: "AT", brokerName: "broker-a", queueId: 0 }] }));
  const locked = await call(h, RequestCode.LOCK_BATCH_MQ, {}, lockBody);
  assert.equal((JSON.parse(fromUtf8(locked.body!)) as { lockOKMQSet: unknown[] }).lockOKMQSet.length, 1);
  const deleted = await call(h, RequestCode.DELETE_TOPIC_IN_BROKER, { topic: "AT" });
  assert.equal(deleted.code, ResponseCode.SUCCESS);
  assert.equal(h.broker.topicConfigManager.selectTopicConfig("AT"), undefined);
  assert.equal(h.broker.store.getMaxOffsetInQueue("AT", 0), 0);
  const noTopic = await call(h, RequestCode.GET_TOPIC_STATS_INFO, { topic: "AT" });
  assert.equal(noTopic.code, ResponseCode.TOPIC_NOT_EXIST);
}));
