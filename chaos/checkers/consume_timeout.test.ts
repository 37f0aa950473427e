import { test } from "node:test";
import assert from "node:assert/strict";
import { consumeTimeoutMsDefault, outlastedConsumeTimeout } from "./consume_timeout.ts";
import { checkDuplicates, type DuplicatesEvidence } from "./duplicates.ts";
import { checkOrder } from "./order.ts";
import { checkRetry } from "./retry.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";
import type { ConsumerGroupSpec } from "../scenario.ts";

const group = (consumeTimeoutMs?: number): ConsumerGroupSpec => ({
  group: "G", topic: "T", count: 1, ...(consumeTimeoutMs === undefined ? {} : { consumeTimeoutMs }),
});

test("a delivery outlasts consumeTimeout only with a start, on a concurrent group, beyond the timeout", () => {
  assert.ok(outlastedConsumeTimeout({ startMs: 1_000, timeMs: 5_000 }, { consumeTimeoutMs: 2_000 }));
  assert.ok(!outlastedConsumeTimeout({ startMs: 1_000, timeMs: 3_000 }, { consumeTimeoutMs: 2_000 }));
  assert.ok(!outlastedConsumeTimeout({ timeMs: 5_000 }, { consumeTimeoutMs: 2_000 }));
  assert.ok(!outlastedConsumeTimeout({ startMs: 1_000, timeMs: 5_000 }, { consumeTimeoutMs: 2_000, orderly: true }));
  assert.ok(!outlastedConsumeTimeout({ startMs: 0, timeMs: consumeTimeoutMsDefault }, undefined));
});

// m-0 (offset 0) is slow: handed at 100 ms with m-1, finished at 4.1 s, after m-1; the consumer
// sent it back at 2.1 s and its retry copy succeeded at 12.1 s.
function slowHistory(slowMs: number): HistoryBuilder {
  return new HistoryBuilder()
    .join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0"])
    .send({ id: "m-0", at: 50, offset: 0 }).send({ id: "m-1", at: 60, offset: 1 })
    .deliver({ id: "m-1", at: 110, offset: 1, extra: { startMs: 100 } })
    .deliver({ id: "m-0", at: 100 + slowMs, offset: 0, extra: { startMs: 100 } })
    .deliver({ id: "m-0", at: 12_100, offset: 0, reconsume: 1, extra: { startMs: 12_100 } });
}

test("a first delivery that outlasted consumeTimeout: its late end, its retry copy and the duplicate are by design", () => {
  const context = testContext({ groups: [group(2_000)] });
  const events = slowHistory(4_000).build();
  for (const check of [checkOrder, checkRetry, checkDuplicates]) {
    const result = check(events, context);
    assert.equal(result.verdict, "pass", `${result.name}: ${result.summary}`);
  }
  const attributed = (checkDuplicates(events, context).evidence as DuplicatesEvidence).attributed.items;
  assert.match(attributed[0]?.explainedBy ?? "", /consume timeout: the listener ran 4000 ms/);
});

test("the same history without a consume timeout to explain it fails order, retry and duplicates", () => {
  const context = testContext({ groups: [group()] });
  const events = slowHistory(4_000).build();
  for (const check of [checkOrder, checkRetry, checkDuplicates]) assert.equal(check(events, context).verdict, "fail", check.name);
  // A listener within its consumeTimeout explains nothing either.
  const quick = testContext({ groups: [group(10_000)] });
  for (const check of [checkOrder, checkRetry, checkDuplicates]) assert.equal(check(events, quick).verdict, "fail", check.name);
});

test("a failing batch that outlasted consumeTimeout is sent back twice: an early copy and a duplicate are by design (seed 1 swarm run 41)", () => {
  // m failed at 18.6 s after a 4 s listener call; the timeout's copy (level 3, sent at ~16.6 s)
  // arrived at 27.0 s, the RECONSUME_LATER copy at 28.6 s.
  const events = (startMs: number) => new HistoryBuilder()
    .join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0"]).send({ id: "m", at: 14_000, offset: 0 })
    .deliver({ id: "m", at: 18_600, result: "retry", extra: { startMs } })
    .deliver({ id: "m", at: 27_000, reconsume: 1, extra: { startMs: 27_000 } })
    .deliver({ id: "m", at: 28_600, reconsume: 1, extra: { startMs: 28_600 } }).build();
  const context = testContext({ groups: [group(2_000)] });
  for (const check of [checkRetry, checkDuplicates]) {
    assert.equal(check(events(14_600), context).verdict, "pass", check.name);
    assert.equal(check(events(18_000), context).verdict, "fail", `${check.name}: a quick failure explains nothing`);
  }
});

test("a local retry (same queue and offset) comes 5 s after the failure; a stored re-send's copy is a duplicate by design (seed 1 swarm run 160)", () => {
  const events = (localAtMs: number) => new HistoryBuilder()
    .join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0", "broker-a:1"]).send({ id: "m", at: 10_100, queue: "broker-a:1", offset: 10 })
    .deliver({ id: "m", at: 10_183, queue: "broker-a:1", offset: 10, result: "retry", extra: { storeTimeMs: 10_181 } })
    .deliver({ id: "m", at: localAtMs, queue: "broker-a:1", offset: 10, reconsume: 1, extra: { storeTimeMs: 10_181 } })
    .deliver({ id: "m", at: 23_037, queue: "broker-a:0", offset: 17, reconsume: 1, extra: { storeTimeMs: 23_037 } }).build();
  const context = testContext({ groups: [group()] });
  for (const check of [checkRetry, checkDuplicates]) assert.equal(check(events(15_502), context).verdict, "pass", check.name);
  assert.equal(checkRetry(events(12_000), context).verdict, "fail", "a local retry before the client's 5 s is early");
});
