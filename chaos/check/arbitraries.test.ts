// The generators' contract: every case becomes a valid scenario over the topology's real node
// names, faults heal inside the send phase, process faults never overlap on a node, and the
// same seed gives the same cases.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { validateScenario } from "../execute.ts";
import { planCluster } from "../plan.ts";
import { faultTarget, type ScheduledFault } from "../faults/types.ts";
import { topologyNames } from "../scenario.ts";
import { checkCaseArbitrary, checkNodes, checkTiming, normalizeSchedule } from "./arbitraries.ts";
import { brokenTag, parseBrokenSwitch } from "./broken.ts";
import { checkersWithMixes, checkScenario, mixCheckers } from "./check_scenario.ts";
import { checkProperties, findProperty } from "./properties.ts";

function namesIn(scheduled: ScheduledFault): string[] {
  const fault = scheduled.fault;
  switch (fault.kind) {
    case "firewall":
    case "flow":
      return [fault.source, fault.target];
    case "heartbeat-loss":
      return [fault.source];
    case "partition":
      return fault.target === undefined ? [] : [fault.target];
    case "namesrv-all-down":
      return [];
    default:
      return [fault.target];
  }
}

test("every generated case is a valid scenario over the topology's node names", () => {
  for (const topology of topologyNames) {
    const plan = planCluster(checkScenario({ seed: 1, workload: { producers: 1, ratePerSecond: 5, consumers: 2, ordered: false, flushDiskType: "SYNC_FLUSH" }, faults: [] }, findProperty("all"), topology), 1);
    const known = new Set([...plan.nameServers, ...plan.brokers.map((broker) => broker.node), ...checkNodes(topology).clients]);
    for (const property of checkProperties) {
      fc.assert(fc.property(checkCaseArbitrary(property, topology), (checkCase) => {
        const scenario = checkScenario(checkCase, property, topology);
        validateScenario(scenario);
        // The property's checkers, then each drawn mix's own (check_scenario.ts mixCheckers).
        assert.deepEqual(scenario.expectations.checkers, checkersWithMixes(property.checkers, checkCase.workload.mixes ?? []));
        for (const mix of checkCase.workload.mixes ?? []) for (const checker of mixCheckers[mix]) assert.ok(scenario.expectations.checkers.includes(checker));
        if (property.flushDiskType !== undefined) assert.equal(scenario.brokerConfig?.flushDiskType, property.flushDiskType);
        assert.ok(scenario.faults.length <= checkTiming.faultsMax);
        for (const scheduled of scenario.faults) {
          assert.ok(property.faultWeights[scheduled.fault.kind as keyof typeof property.faultWeights] !== undefined, `${property.name} drew ${scheduled.fault.kind}`);
          for (const name of namesIn(scheduled)) assert.ok(known.has(name), `${topology}: unknown node ${name}`);
          assert.ok(scheduled.healAtMs !== undefined && scheduled.healAtMs > scheduled.atMs);
          assert.ok(scheduled.healAtMs <= checkTiming.sendMs - checkTiming.healMarginMs);
        }
        // Consumers 1 and 2 (named by faults) always exist.
        assert.ok((scenario.workload.consumers[0]?.count ?? 0) >= 2);
      }), { seed: 7, numRuns: 40 });
    }
  }
});

test("no two process faults overlap on one node; the schedule is sorted by time", () => {
  const property = findProperty("no-acked-loss");
  fc.assert(fc.property(checkCaseArbitrary(property, "2m-2s-sync"), ({ faults }) => {
    const process = faults.filter((scheduled) => ["crash", "power-loss", "pause"].includes(scheduled.fault.kind));
    for (const [i, a] of process.entries()) {
      for (const b of process.slice(i + 1)) {
        if (namesIn(a)[0] !== namesIn(b)[0]) continue;
        assert.ok((a.healAtMs ?? Infinity) < b.atMs || (b.healAtMs ?? Infinity) < a.atMs, "overlapping process faults on one node");
      }
    }
    for (const [i, scheduled] of faults.entries()) if (i > 0) assert.ok(faults[i - 1]!.atMs <= scheduled.atMs);
  }), { seed: 3, numRuns: 200 });
});

test("normalizeSchedule keeps the first of two overlapping process faults on a node", () => {
  const crash: ScheduledFault = { atMs: 5_000, healAtMs: 10_000, fault: { kind: "crash", target: "broker-a" } };
  const pause: ScheduledFault = { atMs: 8_000, healAtMs: 9_000, fault: { kind: "pause", target: "broker-a" } };
  const elsewhere: ScheduledFault = { atMs: 2_000, healAtMs: 9_000, fault: { kind: "pause", target: "broker-b" } };
  assert.deepEqual(normalizeSchedule([crash, pause, elsewhere]), [elsewhere, crash]);
  const later: ScheduledFault = { ...pause, atMs: 11_000, healAtMs: 12_000 };
  assert.deepEqual(normalizeSchedule([later, crash]), [crash, later]);
});

test("the same fast-check seed generates the same cases", () => {
  const arbitrary = checkCaseArbitrary(findProperty("all"), "2m-2s-async");
  assert.deepEqual(fc.sample(arbitrary, { seed: 42, numRuns: 20 }), fc.sample(arbitrary, { seed: 42, numRuns: 20 }));
  assert.notDeepEqual(fc.sample(arbitrary, { seed: 42, numRuns: 20 }), fc.sample(arbitrary, { seed: 43, numRuns: 20 }));
});

test("--broken parses flags and numeric switches, and refuses unknown ones", () => {
  assert.deepEqual(parseBrokenSwitch("ackBeforeFlush"), { ackBeforeFlush: true });
  assert.deepEqual(parseBrokenSwitch("writeBehindMs"), { writeBehindMs: 500 });
  assert.deepEqual(parseBrokenSwitch("dropEveryNthSend=7"), { dropEveryNthSend: 7 });
  assert.equal(brokenTag({ writeBehindMs: 200 }), "writeBehindMs-200");
  assert.throws(() => parseBrokenSwitch("loseEverything"), /unknown --broken switch/);
  assert.throws(() => parseBrokenSwitch("writeBehindMs=-1"), /positive integer/);
  assert.throws(() => parseBrokenSwitch("skipCommitOffset=3"), /takes no value/);
});

test("no regression: seed 42 still generates the same cases (saved seeds and paths stay valid)", () => {
  // Changing the generators on purpose invalidates printed `--seed … --path …` commands:
  // update this snapshot in the same commit and say so.
  const cases = fc.sample(checkCaseArbitrary(findProperty("no-acked-loss"), "2m-noslave"), { seed: 42, numRuns: 3 });
  const brief = cases.map((checkCase) => [checkCase.seed, checkCase.workload.producers, checkCase.workload.ratePerSecond,
    checkCase.workload.consumers, checkCase.workload.ordered,
    ...checkCase.faults.map((scheduled) => `${scheduled.atMs}-${scheduled.healAtMs} ${scheduled.fault.kind} ${faultTarget(scheduled.fault)}`)]);
  assert.deepEqual(brief, [
    [16, 2, 10, 2, true, "2000-7000 crash producer-1", "55000-59000 pause namesrv-1"],
    [2147483627, 2, 10, 2, true, "3000-26000 firewall consumer-GroupTest-1->broker-b", "40000-51000 flow producer-1->broker-a",
      "44000-55000 partition halves", "54000-59000 power-loss broker-a"],
    [25, 1, 10, 2, true, "32000-45000 crash consumer-GroupTest-2"],
  ]);
});
