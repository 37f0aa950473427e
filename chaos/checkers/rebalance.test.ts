import { test } from "node:test";
import assert from "node:assert/strict";
import type { RebalanceEvidence } from "./rebalance.ts";
import { checkRebalance } from "./rebalance.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

const c1 = "consumer-G-1";
const c2 = "consumer-G-2";
const groupOf = (evidence: unknown) => (evidence as RebalanceEvidence).groups[0];
const context = (endMs = 600_000) => testContext({ endMs, groups: [{ group: "G", topic: "T", count: 2 }] });

test("an exact, balanced partition passes and reports its convergence", () => {
  const events = new HistoryBuilder().join(0, c1).join(0, c2)
    .rebalance(5, c1, ["broker-a:0", "broker-a:1"]).rebalance(7, c2, ["broker-b:0", "broker-b:1"]).build();
  const result = checkRebalance(events, context());
  assert.equal(result.verdict, "pass", result.summary);
  const group = groupOf(result.evidence);
  assert.deepEqual([group?.convergenceMs, group?.judged, group?.balanced], [7, true, true]);
});

test("a queue held by two consumers fails and the evidence names it and both holders", () => {
  const events = new HistoryBuilder().join(0, c1).join(0, c2)
    .rebalance(5, c1, ["broker-a:0", "broker-a:1", "broker-b:0"]).rebalance(5, c2, ["broker-b:0", "broker-b:1"]).build();
  const result = checkRebalance(events, context());
  assert.equal(result.verdict, "fail");
  assert.deepEqual(groupOf(result.evidence)?.doubleHeld, [{ queue: "broker-b:0", holders: [c1, c2] }]);
  assert.match(result.summary, /broker-b:0 held by consumer-G-1 and consumer-G-2/);
});

test("queues held by no live consumer fail", () => {
  const events = new HistoryBuilder().join(0, c1).join(0, c2)
    .rebalance(5, c1, ["broker-a:0"]).rebalance(5, c2, ["broker-b:0"]).build();
  const result = checkRebalance(events, context());
  assert.equal(result.verdict, "fail");
  assert.deepEqual(groupOf(result.evidence)?.unassigned, ["broker-a:1", "broker-b:1"]);
});

test("an unbalanced split fails for AVG and is fine for CONSISTENT_HASH", () => {
  const events = new HistoryBuilder().join(0, c1).join(0, c2)
    .rebalance(5, c1, ["broker-a:0", "broker-a:1", "broker-b:0"]).rebalance(5, c2, ["broker-b:1"]).build();
  const result = checkRebalance(events, context());
  assert.equal(result.verdict, "fail");
  assert.match(result.summary, /unbalanced split: 1\.\.3/);
  const hash = testContext({ endMs: 600_000, groups: [{ group: "G", topic: "T", count: 2, allocateStrategy: "CONSISTENT_HASH" }] });
  assert.equal(checkRebalance(events, hash).verdict, "pass");
});

test("consumers beyond the queue count are reported idle", () => {
  const builder = new HistoryBuilder();
  const queues = ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"];
  for (let index = 1; index <= 5; index++) {
    builder.join(0, `consumer-G-${index}`).rebalance(3, `consumer-G-${index}`, index <= 4 ? [queues[index - 1] ?? ""] : []);
  }
  const result = checkRebalance(builder.build(), context());
  assert.equal(result.verdict, "pass", result.summary);
  assert.deepEqual(groupOf(result.evidence)?.idle, ["consumer-G-5"]);
  assert.match(result.summary, /idle: consumer-G-5/);
});

