// The four topologies brought up in containers with the real mqnamesrv and mqbroker, each
// timed (image, network, NameServers, brokers), then a real firewall fault on 2m-noslave:
// broker-a cannot reach namesrv-1 while the rule holds, the others can; heal restores. Slow on
// vfs, so opt-in: MQLAB_CONTAINER_TOPOLOGIES=1 (the CI smoke suite is container_smoke).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listTopologies } from "../../topologies/index.ts";
import { MemoryHistory } from "../../history/types.ts";
import { planCluster } from "../../plan.ts";
import type { Scenario, TopologyName } from "../../scenario.ts";
import { listLeftovers } from "./cleanup.ts";
import { ContainerDeployer } from "./container_deployer.ts";
import { connectEngine } from "./engine.ts";
import { execProbe } from "./testing/exec_probe.ts";
import { containerTestsSkip } from "./testing/skip.ts";

const skip = process.env.MQLAB_CONTAINER_TOPOLOGIES ? await containerTestsSkip() : "opt-in: set MQLAB_CONTAINER_TOPOLOGIES=1 (brings up all four topologies on vfs)";

function scenarioFor(topology: TopologyName): Scenario {
  return {
    name: `test/${topology}`, description: "", topology,
    intervals: { brokerRegisterMs: 1_000, namesrvScanMs: 1_000, brokerExpiryMs: 5_000 },
    workload: { topics: [], producers: [], consumers: [] }, faults: [], durationMs: 0, quiesceMs: 0, expectations: { checkers: [] },
  };
}

test("bring-up time of each topology in containers with the real CLIs; teardown leaves nothing", { skip, timeout: 900_000 }, async () => {
  const engine = await connectEngine();
  const deployer = new ContainerDeployer();
  const lines: string[] = [];
  for (const topology of listTopologies() as TopologyName[]) {
    const outDir = mkdtempSync(join(tmpdir(), `mqlab-container-${topology}-`));
    const cluster = await deployer.deploy(planCluster(scenarioFor(topology), 1), { outDir, history: new MemoryHistory() });
    try {
      assert.equal(cluster.nodes().filter((node) => node.alive).length, cluster.nodes().length);
      if (topology === "2m-noslave") {
        const namesrv = cluster.addresses.get("namesrv-1");
        const probe = (from: string) => execProbe(engine, cluster.node(from).id, namesrv.ip, namesrv.port ?? 0, 1_000);
        const fault = { kind: "firewall", source: "broker-a", target: "namesrv-1", port: "namesrv", mode: "drop", direction: "both" } as const;
        await cluster.inject(fault, 0);
        assert.equal((await probe("broker-a")).code, "TIMEOUT");
        assert.ok((await probe("broker-b")).ok);
        await cluster.heal(fault, 0);
        assert.ok((await probe("broker-a")).ok);
      }
    } finally {
      await cluster.teardown();
    }
    const { imageMs, imageBuilt, networkMs, namesrvMs, brokersMs, totalMs } = cluster.times;
    lines.push(`${topology.padEnd(12)} total ${totalMs} ms (image ${imageMs}${imageBuilt ? " built" : " cached"}, network ${networkMs}, namesrv ${namesrvMs}, brokers ${brokersMs})`);
    assert.deepEqual(await listLeftovers(engine, cluster.runId), { containers: [], networks: [], volumes: [] });
    rmSync(outDir, { recursive: true, force: true });
  }
  console.log(`container bring-up times (real mqnamesrv + mqbroker):\n${lines.join("\n")}`);
});
