// Real processes: mqnamesrv + mqbroker (enablePropertyFilter=true) as children, a producer and
// push consumers in this process, and the mqadmin CLI as a child for the operator commands:
// resetOffsetByTime through the consumer (222 → 220), queryMsgById -g -d (309 through the broker
// to the consumer), a misuse (exit 2, one line), and a SQL92 consumer that receives exactly the
// matching messages from the real broker. Children are always killed in finally.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { AdminClient } from "../client/admin/admin_client.ts";
import { PushConsumer } from "../client/consumer/push_consumer.ts";
import { bodyText } from "../client/message.ts";
import { Producer } from "../client/producer/producer.ts";
import { createRealEnv } from "../env/real/index.ts";
import { freeBrokerPort, killAll, startBroker, startNamesrv, waitFor, writeBrokerConf } from "./testing/processes.ts";

function mqadmin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", join(import.meta.dirname, "mqadmin.ts"), ...args], { env: { ...process.env, MQLAB_LOG_LEVEL: "silent" } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number((error as { code?: number }).code ?? 1), stdout, stderr }));
  });
}

const fast = {
  rebalanceIntervalMs: 300, heartbeatBrokerIntervalMs: 300, heartbeatFirstDelayMs: 50, persistConsumerOffsetIntervalMs: 100,
  pollNameServerIntervalMs: 500, brokerSuspendMaxTimeMillis: 500, consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET" as const, resetOffsetSuspendMs: 100,
};

test("mqadmin resetOffsetByTime and queryMsgById -g -d against a broker process; SQL92 consumer gets exactly the matches", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-ops-int-"));
  const env = createRealEnv({ nodeName: "ops-int", logLevel: "silent" });
  const consumers: PushConsumer[] = [];
  let producer: Producer | undefined;
  let admin: AdminClient | undefined;
  try {
    const namesrv = await startNamesrv(dir);
    const ns = `127.0.0.1:${namesrv.port}`;
    const port = await freeBrokerPort();
    await startBroker(writeBrokerConf(dir, port, { namesrvAddr: ns, enablePropertyFilter: true }));
    admin = new AdminClient(env, { namesrvAddr: ns });
    admin.start();
    for (;;) {
      try {
        await admin.createTopic({ topic: "TI", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200)); // the broker registers with the NameServer shortly after boot
      }
    }
    producer = new Producer(env, { namesrvAddr: ns, producerGroup: "PG_INT" });
    await producer.start();
    const sent = [];
    for (let i = 0; i < 6; i++) sent.push(await producer.send({ topic: "TI", body: `m${i}`, properties: { n: String(i) } }));

    const seen = new Map<string, number>();
    const consumer = new PushConsumer(env, { namesrvAddr: ns, consumerGroup: "CG_INT", instanceName: "int", ...fast });
    consumers.push(consumer);
    consumer.subscribe("TI", "*");
    consumer.registerMessageListenerConcurrently(async (messages) => {
      for (const m of messages) seen.set(bodyText(m), (seen.get(bodyText(m)) ?? 0) + 1);
      return "CONSUME_SUCCESS";
    });
    const sql: string[] = [];
    const sqlConsumer = new PushConsumer(env, { namesrvAddr: ns, consumerGroup: "CG_INT_SQL", instanceName: "int-sql", ...fast });
    consumers.push(sqlConsumer);
    sqlConsumer.subscribe("TI", { type: "SQL92", expression: "n BETWEEN 2 AND 4" });
    sqlConsumer.registerMessageListenerConcurrently(async (messages) => {
      for (const m of messages) sql.push(bodyText(m));
      return "CONSUME_SUCCESS";
    });
    await consumer.start();
    await sqlConsumer.start();
    await waitFor(() => seen.size === 6 && sql.length >= 3, "first consumption", 20_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual([...sql].sort(), ["m2", "m3", "m4"]);

    const reset = await mqadmin(["resetOffsetByTime", "-n", ns, "-g", "CG_INT", "-t", "TI", "-s", "0", "--json"]);
    assert.equal(reset.code, 0, reset.stderr);
    const json = JSON.parse(reset.stdout) as { path: string; offsets: { offset: number }[] };
    assert.equal(json.path, "broker");
    assert.deepEqual(json.offsets.map((row) => row.offset), [0, 0]);
    await waitFor(() => [...seen.values()].every((count) => count === 2), "re-consumption after the reset", 20_000);

    const direct = await mqadmin(["queryMsgById", "-n", ns, "-i", sent[0]!.offsetMsgId, "-g", "CG_INT", "-d", consumer.clientId, "--json"]);
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal((JSON.parse(direct.stdout) as { consumeResult: string }).consumeResult, "CR_SUCCESS");
    assert.equal(seen.get("m0"), 3);

    const misuse = await mqadmin(["resetOffsetByTime", "-n", ns, "-g", "CG_INT", "-t", "TI", "-s", "yesterday"]);
    assert.equal(misuse.code, 2);
    assert.equal(misuse.stderr.trim().split("\n").length, 1, misuse.stderr);
    assert.match(misuse.stderr, /^mqadmin resetOffsetByTime: option -s/);
  } finally {
    for (const consumer of consumers) await consumer.shutdown().catch(() => undefined);
    await producer?.shutdown().catch(() => undefined);
    admin?.shutdown();
    env.close();
    killAll();
    rmSync(dir, { recursive: true, force: true });
  }
});
