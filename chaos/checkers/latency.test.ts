import { test } from "node:test";
import assert from "node:assert/strict";
import type { LatencyEvidence } from "./latency.ts";
import { checkLatency, statsOf } from "./latency.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

test("nearest-rank percentiles, and null on no samples", () => {
  const values = Array.from({ length: 100 }, (_, index) => 100 - index);
  assert.deepEqual(statsOf(values), { count: 100, p50Ms: 50, p99Ms: 99, maxMs: 100 });
  assert.deepEqual(statsOf([]), { count: 0, p50Ms: null, p99Ms: null, maxMs: null });
});

test("send and end-to-end latency; fails only past a given bound", () => {
  const events = new HistoryBuilder()
    .send({ id: "a", at: 0, outcomeAt: 4 }).send({ id: "b", at: 10, outcomeAt: 30 })
    .deliver({ id: "a", at: 50 }).deliver({ id: "a", at: 60, group: "H" }).deliver({ id: "b", at: 15 })
    .build();
  const result = checkLatency(events, testContext());
  assert.equal(result.verdict, "pass");
  const evidence = result.evidence as LatencyEvidence;
  assert.deepEqual([evidence.send.p50Ms, evidence.send.maxMs], [4, 20]);
  assert.deepEqual([evidence.endToEnd.p50Ms, evidence.endToEnd.maxMs], [5, 50]);
  const bounded = checkLatency(events, testContext({ options: { latency: { endToEndP99Ms: 40 } } }));
  assert.equal(bounded.verdict, "fail");
  assert.match(bounded.summary, /end-to-end p99 50 ms > 40 ms/);
});
