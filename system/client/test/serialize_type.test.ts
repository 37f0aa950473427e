// The client's serializeType option (RocketMQ's rocketmq.serialize.type) over real sockets:
// with "ROCKETMQ" every request leaves with the binary header and the NameServer and broker
// answer in kind; with the default every frame is JSON. Sends and pulls work either way.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AdminClient } from "../admin/admin_client.ts";
import { clientInstancesOf } from "../client_instance.ts";
import type { ClientSerializeType } from "../client_config.ts";
import { PullConsumer } from "../consumer/pull_consumer.ts";
import { bodyText } from "../message.ts";
import { Producer } from "../producer/producer.ts";
import { createRequest, SerializeType } from "../../remoting/remoting_command.ts";
import { RequestCode } from "../../remoting/request_code.ts";
import { ResponseCode } from "../../remoting/response_code.ts";
import { startLocalCluster } from "../testing/local_cluster.ts";
import type { LocalCluster } from "../testing/local_cluster.ts";

let cluster: LocalCluster;

before(async () => {
  cluster = await startLocalCluster({ rootDir: mkdtempSync(join(tmpdir(), "mqlab-serialize-")), brokerNames: ["broker-a"] });
  const admin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs });
  admin.start();
  try {
    await admin.createTopic({ topic: "ST", clusterName: "DefaultCluster", readQueueNums: 1, writeQueueNums: 1 });
  } finally {
    admin.shutdown();
  }
});

after(async () => {
  await cluster.stop();
});

for (const serializeType of ["JSON", "ROCKETMQ"] as const satisfies readonly ClientSerializeType[]) {
  test(`serializeType ${serializeType}: NameServer and broker answer in kind; send and pull round trip`, async () => {
    const expected = SerializeType[serializeType];
    const group = `SG_${serializeType}`;
    const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: group, instanceName: group, serializeType });
    await producer.start();
    const consumer = new PullConsumer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, consumerGroup: `C${group}`, instanceName: group, serializeType });
    await consumer.start();
    try {
      const remoting = clientInstancesOf(cluster.env).find((instance) => instance.clientId.endsWith(`@${group}`))!.api.remoting;
      const route = await remoting.invokeSync(cluster.namesrvAddrs[0]!, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "ST" }), 3000);
      assert.equal(route.code, ResponseCode.SUCCESS, route.remark);
      assert.equal(route.serializeType, expected, "the NameServer answers in the request's type");
      const sent = await producer.send({ topic: "ST", body: `hello ${serializeType}`, tags: "t", keys: ["k1"] });
      assert.equal(sent.sendStatus, "SEND_OK");
      const offset = await remoting.invokeSync(cluster.brokerAddr("broker-a"), createRequest(RequestCode.GET_MAX_OFFSET, { topic: "ST", queueId: "0" }), 3000);
      assert.equal(offset.code, ResponseCode.SUCCESS, offset.remark);
      assert.equal(offset.serializeType, expected, "the broker answers in the request's type");
      const pulled = await consumer.pull(sent.messageQueue, "*", sent.queueOffset, 1);
      assert.equal(pulled.pullStatus, "FOUND");
      assert.equal(bodyText(pulled.msgFoundList[0]!), `hello ${serializeType}`);
      assert.equal(pulled.msgFoundList[0]!.msgId, sent.msgId);
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
    }
  });
}
