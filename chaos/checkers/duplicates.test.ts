import { test } from "node:test";
import assert from "node:assert/strict";
import type { DuplicatesEvidence } from "./duplicates.ts";
import { checkDuplicates } from "./duplicates.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

const base = (): HistoryBuilder => new HistoryBuilder()
  .join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0"])
  .sends("m-", 3, { from: 100 }).deliverAll(["m-0", "m-1", "m-2"], 5);

test("no fault, no rebalance: no duplicate allowed, and the evidence names it", () => {
  assert.equal(checkDuplicates(base().build(), testContext()).verdict, "pass");
  const events = base().deliver({ id: "m-1", at: 90_000 }).build();
  const result = checkDuplicates(events, testContext());
  assert.equal(result.verdict, "fail");
  const entry = (result.evidence as DuplicatesEvidence).unexplained.items[0];
  assert.deepEqual([entry?.id, entry?.receiver, entry?.queue, entry?.firstMs, entry?.duplicateMs], ["m-1", "G", "broker-a:0", 115, 90_000]);
  assert.match(result.summary, /m-1 to G on broker-a:0/);
});

test("a retry followed by a success is not a duplicate", () => {
  const events = new HistoryBuilder().send({ id: "m", at: 0 }).deliver({ id: "m", at: 5, result: "retry" }).deliver({ id: "m", at: 10_100, reconsume: 1 }).build();
  assert.equal((checkDuplicates(events, testContext()).evidence as DuplicatesEvidence).duplicates, 0);
});

test("a duplicate after a broker crash or a queue moving to another consumer is attributed", () => {
  const crash = base().fault(50_000, 60_000, "crash", "broker-a").deliver({ id: "m-1", at: 70_000 }).build();
  const result = checkDuplicates(crash, testContext());
  assert.equal(result.verdict, "pass", result.summary);
  assert.match((result.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /crash broker-a/);
  const moved = base().join(40_000, "consumer-G-2").rebalance(41_000, "consumer-G-2", ["broker-a:0"]).rebalance(41_000, "consumer-G-1", [])
    .deliver({ id: "m-1", at: 42_000, process: "consumer-G-2" }).build();
  const movedResult = checkDuplicates(moved, testContext({ groups: [{ group: "G", topic: "T", count: 2 }] }));
  assert.equal(movedResult.verdict, "pass", movedResult.summary);
  assert.match((movedResult.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /moving broker-a:0 from consumer-G-1 to consumer-G-2/);
  // A window long over before the first success explains nothing.
  const stale = base().fault(-200_000, -150_000, "crash", "broker-a").deliver({ id: "m-1", at: 90_000 }).build();
  assert.equal(checkDuplicates(stale, testContext()).verdict, "fail");
});

test("broadcasting: each consumer receiving a message once is not a duplicate", () => {
  const context = testContext({ groups: [{ group: "B", topic: "T", count: 2, model: "BROADCASTING" }] });
  const events = new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 5, group: "B", process: "consumer-B-1" }).deliver({ id: "m", at: 6, group: "B", process: "consumer-B-2" }).build();
  assert.equal((checkDuplicates(events, context).evidence as DuplicatesEvidence).duplicates, 0);
});
