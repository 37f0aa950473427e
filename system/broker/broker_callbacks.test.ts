// Broker → client calls (NOTIFY_CONSUMER_IDS_CHANGED, GET_CONSUMER_RUNNING_INFO forwarding with
// a timeout), client expiry, SEND_MESSAGE with long header names, and the test fault switches
// the lab uses to prove its checkers catch a broken broker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealEnv } from "../env/real/index.ts";
import { decodeMessageRecords, messageProperties2String } from "../message/index.ts";
import { encodeHeader, encodeHeartbeatData, SendMessageRequestHeader } from "../protocol/index.ts";
import type { HeartbeatData } from "../protocol/index.ts";
import { createRequest, createResponse, RemotingClient, RequestCode, ResponseCode, fromUtf8, utf8 } from "../remoting/index.ts";
import type { BrokerConfig } from "../config/broker_config.ts";
import type { BrokerControllerOptions } from "./broker_controller.ts";
import { call, pull, sendV2, startBroker, stopHarness } from "./testing/broker_harness.ts";
import type { Harness } from "./testing/broker_harness.ts";

async function withBroker(overrides: Partial<BrokerConfig>, options: Partial<BrokerControllerOptions>, body: (harness: Harness) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "mqlab-broker-cb-"));
  const env = createRealEnv({ nodeName: "broker-cb-test", logLevel: "silent" });
  const harness = await startBroker(env, root, overrides, options);
  try {
    await body(harness);
  } finally {
    await stopHarness(harness);
    env.close();
    rmSync(root, { recursive: true, force: true });
  }
}

function consumerHeartbeat(clientID: string): HeartbeatData {
  return {
    clientID,
    producerDataSet: [],
    consumerDataSet: [{
      groupName: "cg", consumeType: "CONSUME_PASSIVELY", messageModel: "CLUSTERING", consumeFromWhere: "CONSUME_FROM_LAST_OFFSET", unitMode: false,
      subscriptionDataSet: [{ topic: "T", subString: "*", tagsSet: [], codeSet: [], subVersion: 1, expressionType: "TAG", classFilterMode: false }],
    }],
  };
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`never: ${what}`);
}

test("members are notified of joins and leaves; 307 is forwarded to the client, or times out", () => withBroker({}, { consumerRunningInfoTimeoutMs: 300 }, async (h) => {
  const notified: string[] = [];
  const first = new RemotingClient(h.env, { name: "consumer-1" });
  first.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (_context, request) => {
    notified.push(request.extFields["consumerGroup"] ?? "");
    return undefined;
  });
  first.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, (_context, request) => createResponse(request, ResponseCode.SUCCESS, undefined, {}, utf8('{"properties":{"x":"1"}}')));
  const second = new RemotingClient(h.env, { name: "consumer-2" });
  // Like ali-ons: takes server requests and never answers them.
  second.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, () => new Promise(() => undefined));
  try {
    await first.invokeSync(h.addr, createRequest(RequestCode.HEART_BEAT, {}, encodeHeartbeatData(consumerHeartbeat("c1"))), 3000);
    await eventually(() => notified.length === 1, "notified of its own join");
    await second.invokeSync(h.addr, createRequest(RequestCode.HEART_BEAT, {}, encodeHeartbeatData(consumerHeartbeat("c2"))), 3000);
    await eventually(() => notified.length === 2, "notified of the second member");
    const info = await call(h, RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: "cg", clientId: "c1" });
    assert.equal(info.code, ResponseCode.SUCCESS);
    assert.equal(fromUtf8(info.body!), '{"properties":{"x":"1"}}');
    const silent = await call(h, RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: "cg", clientId: "c2" });
    assert.equal(silent.code, ResponseCode.CONSUME_MSG_TIMEOUT);
    const missing = await call(h, RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: "cg", clientId: "nobody" });
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    second.shutdown();
    await eventually(() => notified.length === 3, "notified when the second member's connection closed");
    assert.deepEqual(notified, ["cg", "cg", "cg"]);
  } finally {
    first.shutdown();
    second.shutdown();
  }
}));

