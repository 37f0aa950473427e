// An orderly consumer's unlock when its route has no master address for the queue's broker
// (NameServer trouble): as 4.9.x, nothing is sent (the broker keeps the lock until
// lockMaxLiveTime), and mqlab says so: a probe and a log line. With an address it unlocks.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ClientInstance } from "../client_instance.ts";
import { ProbeCounter } from "../../env/probe.ts";
import { RebalanceImpl } from "./rebalance_impl.ts";
import type { RebalanceHooks, RebalanceSettings } from "./rebalance_impl.ts";
import { allocateAveragely } from "./allocate_strategy.ts";

function rebalanceWith(masterAddr: string | undefined) {
  const probes = new ProbeCounter();
  const sent: { addr: string; queues: number }[] = [];
  const logged: string[] = [];
  const instance = {
    env: { probes },
    clientId: "127.0.0.1@consumer-1",
    routes: { findBrokerAddressInSubscribe: () => (masterAddr === undefined ? undefined : { brokerAddr: masterAddr, slave: false }) },
    api: { unlockBatchMQ: (addr: string, _group: string, _clientId: string, mqs: readonly unknown[]) => { sent.push({ addr, queues: mqs.length }); return Promise.resolve(); } },
    log: { info: (message: string) => logged.push(message), warn: (message: string) => logged.push(message), debug: () => undefined },
  } as unknown as ClientInstance;
  const settings: RebalanceSettings = {
    group: "G", messageModel: "CLUSTERING", strategy: allocateAveragely, orderly: true, pullMaxIdleTimeMs: 120_000, lockTimeoutMs: 1_000,
  };
  return { rebalance: new RebalanceImpl(instance, settings, {} as RebalanceHooks), probes, sent, logged };
}

const mq = { topic: "T", brokerName: "broker-a", queueId: 1 };

test("unlock without a master address sends nothing, hits the probe and says why", async () => {
  const { rebalance, probes, sent, logged } = rebalanceWith(undefined);
  await rebalance.unlock(mq, true);
  assert.deepEqual(sent, []);
  assert.equal(probes.count("client.rebalance.unlock-no-master"), 1);
  assert.match(logged.join("\n"), /unlock not sent: the route has no master address/);
});

test("unlock with a master address sends UNLOCK_BATCH_MQ there and hits no probe", async () => {
  const { rebalance, probes, sent } = rebalanceWith("10.0.0.1:10911");
  await rebalance.unlock(mq, true);
  assert.deepEqual(sent, [{ addr: "10.0.0.1:10911", queues: 1 }]);
  assert.equal(probes.count("client.rebalance.unlock-no-master"), 0);
});
