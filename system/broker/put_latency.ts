// Put latency distribution of the send path, as RocketMQ's StoreStatsService keeps it
// (putMessageDistributeTime and putMessageEntireTimeMax in GET_BROKER_RUNTIME_INFO). Counts only:
// a fixed array of 13 buckets, allocated once. Invariant: the bucket counts sum to `count`.
import { assert } from "../stdx/assert.ts";

/** Upper bounds (exclusive, ms) of every bucket but the last; [<=0ms] holds exactly 0 ms. */
export const PUT_LATENCY_BOUNDS_MS: readonly number[] = [1, 10, 50, 100, 200, 500, 1000, 2000, 3000, 4000, 5000, 10_000];
/** StoreStatsService.PUT_MESSAGE_ENTIRE_TIME_MAX_DESC, in bucket order. */
export const PUT_LATENCY_DESCS: readonly string[] = [
  "[<=0ms]", "[0~10ms]", "[10~50ms]", "[50~100ms]", "[100~200ms]", "[200~500ms]", "[500ms~1s]", "[1~2s]", "[2~3s]", "[3~4s]",
  "[4~5s]", "[5~10s]", "[10s~]",
];
assert(PUT_LATENCY_DESCS.length === PUT_LATENCY_BOUNDS_MS.length + 1);

export class PutLatencyHistogram {
  readonly buckets = new Float64Array(PUT_LATENCY_DESCS.length);
  count = 0;
  sumMs = 0;
  maxMs = 0;

  record(latencyMs: number): void {
    assert(latencyMs >= 0, "put latency is never negative");
    let index = PUT_LATENCY_BOUNDS_MS.findIndex((bound) => latencyMs < bound);
    if (index < 0) index = PUT_LATENCY_BOUNDS_MS.length;
    this.buckets[index]! += 1;
    this.count += 1;
    this.sumMs += latencyMs;
    if (latencyMs > this.maxMs) this.maxMs = latencyMs;
  }

  /** "[<=0ms]:3 [0~10ms]:5 ..." (StoreStatsService.getPutMessageDistributeTimeStringInfo). */
  distributeTimeText(): string {
    return PUT_LATENCY_DESCS.map((desc, index) => `${desc}:${this.buckets[index]!}`).join(" ");
  }
}
