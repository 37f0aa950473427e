import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Registry } from "prom-client";
import { bucketedHistogram, histogramValues } from "./prom_histogram.ts";
import { parsePrometheusText } from "./console/testing/prom_text.ts";

test("a pre-bucketed histogram renders as valid Prometheus text with cumulative buckets", async () => {
  const registry = new Registry();
  registry.registerMetric(bucketedHistogram("x_latency_seconds", "latency", () => Promise.resolve([
    { labels: { broker: "a" }, bounds: [0.01, 0.1], bucketCounts: [3, 2, 1], sum: 0.5 },
  ])));
  const text = await registry.metrics();
  const histogram = parsePrometheusText(text).find((f) => f.name === "x_latency_seconds");
  assert.equal(histogram?.type, "HISTOGRAM");
  // parse-prometheus-text-format folds a labelled histogram's buckets into one sample (it drops
  // the labels and _count there), so the series lines are checked on the text as well.
  assert.deepEqual(histogram?.metrics[0]?.buckets, { "0.01": "3", "0.1": "5", "+Inf": "6" });
  assert.match(text, /^x_latency_seconds_count\{broker="a"\} 6$/m);
  assert.match(text, /^x_latency_seconds_sum\{broker="a"\} 0\.5$/m);
});

test("cumulative buckets never decrease and +Inf equals the count", () => {
  fc.assert(fc.property(fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 12 }), (counts) => {
    const bounds = counts.slice(1).map((_, index) => index + 1);
    const values = histogramValues("h", { labels: {}, bounds, bucketCounts: counts, sum: 0 });
    const buckets = values.filter((v) => v.metricName === "h_bucket").map((v) => v.value);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]! >= buckets[i - 1]!);
    assert.equal(buckets[buckets.length - 1], counts.reduce((a, b) => a + b, 0));
    assert.equal(values.find((v) => v.metricName === "h_count")?.value, buckets[buckets.length - 1]);
  }));
});