test("a silent client expires after clientChannelExpiredTimeMs and the group is told", () => withBroker({ clientScanIntervalMs: 50, clientChannelExpiredTimeMs: 300 }, {}, async (h) => {
  const notified: number[] = [];
  const stayer = new RemotingClient(h.env, { name: "stayer" });
  stayer.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, () => {
    notified.push(Date.now());
    return undefined;
  });
  const silent = new RemotingClient(h.env, { name: "silent" });
  try {
    await silent.invokeSync(h.addr, createRequest(RequestCode.HEART_BEAT, {}, encodeHeartbeatData(consumerHeartbeat("silent"))), 3000);
    const beat = (): Promise<unknown> => stayer.invokeSync(h.addr, createRequest(RequestCode.HEART_BEAT, {}, encodeHeartbeatData(consumerHeartbeat("stayer"))), 3000);
    await beat();
    for (let round = 0; round < 8; round++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await beat();
    }
    assert.deepEqual(h.broker.consumerManager.getConsumerGroupInfo("cg")?.allClientIds(), ["stayer"]);
    assert.ok(notified.length >= 2, "told of its join and of the expiry");
  } finally {
    stayer.shutdown();
    silent.shutdown();
  }
}));

test("SEND_MESSAGE (10) with long header names works like V2", () => withBroker({}, {}, async (h) => {
  const extFields = encodeHeader(SendMessageRequestHeader, {
    producerGroup: "pg", topic: "V1Topic", defaultTopic: "TBW102", defaultTopicQueueNums: 2, queueId: 1, sysFlag: 0,
    bornTimestamp: Date.now(), flag: 7, properties: messageProperties2String(new Map([["TAGS", "v1"]])),
  });
  const sent = await h.client.invokeSync(h.addr, createRequest(RequestCode.SEND_MESSAGE, extFields, utf8("v1 body")), 3000);
  assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
  const [message] = decodeMessageRecords((await pull(h, "V1Topic", 1, 0)).body!);
  assert.equal(message?.flag, 7);
  assert.equal(fromUtf8(message.body), "v1 body");
}));

test("test faults: dropEveryNthSend acks unstored messages; duplicatePullEveryNth repeats; skipCommitOffset ignores commits", () => withBroker({}, { testFaults: { dropEveryNthSend: 2 } }, async (h) => {
  for (let index = 0; index < 4; index++) assert.equal((await sendV2(h, "F", `m${index}`)).code, ResponseCode.SUCCESS);
  assert.equal(h.broker.store.getMaxOffsetInQueue("F", 0), 2, "every 2nd acked message was dropped");
  h.broker.testFaults = { duplicatePullEveryNth: 1 };
  const pulled = await pull(h, "F", 0, 0);
  assert.equal(pulled.extFields["nextBeginOffset"], "0", "offset not advanced: the same messages come again");
  h.broker.testFaults = { skipCommitOffset: true };
  await call(h, RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "g", topic: "F", queueId: 0, commitOffset: 2 });
  assert.equal(h.broker.consumerOffsetManager.queryOffset("g", "F", 0), -1);
  h.broker.testFaults = {};
  await call(h, RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "g", topic: "F", queueId: 0, commitOffset: 2 });
  assert.equal(h.broker.consumerOffsetManager.queryOffset("g", "F", 0), 2);
}));

test("test fault ackBeforeFlush: a SYNC_FLUSH send is answered without waiting for the flush", () => withBroker({ flushDiskType: "SYNC_FLUSH" }, { testFaults: { ackBeforeFlush: true } }, async (h) => {
  const messageStore = h.broker.messageStore!;
  let flushWaits = 0;
  const original = messageStore.flusher.waitForFlush.bind(messageStore.flusher);
  messageStore.flusher.waitForFlush = (offset: number) => {
    flushWaits++;
    return original(offset);
  };
  assert.equal((await sendV2(h, "A", "x")).code, ResponseCode.SUCCESS);
  assert.equal(flushWaits, 0);
  h.broker.testFaults = {};
  assert.equal((await sendV2(h, "A", "y")).code, ResponseCode.SUCCESS);
  assert.equal(flushWaits, 1);
}));
