import assert from "node:assert/strict";
import { test } from "node:test";
import type { BrokerConfig } from "../config/broker_config.ts";
import { brokerMetricsSnapshot, humanReadableBytes, statsRuntimeInfo } from "./broker_metrics.ts";
import { PutLatencyHistogram } from "./put_latency.ts";

const config = { brokerClusterName: "C", brokerName: "b", brokerId: 0, brokerRole: "SYNC_MASTER" } as BrokerConfig;

test("snapshot: flush lag, replication lag from the HA push offset, put latency buckets", () => {
  const putLatency = new PutLatencyHistogram();
  putLatency.record(0);
  putLatency.record(12);
  const counters = { sendRequests: 4, putMessages: 2, pullRequests: 1, pulledMessages: 1, bootTimestamp: 1000, putLatency };
  const store = { commitLogMaxOffset: "5000", commitLogFlushedOffset: "4000", commitLogMinOffset: "0", putTps: "1.50 1.00 0.50", getTransferedTps: "0.00", commitLogDiskRatio: "0.4200" };
  const snapshot = brokerMetricsSnapshot({
    brokerConfig: config, counters, brokerAddr: "127.0.0.1:10911", storeRuntimeInfo: () => store,
    haRuntimeInfo: () => ({ haConnectionCount: "1", haPush2SlaveMaxOffset: "4500" }),
  });
  assert.equal(snapshot.flushLagBytes, 1000);
  assert.equal(snapshot.replicationLagBytes, 500);
  assert.equal(snapshot.putTps, 1.5);
  assert.equal(snapshot.commitLogDiskRatio, 0.42);
  assert.deepEqual(snapshot.putLatency.bucketCounts.slice(0, 3), [1, 0, 1]);
  const noSlave = brokerMetricsSnapshot({ brokerConfig: config, counters, brokerAddr: "x", storeRuntimeInfo: () => store, haRuntimeInfo: () => ({}) });
  assert.equal(noSlave.replicationLagBytes, 0);
  const slave = brokerMetricsSnapshot({ brokerConfig: { ...config, brokerRole: "SLAVE" }, counters, brokerAddr: "x", storeRuntimeInfo: () => store, haRuntimeInfo: () => ({}) });
  assert.equal(slave.replicationLagBytes, undefined);
  const info = statsRuntimeInfo(counters, { ...store, putMessageTimesTotal: "2", putMessageSizeTotal: "300" });
  assert.equal(info["putMessageAverageSize"], "150");
  assert.equal(info["putMessageEntireTimeMax"], "12");
  assert.equal(info["remainHowManyDataToFlush"], "1000 B");
});

test("humanReadableBytes follows MixAll.humanReadableByteCount(bytes, false)", () => {
  assert.equal(humanReadableBytes(0), "0 B");
  assert.equal(humanReadableBytes(1536), "1.5 KiB");
  assert.equal(humanReadableBytes(3 * 1024 * 1024), "3.0 MiB");
});
