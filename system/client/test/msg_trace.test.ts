// enableMsgTrace on a producer and a push consumer in this process: the trace records land in
// RMQ_SYS_TRACE_TOPIC and queryMsgTraceById finds Pub, SubBefore and SubAfter for the msgId.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { AdminClient } from "../admin/admin_client.ts";
import { queryMsgTraceById } from "../admin/admin_trace.ts";
import { PushConsumer } from "../consumer/push_consumer.ts";
import { Producer } from "../producer/producer.ts";
import { startLocalCluster, waitFor } from "../testing/local_cluster.ts";
import type { TraceRecord } from "../trace/trace_data.ts";

test("producer and consumer traces are queryable by msgId", async () => {
  const cluster = await startLocalCluster({ rootDir: mkdtempSync(join(tmpdir(), "mqlab-trace-")) });
  const admin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs });
  admin.start();
  const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "PG_TRACE", enableMsgTrace: true });
  const consumer = new PushConsumer(cluster.env, {
    namesrvAddr: cluster.namesrvAddrs, consumerGroup: "CG_TRACE", instanceName: "trace", enableMsgTrace: true,
    rebalanceIntervalMs: 300, heartbeatFirstDelayMs: 50, consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET", brokerSuspendMaxTimeMillis: 500,
  });
  try {
    await admin.createTopic({ topic: "TR1", clusterName: "DefaultCluster", readQueueNums: 1, writeQueueNums: 1 });
    await producer.start();
    const sent = await producer.send({ topic: "TR1", body: "traced", tags: "TagT", keys: "order-1" });
    consumer.subscribe("TR1", "*");
    let consumed = 0;
    consumer.registerMessageListenerConcurrently(async () => {
      consumed++;
      return "CONSUME_SUCCESS";
    });
    await consumer.start();
    await waitFor(cluster.env, "consumed", () => consumed === 1);
    let records: TraceRecord[] = [];
    await waitFor(cluster.env, "three trace records", async () => {
      // The trace topic appears in the routes only once the first trace message created it.
      records = await queryMsgTraceById(admin, sent.msgId).catch(() => []);
      return records.length >= 3;
    }, 15_000, 200);
    assert.deepEqual(records.map((r) => r.type), ["Pub", "SubBefore", "SubAfter"]);
    const pub = records[0]!;
    assert.ok(pub.type === "Pub" && pub.groupName === "PG_TRACE" && pub.topic === "TR1" && pub.tags === "TagT" && pub.keys === "order-1");
    assert.ok(pub.type === "Pub" && pub.offsetMsgId === sent.offsetMsgId && pub.success && pub.storeHost === cluster.brokerAddr("broker-a"));
    const after = records[2]!;
    assert.ok(after.type === "SubAfter" && after.success && after.groupName === "CG_TRACE" && after.contextCode === 0);
    assert.equal((await admin.queryMsgByKey("RMQ_SYS_TRACE_TOPIC", "order-1")).length >= 1, true, "trace messages are keyed by the message keys too");
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
    admin.shutdown();
    await cluster.stop();
  }
});
