// Real processes: mqnamesrv + mqbroker spawned as Node 24 + tsx children on free loopback
// ports with temp stores, driven by RawRemotingClient (a second, independent implementation of
// the wire format). Children are always killed in finally.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { decodeRecords, parseFastjsonBody, propertiesString, RawRemotingClient } from "./testing/raw_remoting_client.ts";
import type { RawCommand } from "./testing/raw_remoting_client.ts";
import { freeBrokerPort, killAll, startBroker, startNamesrv, writeBrokerConf } from "./testing/processes.ts";

const SEND_MESSAGE_V2 = 310;
const PULL_MESSAGE = 11;
const GET_ROUTEINFO_BY_TOPIC = 105;
const GET_BROKER_CLUSTER_INFO = 106;
const UPDATE_AND_CREATE_TOPIC = 17;
const UPDATE_CONSUMER_OFFSET = 15;
const QUERY_CONSUMER_OFFSET = 14;

function send(client: RawRemotingClient, topic: string, queueId: number, body: string, extra: Record<string, string> = {}): Promise<RawCommand> {
  // Exactly the fields and JS types ali-ons puts in a SEND_MESSAGE_V2 header.
  return client.request(SEND_MESSAGE_V2, {
    a: "int-producer", b: topic, c: "TBW102", d: 4, e: queueId, f: 0, g: Date.now(), h: 0,
    i: propertiesString({ TAGS: "TagA", ...extra }), j: 0, k: false,
  }, Buffer.from(body, "utf8"));
}

function pull(client: RawRemotingClient, topic: string, queueId: number, offset: number, maxMsgNums = 32): Promise<RawCommand> {
  return client.request(PULL_MESSAGE, {
    consumerGroup: "int-consumer", topic, queueId, queueOffset: offset, maxMsgNums, sysFlag: 4, commitOffset: 0,
    suspendTimeoutMillis: 15000, subscription: "*", subVersion: 0,
  }, undefined, 30_000);
}

/** Pulls a queue from 0 to its end; every response must carry the four offset headers. */
async function pullAll(client: RawRemotingClient, topic: string, queueId: number): Promise<ReturnType<typeof decodeRecords>> {
  const messages: ReturnType<typeof decodeRecords> = [];
  let offset = 0;
  for (;;) {
    const response = await pull(client, topic, queueId, offset);
    for (const field of ["nextBeginOffset", "minOffset", "maxOffset", "suggestWhichBrokerId"]) {
      assert.ok(response.extFields[field] !== undefined, `pull response code ${response.code} lacks ${field}`);
    }
    if (response.code !== 0) {
      assert.equal(response.code, 19, `pull ended with ${response.code} ${response.remark ?? ""}`);
      return messages;
    }
    messages.push(...decodeRecords(response.body));
    offset = Number(response.extFields["nextBeginOffset"]);
  }
}

