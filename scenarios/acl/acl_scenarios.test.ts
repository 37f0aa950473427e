// The ACL lab scenario in the simulator: what each ACL fault does to the recorded history, and
// that the checkers still pass (rejected sends are `fail`, never `unknown`; every acked message
// is consumed).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SimDeployer } from "../../chaos/deploy/sim/sim_deployer.ts";
import { executeScenario } from "../../chaos/execute.ts";
import { judge } from "../../chaos/runner.ts";
import { sendOps } from "../incidents/readings.ts";
import { aclFaultsScenario, aclWindows } from "./acl_scenarios.ts";

test("ACL faults in the sim: wrong secret, revoked PUB, malformed file", { timeout: 300_000 }, async () => {
  const scenario = aclFaultsScenario();
  const dir = mkdtempSync(join(tmpdir(), "mqlab-acl-sim-"));
  try {
    const execution = await executeScenario(scenario, new SimDeployer(), { seed: 7, outDir: dir, wallClock: () => Date.now() });
    assert.equal(execution.error, undefined);
    const history = execution.history.events;
    const sends = sendOps(history);
    const inWindow = (op: { invokeMs: number }, window: { atMs: number; healAtMs: number }, slackMs: number): boolean =>
      op.invokeMs >= window.atMs + slackMs && op.invokeMs < window.healAtMs;
    // Wrong secret on producer-1 only: its sends fail (certainly not stored), producer-2's succeed.
    const p1Secret = sends.filter((op) => op.process === "producer-1" && inWindow(op, aclWindows.secret, 1_000));
    assert.ok(p1Secret.length > 50);
    assert.ok(p1Secret.every((op) => op.outcome === "fail"), JSON.stringify(p1Secret.find((op) => op.outcome !== "fail")));
    assert.match(p1Secret[0]!.error ?? "", /AclException: Check signature failed for accessKey=labClient1/);
    const p2Secret = sends.filter((op) => op.process === "producer-2" && inWindow(op, aclWindows.secret, 1_000));
    assert.ok(p2Secret.length > 50 && p2Secret.every((op) => op.outcome === "ok"));
    // Revoked PUB: once the watcher reloaded (≤ 5 s), every send fails with the permission remark.
    const revoked = sends.filter((op) => inWindow(op, aclWindows.revoke, 6_000));
    assert.ok(revoked.length > 100);
    assert.ok(revoked.every((op) => op.outcome === "fail"));
    assert.match(revoked[0]!.error ?? "", /AclException: No default permission for topic:TopicAcl/);
    // Restored file: sends succeed again after the next reload.
    const afterRevoke = sends.filter((op) => op.invokeMs >= aclWindows.revoke.healAtMs + 6_000 && op.invokeMs < aclWindows.malformed.atMs);
    assert.ok(afterRevoke.length > 100 && afterRevoke.every((op) => op.outcome === "ok"));
    // Malformed file: the broker keeps the last good config; nothing fails.
    const malformed = sends.filter((op) => inWindow(op, aclWindows.malformed, 0));
    assert.ok(malformed.length > 100 && malformed.every((op) => op.outcome === "ok"), JSON.stringify(malformed.find((op) => op.outcome !== "ok")));
    assert.equal(sends.filter((op) => op.outcome === "unknown").length, 0);
    const verdict = judge(scenario, history, execution.simulatedMs ?? 0);
    assert.equal(verdict.verdict, "pass", JSON.stringify(verdict.checks.filter((check) => check.verdict === "fail")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
