// Generated configurations for swarm runs: the topology (hence every broker's brokerRole), the
// broker.conf settings that change behaviour and the client settings, drawn from a seed.
// Every option is a fc.constantFrom(default, ...alternatives): fast-check shrinks a constantFrom
// toward its FIRST value, so a failing configuration shrinks toward RocketMQ's defaults and the
// shrunk case names only the options the failure needs. Only valid combinations are drawn:
// maxMessageSize always fits in one commit-log segment (validateBrokerConfig), consume-queue
// segments are whole 20-byte units, and every interval leaves the checkers' derived bounds
// inside the run's quiesce phase.
//
// Defaults: broker.conf and client settings default to RocketMQ 4.9.7's values. The liveness
// intervals default to `mqlab check`'s shortened ones (check_scenario.ts): RocketMQ's 30 s route
// poll and 120 s expiry do not fit in a run of tens of simulated seconds.
//
// Not drawn (mqlab does not implement them, or nothing yet judges them):
// - transientStorePoolEnable: mqlab's store has no transient store pool (system/store/).
// - waitStoreMsgOK=false: a per-message property the workload does not set, and the guarantee
//   table has no row for it (an ack before the flush is RocketMQ's documented way to lose).
import fc from "fast-check";
import type { ConsumerGroupSpec, Intervals, ProducerSpec, SimNetworkSpec, TopologyName } from "../scenario.ts";
import { checkIntervals } from "../check/check_scenario.ts";
import { segmentationHarsh, segmentationModerate } from "../sim/net_policy.ts";

export const kib = 1024;
export const mib = 1024 * 1024;

