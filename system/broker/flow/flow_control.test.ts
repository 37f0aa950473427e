// Broker busy end to end (real NameServer + two brokers in this process): broker-a's sends hold
// the commit-log lock 300 ms (putMessageLockHoldMs) and may wait only 100 ms in its queue, so
// concurrent sends to it get SYSTEM_BUSY [TIMEOUT_CLEAN_QUEUE]. The 4.9.x producer does not
// retry code 2 (it is not in retryResponseCodes: the error reaches the application); a producer
// that adds 2 to retryResponseCodes retries on broker-b and every send succeeds.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AdminClient } from "../../client/admin/admin_client.ts";
import { MQBrokerError } from "../../client/client_errors.ts";
import { Producer } from "../../client/producer/producer.ts";
import { startLocalCluster } from "../../client/testing/local_cluster.ts";
import type { LocalCluster } from "../../client/testing/local_cluster.ts";
import { ResponseCode } from "../../remoting/index.ts";

let cluster: LocalCluster;
let admin: AdminClient;

before(async () => {
  cluster = await startLocalCluster({ rootDir: mkdtempSync(join(tmpdir(), "mqlab-busy-")), brokerNames: ["broker-a", "broker-b"] });
  const slow = cluster.brokers.get("broker-a")!;
  // The lab's overload knob, on broker-a only.
  slow.sendQueue.updateOptions({ putMessageLockHoldMs: 300, waitTimeMillsInSendQueue: 100 });
  admin = new AdminClient(cluster.env, { namesrvAddr: cluster.namesrvAddrs });
  admin.start();
  await admin.createTopic({ topic: "Busy", clusterName: "DefaultCluster", readQueueNums: 2, writeQueueNums: 2 });
});

after(async () => {
  admin.shutdown();
  await cluster.stop();
});

async function burst(producer: Producer, count: number): Promise<{ ok: number; busy: MQBrokerError[] }> {
  const outcomes = await Promise.allSettled(Array.from({ length: count }, (_, i) => producer.send({ topic: "Busy", body: `m${i}` })));
  const busy: MQBrokerError[] = [];
  let ok = 0;
  for (const outcome of outcomes) {
    if (outcome.status === "fulfilled") ok += 1;
    else if (outcome.reason instanceof MQBrokerError && outcome.reason.responseCode === ResponseCode.SYSTEM_BUSY) busy.push(outcome.reason);
    else throw outcome.reason;
  }
  return { ok, busy };
}

test("default producer: SYSTEM_BUSY from an overloaded broker reaches the application (not retried)", async () => {
  const producer = new Producer(cluster.env, { namesrvAddr: cluster.namesrvAddrs, producerGroup: "BusyDefault", instanceName: "busy1" });
  await producer.start();
  try {
    const { ok, busy } = await burst(producer, 12);
    assert.ok(busy.length > 0, "some sends to broker-a waited past 100 ms");
    assert.match(busy[0]!.message, /\[TIMEOUT_CLEAN_QUEUE\]broker busy, start flow control for a while/);
    assert.equal(ok + busy.length, 12);
    assert.ok(cluster.brokers.get("broker-a")!.sendQueue.stats().timeoutCleaned >= busy.length);
  } finally {
    await producer.shutdown();
  }
});

test("a producer retrying code 2 goes to the other broker and every send succeeds", async () => {
  const producer = new Producer(cluster.env, {
    namesrvAddr: cluster.namesrvAddrs, producerGroup: "BusyRetry", instanceName: "busy2",
    retryResponseCodes: [17, 14, 1, 16, 204, 205, ResponseCode.SYSTEM_BUSY], sendLatencyFaultEnable: true,
  });
  await producer.start();
  try {
    const { ok, busy } = await burst(producer, 12);
    assert.deepEqual({ ok, busy: busy.length }, { ok: 12, busy: 0 });
  } finally {
    await producer.shutdown();
  }
});
