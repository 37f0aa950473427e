// The probe-path scenarios reach their probes on every seed tried, with every checker passing,
// and sit where the battery runs them (the CI suite), with their probes required by the gate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimDeployer } from "../../chaos/deploy/sim/sim_deployer.ts";
import { runScenario } from "../../chaos/runner.ts";
import { requiredProbeNames } from "../../system/env/index.ts";
import { findSuite } from "../index.ts";
import { consumeQueueGapScenario } from "./probe_paths.ts";

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