/** Every drawn option, with its default first (the shrink target). */
export const swarmOptionValues = {
  topology: ["2m-noslave", "1m", "2m-2s-async", "2m-2s-sync"] as TopologyName[],
  flushDiskType: ["ASYNC_FLUSH", "SYNC_FLUSH"] as ("ASYNC_FLUSH" | "SYNC_FLUSH")[],
  // 16 KiB segments roll every ~60 workload messages: recovery crosses segment boundaries.
  mapedFileSizeCommitLog: [1024 * mib, 1 * mib, 64 * kib, 16 * kib],
  // 20-byte units: 300,000 (default), 300 and 20 units per consume-queue file.
  mapedFileSizeConsumeQueue: [300_000 * 20, 300 * 20, 20 * 20],
  flushIntervalCommitLog: [500, 100, 2_000],
  flushCommitLogLeastPages: [4, 0, 16],
  flushCommitLogThoroughInterval: [10_000, 1_000, 30_000],
  flushIntervalConsumeQueue: [1_000, 200],
  // 0: every consume-queue flush round writes whatever is dirty, so a master's consume queue on
  // disk often runs ahead of its flushed commit log (the default 2 pages, 400 units, rarely
  // fills in a run), and recovery after a power loss must cut units past the recovered log.
  flushConsumeQueueLeastPages: [2, 0],
  syncFlushTimeout: [5_000, 1_000],
  longPollingEnable: [true, false],
  haSendHeartbeatInterval: [5_000, 1_000],
  // haHousekeepingInterval: 20 s, or 3 × haSendHeartbeatInterval (3 s or 15 s), so a replication
  // silence the fault windows (1-15 s) can make outlasts it and one side closes the connection.
  haHousekeeping: ["default", "short"] as ("default" | "short")[],
  // A page-cache stall on broker-a (system-busy's knobs): each put holds the commit-log lock
  // 20 ms; "queue-timeout" lets a send wait 50 ms in the send queue ([TIMEOUT_CLEAN_QUEUE]),
  // "busy" calls the page cache busy after 10 ms of holding ([REJECTREQUEST]). Both SYSTEM_BUSY.
  pageCacheStall: ["none", "queue-timeout", "busy"] as ("none" | "queue-timeout" | "busy")[],
  // The page cache the broker assumes (totalPhysicalMemoryBytes × accessMessageInMemoryMaxRatio
  // 40 %): "small" is 16 KiB, so ~6.5 KB of commit log counts as in memory. A consumer lagging
  // past that pulls with the in-disk caps (8 messages, 64 KiB), is told to read from a slave
  // when slaveReadEnable is on, and a group joining after a few dozen messages finds its queues
  // no longer young: consumeFromWhere (LAST_OFFSET, TIMESTAMP) decides its start, not offset 0.
  brokerMemory: ["default", "small"] as ("default" | "small")[],
  // slaveReadEnable: a master suggests its slave (whichBrokerWhenConsumeSlowly 1) to a consumer
  // lagging past the in-memory budget, and the group's broker again once it caught up.
  slaveReadEnable: [false, true],
  // Producer
  sendMode: ["sync", "async"] as ("sync" | "async")[],
  retryTimesWhenSendFailed: [2, 0, 1, 5],
  sendLatencyFaultEnable: [false, true],
  sendTimeoutMs: [3_000, 1_000],
  retryAnotherBrokerWhenNotStoreOK: [false, true],
  // Consumer
  allocateStrategy: ["AVG", "AVG_BY_CIRCLE", "CONSISTENT_HASH"] as NonNullable<ConsumerGroupSpec["allocateStrategy"]>[],
  pullBatchSize: [32, 1, 4],
  consumeMessageBatchMaxSize: [1, 4, 16],
  maxReconsumeTimes: [16, 2],
  // Java's default (false): pulls name no subscription, so a broker serves a group only once a
  // heartbeat told it the group's subscription (a restarted master, a slave read, a new consumer
  // wait for one: SUBSCRIPTION_NOT_EXIST and a retry 3 s later); true sends it in every pull.
  postSubscriptionWhenPull: [false, true],
  // "timeout": 2 % of first deliveries take 4 s with consumeTimeout 2 s (sent back, redelivered).
  slowConsume: ["none", "timeout"] as ("none" | "timeout")[],
  // pullMaxIdleTime: 120 s, or 1.5 × pullSuspendMs — above a held long poll, below a pull
  // waiting for its timeout (2 × pullSuspendMs), so a pull lost to a fault expires its queue.
  pullMaxIdle: ["default", "short"] as ("default" | "short")[],
  // Liveness intervals (mqlab check's shortened defaults first).
  routePollMs: [checkIntervals.routePollMs, 1_000, 6_000],
  clientHeartbeatMs: [checkIntervals.clientHeartbeatMs, 1_000, 6_000],
  brokerRegisterMs: [checkIntervals.brokerRegisterMs, 1_000],
  rebalanceMs: [checkIntervals.rebalanceMs, 1_000, 6_000],
  offsetPersistMs: [checkIntervals.offsetPersistMs, 200, 3_000],
  pullSuspendMs: [checkIntervals.pullSuspendMs, 1_000, 10_000],
  // Workload shape
  queues: [4, 1, 8],
  producers: [1, 2],
  ratePerSecond: [10, 5, 20],
  consumers: [2, 1, 3, 5],
  // Workload mixes (chaos/scenario.ts contract; ignored until chaos/workload implements them).
  delayPercent: [0, 10],
  batchSize: [1, 4],
  compressiblePercent: [0, 10],
  largeBodyPercent: [0, 5],
  failurePercent: [0, 10],
  burst: [false, true],
  // Simulated TCP streams (chaos/sim/net_policy.ts): whole writes, segmentationModerate (the sim
  // deployer's default) or segmentationHarsh; "none" first so a failure shrinks to whole frames.
  segmentation: ["none", "moderate", "harsh"] as ("none" | "moderate" | "harsh")[],
  // IndexFiles (the key index QUERY_MESSAGE reads): RocketMQ's 5M slots and 20M entries per
  // file never fill in a run; "small" (32 slots, 128 entries) seals a file every ~60 messages
  // (a UNIQ_KEY and a KEYS entry each) and chains colliding keys, so queries walk slot chains
  // across several files, sealed and writable, and recovery drops and rebuilds more than one.
  indexFileSize: ["default", "small"] as ("default" | "small")[],
} as const;

export type SwarmOptionName = keyof typeof swarmOptionValues;

/** One drawn configuration: a value for every option. */
export type SwarmConfig = { -readonly [K in SwarmOptionName]: (typeof swarmOptionValues)[K][number] };

