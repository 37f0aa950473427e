import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { checkCaseArbitrary, checkMixes } from "./arbitraries.ts";
import { checkScenario } from "./check_scenario.ts";
import { findProperty } from "./properties.ts";

test("the hostile property draws workload mixes; its scenarios add each mix's groups beside GroupTest", () => {
  const property = findProperty("hostile");
  const cases = fc.sample(checkCaseArbitrary(property, "2m-noslave"), { seed: 3, numRuns: 20 });
  assert.ok(cases.every((checkCase) => (checkCase.workload.mixes ?? []).length > 0));
  assert.ok(new Set(cases.flatMap((checkCase) => checkCase.workload.mixes ?? [])).size >= 4);
  for (const checkCase of cases) {
    const scenario = checkScenario(checkCase, property, "2m-noslave");
    const groups = scenario.workload.consumers.map((group) => group.group);
    assert.equal(groups[0], "GroupTest");
    assert.equal(new Set(groups).size, groups.length);
    if (checkCase.workload.mixes?.includes("failing")) assert.ok(groups.includes("GroupFailing") && scenario.quiesceMs >= 60_000);
    assert.ok(scenario.workload.producers[0]?.topic === "TopicTest", "producer-1 stays the base producer the faults name");
  }
  assert.ok(checkMixes.length > 0);
});

test("properties without mixes never draw them", () => {
  const cases = fc.sample(checkCaseArbitrary(findProperty("all"), "1m"), { seed: 3, numRuns: 10 });
  assert.ok(cases.every((checkCase) => checkCase.workload.mixes === undefined));
});
