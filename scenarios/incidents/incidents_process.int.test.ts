// Incidents 1, 2, 3, 7, 8 and 14 for real: NameServers, brokers and clients as OS processes in the
// run's own network namespace, faults as signals and nftables rules, wall-clock time with each
// incident's shortened process intervals. Each must show its symptom in the broken phase and
// lose it in the fixed phase, as in the simulator. About a minute per phase. Skipped, saying
// why, where this machine has no network namespace with nftables (needs root).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { netnsSupport } from "../../chaos/deploy/wall_cluster/host_commands.ts";
import { ProcessDeployer } from "../../chaos/deploy/process/process_deployer.ts";
import { runIncident } from "../../chaos/incident.ts";
import { findIncident } from "./index.ts";

const support = await netnsSupport();
const skip = support.available ? false : `the process deployer needs a network namespace with nftables: ${support.why}`;
const onProcess = ["broker-port-firewalled", "broker-crash-stale-routes", "heartbeat-loss-live-broker-expired", "consumer-heartbeat-loss", "namesrv-all-down", "broker-busy"];

for (const name of onProcess) {
  const incident = findIncident(name);
  test(`incident ${incident.number} ${name} on the process deployer: symptom in broken, gone in fixed`, { skip, timeout: 420_000 }, async () => {
    assert.ok(incident.deployers.includes("process"), `${name} declares the process deployer`);
    const outDir = mkdtempSync(join(tmpdir(), `mqlab-incident-process-${name}-`));
    try {
      const deployer = await ProcessDeployer.create({ mode: "netns" });
      const outcome = await runIncident(incident, { deployer, seed: 1, outDir });
      const summary = outcome.result.checks.map((check) => `${check.verdict} ${check.name}: ${check.summary}`).join("\n");
      console.log(`${name} (process): ${outcome.result.verdict} in ${(outcome.result.wallMs / 1000).toFixed(1)} s wall\n${summary}`);
      assert.equal(outcome.result.verdict, "pass", `${summary}\n(results kept in ${outDir})`);
      rmSync(outDir, { recursive: true, force: true });
    } catch (error) {
      console.log(`results kept in ${outDir}`);
      throw error;
    }
  });
}
