// PushConsumer against the real NameServer and brokers in this process: clustering rebalance and
// exactly-one ownership, broadcasting, retry with RECONSUME_LATER, orderly per-queue order.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AdminClient } from "../admin/admin_client.ts";
import type { ConsumerObserver, RebalanceEvent } from "../consumer/consumer_observer.ts";
import { PushConsumer } from "../consumer/push_consumer.ts";
import type { PushConsumerOptions } from "../consumer/push_consumer_options.ts";
import type { ClientMessageExt } from "../message.ts";
import { bodyText } from "../message.ts";
import { messageQueueKey } from "../../protocol/message_queue.ts";
import { Producer } from "../producer/producer.ts";
import { selectMessageQueueByHash } from "../producer/selectors.ts";
import { startLocalCluster, waitFor } from "../testing/local_cluster.ts";
import type { LocalCluster } from "../testing/local_cluster.ts";

let cluster: LocalCluster;
let admin: AdminClient;
let producer: Producer;

const fast = {
  rebalanceIntervalMs: 300, heartbeatBrokerIntervalMs: 300, heartbeatFirstDelayMs: 50, persistConsumerOffsetIntervalMs: 200,
  pollNameServerIntervalMs: 500, brokerSuspendMaxTimeMillis: 1000, consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET" as const,
};

function consumer(group: string, instanceName: string, extra: Partial<PushConsumerOptions> = {}): PushConsumer {
  return new PushConsumer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, consumerGroup: group, instanceName, ...fast, ...extra });
}

before(async () => {
  cluster = await startLocalCluster({ rootDir: mkdtempSync(join(tmpdir(), "mqlab-client-")), brokerNames: ["broker-a", "broker-b"], brokerOverrides: { messageDelayLevel: "1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s" } });
  admin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs });
  admin.start();
  producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "PG" });
  await producer.start();
});

after(async () => {
  await producer.shutdown();
  admin.shutdown();
  await cluster.stop();
});

test("clustering: 3 consumers hold each of 8 queues exactly once and consume every message once", async () => {
  await admin.createTopic({ topic: "C1", clusterName: "DefaultCluster", readQueueNums: 4, writeQueueNums: 4 });
  const received = new Map<string, number>();
  const rebalances: RebalanceEvent[] = [];
  const observer: ConsumerObserver = { onRebalance: (event) => rebalances.push(event) };
  const consumers = ["c1", "c2", "c3"].map((name) => {
    const c = consumer("CG1", name, { observer });
    c.subscribe("C1", "*");
    c.registerMessageListenerConcurrently(async (messages) => {
      for (const m of messages) received.set(bodyText(m), (received.get(bodyText(m)) ?? 0) + 1);
      return "CONSUME_SUCCESS";
    });
    return c;
  });
  try {
    for (const c of consumers) await c.start();
    const owners = (): Map<string, number> => {
      const counts = new Map<string, number>();
      for (const c of consumers) for (const mq of c.assignedQueues().filter((q) => q.topic === "C1")) counts.set(messageQueueKey(mq), (counts.get(messageQueueKey(mq)) ?? 0) + 1);
      return counts;
    };
    await waitFor(cluster.env, "8 queues each held once", () => {
      const counts = owners();
      return counts.size === 8 && [...counts.values()].every((n) => n === 1)
        && consumers.every((c) => c.assignedQueues().filter((q) => q.topic === "C1").length >= 2);
    });
    for (let i = 0; i < 60; i++) await producer.send({ topic: "C1", body: `msg-${i}` });
    await waitFor(cluster.env, "all 60 consumed", () => received.size === 60);
    assert.ok([...received.values()].every((n) => n === 1), "no duplicates in a steady state");
    assert.ok(rebalances.some((event) => event.topic === "C1" && event.consumerIds?.length === 3));
  } finally {
    for (const c of consumers) await c.shutdown();
  }
});

