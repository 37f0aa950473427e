// Interop with a real third-party client: ali-ons 3.12.0 (a Node port of RocketMQ's Java client)
// against mqnamesrv + 2 mqbrokers as OS processes. Topics are created with our AdminClient
// (ali-ons cannot create them). ali-ons produces with tags and keys; our consumers and mqadmin
// see exactly those messages (its msgId is the broker's offset msgId); ali-ons push-consumes in
// clustering mode (exactly the messages of its tag) and in broadcasting mode (two ali-ons
// consumers each get everything); and it consumes what our producer sent.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createRealEnv } from "../env/real/index.ts";
import { AdminClient } from "./admin/admin_client.ts";
import { PullConsumer } from "./consumer/pull_consumer.ts";
import { bodyText } from "./message.ts";
import { Producer } from "./producer/producer.ts";
import type { ProcessCluster, Worker } from "./test/worker_support.ts";
import { spawnAliOns, startProcessCluster, waitUntil } from "./test/worker_support.ts";

const env = createRealEnv({ nodeName: "ali-ons-interop", logLevel: "silent" });
let cluster: ProcessCluster;
let admin: AdminClient;

before(async () => {
  cluster = await startProcessCluster(["broker-a", "broker-b"]);
  admin = new AdminClient(env, { namesrvAddr: cluster.namesrvAddr });
  admin.start();
  for (const topic of ["AliTopic", "AliBroadcast", "OursToAli"]) {
    await admin.createTopic({ topic, clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
  }
});

after(async () => {
  admin?.shutdown();
  await cluster?.stop();
  env.close();
});

function lines(worker: Worker, type: string): Record<string, unknown>[] {
  return worker.lines.filter((line) => line.type === type);
}

async function produceWithAliOns(topic: string, messages: { tags: string; body: string; keys?: string[] }[]): Promise<Record<string, unknown>[]> {
  const producer = spawnAliOns({ mode: "produce", nameSrv: [cluster.namesrvAddr], topic, group: "AliProducerGroup", messages });
  const code = await producer.exit;
  assert.equal(code, 0, `ali-ons producer failed: ${JSON.stringify(producer.lines)} ${producer.stderr()}`);
  return lines(producer, "sent");
}

test("ali-ons produces with tags; clustering consumer gets exactly its tag; our clients see the same messages", { timeout: 120_000 }, async () => {
  const consumer = spawnAliOns({ mode: "consume", nameSrv: [cluster.namesrvAddr], topic: "AliTopic", group: "AliClusterGroup", subExpression: "TagA", instanceName: "ali-c1" });
  try {
    await waitUntil("ali-ons consumer ready", () => lines(consumer, "ready").length > 0 || lines(consumer, "fatal").length > 0);
    assert.deepEqual(lines(consumer, "fatal"), [], consumer.stderr());
    const specs = [...Array(20).keys()].map((i) => ({ tags: i % 2 === 0 ? "TagA" : "TagB", body: `ali-${i}`, keys: [`ali-key-${i}`] }));
    const sent = await produceWithAliOns("AliTopic", specs);
    assert.equal(sent.length, 20);
    assert.ok(sent.every((line) => line["sendStatus"] === "SEND_OK"));
    assert.equal(new Set(sent.map((line) => line["brokerName"])).size, 2, "ali-ons spread sends over both brokers");
    const expected = specs.filter((spec) => spec.tags === "TagA").map((spec) => spec.body).sort();
    await waitUntil("ali-ons consumer got every TagA message", () => new Set(lines(consumer, "msg").map((line) => line["body"])).size >= expected.length, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const got = lines(consumer, "msg");
    assert.deepEqual([...new Set(got.map((line) => String(line["body"])))].sort(), expected);
    assert.ok(got.every((line) => line["tags"] === "TagA"));
    const sentIds = new Map(sent.map((line) => [line["body"], line["msgId"]]));
    for (const line of got) assert.equal(line["msgId"], sentIds.get(line["body"]), "ali-ons msgId = the broker's offset msgId");
    // Our side reads the same records: tags, keys, and msgId lookups.
    const byKey = await admin.queryMsgByKey("AliTopic", "ali-key-3");
    assert.equal(byKey.length, 1);
    assert.equal(byKey[0]!.tags, "TagB");
    assert.equal(byKey[0]!.offsetMsgId, sentIds.get("ali-3"));
    const byId = await admin.queryMsgById(String(sentIds.get("ali-4")));
    assert.equal(bodyText(byId), "ali-4");
    const pull = new PullConsumer(env, { namesrvAddr: cluster.namesrvAddr, consumerGroup: "OurPullGroup" });
    await pull.start();
    try {
      let total = 0;
      for (const mq of await pull.fetchSubscribeMessageQueues("AliTopic")) total += (await pull.pull(mq, "TagB", 0, 32)).msgFoundList.length;
      assert.equal(total, 10);
    } finally {
      await pull.shutdown();
    }
    const connection = await admin.consumerConnection("AliClusterGroup");
    assert.equal(connection.connectionSet.length, 1);
    assert.equal(connection.messageModel, "CLUSTERING");
  } finally {
    consumer.child.kill("SIGTERM");
    await consumer.exit;
    assert.doesNotMatch(consumer.stderr(), /\[error\]/, "ali-ons logged no errors");
  }
});

test("ali-ons broadcasting: two consumers each get every message", { timeout: 120_000 }, async () => {
  const consumers = ["ali-b1", "ali-b2"].map((instanceName) =>
    spawnAliOns({ mode: "consume", nameSrv: [cluster.namesrvAddr], topic: "AliBroadcast", group: "AliBroadcastGroup", subExpression: "*", isBroadcast: true, instanceName }));
  try {
    await waitUntil("both ready", () => consumers.every((consumer) => lines(consumer, "ready").length > 0));
    const specs = [...Array(12).keys()].map((i) => ({ tags: "T", body: `bc-${i}` }));
    await produceWithAliOns("AliBroadcast", specs);
    await waitUntil("each got all 12", () => consumers.every((consumer) => new Set(lines(consumer, "msg").map((line) => line["body"])).size === 12), 60_000);
  } finally {
    for (const consumer of consumers) consumer.child.kill("SIGTERM");
    await Promise.all(consumers.map((consumer) => consumer.exit));
  }
});

test("ali-ons consumes what our producer sent (UNIQ_KEY, compressed bodies, keys)", { timeout: 120_000 }, async () => {
  const consumer = spawnAliOns({ mode: "consume", nameSrv: [cluster.namesrvAddr], topic: "OursToAli", group: "AliFromOurs", subExpression: "*", instanceName: "ali-o1" });
  const producer = new Producer(env, { namesrvAddr: cluster.namesrvAddr, producerGroup: "OurProducer" });
  await producer.start();
  try {
    await waitUntil("ali-ons consumer ready", () => lines(consumer, "ready").length > 0);
    const big = "x".repeat(10_000);
    await producer.send({ topic: "OursToAli", body: big, tags: "Big", keys: "k-big" });
    for (let i = 0; i < 5; i++) await producer.send({ topic: "OursToAli", body: `ours-${i}`, tags: "Small" });
    await waitUntil("ali-ons got all 6", () => new Set(lines(consumer, "msg").map((line) => line["body"])).size === 6, 60_000);
    assert.ok(lines(consumer, "msg").some((line) => line["body"] === big), "compressed body inflated by ali-ons");
  } finally {
    await producer.shutdown();
    consumer.child.kill("SIGTERM");
    await consumer.exit;
  }
});
