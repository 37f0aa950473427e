// The SQL92 scenario passes in the simulator, and its SQL92 group really was filtered: it got
// some but not all of the acked messages, each matching the selector.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimDeployer } from "../../chaos/deploy/sim/sim_deployer.ts";
import { runScenario } from "../../chaos/runner.ts";
import { sqlFilterScenario } from "./filters.ts";

test("filters/2m-noslave/sql92-broker-crash passes; the SQL92 group received exactly the matching messages", async () => {
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-filters-"));
  try {
    const result = await runScenario(sqlFilterScenario("2m-noslave"), { deployer: new SimDeployer(), seed: 1, outDir });
    const failed = result.checks.filter((check) => check.verdict !== "pass").map((check) => `${check.name}: ${check.summary}`);
    assert.equal(result.verdict, "pass", result.error ?? failed.join("; "));
    const sql = result.checks.find((check) => check.name === "sql-filter")!;
    const stats = (sql.evidence["groups"] as Record<string, { delivered: number; matchingAcked: number; acked: number }>)["GroupSql"]!;
    assert.ok(stats.matchingAcked > 0 && stats.matchingAcked < stats.acked / 3, JSON.stringify(stats));
    assert.ok(stats.delivered >= stats.matchingAcked, JSON.stringify(stats));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
