// The rogue-peer fault on real processes: the process deployer (netns when available, else host
// mode) runs 1m with a steady workload, and two rogue peers — worker processes of their own with
// the real Env — attack the real mqbroker and mqnamesrv for a while. Every malformed frame's
// connection is closed, every well-framed bad request gets an error answer with its opaque, the
// rogues' node events bracket their attacks, and the run's checkers pass (the workload beside
// them loses nothing).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { executeScenario } from "../../execute.ts";
import { isMalformedAttack, rogueAttacks, rogueNodeName } from "../../faults/rogue_peer.ts";
import { judge } from "../../runner.ts";
import type { Scenario } from "../../scenario.ts";
import { ProcessDeployer } from "./process_deployer.ts";

const scenario: Scenario = {
  name: "test/process-rogue-peer", description: "rogue peers on the real broker and NameServer beside a steady workload", topology: "1m",
  intervals: { routePollMs: 1_000, clientHeartbeatMs: 1_000, brokerRegisterMs: 1_000, namesrvScanMs: 1_000, brokerExpiryMs: 6_000, clientScanMs: 1_000, clientExpiryMs: 6_000, rebalanceMs: 1_000, offsetPersistMs: 1_000, sendTimeoutMs: 3_000, pullSuspendMs: 2_000 },
  workload: {
    topics: [{ name: "TopicTest", queues: 4 }],
    producers: [{ count: 1, topic: "TopicTest", ratePerSecond: 20 }],
    consumers: [{ group: "GroupTest", topic: "TopicTest", count: 1 }],
  },
  faults: [
    { atMs: 2_000, healAtMs: 12_000, fault: { kind: "rogue-peer", target: "broker-a" } },
    { atMs: 3_000, healAtMs: 11_000, fault: { kind: "rogue-peer", target: "namesrv-1" } },
  ],
  durationMs: 14_000, quiesceMs: 6_000, expectations: { checkers: ["delivery", "rogue-peer"] },
};

test("rogue peers as worker processes: malformed frames closed, bad requests refused, the workload unharmed", { timeout: 180_000 }, async () => {
  const deployer = await ProcessDeployer.create();
  assert.equal(deployer.supports("rogue-peer").supported, true);
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-process-rogue-"));
  try {
    const execution = await executeScenario(scenario, deployer, { seed: 11, outDir, wallClock: () => Date.now() });
    assert.equal(execution.error, undefined, execution.error);
    const events = execution.history.events;
    const attacks = events.flatMap((event) => (event.type === "rogue" ? [event] : []));
    assert.ok(attacks.length > 20, `${attacks.length} attacks`);
    assert.deepEqual(new Set(attacks.map((attack) => attack.target)), new Set(["broker-a", "namesrv-1"]));
    assert.ok(new Set(attacks.map((attack) => attack.attack)).size >= rogueAttacks.length - 2, "most attack kinds drawn");
    for (const attack of attacks) {
      if (isMalformedAttack(attack.attack)) assert.equal(attack.outcome, "closed", JSON.stringify(attack));
      else {
        assert.equal(attack.outcome, "response", JSON.stringify(attack));
        assert.equal(attack.opaqueMatches, true, JSON.stringify(attack));
        assert.notEqual(attack.responseCode, 0, JSON.stringify(attack));
      }
    }
    // Each rogue started at its fault and stopped at its heal; its attacks lie between.
    for (const [faultIndex, { atMs, healAtMs }] of scenario.faults.entries()) {
      const node = rogueNodeName(faultIndex);
      const lifecycle = events.flatMap((event) => (event.type === "node" && event.node === node ? [event] : []));
      assert.deepEqual(lifecycle.map((event) => event.event), ["start", "stop"], node);
      assert.ok(lifecycle[0]!.timeMs >= atMs && lifecycle[1]!.timeMs >= (healAtMs ?? Infinity), JSON.stringify(lifecycle));
      const own = attacks.filter((attack) => attack.process === node);
      assert.ok(own.length > 0 && own.every((attack) => attack.timeMs >= atMs && attack.endMs <= lifecycle[1]!.timeMs), node);
    }
    for (const check of judge(scenario, events, execution.endMs).checks) assert.equal(check.verdict, "pass", `${check.name}: ${check.summary}`);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
