import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealEnv } from "../env/real/index.ts";
import { ConsumerOffsetManager } from "./consumer_offset_manager.ts";
import { SubscriptionGroupManager } from "./subscription_group_manager.ts";
import { testBrokerConfig } from "./testing/broker_fixture.ts";

async function inTempDir(body: (dir: string, env: ReturnType<typeof createRealEnv>) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-offsets-"));
  const env = createRealEnv({ nodeName: "t", logLevel: "silent" });
  try {
    await body(dir, env);
  } finally {
    env.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("offsets: commit, query, -1 tolerated, persisted and reloaded", () => inTempDir(async (dir, env) => {
  const manager = new ConsumerOffsetManager(env, testBrokerConfig(dir));
  assert.equal(manager.queryOffset("g", "T", 0), -1);
  assert.ok(manager.commitOffset("c:1", "g", "T", 0, 5));
  assert.ok(manager.commitOffset("c:1", "g", "T", 1, 0));
  assert.equal(manager.commitOffset("c:1", "g", "T", 2, -1), false);
  assert.equal(manager.queryOffset("g", "T", 0), 5);
  assert.equal(manager.queryOffset("g", "T", 2), -1);
  assert.deepEqual([...manager.whichTopicByConsumer("g")], ["T"]);
  assert.deepEqual([...manager.whichGroupByTopic("T")], ["g"]);
  await manager.persist();
  const saved = JSON.parse(readFileSync(manager.path, "utf8"));
  assert.deepEqual(saved, { offsetTable: { "T@g": { "0": 5, "1": 0 } } });
  const again = new ConsumerOffsetManager(env, testBrokerConfig(dir));
  again.load();
  assert.equal(again.queryOffset("g", "T", 0), 5);
  again.removeOffset("g");
  assert.equal(again.queryOffset("g", "T", 0), -1);
}));

test("offsets: a real RocketMQ consumerOffset.json with bare integer keys loads", () => inTempDir(async (dir, env) => {
  mkdirSync(join(dir, "config"), { recursive: true });
  writeFileSync(join(dir, "config", "consumerOffset.json"), '{\n\t"offsetTable":{\n\t\t"TopicTest@please_rename_unique_group_name_4":{0:250,1:249,2:250,3:251}\n\t}\n}');
  const manager = new ConsumerOffsetManager(env, testBrokerConfig(dir));
  manager.load();
  assert.equal(manager.queryOffset("please_rename_unique_group_name_4", "TopicTest", 3), 251);
  manager.removeTopic("TopicTest");
  assert.equal(manager.queryOffset("please_rename_unique_group_name_4", "TopicTest", 3), -1);
}));

test("subscription groups: defaults, auto-create, update, delete, reload", () => inTempDir(async (dir, env) => {
  const manager = new SubscriptionGroupManager(env, testBrokerConfig(dir));
  assert.equal(manager.get("TOOLS_CONSUMER")?.retryMaxTimes, 16);
  const created = manager.findSubscriptionGroupConfig("g1");
  assert.equal(created?.retryQueueNums, 1);
  assert.equal(created?.whichBrokerWhenConsumeSlowly, 1);
  manager.updateSubscriptionGroupConfig({ ...created, retryMaxTimes: 3 });
  await manager.persist();
  const again = new SubscriptionGroupManager(env, testBrokerConfig(dir));
  again.load();
  assert.equal(again.get("g1")?.retryMaxTimes, 3);
  assert.equal(again.dataVersion.counter, manager.dataVersion.counter);
  assert.ok(again.deleteSubscriptionGroupConfig("g1"));
  assert.equal(again.get("g1"), undefined);

  const strict = new SubscriptionGroupManager(env, testBrokerConfig(dir, { autoCreateSubscriptionGroup: false }));
  assert.equal(strict.findSubscriptionGroupConfig("unknown"), undefined);
  assert.ok(strict.findSubscriptionGroupConfig("CID_RMQ_SYS_x"));
}));

test("slave sync: subscription groups and consumer offsets from a master's bodies", () => inTempDir(async (dir, env) => {
  const master = new SubscriptionGroupManager(env, testBrokerConfig(join(dir, "m")));
  master.findSubscriptionGroupConfig("g9");
  const slave = new SubscriptionGroupManager(env, testBrokerConfig(join(dir, "s"), { autoCreateSubscriptionGroup: false }));
  assert.ok(slave.syncFromMaster(JSON.parse(JSON.stringify(master.encode()))));
  assert.equal(slave.get("g9")?.retryMaxTimes, 16);
  assert.equal(slave.syncFromMaster(JSON.parse(JSON.stringify(master.encode()))), false);
  const offsets = new ConsumerOffsetManager(env, testBrokerConfig(join(dir, "m")));
  offsets.commitOffset("c", "g9", "T", 3, 42);
  const slaveOffsets = new ConsumerOffsetManager(env, testBrokerConfig(join(dir, "s")));
  slaveOffsets.assign(JSON.parse(JSON.stringify(offsets.encode())));
  assert.equal(slaveOffsets.queryOffset("g9", "T", 3), 42);
  await Promise.all([master.persist(), slave.persist()]);
}));