async function inDir(prefix: string, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    await body(dir);
  } finally {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("cluster info, route of an auto-created topic, send V2 and pull back through real processes", { timeout: 60_000 }, () => inDir("mqlab-int1-", async (dir) => {
  const namesrv = await startNamesrv(dir);
  const port = await freeBrokerPort();
  const broker = await startBroker(writeBrokerConf(dir, port, { namesrvAddr: `127.0.0.1:${namesrv.port}`, defaultTopicQueueNums: 8 }));
  assert.match(broker.stdout(), new RegExp(`The broker\\[broker-a, 127\\.0\\.0\\.1:${port}\\] boot success\\. serializeType=JSON and name server is 127\\.0\\.0\\.1:${namesrv.port}`));
  const ns = await RawRemotingClient.connect(namesrv.port);
  const client = await RawRemotingClient.connect(port);
  try {
    const cluster = parseFastjsonBody((await ns.request(GET_BROKER_CLUSTER_INFO)).body) as {
      brokerAddrTable: Record<string, { brokerAddrs: Record<string, string>; cluster: string }>; clusterAddrTable: Record<string, string[]>;
    };
    assert.equal(cluster.brokerAddrTable["broker-a"]?.brokerAddrs["0"], `127.0.0.1:${port}`);
    assert.deepEqual(cluster.clusterAddrTable["DefaultCluster"], ["broker-a"]);
    const sent = await send(client, "IntTopic", 2, "hello-int");
    assert.equal(sent.code, 0, sent.remark);
    assert.equal(sent.extFields["queueOffset"], "0");
    const routeResponse = await ns.request(GET_ROUTEINFO_BY_TOPIC, { topic: "IntTopic" });
    assert.equal(routeResponse.code, 0, routeResponse.remark);
    const route = parseFastjsonBody(routeResponse.body) as {
      queueDatas: { brokerName: string; readQueueNums: number; writeQueueNums: number; perm: number }[];
      brokerDatas: { brokerName: string; cluster: string; brokerAddrs: Record<string, string> }[];
    };
    assert.deepEqual(route.queueDatas.map((q) => [q.brokerName, q.readQueueNums, q.writeQueueNums, q.perm]), [["broker-a", 4, 4, 6]]);
    assert.deepEqual(route.brokerDatas.map((b) => [b.brokerName, b.cluster, b.brokerAddrs["0"]]), [["broker-a", "DefaultCluster", `127.0.0.1:${port}`]]);
    const pulled = await pull(client, "IntTopic", 2, 0);
    assert.equal(pulled.code, 0);
    const [message] = decodeRecords(pulled.body);
    assert.equal(message?.body, "hello-int");
    assert.equal(message?.topic, "IntTopic");
    assert.equal(message?.properties.get("TAGS"), "TagA");
    assert.equal(message?.msgId, sent.extFields["msgId"]);
  } finally {
    ns.close();
    client.close();
  }
}));

/** Sends `count` messages round-robin over 4 queues with `inFlight` concurrent requests. */
async function sendMany(client: RawRemotingClient, topic: string, count: number, inFlight: number, onAck?: (acked: number) => void): Promise<Map<string, { queueId: number; queueOffset: number }>> {
  const acked = new Map<string, { queueId: number; queueOffset: number }>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const body = `m-${index}`;
      let response: RawCommand;
      try {
        response = await send(client, topic, index % 4, body);
      } catch {
        return; // connection gone (the broker was killed): outcome unknown
      }
      if (response.code !== 0) continue;
      acked.set(body, { queueId: Number(response.extFields["queueId"]), queueOffset: Number(response.extFields["queueOffset"]) });
      onAck?.(acked.size);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, () => worker()));
  return acked;
}

async function verifyAcked(client: RawRemotingClient, topic: string, acked: Map<string, { queueId: number; queueOffset: number }>): Promise<number> {
  let found = 0;
  for (let queueId = 0; queueId < 4; queueId++) {
    const messages = await pullAll(client, topic, queueId);
    messages.forEach((message, index) => {
      assert.equal(message.queueOffset, index, `queue ${queueId} offsets are dense and in order`);
      assert.equal(message.queueId, queueId);
    });
    const byBody = new Map(messages.map((message) => [message.body, message]));
    // Per queue, messages appear in the order they were sent (bodies carry the send index).
    const indexes = messages.map((message) => Number(message.body.slice(2)));
    assert.deepEqual(indexes, [...indexes].sort((a, b) => a - b), `queue ${queueId} keeps send order`);
    for (const [body, ack] of acked) {
      if (ack.queueId !== queueId) continue;
      const stored = byBody.get(body);
      assert.ok(stored !== undefined, `acked ${body} lost`);
      assert.equal(stored.queueOffset, ack.queueOffset, `${body} at its acked offset`);
      found++;
    }
  }
  return found;
}

