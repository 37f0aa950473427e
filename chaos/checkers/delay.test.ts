import { test } from "node:test";
import assert from "node:assert/strict";
import type { DelayEvidence } from "./delay.ts";
import { checkDelay, delayOfLevel, parseDelayLevels } from "./delay.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

test("delay levels: RocketMQ's default table, overrides, clamping", () => {
  const levels = parseDelayLevels("1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h");
  assert.deepEqual([levels.length, delayOfLevel(levels, 1), delayOfLevel(levels, 3), delayOfLevel(levels, 18), delayOfLevel(levels, 40)], [18, 1000, 10_000, 7_200_000, 7_200_000]);
  assert.throws(() => parseDelayLevels("1s 5x"), /cannot parse/);
});

test("a delayed message delivered after its level's delay passes; before it fails with the evidence", () => {
  const ok = new HistoryBuilder().send({ id: "d", at: 1000, delayLevel: 2 }).deliver({ id: "d", at: 6_050 }).build();
  const passed = checkDelay(ok, testContext({ endMs: 100_000 }));
  assert.equal(passed.verdict, "pass", passed.summary);
  assert.equal((passed.evidence as DelayEvidence).maxLateMs, 50);
  const early = new HistoryBuilder().send({ id: "d", at: 1000, delayLevel: 2 }).deliver({ id: "d", at: 3_000 }).build();
  const result = checkDelay(early, testContext({ endMs: 100_000 }));
  assert.equal(result.verdict, "fail");
  const entry = (result.evidence as DelayEvidence).early.items[0];
  assert.deepEqual([entry?.id, entry?.level, entry?.delayMs, entry?.earlyByMs, entry?.process], ["d", 2, 5000, 3000, "consumer-G-1"]);
  // The tolerance is 100 ms: 99 ms early is accepted.
  const edge = new HistoryBuilder().send({ id: "d", at: 1000, delayLevel: 2 }).deliver({ id: "d", at: 5_901 }).build();
  assert.equal(checkDelay(edge, testContext({ endMs: 100_000 })).verdict, "pass");
});

test("a brokerConfig messageDelayLevel override is honoured", () => {
  const events = new HistoryBuilder().send({ id: "d", at: 0, delayLevel: 1 }).deliver({ id: "d", at: 300 }).build();
  const context = { ...testContext({ endMs: 100_000 }), brokerConfig: { messageDelayLevel: "1s 5s" } };
  assert.equal(checkDelay(events, context).verdict, "fail");
  const fast = { ...testContext({ endMs: 100_000 }), brokerConfig: { messageDelayLevel: "0s 1s" } };
  assert.equal(checkDelay(events, fast).verdict, "pass");
});

test("a delayed message whose only copy a client re-send put into a DLQ the run did not read is not judged missing", () => {
  // Delivered on time, failed; the send-back failed and the client's re-send carried count 2 =
  // maxReconsumeTimes, so it was dead-lettered where the run did not look (the delivery checker lists it).
  const history = new HistoryBuilder().send({ id: "d", at: 1000, delayLevel: 2 })
    .deliver({ id: "d", at: 6_050, result: "retry" }).resend({ id: "d", at: 6_080, reconsume: 1, queue: "broker-a:0" }).build();
  const context = (maxReconsumeTimes: number) => testContext({ endMs: 100_000, groups: [{ group: "G", topic: "T", count: 1, maxReconsumeTimes }] });
  const unread = checkDelay(history, context(2));
  assert.equal(unread.verdict, "pass", unread.summary);
  assert.equal(checkDelay(history, context(16)).verdict, "fail");
});

test("a due delayed message never delivered fails; one not due before the end is not judged", () => {
  const never = new HistoryBuilder().send({ id: "d", at: 0, delayLevel: 3 }).build();
  const result = checkDelay(never, testContext({ endMs: 200_000 }));
  assert.equal(result.verdict, "fail");
  assert.deepEqual((result.evidence as DelayEvidence).neverDelivered.items[0], { id: "d", level: 3, receiver: "G", dueMs: 10_000 });
  const late = checkDelay(never, testContext({ endMs: 20_000 }));
  assert.equal(late.verdict, "pass");
  assert.equal((late.evidence as DelayEvidence).notDueByEnd, 1);
});

test("a clock skew overlapping the delay excuses an early delivery (counted)", () => {
  const early = new HistoryBuilder().send({ id: "d", at: 1000, delayLevel: 2 }).deliver({ id: "d", at: 3_000 }).fault(500, 2_000, "clock-skew", "broker-a").build();
  const result = checkDelay(early, testContext({ endMs: 100_000 }));
  assert.equal(result.verdict, "pass", result.summary);
  assert.equal((result.evidence as DelayEvidence).skewExcused, 1);
});
