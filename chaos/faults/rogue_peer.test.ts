// The rogue peer against the real NameServer and broker in the simulator: every attack kind is
// drawn, every malformed frame's connection is closed, every well-framed bad request gets an
// error response with its opaque, the decode-error path is reached, and the workload beside the
// rogue loses nothing (the delivery checker); the rogue-peer checker passes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { executeScenario } from "../execute.ts";
import { judge } from "../runner.ts";
import type { Scenario } from "../scenario.ts";
import { steadyWorkload } from "../../scenarios/library/standard.ts";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import { isMalformedAttack, rogueAttacks } from "./rogue_peer.ts";

function scenario(): Scenario {
  return {
    name: "1m/rogue-peer",
    description: "rogue peers on the broker and the NameServer beside a steady workload",
    topology: "1m",
    workload: steadyWorkload(),
    faults: [
      { atMs: 3_000, healAtMs: 18_000, fault: { kind: "rogue-peer", target: "broker-a" } },
      { atMs: 5_000, healAtMs: 15_000, fault: { kind: "rogue-peer", target: "namesrv-1" } },
    ],
    durationMs: 20_000,
    quiesceMs: 10_000,
    expectations: { checkers: ["delivery", "rogue-peer"] },
  };
}

test("rogue peers: malformed frames closed, bad requests refused, the workload unharmed", async () => {
  const execution = await executeScenario(scenario(), new SimDeployer(), { seed: 7, outDir: "", wallClock: () => 0 });
  assert.equal(execution.error, undefined);
  const events = execution.history.events;
  assert.deepEqual(events.filter((event) => event.type === "note" && event.text.startsWith("node failed")), []);
  const attacks = events.flatMap((event) => (event.type === "rogue" ? [event] : []));
  assert.ok(attacks.length > 40, `${attacks.length} attacks`);
  assert.deepEqual(new Set(attacks.map((attack) => attack.attack)), new Set(rogueAttacks), "every attack kind drawn");
  assert.deepEqual(new Set(attacks.map((attack) => attack.target)), new Set(["broker-a", "namesrv-1"]));
  for (const attack of attacks) {
    if (isMalformedAttack(attack.attack)) assert.equal(attack.outcome, "closed", JSON.stringify(attack));
    else {
      assert.equal(attack.outcome, "response", JSON.stringify(attack));
      assert.equal(attack.opaqueMatches, true);
      assert.notEqual(attack.responseCode, 0);
    }
  }
  assert.ok(execution.probes.collected && (execution.probes.hits["remoting.decode.error"] ?? 0) > 0, "the decode-error path was reached");
  for (const check of judge(scenario(), events, execution.endMs).checks) assert.equal(check.verdict, "pass", `${check.name}: ${check.summary}`);
});