test("a slow convergence after a join fails", () => {
  const events = new HistoryBuilder().join(0, c1).rebalance(5, c1, ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"])
    .join(100_000, c2).rebalance(101_000, c2, ["broker-b:0", "broker-b:1"])
    .rebalance(200_000, c1, ["broker-a:0", "broker-a:1"]).build();
  const result = checkRebalance(events, context());
  assert.equal(result.verdict, "fail");
  assert.match(result.summary, /converged 100\.0 s after the last change \(bound 50\.0 s\)/);
  // Meanwhile broker-b's queues were held twice for 99 s: the final state alone is fine.
  assert.deepEqual(groupOf(result.evidence)?.doubleHeld, []);
});

test("an unclean departure gets the client-expiry bound", () => {
  const events = new HistoryBuilder().join(0, c1).join(0, c2)
    .rebalance(5, c1, ["broker-a:0", "broker-a:1"]).rebalance(5, c2, ["broker-b:0", "broker-b:1"])
    .node(10_000, c2, "crash").rebalance(150_000, c1, ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"]).build();
  const result = checkRebalance(events, context());
  assert.equal(result.verdict, "pass", result.summary);
  assert.deepEqual([groupOf(result.evidence)?.convergenceMs, groupOf(result.evidence)?.boundMs], [140_000, 180_000]);
});

test("a wrong assignment too close to the end is reported but not judged", () => {
  const events = new HistoryBuilder().join(0, c1).rebalance(5, c1, ["broker-a:0"]).join(100_000, c2).build();
  const result = checkRebalance(events, context(110_000));
  assert.equal(result.verdict, "pass");
  assert.match(result.summary, /not judged \(last change consumer-G-2 joined too close to the end; seen: /);
});

test("queues of a master dead at the end are not expected", () => {
  const events = new HistoryBuilder().join(0, c1).node(50, "broker-b", "crash")
    .rebalance(60, c1, ["broker-a:0", "broker-a:1"]).build();
  assert.equal(checkRebalance(events, context()).verdict, "pass");
});

test("broadcasting: every live consumer holds every queue", () => {
  const groups = [{ group: "G", topic: "T", count: 2, model: "BROADCASTING" as const }];
  const all = ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"];
  const events = new HistoryBuilder().join(0, c1).join(0, c2).rebalance(5, c1, all).rebalance(5, c2, all.slice(1)).build();
  const result = checkRebalance(events, testContext({ endMs: 600_000, groups }));
  assert.equal(result.verdict, "fail");
  assert.deepEqual(groupOf(result.evidence)?.missing, [{ process: c2, queues: ["broker-a:0"] }]);
});

test("the teardown (leaves, stops and snapshots at or after endMs) is not part of the judged run", () => {
  const events = new HistoryBuilder().join(0, c1).join(0, c2)
    .rebalance(5, c1, ["broker-a:0", "broker-a:1"]).rebalance(5, c2, ["broker-b:0", "broker-b:1"])
    .leave(600_000, c1).rebalance(600_000, c2, ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"])
    .leave(600_001, c2).node(600_002, "broker-a", "stop").build();
  const result = checkRebalance(events, context(600_000));
  assert.equal(result.verdict, "pass", result.summary);
  const group = groupOf(result.evidence);
  assert.deepEqual([group?.judged, group?.live, group?.expectedQueues.length], [true, [c1, c2], 4]);
});

test("a master that starts before a consumer joins keeps its route-poll bound: the join does not cut it short", () => {
  // broker-b registers its queues late; consumer-G-1 joined before and sees them at its next route
  // poll — later than a join's bound, within the broker start's.
  const events = new HistoryBuilder().node(5, "broker-b", "start").join(1_000, c1).rebalance(1_005, c1, ["broker-a:0", "broker-a:1"])
    .rebalance(31_000, c1, ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"]).build();
  const single = testContext({ endMs: 600_000, groups: [{ group: "G", topic: "T", count: 1 }] });
  const result = checkRebalance(events, single);
  assert.equal(result.verdict, "pass", result.summary);
  assert.match(groupOf(result.evidence)?.lastChange ?? "", /consumer-G-1 joined \(the bound of broker-b start runs longer\)/);
});

test("an orderly group may converge 20 s + one rebalance round later (4.9.x's delayed unlock of a cached queue)", () => {
  const events = new HistoryBuilder().join(0, c1).rebalance(5, c1, ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"])
    .join(100_000, c2).rebalance(101_000, c2, ["broker-b:0"]).rebalance(101_000, c1, ["broker-a:0", "broker-a:1"])
    .rebalance(165_000, c2, ["broker-b:0", "broker-b:1"]).build();
  assert.equal(checkRebalance(events, context()).verdict, "fail", "a concurrent group's bound is 50 s");
  const orderly = testContext({ endMs: 600_000, groups: [{ group: "G", topic: "T", count: 2, orderly: true }] });
  const result = checkRebalance(events, orderly);
  assert.equal(result.verdict, "pass", result.summary);
  assert.equal(groupOf(result.evidence)?.boundMs, 90_000);
});
