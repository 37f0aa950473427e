// NameServer selection: one dead NameServer of two does not stop a client; a single wrong
// address fails with the address in the error; routes survive a NameServer outage.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AdminClient } from "../admin/admin_client.ts";
import { Producer } from "../producer/producer.ts";
import { startLocalCluster } from "../testing/local_cluster.ts";
import type { LocalCluster } from "../testing/local_cluster.ts";

let cluster: LocalCluster;

before(async () => {
  cluster = await startLocalCluster({ rootDir: mkdtempSync(join(tmpdir(), "mqlab-client-")), namesrvCount: 2 });
  const admin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs });
  admin.start();
  await admin.createTopic({ topic: "NS", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
  admin.shutdown();
});

after(async () => {
  await cluster.stop();
});

test("with one of two NameServers down, every client call still works", async () => {
  const dead = "127.0.0.1:1";
  for (const order of [[dead, cluster.namesrvAddrs[0]!], [cluster.namesrvAddrs[0]!, dead]]) {
    const producer = new Producer(cluster.env, { namesrvAddr: order, producerGroup: `P${order[0]!.length}` });
    await producer.start();
    try {
      for (let i = 0; i < 4; i++) assert.equal((await producer.send({ topic: "NS", body: "x" })).sendStatus, "SEND_OK");
    } finally {
      await producer.shutdown();
    }
    const admin = new AdminClient(cluster.env, { namesrvAddr: order });
    admin.start();
    try {
      for (let i = 0; i < 3; i++) assert.ok((await admin.topicList()).includes("NS"));
    } finally {
      admin.shutdown();
    }
  }
});

test("a single wrong NameServer address fails with a clear error", async () => {
  const admin = new AdminClient(cluster.env, { namesrvAddr: "127.0.0.1:1" });
  admin.start();
  try {
    await assert.rejects(admin.topicList(), /connect to 127\.0\.0\.1:1 failed: ECONNREFUSED/);
  } finally {
    admin.shutdown();
  }
  const producer = new Producer(cluster.env, { namesrvAddr: "127.0.0.1:1", producerGroup: "PWrong" });
  await producer.start();
  try {
    await assert.rejects(producer.send({ topic: "NS", body: "x" }), /No route info of this topic: NS \(connect to 127\.0\.0\.1:1 failed: ECONNREFUSED\)/);
  } finally {
    await producer.shutdown();
  }
});

test("a producer keeps sending on its cached route while every NameServer is down", async () => {
  const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs[1]!, producerGroup: "PCached" });
  await producer.start();
  try {
    await producer.send({ topic: "NS", body: "before" });
    await cluster.namesrvs[1]!.shutdown();
    for (let i = 0; i < 4; i++) assert.equal((await producer.send({ topic: "NS", body: "during" })).sendStatus, "SEND_OK");
  } finally {
    await producer.shutdown();
  }
});
