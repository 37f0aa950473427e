// Producer, PullConsumer and AdminClient against the real NameServer and brokers in this process.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AdminClient } from "../admin/admin_client.ts";
import { PullConsumer } from "../consumer/pull_consumer.ts";
import { bodyText } from "../message.ts";
import { Producer } from "../producer/producer.ts";
import { selectMessageQueueByHash } from "../producer/selectors.ts";
import { startLocalCluster } from "../testing/local_cluster.ts";
import type { LocalCluster } from "../testing/local_cluster.ts";

let cluster: LocalCluster;
let admin: AdminClient;

before(async () => {
  cluster = await startLocalCluster({ rootDir: mkdtempSync(join(tmpdir(), "mqlab-client-")), brokerNames: ["broker-a", "broker-b"] });
  admin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs });
  admin.start();
  await admin.createTopic({ topic: "T1", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
});

after(async () => {
  admin.shutdown();
  await cluster.stop();
});

test("sync sends round-robin over both brokers; SendResult carries UNIQ_KEY and offset msgId", async () => {
  const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "PG1" });
  await producer.start();
  try {
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await producer.send({ topic: "T1", body: `m${i}`, tags: "TagA", keys: [`k${i}`, "common"] }));
    const perQueue = new Map<string, number>();
    for (const result of results) {
      assert.equal(result.sendStatus, "SEND_OK");
      assert.match(result.msgId, /^[0-9A-F]{32}$/);
      assert.match(result.offsetMsgId, /^[0-9A-F]{32}$/);
      assert.notEqual(result.msgId, result.offsetMsgId);
      const key = `${result.messageQueue.brokerName}/${result.messageQueue.queueId}`;
      perQueue.set(key, (perQueue.get(key) ?? 0) + 1);
    }
    assert.deepEqual([...perQueue.values()], [2, 2, 2, 2]);
    const byId = await admin.queryMsgById(results[3]!.offsetMsgId);
    assert.equal(bodyText(byId), "m3");
    assert.equal(byId.msgId, results[3]!.msgId);
    const byKey = await admin.queryMsgByKey("T1", "common");
    assert.equal(byKey.length, 8);
  } finally {
    await producer.shutdown();
  }
});

test("selector sends pin a key to one queue; batch sends store each message", async () => {
  const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "PG2" });
  await producer.start();
  try {
    const queues = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const result = await producer.sendWithSelector({ topic: "T1", body: `o${i}` }, selectMessageQueueByHash, "order-42");
      queues.add(`${result.messageQueue.brokerName}/${result.messageQueue.queueId}`);
    }
    assert.equal(queues.size, 1);
    const batch = await producer.sendBatch([{ topic: "T1", body: "b1" }, { topic: "T1", body: "b2" }, { topic: "T1", body: "b3" }]);
    assert.equal(batch.sendStatus, "SEND_OK");
    assert.equal(batch.msgId.split(",").length, 3);
  } finally {
    await producer.shutdown();
  }
});

test("an unknown topic is auto-created through TBW102", async () => {
  const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "PG3" });
  await producer.start();
  try {
    const result = await producer.send({ topic: "AutoCreated", body: "x" });
    assert.equal(result.sendStatus, "SEND_OK");
  } finally {
    await producer.shutdown();
  }
});

test("pull consumer: FOUND with exact tag check, NO_NEW_MSG, NO_MATCHED_MSG, OFFSET_ILLEGAL; offsets on the broker", async () => {
  await admin.createTopic({ topic: "T2", brokerAddr: cluster.brokerAddr("broker-a"), readQueueNums: 1, writeQueueNums: 1 });
  const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "PG4" });
  await producer.start();
  const consumer = new PullConsumer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, consumerGroup: "CG-pull" });
  await consumer.start();
  try {
    for (const tags of ["TagA", "TagB", "TagA"]) await producer.send({ topic: "T2", body: tags, tags });
    const [mq] = await consumer.fetchSubscribeMessageQueues("T2");
    assert.ok(mq);
    const found = await consumer.pull(mq, "TagA", 0, 32);
    assert.equal(found.pullStatus, "FOUND");
    assert.deepEqual(found.msgFoundList.map((m) => m.queueOffset), [0, 2]);
    assert.equal(found.nextBeginOffset, 3);
    assert.equal(found.maxOffset, 3);
    assert.equal((await consumer.pull(mq, "*", 3, 32)).pullStatus, "NO_NEW_MSG");
    assert.equal((await consumer.pull(mq, "TagC", 0, 32)).pullStatus, "NO_MATCHED_MSG");
    assert.equal((await consumer.pull(mq, "*", 99, 32)).pullStatus, "OFFSET_ILLEGAL");
    consumer.updateConsumeOffset(mq, 2);
    await consumer.persistConsumerOffset();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await consumer.fetchConsumeOffset(mq, true), 2);
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
  }
});

test("callback and oneway sends; a throwing callback does not hurt the producer; bad messages are rejected clearly", async () => {
  const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "PG5" });
  await producer.start();
  try {
    const viaCallback = await new Promise<string>((resolve, reject) => {
      producer.send({ topic: "T1", body: "cb" }, (error, result) => (error !== undefined ? reject(error) : resolve(result!.sendStatus)));
    });
    assert.equal(viaCallback, "SEND_OK");
    producer.send({ topic: "T1", body: "cb2" }, () => {
      throw new Error("user bug");
    });
    await producer.sendOneway({ topic: "T1", body: "oneway", keys: "oneway-key" });
    let found = 0;
    for (let i = 0; i < 50 && found === 0; i++) {
      found = (await admin.queryMsgByKey("T1", "oneway-key")).length;
      if (found === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(found, 1);
    await assert.rejects(producer.send({ topic: "T1", body: "" }), /the message body length is zero/);
    await assert.rejects(producer.send({ topic: "bad topic!", body: "x" }), /contains illegal characters/);
    await assert.rejects(producer.send({ topic: "T1", body: "x", properties: { TAGS: "sneaky" } }), /The Property<TAGS> is used by system/);
    const failed = await new Promise<Error | undefined>((resolve) => producer.send({ topic: "T1", body: "" }, (error) => resolve(error)));
    assert.match(failed?.message ?? "", /body length is zero/);
  } finally {
    await producer.shutdown();
  }
  await assert.rejects(producer.send({ topic: "T1", body: "late" }), /service state not OK/);
});
