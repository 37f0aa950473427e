// The hostile-network scenarios pass every checker in the simulator, and their resets really
// cut connections (the sim deployer notes how many each reset hit or armed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimDeployer } from "../../chaos/deploy/sim/sim_deployer.ts";
import { parseHistoryJsonl } from "../../chaos/history/types.ts";
import { runScenario } from "../../chaos/runner.ts";
import { connectionResetScenario } from "./network.ts";

test("network/1m/connection-resets passes every checker, and its resets cut connections", async () => {
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-network-"));
  try {
    const result = await runScenario(connectionResetScenario("1m"), { deployer: new SimDeployer(), seed: 1, outDir });
    const failed = result.checks.filter((check) => check.verdict !== "pass").map((check) => `${check.name}: ${check.summary}`);
    assert.equal(result.verdict, "pass", result.error ?? failed.join("; "));
    const notes = parseHistoryJsonl(readFileSync(join(outDir, "history.jsonl"), "utf8"))
      .flatMap((event) => (event.type === "note" ? [event.text] : []));
    assert.deepEqual(notes.filter((text) => text.startsWith("node failed")), []);
    const hits = notes.flatMap((text) => {
      const match = /^connection-reset .*: (\d+) reset, (\d+) armed/.exec(text);
      return match === null ? [] : [Number(match[1]) + Number(match[2])];
    });
    assert.equal(hits.length, 6, "six scheduled resets");
    assert.ok(hits.every((count) => count > 0), `every reset found a connection to cut or arm: ${hits.join(",")}`);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
