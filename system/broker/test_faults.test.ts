// Issue 11's deliberate broker faults: each switch changes the behaviour it names, and only
// while it is on (the same request is answered correctly with the switch off). They are never
// broker.conf keys.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealEnv } from "../env/real/index.ts";
import { decodeMessageRecords } from "../message/index.ts";
import { RequestCode, ResponseCode, fromUtf8 } from "../remoting/index.ts";
import { parseBrokerConfig } from "../config/broker_config.ts";
import type { BrokerConfig } from "../config/broker_config.ts";
import { call, pull, sendV2, startBroker, stopHarness } from "./testing/broker_harness.ts";
import type { Harness } from "./testing/broker_harness.ts";
import { anyFaultOn } from "./test_faults.ts";

async function withBroker(overrides: Partial<BrokerConfig>, body: (harness: Harness) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "mqlab-broker-faults-"));
  const env = createRealEnv({ nodeName: "broker-faults-test", logLevel: "silent" });
  const harness = await startBroker(env, root, overrides);
  try {
    await body(harness);
  } finally {
    await stopHarness(harness);
    env.close();
    rmSync(root, { recursive: true, force: true });
  }
}

function lockBody(clientId: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ consumerGroup: "og", clientId, mqSet: [{ topic: "OT", brokerName: "broker-a", queueId: 0 }] }));
}

async function lockedCount(h: Harness, clientId: string): Promise<number> {
  const response = await call(h, RequestCode.LOCK_BATCH_MQ, {}, lockBody(clientId));
  return (JSON.parse(fromUtf8(response.body!)) as { lockOKMQSet: unknown[] }).lockOKMQSet.length;
}

test("lockGrantEveryone: a second client is told it holds a queue another client has locked", () => withBroker({}, async (h) => {
  assert.equal(await lockedCount(h, "c1"), 1);
  assert.equal(await lockedCount(h, "c2"), 0, "healthy: the queue is c1's");
  h.broker.testFaults = { lockGrantEveryone: true };
  assert.equal(await lockedCount(h, "c2"), 1, "broken: c2 gets it too");
  assert.equal(await lockedCount(h, "c1"), 1, "and c1 still believes it holds it");
}));

async function sendBack(h: Harness, topic: string, reconsumeTimes: number, maxReconsumeTimes: number): Promise<void> {
  await sendV2(h, topic, "payload", { reconsumeTimes });
  const max = h.broker.store.getMaxOffsetInQueue(topic, 0);
  const original = decodeMessageRecords((await pull(h, topic, 0, max - 1)).body!)[0]!;
  const back = await call(h, RequestCode.CONSUMER_SEND_MSG_BACK, { offset: original.commitLogOffset, group: "g1", delayLevel: 0, maxReconsumeTimes });
  assert.equal(back.code, ResponseCode.SUCCESS, back.remark);
}

test("retryWithoutDelay: a send-back lands in %RETRY% at once instead of the schedule topic", () => withBroker({}, async (h) => {
  await sendBack(h, "RT", 0, 16);
  assert.equal(h.broker.store.getMaxOffsetInQueue("SCHEDULE_TOPIC_XXXX", 2), 1, "healthy: parked at level 3");
  assert.equal(h.broker.store.getMaxOffsetInQueue("%RETRY%g1", 0), 0);
  h.broker.testFaults = { retryWithoutDelay: true };
  await sendBack(h, "RT", 0, 16);
  assert.equal(h.broker.store.getMaxOffsetInQueue("SCHEDULE_TOPIC_XXXX", 2), 1, "broken: not parked");
  assert.equal(h.broker.store.getMaxOffsetInQueue("%RETRY%g1", 0), 1, "broken: consumable at once");
}));

