// Real processes: mqnamesrv + 2 mqbrokers + 3 consumer workers in one group on a topic with 8
// queues (4 per broker). Every queue is held by exactly one consumer; after kill -9 of one
// consumer its queues move to the other two and no message is lost (duplicates are counted).
// Then orderly: per-key order holds while a consumer restarts and its queues move back and forth.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createRealEnv } from "../../env/real/index.ts";
import { AdminClient } from "../admin/admin_client.ts";
import { Producer } from "../producer/producer.ts";
import { selectMessageQueueByHash } from "../producer/selectors.ts";
import type { ProcessCluster, Worker } from "./worker_support.ts";
import { heldQueues, messageBodies, spawnWorker, startProcessCluster, waitUntil } from "./worker_support.ts";

const env = createRealEnv({ nodeName: "clustering-int", logLevel: "silent" });
let cluster: ProcessCluster;
let producer: Producer;
let admin: AdminClient;

const fastClient = {
  rebalanceIntervalMs: 1000, heartbeatBrokerIntervalMs: 1000, heartbeatFirstDelayMs: 100, persistConsumerOffsetIntervalMs: 500,
  pollNameServerIntervalMs: 1000, brokerSuspendMaxTimeMillis: 2000, consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET" as const,
};

before(async () => {
  cluster = await startProcessCluster(["broker-a", "broker-b"], { clientChannelExpiredTimeMs: 3000, clientScanIntervalMs: 500 });
  admin = new AdminClient(env, { namesrvAddr: cluster.namesrvAddr });
  admin.start();
  await admin.createTopic({ topic: "Failover", clusterName: "DefaultCluster", readQueueNums: 4, writeQueueNums: 4 });
  await admin.createTopic({ topic: "Ordered", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
  producer = new Producer(env, { namesrvAddr: cluster.namesrvAddr, producerGroup: "IntProducer" });
  await producer.start();
});

after(async () => {
  await producer?.shutdown();
  admin?.shutdown();
  await cluster?.stop();
  env.close();
});

function ownership(workers: Worker[], topic: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const worker of workers) for (const key of heldQueues(worker, topic)) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function exactlyOnce(workers: Worker[], topic: string, queueCount: number): boolean {
  const counts = ownership(workers, topic);
  return counts.size === queueCount && [...counts.values()].every((n) => n === 1) && workers.every((w) => heldQueues(w, topic).length > 0);
}

test("kill -9 of one of 3 consumers: its queues move to the others, no message lost", { timeout: 120_000 }, async () => {
  const workers = ["w1", "w2", "w3"].map((instanceName) =>
    spawnWorker({ namesrvAddr: cluster.namesrvAddr, group: "FailoverGroup", topic: "Failover", instanceName, options: fastClient }));
  await waitUntil("every queue held by exactly one of 3 consumers", () => exactlyOnce(workers, "Failover", 8));
  const sent: string[] = [];
  for (let i = 0; i < 200; i++) {
    const body = `f-${i}`;
    await producer.send({ topic: "Failover", body });
    sent.push(body);
  }
  await waitUntil("first 200 consumed", () => new Set(workers.flatMap(messageBodies)).size >= 200);
  workers[2]!.child.kill("SIGKILL");
  const survivors = workers.slice(0, 2);
  await waitUntil("the 2 survivors hold all 8 queues exactly once", () => exactlyOnce(survivors, "Failover", 8));
  for (let i = 200; i < 400; i++) {
    const body = `f-${i}`;
    await producer.send({ topic: "Failover", body });
    sent.push(body);
  }
  await waitUntil("all 400 consumed by someone", () => {
    const seen = new Set(workers.flatMap(messageBodies));
    return sent.every((body) => seen.has(body));
  });
  const all = workers.flatMap(messageBodies);
  const duplicates = all.length - new Set(all).size;
  assert.ok(duplicates <= 200, `duplicates stay bounded (${duplicates})`);
  for (const worker of survivors) worker.child.kill("SIGTERM");
  await Promise.all(survivors.map((worker) => worker.exit));
});

test("a consumer that vanishes without closing its sockets (SIGSTOP) is expired by heartbeat timeout; no loss", { timeout: 120_000 }, async () => {
  const workers = ["v1", "v2", "v3"].map((instanceName) =>
    spawnWorker({ namesrvAddr: cluster.namesrvAddr, group: "VanishGroup", topic: "Failover", instanceName, options: fastClient }));
  await waitUntil("every queue held by exactly one of 3 consumers", () => exactlyOnce(workers, "Failover", 8));
  const frozen = workers[0]!;
  frozen.child.kill("SIGSTOP");
  const survivors = workers.slice(1);
  const stoppedAt = Date.now();
  const sent: string[] = [];
  for (let i = 0; i < 100; i++) {
    const body = `v-${i}`;
    await producer.send({ topic: "Failover", body });
    sent.push(body);
  }
  await waitUntil("survivors hold all 8 queues after the broker expired the frozen client", () => exactlyOnce(survivors, "Failover", 8), 60_000);
  assert.ok(Date.now() - stoppedAt >= 2500, "took over only after clientChannelExpiredTimeMs (3 s)");
  await waitUntil("every message consumed by a survivor", () => {
    const seen = new Set(survivors.flatMap(messageBodies));
    return sent.every((body) => seen.has(body));
  }, 60_000);
  frozen.child.kill("SIGKILL");
  for (const worker of survivors) worker.child.kill("SIGTERM");
  await Promise.all(workers.map((worker) => worker.exit));
});

test("orderly: per-key order holds across a consumer restart", { timeout: 120_000 }, async () => {
  const orderlyOptions = { ...fastClient, lockIntervalMs: 1000 };
  const start = (name: string): Worker => spawnWorker({
    namesrvAddr: cluster.namesrvAddr, group: "OrderlyGroup", topic: "Ordered", instanceName: name, orderly: true, consumeDelayMs: 2, options: orderlyOptions,
  });
  const first = start("o1");
  const second = start("o2");
  await waitUntil("4 queues held once", () => exactlyOnce([first, second], "Ordered", 4));
  const keys = ["A", "B", "C", "D", "E", "F"];
  const perKey = 60;
  let restarted: Worker | undefined;
  for (let seq = 0; seq < perKey; seq++) {
    for (const key of keys) await producer.sendWithSelector({ topic: "Ordered", body: `${key}:${seq}` }, selectMessageQueueByHash, key);
    if (seq === 20) {
      second.child.kill("SIGTERM");
      await second.exit;
    }
    if (seq === 40) restarted = start("o2");
  }
  const workers = (): Worker[] => [first, second, ...(restarted === undefined ? [] : [restarted])];
  await waitUntil("every keyed message consumed", () => new Set(workers().flatMap(messageBodies)).size === keys.length * perKey, 60_000);
  const deliveries = workers().flatMap((worker) => worker.lines.filter((line) => line.type === "msg"))
    .sort((a, b) => a.atMs - b.atMs);
  for (const key of keys) {
    const seqs = deliveries.map((line) => String(line["body"])).filter((body) => body.startsWith(`${key}:`)).map((body) => Number(body.split(":")[1]));
    const firstTimes: number[] = [];
    const seen = new Set<number>();
    for (const seq of seqs) {
      if (!seen.has(seq)) firstTimes.push(seq);
      seen.add(seq);
    }
    assert.deepEqual(firstTimes, [...Array(perKey).keys()], `key ${key} first deliveries in order`);
  }
  for (const worker of workers()) worker.child.kill("SIGTERM");
  await Promise.all(workers().map((worker) => worker.exit));
});
