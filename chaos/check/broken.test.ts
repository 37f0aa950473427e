// --broken parsing: every switch of system/broker/test_faults.ts (every role) is listed, issue
// 11's new ones parse, several combine with commas, and each names what should expose it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { brokenSwitchCatalog, brokenSwitchNames, brokenTag, brokenUsage, parseBrokenSwitch, parseBrokenSwitches } from "./broken.ts";

const issue11 = ["lockGrantEveryone", "retryWithoutDelay", "dlqOffByOne", "delayIgnored", "namesrvKeepsClosedBroker", "slaveCorruptsReplica", "syncMasterAcksEarly", "lastOffsetFromZero"];

test("issue 11's switches are listed and parse; numeric ones take a value or a default", () => {
  for (const name of issue11) assert.ok(brokenSwitchNames.includes(name), name);
  assert.deepEqual(parseBrokenSwitch("lockGrantEveryone"), { lockGrantEveryone: true });
  assert.deepEqual(parseBrokenSwitch("namesrvKeepsClosedBroker"), { namesrvKeepsClosedBroker: true });
  assert.deepEqual(parseBrokenSwitch("slaveCorruptsReplica"), { slaveCorruptsReplica: 5 });
  assert.deepEqual(parseBrokenSwitch("slaveCorruptsReplica=2"), { slaveCorruptsReplica: 2 });
  assert.throws(() => parseBrokenSwitch("dlqOffByOne=3"), /takes no value/);
  assert.throws(() => parseBrokenSwitch("slaveCorruptsReplica=0"), /positive integer/);
  assert.match(brokenUsage(), /syncMasterAcksEarly/);
});

test("several switches at once, comma-separated; an empty list is refused", () => {
  const faults = parseBrokenSwitches("delayIgnored, slaveCorruptsReplica=3");
  assert.deepEqual(faults, { delayIgnored: true, slaveCorruptsReplica: 3 });
  assert.equal(brokenTag(faults), "delayIgnored+slaveCorruptsReplica-3");
  assert.throws(() => parseBrokenSwitches(" , "), /needs a switch/);
  assert.throws(() => parseBrokenSwitches("delayIgnored,nope"), /unknown --broken switch "nope"/);
});

test("the catalog names a role and an exposing shape for every switch", () => {
  const catalog = brokenSwitchCatalog();
  assert.deepEqual(catalog.map((entry) => entry.name), [...brokenSwitchNames]);
  for (const entry of catalog) {
    assert.ok(["broker", "namesrv", "ha"].includes(entry.role), entry.name);
    assert.ok(entry.exposedBy.length > 20, entry.name);
  }
  assert.equal(catalog.find((entry) => entry.name === "namesrvKeepsClosedBroker")?.role, "namesrv");
});
