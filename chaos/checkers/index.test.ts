import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import type { DeliveryEvidence } from "./delivery.ts";
import { allCheckerNames, computeCounts, runCheckers } from "./index.ts";
import type { OrderEvidence } from "./order.ts";
import type { RebalanceEvidence } from "./rebalance.ts";
import { cleanCaseArb, dropDelivery, duplicateDelivery, swapDeliveries } from "./testing/arbitraries.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

const verdicts = (checks: readonly CheckResult[]): Record<string, string> =>
  Object.fromEntries(checks.map((check) => [check.name, check.verdict]));
const failing = (checks: readonly CheckResult[]): string[] =>
  checks.filter((check) => check.verdict === "fail").map((check) => check.name);
const check = (checks: readonly CheckResult[], name: string): CheckResult => {
  const found = checks.find((entry) => entry.name === name);
  assert.ok(found, `no ${name} check`);
  return found;
};

test("runCheckers runs the scenario's checkers, or all of them", () => {
  const events = new HistoryBuilder().sends("m-", 2).deliverAll(["m-0", "m-1"], 5).build();
  assert.deepEqual(runCheckers(events, testContext()).map((result) => result.name), [...allCheckerNames]);
  assert.equal(allCheckerNames.length, 21);
  const only = testContext({ expectations: { checkers: ["order", "delivery"] } });
  assert.deepEqual(runCheckers(events, only).map((result) => result.name), ["delivery", "order"]);
});

test("property: clean histories pass every checker", () => {
  fc.assert(fc.property(cleanCaseArb, ({ history, context }) => {
    const checks = runCheckers(history, context);
    assert.deepEqual(failing(checks), [], checks.map((entry) => `${entry.name}: ${entry.summary}`).join("\n"));
  }), { numRuns: 150 });
});

test("property: dropping a delivery fails delivery, naming the message", () => {
  fc.assert(fc.property(cleanCaseArb, fc.nat(), ({ history, context }, pick) => {
    const broken = dropDelivery(history, pick);
    fc.pre(broken !== null);
    const checks = runCheckers(broken.history, context);
    assert.deepEqual(failing(checks), ["delivery"]);
    const evidence = check(checks, "delivery").evidence as DeliveryEvidence;
    assert.ok(evidence.lost.items.some((entry) => entry.id === broken.id));
  }), { numRuns: 100 });
});

test("property: a duplicate is counted, fails delivery past maxDuplicated, and fails the budget unexplained", () => {
  fc.assert(fc.property(cleanCaseArb, fc.nat(), ({ history, context }, pick) => {
    const broken = duplicateDelivery(history, pick);
    fc.pre(broken !== null);
    const checks = runCheckers(broken.history, context);
    assert.deepEqual(failing(checks), ["delivery", "duplicates"]);
    const evidence = check(checks, "delivery").evidence as DeliveryEvidence;
    assert.deepEqual(evidence.duplicated.items.map((entry) => [entry.id, entry.count]), [[broken.id, 2]]);
    // Without maxDuplicated the delivery check only counts it; the budget still wants a cause.
    const lenient: CheckContext = { ...context, options: {} };
    assert.deepEqual(failing(runCheckers(broken.history, lenient)), ["duplicates"]);
    assert.equal(computeCounts(broken.history, lenient).duplicated, 1);
  }), { numRuns: 100 });
});

test("property: swapping two deliveries of a queue fails order, naming the queue", () => {
  fc.assert(fc.property(cleanCaseArb, fc.nat(), ({ history, context }, pick) => {
    const broken = swapDeliveries(history, pick);
    fc.pre(broken !== null);
    const checks = runCheckers(broken.history, context);
    assert.ok(failing(checks).includes("order"), JSON.stringify(verdicts(checks)));
    assert.ok(!failing(checks).includes("delivery"));
    const evidence = check(checks, "order").evidence as OrderEvidence;
    assert.equal(evidence.queueReorders.items[0]?.queue, broken.queue);
  }), { numRuns: 100 });
});

test("property: a queue stolen by a second consumer fails rebalance", () => {
  fc.assert(fc.property(cleanCaseArb, ({ history, context }) => {
    const snapshots = history.filter((event) => event.type === "rebalance" && event.group === "G0" && event.queues.length > 0);
    const [victim, thief] = snapshots;
    fc.pre(victim?.type === "rebalance" && thief?.type === "rebalance");
    const stolen = victim.queues[0] ?? "";
    const broken: HistoryEvent[] = [...history, { ...thief, timeMs: 2, queues: [...thief.queues, stolen].sort() }];
    const checks = runCheckers(broken, { ...context, endMs: 10_000_000 });
    assert.ok(failing(checks).includes("rebalance"));
    const group = (check(checks, "rebalance").evidence as RebalanceEvidence).groups[0];
    assert.deepEqual(group?.doubleHeld.map((entry) => entry.queue), [stolen]);
  }), { numRuns: 100 });
});

// bench_checkers.ts measures 1e6 events; this keeps a smaller run in the unit tests.
test("150k events are checked quickly (linear passes plus sorts)", () => {
  const builder = new HistoryBuilder();
  const queues = ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"];
  builder.join(0, "consumer-G-1").rebalance(1, "consumer-G-1", queues);
  const messages = 50_000;
  for (let index = 0; index < messages; index++) {
    builder.send({ id: `m-${index}`, at: 10 + index, queue: queues[index % 4] ?? "", offset: Math.floor(index / 4) })
      .deliver({ id: `m-${index}`, at: 15 + index });
  }
  const history = builder.events;
  assert.ok(history.length >= 150_000);
  const context = testContext({ queues: 2 });
  const started = performance.now();
  const checks = runCheckers(history, context);
  const elapsedMs = performance.now() - started;
  assert.deepEqual(failing(checks), []);
  assert.ok(elapsedMs < 15_000, `took ${elapsedMs} ms`);
});
