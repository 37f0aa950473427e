import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealEnv } from "../env/real/index.ts";
import { ConfigFileError } from "./config_file.ts";
import { Perm } from "../protocol/topic_config.ts";
import { newTopicConfig } from "./topic_config.ts";
import { TopicConfigManager } from "./topic_config_manager.ts";
import { testBrokerConfig } from "./testing/broker_fixture.ts";

function withManager(overrides: Parameters<typeof testBrokerConfig>[1], body: (manager: TopicConfigManager, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-topic-"));
  const env = createRealEnv({ nodeName: "t", logLevel: "silent" });
  const manager = new TopicConfigManager(env, testBrokerConfig(dir, overrides));
  return body(manager, dir).finally(() => {
    env.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

test("system topics are registered as RocketMQ 4.9.7 does", () => withManager({ defaultTopicQueueNums: 8 }, async (manager) => {
  const tbw = manager.selectTopicConfig("TBW102");
  assert.equal(tbw?.perm, 7);
  assert.equal(tbw?.writeQueueNums, 8);
  assert.equal(manager.selectTopicConfig("SCHEDULE_TOPIC_XXXX")?.readQueueNums, 18);
  assert.equal(manager.selectTopicConfig("SELF_TEST_TOPIC")?.writeQueueNums, 1);
  assert.equal(manager.selectTopicConfig("BenchmarkTest")?.writeQueueNums, 1024);
  assert.equal(manager.selectTopicConfig("OFFSET_MOVED_EVENT")?.writeQueueNums, 1);
  assert.equal(manager.selectTopicConfig("DefaultCluster")?.perm, 7);
  assert.equal(manager.selectTopicConfig("DefaultCluster")?.writeQueueNums, 16);
  assert.equal(manager.selectTopicConfig("broker-a")?.perm, 7);
  assert.equal(manager.selectTopicConfig("DefaultCluster_REPLY_TOPIC")?.writeQueueNums, 1);
  assert.ok(manager.isSystemTopic("TBW102"));
}));

test("no TBW102 without autoCreateTopicEnable; cluster topic perm follows clusterTopicEnable", () => withManager({ autoCreateTopicEnable: false, clusterTopicEnable: false }, async (manager) => {
  assert.equal(manager.selectTopicConfig("TBW102"), undefined);
  assert.equal(manager.selectTopicConfig("DefaultCluster")?.perm, Perm.INHERIT);
  assert.equal(manager.createTopicInSendMessageMethod("T1", "TBW102", "1.2.3.4:5", 4, 0), undefined);
}));

test("traceTopicEnable registers the trace topic with one queue; off by default", () => withManager({ traceTopicEnable: true }, async (manager) => {
  assert.equal(manager.selectTopicConfig("RMQ_SYS_TRACE_TOPIC")?.writeQueueNums, 1);
  assert.ok(manager.isSystemTopic("RMQ_SYS_TRACE_TOPIC"));
  await withManager({}, async (plain) => {
    assert.equal(plain.selectTopicConfig("RMQ_SYS_TRACE_TOPIC"), undefined);
  });
}));

test("auto-create on send: min(client d, template queues), inherit cleared, listener told, persisted", () => withManager({ defaultTopicQueueNums: 8 }, async (manager) => {
  const changes: string[] = [];
  manager.onChange((_reason, topic) => changes.push(topic));
  const before = manager.dataVersion.counter;
  const created = manager.createTopicInSendMessageMethod("Orders", "TBW102", "1.2.3.4:5", 4, 0);
  assert.equal(created?.writeQueueNums, 4);
  assert.equal(created?.readQueueNums, 4);
  assert.equal(created?.perm, 6);
  const big = manager.createTopicInSendMessageMethod("Big", "TBW102", "1.2.3.4:5", 100, 0);
  assert.equal(big?.writeQueueNums, 8);
  assert.deepEqual(changes, ["Orders", "Big"]);
  assert.equal(manager.dataVersion.counter, before + 2);
  // Same topic again: returned as is, no new version.
  assert.equal(manager.createTopicInSendMessageMethod("Orders", "TBW102", "x:1", 2, 0)?.writeQueueNums, 4);
  assert.equal(manager.dataVersion.counter, before + 2);
  // Not inheritable default topic → no creation.
  assert.equal(manager.createTopicInSendMessageMethod("X", "Orders", "x:1", 2, 0), undefined);
  await manager.persist();
  const saved = JSON.parse(readFileSync(manager.path, "utf8"));
  assert.equal(saved.topicConfigTable.Orders.writeQueueNums, 4);
  assert.equal(saved.dataVersion.counter, before + 2);
}));

test("topics.json survives a restart and overrides system defaults; retry/DLQ creation", () => withManager({}, async (manager, dir) => {
  manager.createTopicInSendMessageBackMethod("%RETRY%g1", 1, 6, 0);
  manager.updateTopicConfig(newTopicConfig("Admin", { readQueueNums: 3, writeQueueNums: 3, order: true }));
  manager.updateTopicConfig(newTopicConfig("SELF_TEST_TOPIC", { readQueueNums: 2, writeQueueNums: 2 }));
  assert.equal(manager.updateTopicConfig(newTopicConfig("Admin", { readQueueNums: 3, writeQueueNums: 3, order: true })), false);
  assert.ok(manager.deleteTopicConfig("Admin"));
  assert.equal(manager.deleteTopicConfig("Admin"), false);
  manager.updateTopicConfig(newTopicConfig("Admin2", { readQueueNums: 5, writeQueueNums: 5 }));
  await manager.persist();
  const env = createRealEnv({ nodeName: "t2", logLevel: "silent" });
  try {
    const again = new TopicConfigManager(env, testBrokerConfig(dir));
    again.load();
    assert.equal(again.selectTopicConfig("%RETRY%g1")?.writeQueueNums, 1);
    assert.equal(again.selectTopicConfig("Admin"), undefined);
    assert.equal(again.selectTopicConfig("Admin2")?.readQueueNums, 5);
    assert.equal(again.selectTopicConfig("SELF_TEST_TOPIC")?.readQueueNums, 2);
    assert.equal(again.dataVersion.counter, manager.dataVersion.counter);
  } finally {
    env.close();
  }
}));

test("a corrupt topics.json is a clear startup error", () => withManager({}, async (manager, dir) => {
  mkdirSync(join(dir, "config"), { recursive: true });
  writeFileSync(join(dir, "config", "topics.json"), "{not json");
  assert.throws(() => manager.load(), (error: unknown) => error instanceof ConfigFileError && /topics\.json is not valid JSON/.test(error.message));
}));

test("TBW102 loaded from an old file is no template once auto-create is off", () => withManager({ autoCreateTopicEnable: false }, async (manager, dir) => {
  mkdirSync(join(dir, "config"), { recursive: true });
  writeFileSync(join(dir, "config", "topics.json"), JSON.stringify({ topicConfigTable: { TBW102: { topicName: "TBW102", perm: 7, readQueueNums: 8, writeQueueNums: 8 } } }));
  manager.load();
  assert.equal(manager.createTopicInSendMessageMethod("T", "TBW102", "x:1", 4, 0), undefined);
  assert.equal(manager.selectTopicConfig("TBW102")?.perm, 6);
}));

test("slave sync: a master's GET_ALL_TOPIC_CONFIG body replaces the table once per data version", () => withManager({}, async (master, dir) => {
  master.updateTopicConfig(newTopicConfig("FromMaster", { readQueueNums: 2, writeQueueNums: 2 }));
  const body = JSON.parse(JSON.stringify(master.encode())) as unknown;
  const env = createRealEnv({ nodeName: "slave", logLevel: "silent" });
  try {
    const slave = new TopicConfigManager(env, testBrokerConfig(join(dir, "slave"), { brokerId: 1, brokerRole: "SLAVE" }));
    assert.ok(slave.syncFromMaster(body));
    assert.equal(slave.selectTopicConfig("FromMaster")?.writeQueueNums, 2);
    assert.equal(slave.dataVersion.counter, master.dataVersion.counter);
    assert.equal(slave.syncFromMaster(body), false);
    await slave.persist();
  } finally {
    env.close();
  }
}));
