import { test } from "node:test";
import assert from "node:assert/strict";
import { createRealEnv } from "../../env/real/index.ts";
import { buildSubscriptionData } from "../filter/subscription_data.ts";
import { FakeChannel } from "../testing/fake_channel.ts";
import { ConsumerManager, type ConsumerGroupEvent } from "./consumer_manager.ts";
import { ProducerManager } from "./producer_manager.ts";
import { RebalanceLockManager } from "./rebalance_lock_manager.ts";

const log = createRealEnv({ nodeName: "t", logLevel: "silent" }).log;

function register(manager: ConsumerManager, channel: FakeChannel, clientId: string, topics: string[], nowMs: number): boolean {
  return manager.registerConsumer({
    group: "g",
    clientChannelInfo: { channel, clientId, language: "JAVA", version: 407, lastUpdateTimestamp: nowMs },
    consumeType: "CONSUME_PASSIVELY",
    messageModel: "CLUSTERING",
    consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
    subscriptions: topics.map((topic) => buildSubscriptionData(topic, "*", "TAG", nowMs)),
    notifyConsumerIdsChangedEnable: true,
  }, nowMs);
}

test("membership: join, re-heartbeat, subscription change, unregister, close, expiry", () => {
  const events: ConsumerGroupEvent[] = [];
  const manager = new ConsumerManager(log, (event) => events.push(event));
  const changes = (): string[][] => events.filter((event) => event.kind === "CHANGE").map((event) => event.kind === "CHANGE" ? event.channels.map((c) => c.remoteAddress) : []);
  const a = new FakeChannel("10.0.0.1:1");
  const b = new FakeChannel("10.0.0.2:1");
  const c = new FakeChannel("10.0.0.3:1");
  assert.equal(register(manager, a, "a@1", ["T"], 1000), true);
  assert.equal(register(manager, a, "a@1", ["T"], 2000), false);
  assert.equal(register(manager, b, "b@1", ["T"], 2000), true);
  assert.deepEqual(manager.getConsumerGroupInfo("g")?.allClientIds(), ["a@1", "b@1"]);
  assert.deepEqual(changes(), [["10.0.0.1:1"], ["10.0.0.1:1", "10.0.0.2:1"]]);
  // A heartbeat that drops topic T and adds U changes the subscription table.
  assert.equal(register(manager, b, "b@1", ["U"], 3000), true);
  assert.deepEqual([...manager.getConsumerGroupInfo("g")!.subscriptionTable.keys()], ["U"]);
  assert.deepEqual([...manager.queryTopicConsumeByWho("U")], ["g"]);
  events.length = 0;
  manager.unregisterConsumer("g", b, true);
  assert.deepEqual(changes(), [["10.0.0.1:1"]]);
  register(manager, c, "c@1", ["U"], 3000);
  events.length = 0;
  manager.doChannelCloseEvent(c);
  assert.deepEqual(changes(), [["10.0.0.1:1"]]);
  events.length = 0;
  // a last heartbeat at 2000: expires once 120 s of silence passed.
  assert.deepEqual(manager.scanNotActiveChannel(2000 + 120_000, 120_000), []);
  assert.deepEqual(manager.scanNotActiveChannel(2001 + 120_000, 120_000), [a]);
  assert.equal(manager.getConsumerGroupInfo("g"), undefined);
  assert.deepEqual(events.map((event) => event.kind), ["UNREGISTER", "CHANGE"]);
});

test("producers: register, close, expiry", () => {
  const manager = new ProducerManager(log);
  const a = new FakeChannel("10.0.0.1:1");
  const b = new FakeChannel("10.0.0.2:1");
  manager.registerProducer("p", { channel: a, clientId: "a", language: "JAVA", version: 1, lastUpdateTimestamp: 0 }, 1000);
  manager.registerProducer("p", { channel: b, clientId: "b", language: "JAVA", version: 1, lastUpdateTimestamp: 0 }, 5000);
  assert.equal(manager.groupChannels("p").length, 2);
  manager.doChannelCloseEvent(b);
  assert.deepEqual(manager.groupChannels("p").map((info) => info.clientId), ["a"]);
  assert.deepEqual(manager.scanNotActiveChannel(1000 + 120_001, 120_000), [a]);
  assert.deepEqual(manager.groups(), []);
});

test("orderly locks: one owner, renewal, expiry after the max live time, unlock by owner only", () => {
  let nowMs = 0;
  const locks = new RebalanceLockManager({ nowMs: () => nowMs, monotonicMs: () => nowMs }, log, 60_000);
  const q0 = { topic: "T", brokerName: "b", queueId: 0 };
  const q1 = { topic: "T", brokerName: "b", queueId: 1 };
  assert.deepEqual(locks.tryLockBatch("g", [q0, q1], "A"), [q0, q1]);
  assert.deepEqual(locks.tryLockBatch("g", [q0, q1], "B"), []);
  nowMs = 30_000;
  assert.deepEqual(locks.tryLockBatch("g", [q0], "A"), [q0]);
  nowMs = 60_001;
  // q1 was last renewed at 0: expired; q0 at 30 000: still A's.
  assert.deepEqual(locks.tryLockBatch("g", [q0, q1], "B"), [q1]);
  locks.unlockBatch("g", [q0], "B");
  assert.equal(locks.ownerOf("g", q0), "A");
  locks.unlockBatch("g", [q0], "A");
  assert.equal(locks.ownerOf("g", q0), undefined);
  assert.deepEqual(locks.tryLockBatch("g2", [q0], "B"), [q0]);
});
