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
import { connectionResetScenario, roguePeerScenario } from "./network.ts";

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

test("network/2m-2s-sync/rogue-peers passes every checker, and every server was attacked and answered", async () => {
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-rogue-"));
  try {
    const result = await runScenario(roguePeerScenario("2m-2s-sync"), { deployer: new SimDeployer(), seed: 1, outDir });
    const failed = result.checks.filter((check) => check.verdict !== "pass").map((check) => `${check.name}: ${check.summary}`);
    assert.equal(result.verdict, "pass", result.error ?? failed.join("; "));
    const events = parseHistoryJsonl(readFileSync(join(outDir, "history.jsonl"), "utf8"));
    const targets = new Set(events.flatMap((event) => (event.type === "rogue" ? [event.target] : [])));
    assert.deepEqual([...targets].sort(), ["broker-a", "broker-a-s", "broker-b", "broker-b-s", "namesrv-1", "namesrv-2"]);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
