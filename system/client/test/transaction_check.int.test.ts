// Real processes: mqnamesrv + mqbroker + two TransactionProducer workers of one group. The first
// is killed (SIGKILL) inside executeLocalTransaction, after its half message is stored and
// before END_TRANSACTION. The broker's check (transactionTimeOut 1 s, every 1 s) then asks the
// second producer, whose checkLocalTransaction says COMMIT; a consumer receives the message
// exactly then, and a rolled-back sibling never.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { createRealEnv } from "../../env/real/index.ts";
import { AdminClient } from "../admin/admin_client.ts";
import type { ProcessCluster, Worker } from "./worker_support.ts";
import { messageBodies, spawnWorker, startProcessCluster, waitUntil } from "./worker_support.ts";
import { spawn } from "node:child_process";
import type { TransactionWorkerConfig } from "./transaction_worker.ts";

const env = createRealEnv({ nodeName: "tx-int", logLevel: "silent" });
const workerEntry = fileURLToPath(new URL("./transaction_worker.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
let cluster: ProcessCluster;
let admin: AdminClient;
const children: ReturnType<typeof spawn>[] = [];

before(async () => {
  cluster = await startProcessCluster(["broker-a"], { transactionTimeOut: 1000, transactionCheckInterval: 1000, clientScanIntervalMs: 500 });
  admin = new AdminClient(env, { namesrvAddr: cluster.namesrvAddr });
  admin.start();
  await admin.createTopic({ topic: "TxInt", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
});

after(async () => {
  for (const child of children) child.kill("SIGKILL");
  admin?.shutdown();
  await cluster?.stop();
  env.close();
});

interface TxWorker {
  lines: Record<string, unknown>[];
  exit: Promise<{ code: number | null; signal: string | null }>;
  stderr: () => string;
}

function spawnTransactionWorker(config: TransactionWorkerConfig): TxWorker {
   
  const child = spawn(process.execPath, ["--import", "tsx", workerEntry, JSON.stringify(config)], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let pending = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.startsWith("{")) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  return { lines, stderr: () => err, exit: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))) };
}

test("a producer killed before END_TRANSACTION: the check asks a second producer of the group, which commits", async () => {
  const base = { namesrvAddr: cluster.namesrvAddr, group: "TxIntGroup", topic: "TxInt" };
  const first = spawnTransactionWorker({ ...base, instanceName: "first", send: ["open-commit"], dieInLocalTransaction: true });
  const exited = await first.exit;
  assert.equal(exited.signal, "SIGKILL", first.stderr());
  assert.ok(first.lines.some((line) => line["type"] === "local" && line["body"] === "open-commit"), "the half message was stored before the kill");
  const consumer: Worker = spawnWorker({
    ...base, group: "TxIntConsumer", instanceName: "reader",
    options: { consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET", rebalanceIntervalMs: 500, heartbeatBrokerIntervalMs: 500, brokerSuspendMaxTimeMillis: 1000 },
  });
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.deepEqual(messageBodies(consumer), [], "nothing is delivered while the transaction is open");
  const second = spawnTransactionWorker({ ...base, instanceName: "second", send: [], checkAnswers: { "open-commit": "COMMIT_MESSAGE" } });
  await waitUntil("the second producer is checked", () => second.lines.some((line) => line["type"] === "check" && line["body"] === "open-commit"), 20_000);
  await waitUntil("the consumer receives the committed message", () => messageBodies(consumer).includes("open-commit"), 20_000);
  const checkedAt = second.lines.find((line) => line["type"] === "check")!["atMs"] as number;
  const deliveredAt = consumer.lines.find((line) => line["type"] === "msg" && line["body"] === "open-commit")!["atMs"];
  assert.ok(deliveredAt >= checkedAt, "delivered only after the check answered COMMIT");
  consumer.child.kill("SIGTERM");
});
