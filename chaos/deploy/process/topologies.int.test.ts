// The four topologies brought up for real by the process deployer: the real mqnamesrv and
// mqbroker, each node on its own address (inside a network namespace when this machine
// allows it), with the bring-up time of each printed. Then the firewall fault on real nodes:
// while the rule holds the broker's port cannot be reached from the producer's address but the
// NameServer can; after heal it can. Teardown must leave no process and no namespace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listTopologies } from "../../topologies/index.ts";
import { MemoryHistory } from "../../history/types.ts";
import { planCluster } from "../../plan.ts";
import type { Scenario, TopologyName } from "../../scenario.ts";
import { listNetns } from "./netns.ts";
import { brokerEntry, namesrvEntry } from "../node_commands.ts";
import { ProcessDeployer } from "./process_deployer.ts";
import { runProcesses } from "./run_state.ts";

const missing = [namesrvEntry, brokerEntry].filter((path) => !existsSync(path));
const skip = missing.length > 0 ? `the real CLIs are not there yet: ${missing.join(", ")}` : false;

function scenarioFor(topology: TopologyName): Scenario {
  return {
    name: `test/${topology}`, description: "", topology,
    intervals: { brokerRegisterMs: 1_000, namesrvScanMs: 1_000, brokerExpiryMs: 5_000 },
    workload: { topics: [], producers: [], consumers: [] }, faults: [], durationMs: 0, quiesceMs: 0, expectations: { checkers: [] },
  };
}

test("bring-up time of each topology with the real CLIs; teardown leaves nothing", { skip, timeout: 240_000 }, async () => {
  const deployer = await ProcessDeployer.create({ addresses: { ipPrefix: "127.0" } });
  const lines: string[] = [];
  for (const topology of listTopologies() as TopologyName[]) {
    const outDir = mkdtempSync(join(tmpdir(), `mqlab-topology-${topology}-`));
    const cluster = await deployer.deployProcesses(planCluster(scenarioFor(topology), 1), { outDir, history: new MemoryHistory() });
    try {
      assert.equal(cluster.nodes().filter((node) => node.alive).length, cluster.nodes().length);
    } finally {
      await cluster.teardown();
    }
    const { mode, namespaceMs, namesrvMs, brokersMs, totalMs } = cluster.times;
    lines.push(`${topology.padEnd(12)} ${mode}: total ${totalMs} ms (namespace+agent ${namespaceMs}, namesrv ${namesrvMs}, brokers ${brokersMs})`);
    assert.deepEqual(runProcesses(cluster.runId), []);
    if (mode === "netns") assert.ok(!(await listNetns()).includes(`mqlab-${cluster.runId}`));
    rmSync(outDir, { recursive: true, force: true });
  }
  console.log(`bring-up times (real mqnamesrv + mqbroker):\n${lines.join("\n")}`);
});

test("firewall on real nodes: producer cannot reach the broker port, can reach the NameServer; heal restores", { skip, timeout: 120_000 }, async (t) => {
  const deployer = await ProcessDeployer.create();
  if (!deployer.supports("firewall").supported) {
    t.skip(`network faults unavailable: ${deployer.describeMode().why ?? ""}`);
    return;
  }
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-firewall-"));
  const cluster = await deployer.deployProcesses(planCluster(scenarioFor("2m-noslave"), 1), { outDir, history: new MemoryHistory() });
  try {
    const producerIp = cluster.addresses.addClient("producer-1", "producer").ip;
    const probe = (node: string) => {
      const address = cluster.addresses.get(node);
      return cluster.probe({ host: address.ip, port: address.port ?? 0, localAddress: producerIp, timeoutMs: 1_000 });
    };
    const fault = { kind: "firewall", source: "producer-1", target: "broker-a", port: "broker", mode: "drop", direction: "both" } as const;
    await cluster.inject(fault, 0);
    assert.equal((await probe("broker-a")).code, "ETIMEDOUT");
    assert.ok((await probe("namesrv-1")).ok);
    assert.ok((await probe("broker-b")).ok);
    await cluster.heal(fault, 0);
    assert.ok((await probe("broker-a")).ok);
  } finally {
    await cluster.teardown();
    rmSync(outDir, { recursive: true, force: true });
  }
});
