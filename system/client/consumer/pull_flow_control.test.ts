// Consumer pull flow control (DefaultMQPushConsumerImpl.pullMessage, 4.9.x), against a real
// NameServer and broker in this process: while a listener is stuck, a queue's cached messages
// stop growing at pullThresholdForQueue (+ one pull batch), and the span of a concurrently
// consumed queue at consumeConcurrentlyMaxSpan (+ one batch); pulling resumes (after the 50 ms
// back-off) once the listener is released, and every message is consumed.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AdminClient } from "../admin/admin_client.ts";
import { bodyText } from "../message.ts";
import { Producer } from "../producer/producer.ts";
import { startLocalCluster, waitFor } from "../testing/local_cluster.ts";
import type { LocalCluster } from "../testing/local_cluster.ts";
import { PushConsumer } from "./push_consumer.ts";
import type { PushConsumerOptions } from "./push_consumer_options.ts";

let cluster: LocalCluster;
let admin: AdminClient;
let producer: Producer;

before(async () => {
  cluster = await startLocalCluster({ rootDir: mkdtempSync(join(tmpdir(), "mqlab-flow-")) });
  admin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs });
  admin.start();
  producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "FlowProducer" });
  await producer.start();
});

after(async () => {
  await producer.shutdown();
  admin.shutdown();
  await cluster.stop();
});

async function fill(topic: string, count: number): Promise<void> {
  await admin.createTopic({ topic, clusterName: "DefaultCluster", readQueueNums: 1, writeQueueNums: 1 });
  for (let i = 0; i < count; i++) await producer.send({ topic, body: `m${i}` });
}

function cachedCount(consumer: PushConsumer): number {
  const table = consumer.runningInfo()["mqTable"] as Map<unknown, { cachedMsgCount: number }>;
  return [...table.values()].reduce((sum, entry) => sum + entry.cachedMsgCount, 0);
}

async function run(topic: string, group: string, options: Partial<PushConsumerOptions>, stuckBody: string, bound: number): Promise<void> {
  let release: () => void = () => undefined;
  const stuck = new Promise<void>((resolve) => (release = resolve));
  const consumed = new Set<string>();
  const consumer = new PushConsumer(cluster.env, {
    namesrvAddr: cluster.namesrvAddrs, consumerGroup: group, consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET", pullBatchSize: 4, ...options,
  });
  consumer.subscribe(topic, "*");
  consumer.registerMessageListenerConcurrently(async (messages) => {
    for (const message of messages) if (bodyText(message) === stuckBody) await stuck;
    for (const message of messages) consumed.add(bodyText(message));
    return "CONSUME_SUCCESS";
  });
  await consumer.start();
  try {
    await waitFor(cluster.env, "messages cached behind the stuck listener", () => cachedCount(consumer) > 0);
    let maxCached = 0;
    for (let i = 0; i < 20; i++) {
      maxCached = Math.max(maxCached, cachedCount(consumer));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(maxCached <= bound, `cached ${maxCached} ≤ ${bound}`);
    assert.ok(consumed.size < 100, "flow control held the rest back");
    release();
    await waitFor(cluster.env, "every message consumed after the release", () => consumed.size === 100, 20_000);
  } finally {
    release();
    await consumer.shutdown();
  }
}

test("pullThresholdForQueue stops pulling while the listener is stuck; pulling resumes after", async () => {
  await fill("FlowCount", 100);
  await run("FlowCount", "FlowCountGroup", { pullThresholdForQueue: 10, consumeThreadMax: 1 }, "m0", 10 + 4);
});

test("consumeConcurrentlyMaxSpan stops pulling while the oldest message is stuck", async () => {
  await fill("FlowSpan", 100);
  await run("FlowSpan", "FlowSpanGroup", { consumeConcurrentlyMaxSpan: 8, pullThresholdForQueue: 1000, consumeThreadMax: 4 }, "m0", 8 + 4 + 1);
});

test("a failed pull is reported to the observer with the back-off before the queue's next pull", async () => {
  await fill("FlowGone", 1);
  const failures: { queueId: number; error: string; retryInMs: number }[] = [];
  const consumer = new PushConsumer(cluster.env, {
    namesrvAddr: cluster.namesrvAddrs, consumerGroup: "FlowGoneGroup", consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    pullTimeDelayMillsWhenException: 700, brokerSuspendMaxTimeMillis: 1_000,
    observer: { onPullError: (event) => failures.push({ queueId: event.mq.queueId, error: event.error, retryInMs: event.retryInMs }) },
  });
  consumer.subscribe("FlowGone", "*");
  let consumed = 0;
  consumer.registerMessageListenerConcurrently(async (messages) => {
    consumed += messages.length;
    return "CONSUME_SUCCESS";
  });
  await consumer.start();
  try {
    await waitFor(cluster.env, "the message consumed", () => consumed === 1, 20_000);
    // The broker forgets the topic under a held pull (answered within 1 s): later pulls are refused.
    await admin.deleteTopic("FlowGone", "DefaultCluster");
    await waitFor(cluster.env, "a failed pull reported", () => failures.length > 0, 20_000);
    assert.equal(failures[0]!.queueId, 0);
    assert.match(failures[0]!.error, /TOPIC_NOT_EXIST/);
    assert.equal(failures[0]!.retryInMs, 700);
  } finally {
    await consumer.shutdown();
  }
});
