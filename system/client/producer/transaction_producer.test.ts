// TransactionProducer against a real NameServer and broker in this process: commit, rollback,
// a throwing local transaction (UNKNOW), an UNKNOW resolved by the broker's check, and a
// producer that stopped with an open transaction whose state a second producer of the group
// (another client instance) gives when checked.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { decodeMessageRecord } from "../../message/index.ts";
import { AdminClient } from "../admin/admin_client.ts";
import { startLocalCluster, waitFor } from "../testing/local_cluster.ts";
import type { LocalCluster } from "../testing/local_cluster.ts";
import { TransactionProducer } from "./transaction_producer.ts";
import type { LocalTransactionState, TransactionListener } from "./transaction_producer.ts";

let cluster: LocalCluster;
let admin: AdminClient;
const TOPIC = "TxT";

before(async () => {
  cluster = await startLocalCluster({
    rootDir: mkdtempSync(join(tmpdir(), "mqlab-txp-")),
    brokerOverrides: { transactionTimeOut: 0, transactionCheckInterval: 3_600_000 },
  });
  admin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs });
  admin.start();
  await admin.createTopic({ topic: TOPIC, clusterName: "DefaultCluster", readQueueNums: 1, writeQueueNums: 1 });
});

after(async () => {
  admin.shutdown();
  await cluster.stop();
});

function broker() {
  return cluster.brokers.get("broker-a")!;
}

function topicBodies(): string[] {
  const got = broker().store.getMessage("reader", TOPIC, 0, 0, 256, undefined);
  return got.status === "FOUND" ? got.messages.map((bytes) => new TextDecoder().decode(decodeMessageRecord(bytes).body)) : [];
}

function listener(execute: (body: string) => LocalTransactionState | Promise<LocalTransactionState>, check: (body: string) => LocalTransactionState): TransactionListener & { checks: string[] } {
  const checks: string[] = [];
  return {
    checks,
    executeLocalTransaction: (message) => execute(new TextDecoder().decode(message.body)),
    checkLocalTransaction: (message) => {
      const body = new TextDecoder().decode(message.body);
      checks.push(body);
      return check(body);
    },
  };
}

function producer(group: string, l: TransactionListener, instanceName = "tx"): TransactionProducer {
  return new TransactionProducer(cluster.env, {
    namesrvAddr: cluster.namesrvAddrs, producerGroup: group, instanceName, transactionListener: l, heartbeatBrokerIntervalMs: 50, heartbeatFirstDelayMs: 10,
  });
}

/** The broker learns of a producer from its heartbeats, sent only to brokers in its routes. */
async function producerKnown(group: string): Promise<void> {
  await waitFor(cluster.env, `the broker knows a producer of ${group}`, () => broker().producerManager.groupChannels(group).length > 0);
}

test("COMMIT_MESSAGE lands in the topic, ROLLBACK_MESSAGE never does, a throw is UNKNOW", async () => {
  const states: Record<string, LocalTransactionState> = { c1: "COMMIT_MESSAGE", r1: "ROLLBACK_MESSAGE" };
  const p = producer("TXG1", listener((body) => {
    if (body === "boom") throw new Error("local failure");
    return states[body]!;
  }, () => "ROLLBACK_MESSAGE"));
  await p.start();
  try {
    const committed = await p.sendMessageInTransaction({ topic: TOPIC, body: "c1", tags: "a" });
    assert.equal(committed.localTransactionState, "COMMIT_MESSAGE");
    assert.equal(committed.transactionId, committed.msgId);
    assert.equal((await p.sendMessageInTransaction({ topic: TOPIC, body: "r1" })).localTransactionState, "ROLLBACK_MESSAGE");
    assert.equal((await p.sendMessageInTransaction({ topic: TOPIC, body: "boom" })).localTransactionState, "UNKNOW");
    await waitFor(cluster.env, "the commit is readable", () => topicBodies().includes("c1"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(topicBodies().filter((body) => ["c1", "r1", "boom"].includes(body)), ["c1"]);
  } finally {
    await p.shutdown();
  }
});

test("an UNKNOW transaction is resolved by the broker's check (checkLocalTransaction → COMMIT)", async () => {
  const l = listener(() => "UNKNOW", () => "COMMIT_MESSAGE");
  const p = producer("TXG2", l);
  await p.start();
  try {
    await p.sendMessageInTransaction({ topic: TOPIC, body: "u1" });
    await producerKnown("TXG2");
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(!topicBodies().includes("u1"));
    await broker().transactionCheckService.runRound();
    await waitFor(cluster.env, "the checked transaction is committed", () => topicBodies().includes("u1"));
    assert.ok(l.checks.includes("u1"));
  } finally {
    await p.shutdown();
  }
});

test("a producer that stops with an open transaction: another producer of the group answers the check", async () => {
  let release: ((state: LocalTransactionState) => void) | undefined;
  const first = producer("TXG3", listener(() => new Promise<LocalTransactionState>((resolve) => { release = resolve; }), () => "UNKNOW"), "tx-first");
  await first.start();
  const pending = first.sendMessageInTransaction({ topic: TOPIC, body: "open1" });
  await waitFor(cluster.env, "the local transaction runs (the half message is stored)", () => release !== undefined);
  await first.shutdown();
  const secondListener = listener(() => "UNKNOW", (body) => (body === "open1" ? "COMMIT_MESSAGE" : "ROLLBACK_MESSAGE"));
  const second = producer("TXG3", secondListener, "tx-second");
  await second.start();
  try {
    await second.fetchPublishMessageQueues(TOPIC);
    await producerKnown("TXG3");
    await new Promise((resolve) => setTimeout(resolve, 5));
    await broker().transactionCheckService.runRound();
    await waitFor(cluster.env, "the second producer committed it", () => topicBodies().includes("open1"));
    assert.deepEqual(secondListener.checks.filter((body) => body === "open1"), ["open1"]);
  } finally {
    release?.("UNKNOW");
    await pending.catch(() => undefined);
    await second.shutdown();
  }
});
