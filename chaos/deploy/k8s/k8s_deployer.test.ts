// What k8s cannot give is refused before anything is applied, with the reason: fault kinds
// without a Chaos Mesh counterpart, faults naming a workload client (one Job pod), ACL,
// pre-filled broker topics. The executor puts the whole scenario to checkScenario, so a run
// never starts with one of them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { executeScenario } from "../../execute.ts";
import type { Scenario } from "../../scenario.ts";
import { K8sDeployer } from "./k8s_deployer.ts";
import type { KubectlRunner } from "./kubectl.ts";

const base: Scenario = {
  name: "k8s/refusals", description: "", topology: "2m-noslave",
  workload: { topics: [{ name: "T", queues: 4 }], producers: [{ count: 1, topic: "T" }], consumers: [{ group: "G", topic: "T", count: 1 }] },
  faults: [], durationMs: 10_000, quiesceMs: 0, expectations: { checkers: [] },
};

/** A runner that must never be called: refusals happen before kubectl. */
const untouchable: KubectlRunner = {
  run: () => Promise.reject(new Error("kubectl was called")),
  follow: () => { throw new Error("kubectl was called"); },
  runSync: () => { throw new Error("kubectl was called"); },
};

test("refused before the run, each with its reason", async () => {
  const deployer = new K8sDeployer({ image: "mqlab:test", runner: untouchable });
  const cases: [Partial<Scenario>, RegExp][] = [
    [{ faults: [{ atMs: 1, fault: { kind: "pause", target: "broker-a" } }] }, /cannot inject "pause": Chaos Mesh has no SIGSTOP/],
    [{ faults: [{ atMs: 1, fault: { kind: "connection-reset", source: "producer-1", target: "broker-a", midFrame: true } }] }, /cannot inject "connection-reset"/],
    [{ faults: [{ atMs: 1, healAtMs: 2, fault: { kind: "crash", target: "producer-1" } }] }, /fault 0 \(crash\) names the workload client producer-1: the workload is one Job pod/],
    [{ faults: [{ atMs: 1, healAtMs: 2, fault: { kind: "firewall", source: "consumer-G-1", target: "broker-a", port: "broker", mode: "drop", direction: "both" } }] }, /names the workload client consumer-G-1/],
    [{ faults: [{ atMs: 1, fault: { kind: "partition", shape: "halves" } }] }, /partition "halves" needs a target node/],
    [{ faults: [{ atMs: 1, fault: { kind: "acl-file", target: "broker-a", text: "" } }] }, /cannot inject "acl-file"/],
    [{ acl: { file: "globalWhiteRemoteAddresses: []\n" } }, /cannot run k8s\/refusals: ACL/],
    [{ brokerTopics: [{ node: "broker-a", prefix: "pre", count: 10, queues: 1 }] }, /brokerTopics/],
  ];
  for (const [change, reason] of cases) {
    const execution = executeScenario({ ...base, ...change }, deployer, { seed: 1, outDir: "/nonexistent", wallClock: () => 0 });
    await assert.rejects(execution, reason);
  }
});

test("what k8s can give passes the check", () => {
  const deployer = new K8sDeployer({ image: "mqlab:test", runner: untouchable });
  assert.doesNotThrow(() => deployer.checkScenario({ ...base, faults: [
    { atMs: 1, healAtMs: 2, fault: { kind: "crash", target: "broker-a" } },
    { atMs: 1, fault: { kind: "power-loss", target: "broker-b" } },
    { atMs: 1, healAtMs: 2, fault: { kind: "partition", shape: "isolate", target: "namesrv-1" } },
    { atMs: 1, healAtMs: 2, fault: { kind: "clock-skew", target: "broker-a", offsetMs: 5_000 } },
    { atMs: 1, healAtMs: 2, fault: { kind: "disk-full", target: "broker-a" } },
  ] }));
});
