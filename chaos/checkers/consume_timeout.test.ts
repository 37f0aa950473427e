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
