// Real processes (mqnamesrv + mqbroker, fast messageDelayLevel): retry with growing delay and the
// DLQ after maxReconsumeTimes; broadcasting; `mqadmin consumerProgress --json` showing the lag
// drain while a consumer runs; mqadmin errors.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createRealEnv } from "../../env/real/index.ts";
import { AdminClient } from "../admin/admin_client.ts";
import { PullConsumer } from "../consumer/pull_consumer.ts";
import { PushConsumer } from "../consumer/push_consumer.ts";
import type { PushConsumerOptions } from "../consumer/push_consumer_options.ts";
import { bodyText } from "../message.ts";
import { Producer } from "../producer/producer.ts";
import type { ProcessCluster } from "./worker_support.ts";
import { runMqadmin, startProcessCluster, waitUntil } from "./worker_support.ts";

const env = createRealEnv({ nodeName: "retry-int", logLevel: "silent" });
let cluster: ProcessCluster;
let producer: Producer;
let admin: AdminClient;

const fastClient = {
  rebalanceIntervalMs: 1000, heartbeatBrokerIntervalMs: 1000, heartbeatFirstDelayMs: 100, persistConsumerOffsetIntervalMs: 300,
  pollNameServerIntervalMs: 1000, brokerSuspendMaxTimeMillis: 2000, consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET" as const,
};

function pushConsumer(group: string, extra: Partial<PushConsumerOptions> = {}): PushConsumer {
  return new PushConsumer(env, { namesrvAddr: cluster.namesrvAddr, consumerGroup: group, ...fastClient, ...extra });
}

before(async () => {
  // Retry level = 3 + reconsumeTimes: levels 3, 4, 5 = 1 s, 2 s, 3 s (growing delays).
  cluster = await startProcessCluster(["broker-a"], { messageDelayLevel: "1s 1s 1s 2s 3s 4s 5s 6s 7s 8s 9s 10s 11s 12s 13s 14s 15s 16s" });
  admin = new AdminClient(env, { namesrvAddr: cluster.namesrvAddr });
  admin.start();
  producer = new Producer(env, { namesrvAddr: cluster.namesrvAddr, producerGroup: "RetryProducer" });
  await producer.start();
});

after(async () => {
  await producer?.shutdown();
  admin?.shutdown();
  await cluster?.stop();
  env.close();
});

