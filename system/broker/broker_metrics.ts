// The figures a broker exposes for monitoring, as one plain snapshot: read from the runtime info
// the broker already keeps (store counters, put latency histogram, HA state), so the broker
// itself stays Env-only; system/cli/broker_metrics_http.ts renders the snapshot as Prometheus
// text on `metricsPort`. Also the runtime-info keys RocketMQ's StoreStatsService adds that the
// store does not fill (putMessageDistributeTime, putMessageEntireTimeMax, ...).
// Invariants: every figure is a finite number >= 0; lags are clamped at 0 (a slave can be ahead
// of a restarted master's reported max while it reconnects).
import type { BrokerConfig } from "../config/broker_config.ts";
import { assert } from "../stdx/assert.ts";
import type { BrokerCounters } from "./broker_runtime.ts";
import { PUT_LATENCY_BOUNDS_MS } from "./put_latency.ts";

export interface BrokerMetricsSource {
  readonly brokerConfig: BrokerConfig;
  readonly counters: BrokerCounters;
  readonly brokerAddr: string;
  storeRuntimeInfo(): Record<string, string>;
  haRuntimeInfo(): Record<string, string>;
}

export interface BrokerMetricsSnapshot {
  readonly cluster: string;
  readonly broker: string;
  readonly brokerIP: string;
  readonly brokerId: number;
  readonly role: string;
  readonly putMessagesTotal: number;
  readonly getMessagesTotal: number;
  readonly sendRequestsTotal: number;
  readonly pullRequestsTotal: number;
  /** putTps / getTransferedTps over the last 10 s (the first figure of RocketMQ's triple). */
  readonly putTps: number;
  readonly getTps: number;
  readonly putLatency: { readonly boundsMs: readonly number[]; readonly bucketCounts: readonly number[]; readonly count: number; readonly sumMs: number };
  readonly commitLogMaxOffset: number;
  readonly commitLogMinOffset: number;
  /** Bytes appended but not yet flushed (RocketMQ's remainHowManyDataToFlush). */
  readonly flushLagBytes: number;
  /** Master: bytes not yet pushed to its slave (0 without a slave connection); slave: undefined. */
  readonly replicationLagBytes: number | undefined;
  readonly haConnections: number;
  readonly commitLogDiskRatio: number;
  readonly bootTimestampMs: number;
}

function numberOf(table: Record<string, string>, key: string): number {
  const value = Number((table[key] ?? "0").split(" ")[0]);
  return Number.isFinite(value) ? value : 0;
}

export function brokerMetricsSnapshot(source: BrokerMetricsSource): BrokerMetricsSnapshot {
  const store = source.storeRuntimeInfo();
  const ha = source.haRuntimeInfo();
  const { counters, brokerConfig } = source;
  const maxOffset = numberOf(store, "commitLogMaxOffset");
  const flushed = store["commitLogFlushedOffset"] === undefined ? maxOffset : numberOf(store, "commitLogFlushedOffset");
  const haConnections = numberOf(ha, "haConnectionCount");
  const replicationLagBytes = brokerConfig.brokerRole === "SLAVE" ? undefined
    : haConnections === 0 ? 0 : Math.max(0, maxOffset - numberOf(ha, "haPush2SlaveMaxOffset"));
  const histogram = counters.putLatency;
  const bucketCounts = histogram === undefined ? new Array<number>(PUT_LATENCY_BOUNDS_MS.length + 1).fill(0) : [...histogram.buckets];
  const snapshot: BrokerMetricsSnapshot = {
    cluster: brokerConfig.brokerClusterName, broker: brokerConfig.brokerName, brokerIP: source.brokerAddr, brokerId: brokerConfig.brokerId,
    role: brokerConfig.brokerRole,
    putMessagesTotal: counters.putMessages, getMessagesTotal: counters.pulledMessages,
    sendRequestsTotal: counters.sendRequests, pullRequestsTotal: counters.pullRequests,
    putTps: numberOf(store, "putTps"), getTps: numberOf(store, "getTransferedTps"),
    putLatency: { boundsMs: PUT_LATENCY_BOUNDS_MS, bucketCounts, count: histogram?.count ?? 0, sumMs: histogram?.sumMs ?? 0 },
    commitLogMaxOffset: maxOffset, commitLogMinOffset: numberOf(store, "commitLogMinOffset"),
    flushLagBytes: Math.max(0, maxOffset - flushed), replicationLagBytes, haConnections,
    commitLogDiskRatio: numberOf(store, "commitLogDiskRatio"), bootTimestampMs: counters.bootTimestamp,
  };
  assert(snapshot.putLatency.bucketCounts.length === PUT_LATENCY_BOUNDS_MS.length + 1);
  assert(snapshot.flushLagBytes >= 0);
  return snapshot;
}

/** Runtime-info keys of StoreStatsService / DefaultMessageStore the store leaves out. */
export function statsRuntimeInfo(counters: BrokerCounters, store: Record<string, string>): Record<string, string> {
  const histogram = counters.putLatency;
  const putTimes = Math.max(1, numberOf(store, "putMessageTimesTotal"));
  const maxOffset = numberOf(store, "commitLogMaxOffset");
  const flushed = store["commitLogFlushedOffset"] === undefined ? maxOffset : numberOf(store, "commitLogFlushedOffset");
  const info: Record<string, string> = {
    putMessageAverageSize: String(numberOf(store, "putMessageSizeTotal") / putTimes),
    remainHowManyDataToFlush: humanReadableBytes(Math.max(0, maxOffset - flushed)),
  };
  if (histogram !== undefined) {
    info["putMessageDistributeTime"] = histogram.distributeTimeText();
    info["putMessageEntireTimeMax"] = String(histogram.maxMs);
  }
  return info;
}

/** MixAll.humanReadableByteCount(bytes, false): "512 B", "1.5 KiB". */
export function humanReadableBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const exp = Math.min(6, Math.floor(Math.log(bytes) / Math.log(1024)));
  return `${(bytes / 1024 ** exp).toFixed(1)} ${"KMGTPE"[exp - 1]!}iB`;
}