test("dlqOffByOne: a message at maxReconsumeTimes gets one more retry instead of the DLQ", () => withBroker({}, async (h) => {
  // reconsumeTimes is carried by the stored record: send it with 2 already, max 2.
  await sendBack(h, "DT", 2, 2);
  assert.equal(h.broker.store.getMaxOffsetInQueue("%DLQ%g1", 0), 1, "healthy: exhausted → DLQ");
  h.broker.testFaults = { dlqOffByOne: true };
  await sendBack(h, "DT", 2, 2);
  assert.equal(h.broker.store.getMaxOffsetInQueue("%DLQ%g1", 0), 1, "broken: not yet");
  await sendBack(h, "DT", 3, 2);
  assert.equal(h.broker.store.getMaxOffsetInQueue("%DLQ%g1", 0), 2, "broken: one reconsume later");
  // The client's fallback path (a direct send to %RETRY%) has the same off-by-one.
  const direct = await sendV2(h, "%RETRY%g1", "again", { reconsumeTimes: 2, maxReconsumeTimes: 2 });
  assert.equal(direct.code, ResponseCode.SUCCESS, direct.remark);
  assert.equal(h.broker.store.getMaxOffsetInQueue("%DLQ%g1", 0), 2);
}));

test("delayIgnored: a delayed message is stored in its topic at once", () => withBroker({}, async (h) => {
  await sendV2(h, "YT", "later", { properties: { DELAY: "2" } });
  assert.equal(h.broker.store.getMaxOffsetInQueue("YT", 0), 0, "healthy: parked");
  assert.equal(h.broker.store.getMaxOffsetInQueue("SCHEDULE_TOPIC_XXXX", 1), 1);
  h.broker.testFaults = { delayIgnored: true };
  await sendV2(h, "YT", "now", { properties: { DELAY: "2" } });
  assert.equal(h.broker.store.getMaxOffsetInQueue("YT", 0), 1, "broken: deliverable at once");
  const stored = decodeMessageRecords((await pull(h, "YT", 0, 0)).body!)[0]!;
  assert.equal(stored.properties.get("DELAY"), undefined);
}));

test("lastOffsetFromZero: a group with no offset on a queue that is no longer young is given 0", () => withBroker({ totalPhysicalMemoryBytes: 1000 }, async (h) => {
  // 40 % of 1000 bytes "in memory": three 300-byte messages push offset 0 out of it.
  for (let index = 0; index < 3; index++) await sendV2(h, "LT", "x".repeat(300));
  const query = (): Promise<{ code: number; extFields: Record<string, string> }> => call(h, RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: "late", topic: "LT", queueId: 0 });
  assert.equal((await query()).code, ResponseCode.QUERY_NOT_FOUND, "healthy: not found, the client starts at the max offset");
  h.broker.testFaults = { lastOffsetFromZero: true };
  const broken = await query();
  assert.equal(broken.code, ResponseCode.SUCCESS);
  assert.equal(broken.extFields["offset"], "0", "broken: replays the queue");
}));

test("syncMasterAcksEarly: a SYNC_MASTER without a slave answers SEND_OK instead of SLAVE_NOT_AVAILABLE", () => withBroker({ brokerRole: "SYNC_MASTER" }, async (h) => {
  const healthy = await sendV2(h, "ST", "x");
  assert.equal(healthy.code, ResponseCode.SLAVE_NOT_AVAILABLE);
  h.broker.testFaults = { syncMasterAcksEarly: true };
  const broken = await sendV2(h, "ST", "y");
  assert.equal(broken.code, ResponseCode.SUCCESS);
}));

test("no switch is a broker.conf key, and none is on by default", () => {
  const context = { homeDir: "/home/mq", hostName: "h", localIp: "10.0.0.1", totalPhysicalMemoryBytes: 2 ** 30 };
  const names = ["lockGrantEveryone", "retryWithoutDelay", "dlqOffByOne", "delayIgnored", "lastOffsetFromZero", "syncMasterAcksEarly", "slaveCorruptsReplica", "slaveSkipsOffsetSync", "namesrvKeepsClosedBroker", "ackBeforeFlush"];
  const { config, warnings } = parseBrokerConfig(names.map((name) => `${name}=true`).join("\n"), "broker.conf", context);
  for (const name of names) assert.equal(name in config, false, name);
  assert.ok(warnings.length >= names.length, warnings.join("; "));
  assert.equal(anyFaultOn({}), false);
  assert.equal(anyFaultOn({ slaveCorruptsReplica: 0, lockGrantEveryone: false }), false);
  assert.equal(anyFaultOn({ namesrvKeepsClosedBroker: true }), true);
});
