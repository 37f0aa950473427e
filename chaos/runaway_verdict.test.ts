// A runaway simulation (runaway_guard.ts) ends as an `error` verdict naming its sources, and the
// lab returns (teardown included) instead of hanging: the battery goes on to its next run.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SimDeployer } from "./deploy/sim/sim_deployer.ts";
import { runScenario } from "./runner.ts";
import { standardScenario } from "../scenarios/library/standard.ts";

test("a run over the event budget ends as an error verdict that names the runaway's top sources", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-runaway-"));
  try {
    const scenario = { ...standardScenario("1m", "no-fault"), durationMs: 20_000, quiesceMs: 10_000 };
    // A budget far below this cluster's normal rate stands in for a loop stuck at one instant.
    const deployer = new SimDeployer({ eventsPerSimSecondMax: 50 });
    const result = await runScenario(scenario, { deployer, seed: 1, outDir: dir });
    assert.equal(result.verdict, "error");
    assert.match(result.error ?? "", /runaway simulation: more than 50 events in simulated second \d+ .*top sources: \S+ \w+ x\d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
