// Property: random connection resets — mid-frame or between frames, reaching one side before
// the other — between every pair of roles (NameServer, broker, producers, consumers), over a
// hostile (segmenting, coalescing) network, leave every node serving. The real system runs in
// the simulator through the sim deployer. After the last reset: no node crashed (a throwing
// callback would be a "node failed" note), every send resolves within its timeout budget (no
// request hangs on a dead connection), sends succeed again, and every acknowledged message is
// consumed.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { executeScenario } from "../../execute.ts";
import type { Fault, ScheduledFault } from "../../faults/types.ts";
import type { Scenario } from "../../scenario.ts";
import { segmentationHarsh, segmentationModerate } from "../../sim/index.ts";
import { steadyWorkload } from "../../../scenarios/library/standard.ts";
import { SimDeployer } from "./sim_deployer.ts";

const nodes = ["namesrv-1", "broker-a", "producer-1", "producer-2", "consumer-GroupTest-1", "consumer-GroupTest-2"];
/** Pairs that hold connections: clients to both servers, the broker to the NameServer. */
const pairs: [string, string][] = [
  ["producer-1", "broker-a"], ["producer-2", "broker-a"], ["consumer-GroupTest-1", "broker-a"], ["consumer-GroupTest-2", "broker-a"],
  ["broker-a", "namesrv-1"], ["producer-1", "namesrv-1"], ["consumer-GroupTest-1", "namesrv-1"],
];
const durationMs = 40_000;
const lastResetMs = 25_000;
/** After the last reset: reconnect, a route poll, a rebalance. */
const recoveredAfterMs = 10_000;
const sendTimeoutMs = 3_000;

/** A flaky link: a few percent of the writes on one flow reset their connection mid-frame. */
const arbFlakyFlow: fc.Arbitrary<ScheduledFault> = fc
  .record({ atMs: fc.integer({ min: 3_000, max: 15_000 }), pair: fc.constantFrom(...pairs), resetPercent: fc.constantFrom(1, 5, 20) })
  .map(({ atMs, pair, resetPercent }): ScheduledFault => ({
    atMs,
    healAtMs: Math.min(atMs + 8_000, lastResetMs),
    fault: { kind: "flow", source: pair[0], target: pair[1], delayMs: 0, jitterMs: 0, lossPercent: 0, direction: "both", resetPercent },
  }));

const arbReset: fc.Arbitrary<ScheduledFault> = fc
  .record({
    atMs: fc.integer({ min: 3_000, max: lastResetMs }),
    pair: fc.constantFrom(...pairs),
    flip: fc.boolean(),
    midFrame: fc.boolean(),
    asymmetricDelayMs: fc.constantFrom(0, 5, 200, 2_000),
  })
  .map(({ atMs, pair, flip, midFrame, asymmetricDelayMs }): ScheduledFault => {
    const [source, target] = flip ? [pair[1], pair[0]] : pair;
    const fault: Fault = { kind: "connection-reset", source, target, midFrame, asymmetricDelayMs };
    return { atMs, healAtMs: atMs + 1_000, fault };
  });

/** Harsher than the deployer's default (segmentationModerate). */
function scenarioWith(faults: ScheduledFault[], segmentation: Scenario["simNetwork"] = { segmentation: segmentationHarsh }): Scenario {
  return {
    name: "1m/connection-resets",
    description: "random connection resets over a segmenting network",
    topology: "1m",
    workload: steadyWorkload(),
    faults,
    durationMs,
    quiesceMs: 20_000,
    expectations: { checkers: [] },
    ...(segmentation === undefined ? {} : { simNetwork: segmentation }),
  };
}

test("property: random mid-frame and asymmetric connection resets leave every node serving", async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.array(arbReset, { minLength: 1, maxLength: 10 }), fc.option(arbFlakyFlow, { nil: undefined }), async (seed, resets, flaky) => {
      const faults = flaky === undefined ? resets : [...resets, flaky];
      const execution = await executeScenario(scenarioWith(faults), new SimDeployer(), { seed, outDir: "", wallClock: () => 0 });
      assert.equal(execution.error, undefined);
      const events = execution.history.events;
      const failures = events.filter((event) => event.type === "note" && event.text.startsWith("node failed"));
      assert.deepEqual(failures, [], "no node's code threw");
      const injected = events.filter((event) => event.type === "note" && event.text.startsWith("connection-reset"));
      assert.equal(injected.length, faults.filter((scheduled) => scheduled.fault.kind === "connection-reset").length, "every reset was injected");

      const invokes = new Map(events.flatMap((event) => (event.type === "invoke" && event.op === "send" ? [[event.opId, event] as const] : [])));
      const outcomes = events.flatMap((event) => ((event.type === "ok" || event.type === "fail" || event.type === "unknown") && event.op === "send" ? [event] : []));
      assert.equal(outcomes.length, invokes.size, "every send resolved: none hangs on a reset connection");
      for (const outcome of outcomes) {
        const invoke = invokes.get(outcome.opId)!;
        const tookMs = outcome.timeMs - invoke.timeMs;
        assert.ok(tookMs <= sendTimeoutMs + 1_000, `send ${outcome.opId} took ${tookMs} ms (${outcome.type} ${outcome.error ?? ""})`);
      }
      const lateSends = outcomes.filter((outcome) => invokes.get(outcome.opId)!.timeMs >= lastResetMs + recoveredAfterMs);
      assert.ok(lateSends.length >= 50, `producers still send after the resets (${lateSends.length})`);
      assert.deepEqual(lateSends.filter((outcome) => outcome.type !== "ok").map((outcome) => `${outcome.type}: ${outcome.error}`), [], "sends succeed after the resets");

      const acked = new Set(outcomes.flatMap((outcome) => (outcome.type === "ok" ? [outcome.messageId] : [])));
      const consumed = new Set(events.flatMap((event) => (event.type === "deliver" && event.result === "success" ? [event.messageId] : [])));
      const lost = [...acked].filter((messageId) => !consumed.has(messageId));
      assert.deepEqual(lost, [], "every acknowledged message was consumed");
    }),
    { numRuns: 6, seed: 12, endOnFailure: true },
  );
});

test("the pairs name nodes of the 1m topology; scenario.simNetwork reaches the simulated network", async () => {
  for (const [source, target] of pairs) assert.ok(nodes.includes(source) && nodes.includes(target));
  const quiet = { ...scenarioWith([]), durationMs: 5_000, quiesceMs: 1_000 };
  const hashOf = async (scenario: Scenario, deployer = new SimDeployer()): Promise<string | undefined> =>
    (await executeScenario(scenario, deployer, { seed: 5, outDir: "", wallClock: () => 0 })).traceHash;
  const gentle = await hashOf({ ...quiet, simNetwork: { segmentation: null } });
  const moderateByDefault = await hashOf({ ...quiet, simNetwork: {} });
  assert.equal(await hashOf({ ...quiet, simNetwork: {} }, new SimDeployer({ segmentation: segmentationModerate })), moderateByDefault, "the deployer's default is segmentationModerate");
  assert.equal(await hashOf(quiet, new SimDeployer({ segmentation: null })), await hashOf(quiet), "the scenario's setting wins over the deployer's");
  assert.notEqual(gentle, moderateByDefault, "segmentation changes the run");
});
