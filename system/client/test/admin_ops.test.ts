// Operator actions against a running broker and push consumer in this process (loopback):
// reset offset by timestamp through the broker to the consumer (222 → 220) and the old 29+15
// path when no consumer is online, consume message directly (309 through the broker to the
// client), and subscription group update/delete.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AdminClient } from "../admin/admin_client.ts";
import { consumeMessageDirectly, deleteSubGroup, resetOffsetByTimestamp, resetOffsetByTimestampOld, updateSubGroup } from "../admin/admin_ops.ts";
import { MQClientError } from "../client_errors.ts";
import type { RebalanceEvent } from "../consumer/consumer_observer.ts";
import { PushConsumer } from "../consumer/push_consumer.ts";
import { bodyText } from "../message.ts";
import { Producer } from "../producer/producer.ts";
import { newSubscriptionGroupConfig } from "../../protocol/admin_bodies.ts";
import { messageQueueKey } from "../../protocol/message_queue.ts";
import { startLocalCluster, waitFor } from "../testing/local_cluster.ts";
import type { LocalCluster } from "../testing/local_cluster.ts";

let cluster: LocalCluster;
let admin: AdminClient;
let producer: Producer;

const fast = {
  rebalanceIntervalMs: 300, heartbeatBrokerIntervalMs: 300, heartbeatFirstDelayMs: 50, persistConsumerOffsetIntervalMs: 100,
  pollNameServerIntervalMs: 500, brokerSuspendMaxTimeMillis: 500, consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET" as const,
  resetOffsetSuspendMs: 100,
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  cluster = await startLocalCluster({ rootDir: mkdtempSync(join(tmpdir(), "mqlab-ops-")) });
  admin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs });
  admin.start();
  producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "PG_OPS" });
  await producer.start();
});

after(async () => {
  await producer.shutdown();
  admin.shutdown();
  await cluster.stop();
});

test("reset offset by timestamp: the broker pushes the table to the consumer, which re-consumes from there; offline → 206 and the old path", async () => {
  await admin.createTopic({ topic: "R1", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
  const seen = new Map<string, number>();
  const consumer = new PushConsumer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, consumerGroup: "CG_RESET", instanceName: "reset", ...fast });
  consumer.subscribe("R1", "*");
  consumer.registerMessageListenerConcurrently(async (messages) => {
    for (const m of messages) seen.set(bodyText(m), (seen.get(bodyText(m)) ?? 0) + 1);
    return "CONSUME_SUCCESS";
  });
  await consumer.start();
  try {
    for (let i = 0; i < 10; i++) await producer.send({ topic: "R1", body: `old-${i}` });
    await sleep(400);
    const resetAt = Date.now();
    for (let i = 0; i < 10; i++) await producer.send({ topic: "R1", body: `new-${i}` });
    await waitFor(cluster.env, "all 20 consumed", () => seen.size === 20);
    await sleep(300); // offsets committed

    const table = await resetOffsetByTimestamp(admin, "R1", "CG_RESET", resetAt, true);
    assert.equal(table.length, 2);
    assert.equal(table.reduce((sum, [, offset]) => sum + offset, 0), 10, "the reset points at the first new message of each queue");
    await waitFor(cluster.env, "the new messages consumed again", () => [...Array(10).keys()].every((i) => seen.get(`new-${i}`) === 2));
    assert.ok([...Array(10).keys()].every((i) => seen.get(`old-${i}`) === 1), "nothing before the timestamp comes back");
  } finally {
    await consumer.shutdown();
  }

  await assert.rejects(resetOffsetByTimestamp(admin, "R1", "CG_RESET", 0, true), (error: unknown) => {
    assert.ok(error instanceof MQClientError);
    assert.equal(error.responseCode, 206);
    assert.match(error.message, /Consumer not online, so can not reset offset, Group: CG_RESET Topic: R1 Timestamp: 0/);
    return true;
  });
  const rows = await resetOffsetByTimestampOld(admin, "R1", "CG_RESET", 0, true);
  assert.equal(rows.length, 2);
  assert.ok(rows.every((row) => row.rollbackOffset === 0 && row.consumerOffset > 0));
  const progress = await admin.consumerProgress("CG_RESET", "R1");
  assert.deepEqual(progress.queues.map((row) => row.consumerOffset), [0, 0]);
});

