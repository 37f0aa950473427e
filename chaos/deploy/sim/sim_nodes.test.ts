import { test } from "node:test";
import assert from "node:assert/strict";
import { simIndexOverrides } from "./sim_nodes.ts";

test("the sim's small index sizes apply unless the scenario's broker.conf sizes the index itself", () => {
  assert.equal(simIndexOverrides("brokerName=broker-a\n"), "\n# simulator: same IndexFile layout, smaller capacity\nmaxHashSlotNum=50000\nmaxIndexNum=200000\n");
  const own = simIndexOverrides("brokerName=broker-a\nmaxHashSlotNum=32\n maxIndexNum = 128\n");
  assert.equal(own, "", "the scenario's sizes stay (the later line of a properties file wins)");
  assert.match(simIndexOverrides("maxIndexNum=128\n"), /^maxHashSlotNum=50000$/m);
  assert.doesNotMatch(simIndexOverrides("maxIndexNum=128\n"), /maxIndexNum/);
});
