// SQL92 subscriptions end to end, in this process: a broker without enablePropertyFilter refuses
// the consumer at start (CHECK_CLIENT_CONFIG, RocketMQ's remark); with it, a bad selector is
// refused with the parse position and a good one delivers exactly the matching messages.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { AdminClient } from "../admin/admin_client.ts";
import { MQClientError } from "../client_errors.ts";
import { PullConsumer } from "../consumer/pull_consumer.ts";
import { PushConsumer } from "../consumer/push_consumer.ts";
import { bodyText } from "../message.ts";
import { Producer } from "../producer/producer.ts";
import { startLocalCluster, waitFor } from "../testing/local_cluster.ts";
import type { LocalCluster } from "../testing/local_cluster.ts";

const fast = {
  rebalanceIntervalMs: 300, heartbeatBrokerIntervalMs: 300, heartbeatFirstDelayMs: 50, persistConsumerOffsetIntervalMs: 200,
  pollNameServerIntervalMs: 500, brokerSuspendMaxTimeMillis: 1000, consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET" as const,
};

async function withCluster(enablePropertyFilter: boolean, body: (cluster: LocalCluster) => Promise<void>): Promise<void> {
  const cluster = await startLocalCluster({ rootDir: mkdtempSync(join(tmpdir(), "mqlab-sql92-")), brokerOverrides: { enablePropertyFilter } });
  const admin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs });
  admin.start();
  try {
    await admin.createTopic({ topic: "S1", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
    await body(cluster);
  } finally {
    admin.shutdown();
    await cluster.stop();
  }
}

function sqlConsumer(cluster: LocalCluster, group: string, expression: string): PushConsumer {
  const consumer = new PushConsumer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, consumerGroup: group, instanceName: group, ...fast });
  consumer.subscribe("S1", { type: "SQL92", expression });
  consumer.registerMessageListenerConcurrently(async () => "CONSUME_SUCCESS");
  return consumer;
}

test("a broker without enablePropertyFilter refuses a SQL92 consumer at start", async () => {
  await withCluster(false, async (cluster) => {
    const consumer = sqlConsumer(cluster, "CG_OFF", "a > 1");
    await assert.rejects(consumer.start(), (error: unknown) => {
      assert.ok(error instanceof MQClientError);
      assert.equal(error.responseCode, 1);
      assert.equal(error.message, "CODE: 1  DESC: The broker does not support consumer to filter message by SQL92");
      return true;
    });
    assert.equal(consumer.serviceState, "SHUTDOWN_ALREADY");
  });
});

test("with enablePropertyFilter: a bad selector is refused, a good one receives exactly the matching messages", async () => {
  await withCluster(true, async (cluster) => {
    const bad = sqlConsumer(cluster, "CG_BAD", "a >");
    await assert.rejects(bad.start(), /CODE: 23 {2}DESC: Invalid MessageSelector\. .* at position 3/);

    const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "PG" });
    await producer.start();
    const received = new Set<string>();
    const consumer = new PushConsumer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, consumerGroup: "CG_SQL", instanceName: "sql", ...fast });
    consumer.subscribe("S1", { type: "SQL92", expression: "n >= 10 AND (color = 'red' OR color IS NULL)" });
    consumer.registerMessageListenerConcurrently(async (messages) => {
      for (const message of messages) received.add(bodyText(message));
      return "CONSUME_SUCCESS";
    });
    try {
      const expected = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const color = i % 3 === 0 ? undefined : i % 3 === 1 ? "red" : "blue";
        const properties: Record<string, string> = { n: String(i) };
        if (color !== undefined) properties["color"] = color;
        await producer.send({ topic: "S1", body: `m${i}`, properties });
        if (i >= 10 && color !== "blue") expected.add(`m${i}`);
      }
      await consumer.start();
      await waitFor(cluster.env, "every matching message", () => received.size >= expected.size);
      // Let the pulls run past the last message, then nothing else may have arrived.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual([...received].sort(), [...expected].sort());
      // A pull consumer with the same selector: the broker filters each pull the same way.
      const puller = new PullConsumer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, consumerGroup: "CG_PULL_SQL" });
      await puller.start();
      try {
        const pulled: string[] = [];
        for (const mq of await puller.fetchSubscribeMessageQueues("S1")) {
          let offset = 0;
          for (let round = 0; round < 20; round++) {
            const result = await puller.pull(mq, { type: "SQL92", expression: "n >= 10 AND (color = 'red' OR color IS NULL)" }, offset, 32);
            pulled.push(...result.msgFoundList.map(bodyText));
            if (result.nextBeginOffset <= offset || result.pullStatus === "NO_NEW_MSG") break;
            offset = result.nextBeginOffset;
          }
        }
        assert.deepEqual(pulled.sort(), [...expected].sort());
      } finally {
        await puller.shutdown();
      }
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
    }
  });
});