test("broadcasting: every consumer gets every message", async () => {
  await admin.createTopic({ topic: "B1", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
  const offsetDir = mkdtempSync(join(tmpdir(), "mqlab-offsets-"));
  const received = [new Set<string>(), new Set<string>()];
  const consumers = [0, 1].map((index) => {
    const c = consumer("CGB", `b${index}`, { messageModel: "BROADCASTING", localOffsetStoreDir: offsetDir });
    c.subscribe("B1", "*");
    c.registerMessageListenerConcurrently(async (messages) => {
      for (const m of messages) received[index]!.add(bodyText(m));
      return "CONSUME_SUCCESS";
    });
    return c;
  });
  try {
    for (const c of consumers) await c.start();
    await waitFor(cluster.env, "both hold all 4 queues", () => consumers.every((c) => c.assignedQueues().length === 4));
    for (let i = 0; i < 20; i++) await producer.send({ topic: "B1", body: `b-${i}` });
    await waitFor(cluster.env, "both got all 20", () => received.every((set) => set.size === 20));
  } finally {
    for (const c of consumers) await c.shutdown();
    rmSync(offsetDir, { recursive: true, force: true });
  }
});

test("retry: RECONSUME_LATER brings a message back with growing reconsumeTimes", async () => {
  await admin.createTopic({ topic: "R1", brokerAddr: cluster.brokerAddr("broker-a"), readQueueNums: 1, writeQueueNums: 1 });
  const attempts: ClientMessageExt[] = [];
  const c = consumer("CGR", "r1");
  c.subscribe("R1", "*");
  c.registerMessageListenerConcurrently(async (messages) => {
    attempts.push(...messages);
    return attempts.length < 3 ? "RECONSUME_LATER" : "CONSUME_SUCCESS";
  });
  try {
    await c.start();
    await waitFor(cluster.env, "consumer holds the queue", () => c.assignedQueues().some((q) => q.topic === "R1"));
    await producer.send({ topic: "R1", body: "retry-me", tags: "T" });
    await waitFor(cluster.env, "3 attempts", () => attempts.length >= 3, 15_000);
    assert.deepEqual(attempts.map((m) => m.reconsumeTimes), [0, 1, 2]);
    assert.ok(attempts.every((m) => m.topic === "R1" && bodyText(m) === "retry-me" && m.tags === "T"));
  } finally {
    await c.shutdown();
  }
});

test("orderly: messages of one key are consumed one at a time in send order", async () => {
  await admin.createTopic({ topic: "O1", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
  const seen = new Map<string, number[]>();
  let inFlight = 0;
  let maxInFlightPerQueue = 0;
  const c = consumer("CGO", "o1");
  c.subscribe("O1", "*");
  c.registerMessageListenerOrderly(async (messages) => {
    inFlight++;
    maxInFlightPerQueue = Math.max(maxInFlightPerQueue, inFlight);
    for (const m of messages) {
      const [key, seq] = bodyText(m).split(":");
      seen.set(key!, [...(seen.get(key!) ?? []), Number(seq)]);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
    inFlight--;
    return "SUCCESS";
  });
  try {
    await c.start();
    await waitFor(cluster.env, "holds 4 queues", () => c.assignedQueues().filter((q) => q.topic === "O1").length === 4);
    for (let seq = 0; seq < 20; seq++) {
      for (const key of ["k1", "k2", "k3"]) await producer.sendWithSelector({ topic: "O1", body: `${key}:${seq}` }, selectMessageQueueByHash, key);
    }
    await waitFor(cluster.env, "60 consumed", () => [...seen.values()].reduce((n, list) => n + list.length, 0) === 60);
    for (const list of seen.values()) assert.deepEqual(list, [...Array(20).keys()]);
  } finally {
    await c.shutdown();
  }
});

test("NOTIFY_CONSUMER_IDS_CHANGED rebalances at once (rebalance interval 60 s)", async () => {
  await admin.createTopic({ topic: "N1", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
  const slow = { rebalanceIntervalMs: 60_000 };
  const make = (name: string): PushConsumer => {
    const c = consumer("CGN", name, slow);
    c.subscribe("N1", "*");
    c.registerMessageListenerConcurrently(async () => "CONSUME_SUCCESS");
    return c;
  };
  const first = make("n1");
  const second = make("n2");
  try {
    await first.start();
    await waitFor(cluster.env, "first holds all 4", () => first.assignedQueues().filter((q) => q.topic === "N1").length === 4);
    await second.start();
    await waitFor(cluster.env, "split 2/2 without waiting for the 60 s rebalance", () =>
      first.assignedQueues().filter((q) => q.topic === "N1").length === 2 && second.assignedQueues().filter((q) => q.topic === "N1").length === 2, 5000);
    await second.shutdown();
    await waitFor(cluster.env, "first takes all 4 back after the other unregistered", () => first.assignedQueues().filter((q) => q.topic === "N1").length === 4, 5000);
  } finally {
    await first.shutdown();
    await second.shutdown();
  }
});
