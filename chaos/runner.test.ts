// A scenario of each topology passes in the simulator, and running it again from its run
// directory (what `mqlab replay` does) gives the same traceHash and verdict.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimDeployer } from "./deploy/sim/sim_deployer.ts";
import { runScenario } from "./runner.ts";
import { readScenarioFile } from "./scenario_json.ts";
import { readRunResult } from "./result.ts";
import { standardScenario } from "../scenarios/library/standard.ts";
import { topologyNames } from "./scenario.ts";
import { writeRunReport } from "../reports/run_dir.ts";
import type { Scenario } from "./scenario.ts";

function shortened(scenario: Scenario): Scenario {
  return { ...scenario, durationMs: 60_000, quiesceMs: 60_000 };
}

for (const topology of topologyNames) {
  test(`${topology}: a no-fault scenario passes and replays to the same traceHash and verdict`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mqlab-run-"));
    try {
      const scenario = shortened(standardScenario(topology, "no-fault"));
      const first = await runScenario(scenario, { deployer: new SimDeployer(), seed: 5, outDir: join(dir, "first") });
      assert.equal(first.verdict, "pass", JSON.stringify(first.checks.filter((check) => check.verdict !== "pass")));
      assert.ok(first.counts.acked > 0 && first.counts.lost === 0);
      // Without a fault nothing is delivered twice: a second consumer's join rebalances the
      // first one at once (regression: a notify racing a rebalance pass was dropped).
      assert.equal(first.counts.duplicated, 0);
      assert.match(first.traceHash ?? "", /^[0-9a-f]{64}$/);
      const html = readFileSync(writeRunReport(join(dir, "first")), "utf8");
      assert.match(html, /PASS/);
      const again = await runScenario(readScenarioFile(join(dir, "first")), { deployer: new SimDeployer(), seed: readRunResult(join(dir, "first")).seed, outDir: join(dir, "replay") });
      assert.equal(again.traceHash, first.traceHash);
      assert.equal(again.verdict, first.verdict);
      assert.deepEqual(again.counts, first.counts);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