test("a message failed 3 times comes back 3 times with growing delay, then lands in %DLQ%group", { timeout: 60_000 }, async () => {
  await admin.createTopic({ topic: "RetryTopic", clusterName: "DefaultCluster", readQueueNums: 1, writeQueueNums: 1 });
  const deliveries: { atMs: number; reconsumeTimes: number }[] = [];
  const consumer = pushConsumer("RetryGroup", { maxReconsumeTimes: 3 });
  consumer.subscribe("RetryTopic", "*");
  consumer.registerMessageListenerConcurrently(async (messages) => {
    for (const m of messages) deliveries.push({ atMs: env.clock.nowMs(), reconsumeTimes: m.reconsumeTimes });
    return "RECONSUME_LATER";
  });
  await consumer.start();
  try {
    await waitUntil("queue held", () => consumer.assignedQueues().some((mq) => mq.topic === "RetryTopic"));
    await producer.send({ topic: "RetryTopic", body: "poison", keys: "poison-key" });
    await waitUntil("4 deliveries", () => deliveries.length >= 4, 30_000);
    assert.deepEqual(deliveries.map((d) => d.reconsumeTimes), [0, 1, 2, 3]);
    const gaps = deliveries.slice(1).map((d, i) => d.atMs - deliveries[i]!.atMs);
    assert.ok(gaps[0]! >= 800 && gaps[1]! >= 1800 && gaps[2]! >= 2800, `gaps ${gaps.join(", ")}`);
    assert.ok(gaps[0]! < gaps[1]! && gaps[1]! < gaps[2]!, `growing gaps ${gaps.join(", ")}`);
    const dlq = new PullConsumer(env, { namesrvAddr: cluster.namesrvAddr, consumerGroup: "DlqReader" });
    await dlq.start();
    try {
      let found = "";
      for (let i = 0; i < 50 && found !== "poison"; i++) {
        try {
          const [mq] = await dlq.fetchSubscribeMessageQueues("%DLQ%RetryGroup");
          const result = await dlq.pull(mq!, "*", 0, 8);
          found = result.msgFoundList.map((m) => bodyText(m)).find((body) => body === "poison") ?? "";
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      assert.equal(found, "poison");
    } finally {
      await dlq.shutdown();
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(deliveries.length, 4, "no delivery after the DLQ");
  } finally {
    await consumer.shutdown();
  }
});

test("broadcasting: every consumer gets every message", { timeout: 60_000 }, async () => {
  await admin.createTopic({ topic: "Broadcast", clusterName: "DefaultCluster", readQueueNums: 4, writeQueueNums: 4 });
  const dir = mkdtempSync(join(tmpdir(), "mqlab-bcast-"));
  const received = [new Set<string>(), new Set<string>(), new Set<string>()];
  const consumers = received.map((set, index) => {
    const consumer = pushConsumer("BroadcastGroup", { messageModel: "BROADCASTING", instanceName: `bc${index}`, localOffsetStoreDir: dir });
    consumer.subscribe("Broadcast", "*");
    consumer.registerMessageListenerConcurrently(async (messages) => {
      for (const m of messages) set.add(bodyText(m));
      return "CONSUME_SUCCESS";
    });
    return consumer;
  });
  try {
    for (const consumer of consumers) await consumer.start();
    await waitUntil("all hold 4 queues", () => consumers.every((consumer) => consumer.assignedQueues().length === 4));
    for (let i = 0; i < 50; i++) await producer.send({ topic: "Broadcast", body: `bc-${i}` });
    await waitUntil("each consumer got all 50", () => received.every((set) => set.size === 50));
  } finally {
    for (const consumer of consumers) await consumer.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("mqadmin consumerProgress --json shows the lag draining while a consumer runs", { timeout: 90_000 }, async () => {
  await admin.createTopic({ topic: "LagTopic", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
  const consumer = pushConsumer("LagGroup", { consumeThreadMax: 1 });
  consumer.subscribe("LagTopic", "*");
  let consumed = 0;
  let paused = true;
  consumer.registerMessageListenerConcurrently(async () => {
    while (paused) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 15));
    consumed++;
    return "CONSUME_SUCCESS";
  });
  await consumer.start();
  try {
    await waitUntil("queues held", () => consumer.assignedQueues().filter((mq) => mq.topic === "LagTopic").length === 2);
    for (let i = 0; i < 200; i++) await producer.send({ topic: "LagTopic", body: `lag-${i}` });
    const lags: number[] = [];
    const sample = async (): Promise<number> => {
      const run = await runMqadmin(["consumerProgress", "-n", cluster.namesrvAddr, "-g", "LagGroup", "-t", "LagTopic", "--json"]);
      assert.equal(run.code, 0, run.stderr);
      const progress = JSON.parse(run.stdout) as { totalLag: number; queues: { lag: number; brokerOffset: number }[] };
      assert.equal(progress.queues.length, 2);
      return progress.totalLag;
    };
    lags.push(await sample());
    paused = false;
    while (lags[lags.length - 1]! > 0 && lags.length < 40) lags.push(await sample());
    assert.ok(lags[0]! >= 150, `initial lag ${lags[0]}`);
    assert.equal(lags[lags.length - 1], 0, `lags ${lags.join(" ")}`);
    assert.ok(lags.some((lag) => lag > 0 && lag < lags[0]!), `an intermediate sample shows partial drain: ${lags.join(" ")}`);
    for (let i = 1; i < lags.length; i++) assert.ok(lags[i]! <= lags[i - 1]!, `lag never grows: ${lags.join(" ")}`);
    assert.equal(consumed, 200);
  } finally {
    paused = false; // a failed sample must not leave the listener spinning
    await consumer.shutdown();
  }
});

test("mqadmin: tables, --json, and clear errors with exit 2", { timeout: 60_000 }, async () => {
  await admin.createTopic({ topic: "AdminMsgs", clusterName: "DefaultCluster", readQueueNums: 1, writeQueueNums: 1 });
  const list = await runMqadmin(["topicList", "-n", cluster.namesrvAddr, "--json"]);
  assert.equal(list.code, 0, list.stderr);
  assert.ok((JSON.parse(list.stdout) as string[]).includes("AdminMsgs"));
  const clusterList = await runMqadmin(["clusterList", "-n", cluster.namesrvAddr]);
  assert.equal(clusterList.code, 0, clusterList.stderr);
  assert.match(clusterList.stdout, /DefaultCluster.*broker-a/s);
  const sent = await runMqadmin(["sendMessage", "-t", "AdminMsgs", "-p", "hello-admin", "-k", "admin-key"], { NAMESRV_ADDR: cluster.namesrvAddr });
  assert.equal(sent.code, 0, sent.stderr);
  const byKey = await runMqadmin(["queryMsgByKey", "-n", cluster.namesrvAddr, "-t", "AdminMsgs", "-k", "admin-key", "--json"]);
  const [found] = JSON.parse(byKey.stdout) as { offsetMsgId: string; body: string }[];
  assert.equal(found?.body, "hello-admin");
  const byId = await runMqadmin(["queryMsgById", "-n", cluster.namesrvAddr, "-i", found.offsetMsgId]);
  assert.match(byId.stdout, /hello-admin/);
  const n = ["-n", cluster.namesrvAddr];
  const created = await runMqadmin(["updateTopic", ...n, "-t", "AdminTopic", "-c", "DefaultCluster", "-r", "3", "-w", "3"]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /create topic to 127\.0\.0\.1:\d+ success/);
  const route = JSON.parse((await runMqadmin(["topicRoute", ...n, "-t", "AdminTopic", "--json"])).stdout) as { queueDatas: { writeQueueNums: number }[] };
  assert.equal(route.queueDatas[0]?.writeQueueNums, 3);
  const status = JSON.parse((await runMqadmin(["topicStatus", ...n, "-t", "AdminMsgs", "--json"])).stdout) as { maxOffset: number }[];
  assert.ok(status.length === 1 && status[0]!.maxOffset >= 1);
  const brokerAddr = [...cluster.brokers.values()][0]!.addr;
  const broker = JSON.parse((await runMqadmin(["brokerStatus", ...n, "-b", brokerAddr, "--json"])).stdout) as Record<string, string>;
  assert.ok(Object.keys(broker).length > 0);
  const consumed = await runMqadmin(["consumeMessage", ...n, "-t", "AdminMsgs", "-q", "0", "-o", "0", "-c", "10", "--json"]);
  assert.equal(consumed.code, 0, consumed.stderr);
  assert.ok((JSON.parse(consumed.stdout) as { body: string }[]).some((m) => m.body === "hello-admin"));
  const connection = await runMqadmin(["consumerConnection", ...n, "-g", "NobodyGroup"]);
  assert.equal(connection.code, 2);
  const deleted = await runMqadmin(["deleteTopic", ...n, "-t", "AdminTopic", "-c", "DefaultCluster"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.ok(!(JSON.parse((await runMqadmin(["topicList", ...n, "--json"])).stdout) as string[]).includes("AdminTopic"));
  const unknownTopic = await runMqadmin(["topicStatus", "-n", cluster.namesrvAddr, "-t", "NoSuchTopic"]);
  assert.equal(unknownTopic.code, 2);
  assert.match(unknownTopic.stderr, /No topic route info in name server for the topic: NoSuchTopic/);
  const unreachable = await runMqadmin(["topicList", "-n", "127.0.0.1:9999"]);
  assert.equal(unreachable.code, 2);
  assert.match(unreachable.stderr, /connect to 127\.0\.0\.1:9999 failed: ECONNREFUSED/);
});