test("SYNC_FLUSH: kill -9 during 10 000 sends loses no acked message; order per queue holds", { timeout: 60_000 }, () => inDir("mqlab-int2-", async (dir) => {
  const port = await freeBrokerPort();
  const conf = writeBrokerConf(dir, port, { flushDiskType: "SYNC_FLUSH" });
  let broker = await startBroker(conf);
  const client = await RawRemotingClient.connect(port);
  const startMs = Date.now();
  const acked = await sendMany(client, "Durable", 10_000, 64, (count) => {
    if (count === 9_000) broker.child.kill("SIGKILL");
  });
  const sendMs = Date.now() - startMs;
  await broker.exit;
  client.close();
  assert.ok(acked.size >= 9_000 && acked.size < 10_000, `${acked.size} acked before the kill`);
  broker = await startBroker(conf);
  const reader = await RawRemotingClient.connect(port);
  try {
    const found = await verifyAcked(reader, "Durable", acked);
    assert.equal(found, acked.size);
    process.stdout.write(`# SYNC_FLUSH: ${acked.size} acked in ${sendMs} ms (${Math.round((acked.size * 1000) / sendMs)} msg/s), all found after kill -9\n`);
  } finally {
    reader.close();
  }
}));

test("ASYNC_FLUSH: 10 000 messages and committed offsets survive SIGTERM and restart", { timeout: 60_000 }, () => inDir("mqlab-int3-", async (dir) => {
  const port = await freeBrokerPort();
  const conf = writeBrokerConf(dir, port, { flushDiskType: "ASYNC_FLUSH" });
  const broker = await startBroker(conf);
  const client = await RawRemotingClient.connect(port);
  const startMs = Date.now();
  const acked = await sendMany(client, "Graceful", 10_000, 64);
  const sendMs = Date.now() - startMs;
  assert.equal(acked.size, 10_000);
  process.stdout.write(`# ASYNC_FLUSH: 10000 acked in ${sendMs} ms (${Math.round(10_000_000 / sendMs)} msg/s)\n`);
  await client.request(UPDATE_CONSUMER_OFFSET, { consumerGroup: "g", topic: "Graceful", queueId: 1, commitOffset: 1234 });
  // The update is oneway for real clients; a sync call here also proves it was applied.
  client.close();
  broker.child.kill("SIGTERM");
  assert.equal(await broker.exit, 0, `graceful exit (stderr: ${broker.stderr()})`);
  await startBroker(conf);
  const reader = await RawRemotingClient.connect(port);
  try {
    assert.equal(await verifyAcked(reader, "Graceful", acked), 10_000);
    const offset = await reader.request(QUERY_CONSUMER_OFFSET, { consumerGroup: "g", topic: "Graceful", queueId: 1 });
    assert.equal(offset.extFields["offset"], "1234");
  } finally {
    reader.close();
  }
}));

test("bad inputs: unknown topic → 17, oversized → 13, malformed frame closes only that connection", { timeout: 60_000 }, () => inDir("mqlab-int4-", async (dir) => {
  const port = await freeBrokerPort();
  await startBroker(writeBrokerConf(dir, port, { autoCreateTopicEnable: false, maxMessageSize: 4096 }));
  const client = await RawRemotingClient.connect(port);
  const victim = await RawRemotingClient.connect(port);
  try {
    const unknown = await send(client, "NoSuchTopic", 0, "x");
    assert.equal(unknown.code, 17);
    assert.match(unknown.remark ?? "", /topic\[NoSuchTopic\] not exist, apply first please!/);
    const created = await client.request(UPDATE_AND_CREATE_TOPIC, {
      topic: "Small", defaultTopic: "TBW102", readQueueNums: 1, writeQueueNums: 1, perm: 6, topicFilterType: "SINGLE_TAG", order: false,
    });
    assert.equal(created.code, 0);
    const oversized = await send(client, "Small", 0, "y".repeat(5000));
    assert.equal(oversized.code, 13);
    assert.match(oversized.remark ?? "", /msg body length limit 4096B/, "4.9.7's MESSAGE_ILLEGAL remark names the limit");
    // A frame whose header length exceeds the frame: the broker closes that connection.
    const bad = Buffer.alloc(12);
    bad.writeInt32BE(8, 0);
    bad.writeInt32BE(1000, 4);
    victim.writeRaw(bad);
    await Promise.race([victim.closed, new Promise((_, reject) => setTimeout(() => reject(new Error("not closed")), 5000))]);
    const ok = await send(client, "Small", 0, "still serving");
    assert.equal(ok.code, 0);
    const other = await RawRemotingClient.connect(port);
    assert.equal((await send(other, "Small", 0, "new connection")).code, 0);
    other.close();
  } finally {
    client.close();
    victim.close();
  }
}));
