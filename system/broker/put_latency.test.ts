import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PUT_LATENCY_DESCS, PutLatencyHistogram } from "./put_latency.ts";

test("put latencies land in RocketMQ's buckets and the text has its format", () => {
  const histogram = new PutLatencyHistogram();
  for (const ms of [0, 0, 3, 9, 10, 49, 700, 12_000]) histogram.record(ms);
  assert.equal(histogram.distributeTimeText(),
    "[<=0ms]:2 [0~10ms]:2 [10~50ms]:2 [50~100ms]:0 [100~200ms]:0 [200~500ms]:0 [500ms~1s]:1 [1~2s]:0 [2~3s]:0 [3~4s]:0 [4~5s]:0 [5~10s]:0 [10s~]:1");
  assert.equal(histogram.maxMs, 12_000);
  assert.equal(histogram.count, 8);
});

test("bucket counts always sum to the count", () => {
  fc.assert(fc.property(fc.array(fc.nat({ max: 20_000 })), (latencies) => {
    const histogram = new PutLatencyHistogram();
    for (const ms of latencies) histogram.record(ms);
    assert.equal(histogram.buckets.reduce((a, b) => a + b, 0), latencies.length);
    assert.equal(histogram.buckets.length, PUT_LATENCY_DESCS.length);
  }));
});