export const swarmOptionNames = Object.keys(swarmOptionValues) as SwarmOptionName[];

/** The shrink target: every option at its default. */
export function defaultSwarmConfig(): SwarmConfig {
  const entries = swarmOptionNames.map((name) => [name, swarmOptionValues[name][0]]);
  return Object.fromEntries(entries) as SwarmConfig;
}

/** What a property pins (the rest is drawn). */
export type ConfigPins = Partial<SwarmConfig>;

export function swarmConfigArbitrary(pins: ConfigPins = {}): fc.Arbitrary<SwarmConfig> {
  const model = {} as { [K in SwarmOptionName]: fc.Arbitrary<SwarmConfig[K]> };
  for (const name of swarmOptionNames) {
    const values = swarmOptionValues[name] as readonly SwarmConfig[typeof name][];
    const pinned = (pins as Record<string, SwarmConfig[typeof name] | undefined>)[name];
    (model as Record<string, fc.Arbitrary<unknown>>)[name] = pinned === undefined ? fc.constantFrom(...values) : fc.constant(pinned);
  }
  return fc.record(model);
}

/** brokerMemory "small": totalPhysicalMemoryBytes, so 40 % of it (~6.5 KB) counts as in memory. */
export const smallBrokerMemoryBytes = 16 * kib;

/** maxMessageSize the brokers get: RocketMQ's 4 MiB where it fits in one commit-log segment. */
export function maxMessageSizeOf(config: Pick<SwarmConfig, "mapedFileSizeCommitLog">): number {
  return Math.min(4 * mib, config.mapedFileSizeCommitLog - 1024);
}

/** broker.conf overrides for every broker. */
export function brokerConfigOf(config: SwarmConfig): Record<string, string> {
  // RocketMQ needs maxMessageSize + its record header to fit in one segment (validateBrokerConfig
  // wants 1 KiB of headroom); keep RocketMQ's 4 MiB where it fits.
  const maxMessageSizeBytes = maxMessageSizeOf(config);
  return {
    flushDiskType: config.flushDiskType,
    mapedFileSizeCommitLog: String(config.mapedFileSizeCommitLog),
    mapedFileSizeConsumeQueue: String(config.mapedFileSizeConsumeQueue),
    maxMessageSize: String(maxMessageSizeBytes),
    ...(config.indexFileSize === "small" ? { maxHashSlotNum: "32", maxIndexNum: "128" } : {}),
    ...(config.brokerMemory === "small" ? { totalPhysicalMemoryBytes: String(smallBrokerMemoryBytes) } : {}),
    ...(config.slaveReadEnable ? { slaveReadEnable: "true" } : {}),
    flushIntervalCommitLog: String(config.flushIntervalCommitLog),
    flushCommitLogLeastPages: String(config.flushCommitLogLeastPages),
    flushCommitLogThoroughInterval: String(config.flushCommitLogThoroughInterval),
    flushIntervalConsumeQueue: String(config.flushIntervalConsumeQueue),
    flushConsumeQueueLeastPages: String(config.flushConsumeQueueLeastPages),
    syncFlushTimeout: String(config.syncFlushTimeout),
    longPollingEnable: String(config.longPollingEnable),
    haSendHeartbeatInterval: String(config.haSendHeartbeatInterval),
    haHousekeepingInterval: String(config.haHousekeeping === "short" ? 3 * config.haSendHeartbeatInterval : 20_000),
  };
}

/** The broker that stalls (pageCacheStall): the first master of every topology. */
export const stallNode = "broker-a";

/** broker.conf overrides for one node (Scenario.brokerConfigByNode), or undefined. */
export function brokerConfigByNodeOf(config: Pick<SwarmConfig, "pageCacheStall">): Record<string, Record<string, string>> | undefined {
  switch (config.pageCacheStall) {
    case "none": return undefined;
    case "queue-timeout": return { [stallNode]: { putMessageLockHoldMs: "20", waitTimeMillsInSendQueue: "50" } };
    case "busy": return { [stallNode]: { putMessageLockHoldMs: "20", osPageCacheBusyTimeOutMills: "10" } };
  }
}

