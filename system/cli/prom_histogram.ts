// A Prometheus histogram read from counts someone else already bucketed (the broker's put latency
// histogram): prom-client's Histogram only takes observations, so this is a custom metric object
// its Registry accepts (name/help/type + get()). Invariants: `le` bounds ascending, cumulative
// bucket values non-decreasing, the +Inf bucket equals _count.
import assert from "node:assert/strict";
import type { Metric, MetricObjectWithValues, MetricValueWithName } from "prom-client";

export interface BucketedSeries {
  readonly labels: Record<string, string | number>;
  /** Upper bounds of every bucket but the last (which is +Inf), in the metric's unit. */
  readonly bounds: readonly number[];
  /** Counts per bucket (not cumulative): bounds.length + 1 entries. */
  readonly bucketCounts: readonly number[];
  readonly sum: number;
}

export function bucketedHistogram(name: string, help: string, read: () => Promise<BucketedSeries[]>): Metric {
  const metric = {
    name, help, type: "histogram", aggregator: "sum",
    async get(): Promise<Omit<MetricObjectWithValues<MetricValueWithName<string>>, "collect" | "type"> & { type: string }> {
      const values: MetricValueWithName<string>[] = [];
      for (const series of await read()) values.push(...histogramValues(name, series));
      return { name, help, type: "histogram", aggregator: "sum", values };
    },
  };
  return metric as unknown as Metric;
}

export function histogramValues(name: string, series: BucketedSeries): MetricValueWithName<string>[] {
  assert.equal(series.bucketCounts.length, series.bounds.length + 1);
  const values: MetricValueWithName<string>[] = [];
  let cumulative = 0;
  series.bounds.forEach((bound, index) => {
    if (index > 0) assert.ok(bound > series.bounds[index - 1]!, "bounds ascend");
    cumulative += series.bucketCounts[index]!;
    values.push({ metricName: `${name}_bucket`, labels: { ...series.labels, le: bound }, value: cumulative });
  });
  cumulative += series.bucketCounts[series.bounds.length]!;
  values.push({ metricName: `${name}_bucket`, labels: { ...series.labels, le: "+Inf" }, value: cumulative });
  values.push({ metricName: `${name}_sum`, labels: series.labels, value: series.sum });
  values.push({ metricName: `${name}_count`, labels: series.labels, value: cumulative });
  return values;
}