test("observer snapshots follow the held set: a reset offset removes the queues (outside a rebalance round) before the next round adds them back", async () => {
  await admin.createTopic({ topic: "R2", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
  const snapshots: RebalanceEvent[] = [];
  const consumer = new PushConsumer(cluster.env, {
    namesrvAddr: cluster.namesrvAddrs, consumerGroup: "CG_RESET_SNAP", instanceName: "reset-snap", ...fast,
    observer: { onRebalance: (event) => { if (event.topic === "R2") snapshots.push(event); } },
  });
  consumer.subscribe("R2", "*");
  consumer.registerMessageListenerConcurrently(async () => "CONSUME_SUCCESS");
  await consumer.start();
  try {
    await waitFor(cluster.env, "both queues held", () => snapshots.at(-1)?.assigned.length === 2);
    await producer.send({ topic: "R2", body: "one" });
    await sleep(300);
    const beforeReset = snapshots.length;
    await resetOffsetByTimestamp(admin, "R2", "CG_RESET_SNAP", 0, true);
    await waitFor(cluster.env, "both queues added back", () => snapshots.slice(beforeReset).some((event) => event.added.length > 0) && snapshots.at(-1)?.assigned.length === 2);
  } finally {
    await consumer.shutdown();
  }
  // Replaying the events must give each snapshot: a queue is added only when not held and
  // removed only when held (before the fix, the round after the reset "added" queues the last
  // snapshot still showed as held, so the lab saw them held twice).
  let held = new Set<string>();
  for (const event of snapshots) {
    for (const mq of event.added) assert.ok(!held.has(messageQueueKey(mq)), `added ${messageQueueKey(mq)} while the last snapshot held it`);
    for (const mq of event.removed) assert.ok(held.has(messageQueueKey(mq)), `removed ${messageQueueKey(mq)} that was not held`);
    held = new Set(event.assigned.map(messageQueueKey));
  }
  assert.ok(snapshots.some((event) => event.assigned.length < 2 && event.consumerIds === undefined), "the reset's removal is a snapshot of its own");
});

test("consume message directly: the broker forwards the stored message to the named client and returns its result", async () => {
  await admin.createTopic({ topic: "D1", clusterName: "DefaultCluster", readQueueNums: 1, writeQueueNums: 1 });
  const seen: string[] = [];
  const consumer = new PushConsumer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, consumerGroup: "CG_DIRECT", instanceName: "direct", ...fast });
  consumer.subscribe("D1", "*");
  consumer.registerMessageListenerConcurrently(async (messages) => {
    for (const m of messages) {
      seen.push(bodyText(m));
      if (bodyText(m) === "boom" && seen.filter((body) => body === "boom").length > 1) throw new Error("listener exploded");
    }
    return "CONSUME_SUCCESS";
  });
  await consumer.start();
  try {
    const ok = await producer.send({ topic: "D1", body: "hello" });
    const boom = await producer.send({ topic: "D1", body: "boom" });
    await waitFor(cluster.env, "both consumed once", () => seen.length === 2);
    const result = await consumeMessageDirectly(admin, "CG_DIRECT", consumer.clientId, ok.offsetMsgId);
    assert.equal(result.consumeResult, "CR_SUCCESS");
    assert.equal(result.order, false);
    assert.deepEqual(seen.filter((body) => body === "hello").length, 2);
    const failed = await consumeMessageDirectly(admin, "CG_DIRECT", consumer.clientId, boom.offsetMsgId);
    assert.equal(failed.consumeResult, "CR_THROW_EXCEPTION");
    assert.match(failed.remark ?? "", /listener exploded/);
    await assert.rejects(consumeMessageDirectly(admin, "CG_DIRECT", "nobody@x", ok.offsetMsgId), /CODE: 1 {2}DESC: The Consumer <CG_DIRECT> <nobody@x> not online/);
  } finally {
    await consumer.shutdown();
  }
});

test("updateSubGroup and deleteSubGroup change the broker's subscription group table", async () => {
  const broker = cluster.brokers.get("broker-a")!;
  const brokers = await updateSubGroup(admin, { clusterName: "DefaultCluster" }, newSubscriptionGroupConfig("CG_ADMIN", { retryMaxTimes: 3, consumeBroadcastEnable: false }));
  assert.deepEqual(brokers, [cluster.brokerAddr("broker-a")]);
  assert.equal(broker.subscriptionGroupManager.get("CG_ADMIN")?.retryMaxTimes, 3);
  assert.equal(broker.subscriptionGroupManager.get("CG_ADMIN")?.consumeBroadcastEnable, false);
  await deleteSubGroup(admin, { brokerAddr: cluster.brokerAddr("broker-a") }, "CG_ADMIN", true);
  assert.equal(broker.subscriptionGroupManager.get("CG_ADMIN"), undefined);
});