export function intervalsOf(config: SwarmConfig): Intervals {
  return {
    ...checkIntervals,
    routePollMs: config.routePollMs,
    clientHeartbeatMs: config.clientHeartbeatMs,
    brokerRegisterMs: config.brokerRegisterMs,
    rebalanceMs: config.rebalanceMs,
    offsetPersistMs: config.offsetPersistMs,
    pullSuspendMs: config.pullSuspendMs,
    sendTimeoutMs: config.sendTimeoutMs,
  };
}

/** Producer fields the configuration sets (the caller adds count, topic, order). */
export function producerFieldsOf(config: SwarmConfig, sendPhaseMs: number): Partial<ProducerSpec> {
  const fields: Partial<ProducerSpec> = {
    ratePerSecond: config.ratePerSecond,
    sendMode: config.sendMode,
    latencyFaultAvoidance: config.sendLatencyFaultEnable,
    retryTimesWhenSendFailed: config.retryTimesWhenSendFailed,
  };
  if (config.retryAnotherBrokerWhenNotStoreOK) fields.retryAnotherBrokerWhenNotStoreOK = true;
  if (config.delayPercent > 0) fields.delayPercent = config.delayPercent;
  if (config.batchSize > 1) fields.batchSize = config.batchSize;
  if (config.compressiblePercent > 0) fields.compressiblePercent = config.compressiblePercent;
  if (config.largeBodyPercent > 0) {
    // Near maxMessageSize when segments are small (their maxMessageSize is small too); capped at
    // 256 KiB otherwise: 4 MiB bodies cost a swarm run minutes of CPU (copies, CRCs) for no new path.
    fields.largeBodyPercent = config.largeBodyPercent;
    fields.largeBodySizeBytes = Math.min(maxMessageSizeOf(config) - 2 * kib, 256 * kib);
  }
  // One burst a third of the way into the send phase. In virtual time "as fast as the cluster
  // takes it" is thousands of sends per second: 16 in flight for 2 s stored 60k-200k messages,
  // more than the consumers drain in the quiesce phase (reported as loss). 4 in flight for
  // 0.5 s still overruns a flush round and the long polls, and drains.
  if (config.burst) fields.bursts = [{ atMs: Math.round(sendPhaseMs / 3), durationMs: 500, inFlight: 4 }];
  return fields;
}

/** Consumer-group fields the configuration sets (the caller adds group, topic, count, orderly). */
export function consumerFieldsOf(config: SwarmConfig): Partial<ConsumerGroupSpec> {
  const fields: Partial<ConsumerGroupSpec> = {
    allocateStrategy: config.allocateStrategy,
    pullBatchSize: config.pullBatchSize,
    consumeBatchMaxSize: config.consumeMessageBatchMaxSize,
    maxReconsumeTimes: config.maxReconsumeTimes,
    postSubscriptionWhenPull: config.postSubscriptionWhenPull,
  };
  if (config.failurePercent > 0) fields.failurePercent = config.failurePercent;
  if (config.slowConsume === "timeout") Object.assign(fields, slowConsumeFields);
  if (config.pullMaxIdle === "short") fields.pullMaxIdleTimeMs = Math.round(1.5 * config.pullSuspendMs);
  return fields;
}

/** slowConsume "timeout": what the consumer group gets. */
export const slowConsumeFields = { slowPercent: 2, slowMs: 4_000, consumeTimeoutMs: 2_000 } as const satisfies Partial<ConsumerGroupSpec>;

/** The simulated network a configuration asks for (Scenario.simNetwork). */
export function simNetworkOf(config: SwarmConfig): SimNetworkSpec {
  switch (config.segmentation) {
    case "none": return { segmentation: null };
    case "moderate": return { segmentation: { ...segmentationModerate } };
    case "harsh": return { segmentation: { ...segmentationHarsh } };
  }
}

/** The options that differ from their default ("flushDiskType=SYNC_FLUSH ..."), for one-line summaries. */
export function describeConfig(config: SwarmConfig): string {
  const base = defaultSwarmConfig();
  const changed = swarmOptionNames.filter((name) => config[name] !== base[name]).map((name) => `${name}=${String(config[name])}`);
  return changed.length === 0 ? "all defaults" : changed.join(" ");
}
