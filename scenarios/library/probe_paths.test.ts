// The probe-path scenarios reach their probes on every seed tried, with every checker passing,
// and sit where the battery runs them (the CI suite), with their probes required by the gate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimDeployer } from "../../chaos/deploy/sim/sim_deployer.ts";
import { runScenario } from "../../chaos/runner.ts";
import { requiredProbeNames, type ProbeName } from "../../system/env/index.ts";
import type { Scenario } from "../../chaos/scenario.ts";
import { findSuite } from "../index.ts";
import { consumeQueueGapScenario, diskFullScenario, replicationResetsScenario, slaveReadScenario, slowSlaveScenario } from "./probe_paths.ts";

const root = mkdtempSync(join(tmpdir(), "mqlab-probe-paths-"));
test.after(() => rmSync(root, { recursive: true, force: true }));

test("the consume-queue gap scenario is in the CI suite and its probes are required", () => {
  const name = consumeQueueGapScenario().name;
  assert.ok(findSuite("ci").scenarios.includes(name), "the battery's CI suite runs it");
  assert.ok(requiredProbeNames.includes("store.consume-queue.gap"));
  assert.ok(requiredProbeNames.includes("ha.master.divergence"));
});

for (const seed of [1, 2, 3]) {
  test(`consume-queue gap, seed ${seed}: the slave's queues get a gap after the rack power loss; every checker passes`, async () => {
    const result = await runScenario(consumeQueueGapScenario(), { deployer: new SimDeployer(), seed, outDir: join(root, `seed-${seed}`) });
    const failed = result.checks.filter((check) => check.verdict !== "pass").map((check) => `${check.name}: ${check.summary}`);
    assert.equal(result.verdict, "pass", failed.join("; "));
    assert.ok(result.probes?.collected === true);
    assert.equal(result.probes.hits["ha.master.divergence"], 1, "the restarted master found its slave ahead");
    assert.ok((result.probes.hits["store.consume-queue.gap"] ?? 0) > 0, `no gap: ${JSON.stringify(result.probes.hits)}`);
    const replica = result.checks.find((check) => check.name === "replica");
    assert.match(replica?.summary ?? "", /after broker-a's power loss/, "the replica checker explains the divergence");
  });
}

// The rare required probes each scenario reaches on every seed (seeds 1-12 tried; see probe_paths.ts).
const reached: { scenario: () => Scenario; probes: ProbeName[] }[] = [
  {
    scenario: diskFullScenario,
    probes: [
      "store.disk.enospc", "store.disk.guard-full", "store.disk.guard-ok-again", "store.put.refused-disk-full", "broker.send.store-refused",
      "client.latency.avoided-broker", "client.latency.pick-not-best", "broker.client.consumer-expired", "broker.offset.commit-regressed",
      "store.recovery.queue-truncated",
    ],
  },
  { scenario: slowSlaveScenario, probes: ["ha.master.backpressure", "ha.sync-master.timeout", "store.recovery.tail-cut", "store.flush.thorough"] },
  { scenario: replicationResetsScenario, probes: ["ha.slave.reconnect"] },
];

test("the disk-full, slow-slave and replication-resets scenarios are in the CI suite and every probe they reach is required", () => {
  for (const { scenario, probes } of reached) {
    assert.ok(findSuite("ci").scenarios.includes(scenario().name), `the battery's CI suite runs ${scenario().name}`);
    for (const name of probes) assert.ok(requiredProbeNames.includes(name), `${name} is required`);
  }
});

for (const { scenario, probes } of reached) {
  for (const seed of [1, 2]) {
    test(`${scenario().name}, seed ${seed}: reaches ${probes.length} rare probes; every checker passes`, async () => {
      const result = await runScenario(scenario(), { deployer: new SimDeployer(), seed, outDir: join(root, `${scenario().name.replaceAll("/", "_")}-${seed}`) });
      const failed = result.checks.filter((check) => check.verdict !== "pass").map((check) => `${check.name}: ${check.summary}`);
      assert.equal(result.verdict, "pass", failed.join("; "));
      assert.ok(result.probes?.collected === true);
      const hits = result.probes.hits;
      const missing = probes.filter((name) => (hits[name] ?? 0) === 0);
      assert.deepEqual(missing, [], `not reached: ${missing.join(", ")}; hits ${JSON.stringify(hits)}`);
    });
  }
}

test("slave read: in the CI suite; the slave serves broker-a's backlog while its master is down, and every checker passes", async () => {
  const scenario = slaveReadScenario();
  assert.ok(findSuite("ci").scenarios.includes(scenario.name));
  const result = await runScenario(scenario, { deployer: new SimDeployer(), seed: 1, outDir: join(root, "slave-read-1") });
  const failed = result.checks.filter((check) => check.verdict !== "pass").map((check) => `${check.name}: ${check.summary}`);
  assert.equal(result.verdict, "pass", failed.join("; "));
  const failover = result.checks.find((check) => check.name === "failover")?.evidence as { windows: { items: { kind: string; scope: string }[] } };
  assert.ok(failover.windows.items.some((window) => window.kind === "consume-broker" && window.scope === "GroupTest@broker-a"), "broker-a's backlog was judged against the read switch");
});

for (const seed of [1, 2]) {
  test(`replication resets, seed ${seed}: many mid-frame reconnects, the slave stays a byte-identical prefix, every looked-up message is found by key`, async () => {
    const result = await runScenario(replicationResetsScenario(), { deployer: new SimDeployer(), seed, outDir: join(root, `replication-resets-keys-${seed}`) });
    assert.equal(result.verdict, "pass", result.checks.filter((check) => check.verdict !== "pass").map((check) => check.summary).join("; "));
    assert.ok(result.probes?.collected === true);
    assert.ok((result.probes.hits["ha.slave.reconnect"] ?? 0) >= 5, `few reconnects: ${JSON.stringify(result.probes.hits)}`);
    const replica = result.checks.find((check) => check.name === "replica");
    assert.match(replica?.summary ?? "", /byte-identical prefix/);
    const lookups = result.checks.find((check) => check.name === "key-lookup");
    assert.match(lookups?.summary ?? "", /^\d+ key lookups answered: \d+ found/);
    const evidence = lookups?.evidence as { lookups: number; found: number };
    assert.ok(evidence.lookups >= 100 && evidence.found === evidence.lookups, lookups?.summary);
  });
}
