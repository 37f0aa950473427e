// mqadmin operator commands against an in-process cluster: argument checks (UsageError → exit 2),
// queryMsgByOffset, and resetOffsetByTime falling back to the old path when no consumer is online.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AdminClient } from "../client/admin/admin_client.ts";
import { Producer } from "../client/producer/producer.ts";
import { startLocalCluster } from "../client/testing/local_cluster.ts";
import type { LocalCluster } from "../client/testing/local_cluster.ts";
import { deleteSubGroupCommand, parseResetTimestamp, queryMsgByIdOrConsume, queryMsgByOffset, resetOffsetByTime, updateSubGroupCommand, UsageError } from "./mqadmin_ops_commands.ts";

let cluster: LocalCluster;
let admin: AdminClient;

before(async () => {
  cluster = await startLocalCluster({ rootDir: mkdtempSync(join(tmpdir(), "mqlab-mqadmin-ops-")) });
  admin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs });
  admin.start();
});

after(async () => {
  admin.shutdown();
  await cluster.stop();
});

test("timestamps: now, milliseconds, local yyyy-MM-dd#HH:mm:ss:SSS; anything else is a usage error", () => {
  assert.equal(parseResetTimestamp("now", 42), 42);
  assert.equal(parseResetTimestamp("1700000000000", 0), 1700000000000);
  assert.equal(parseResetTimestamp("2024-01-02#03:04:05:006", 0), new Date(2024, 0, 2, 3, 4, 5, 6).getTime());
  assert.throws(() => parseResetTimestamp("yesterday", 0), UsageError);
});

test("misuse is a UsageError before anything is sent", async () => {
  await assert.rejects(updateSubGroupCommand(admin, { groupName: "G" }), UsageError);
  await assert.rejects(deleteSubGroupCommand(admin, { groupName: "G" }), UsageError);
  await assert.rejects(updateSubGroupCommand(admin, { groupName: "G", clusterName: "DefaultCluster", retryMaxTimes: "x" }), UsageError);
  await assert.rejects(queryMsgByIdOrConsume(admin, { msgId: "00", group: "G" }), UsageError);
  await assert.rejects(resetOffsetByTime(admin, { group: "G", topic: "T", timestamp: "now", force: "maybe" }, 0), UsageError);
});

test("queryMsgByOffset shows the message; resetOffsetByTime with no consumer online takes the old path", async () => {
  await admin.createTopic({ topic: "Q1", clusterName: "DefaultCluster", readQueueNums: 1, writeQueueNums: 1 });
  const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "PG_Q" });
  await producer.start();
  try {
    for (let i = 0; i < 3; i++) await producer.send({ topic: "Q1", body: `q${i}`, properties: { k: String(i) } });
  } finally {
    await producer.shutdown();
  }
  const shown = await queryMsgByOffset(cluster.env, { namesrvAddrs: cluster.namesrvAddrs }, { topic: "Q1", brokerName: "broker-a", queueId: "0", offset: "1" });
  assert.equal((shown.json as { body: string }).body, "q1");
  await admin.clientInstance.api.updateConsumerOffsetSync(cluster.brokerAddr("broker-a"), "CG_Q", { topic: "Q1", brokerName: "broker-a", queueId: 0 }, 3, 3000);
  const reset = await resetOffsetByTime(admin, { group: "CG_Q", topic: "Q1", timestamp: "0" }, Date.now());
  const json = reset.json as { path: string; rollback: { rollbackOffset: number; consumerOffset: number }[] };
  assert.equal(json.path, "old");
  assert.deepEqual(json.rollback.map((row) => [row.consumerOffset, row.rollbackOffset]), [[3, 0]]);
  assert.match(reset.text, /rollback consumer offset by specified group\[CG_Q\], topic\[Q1\], force\[true\]/);
});
