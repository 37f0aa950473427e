// broker.conf: RocketMQ's BrokerConfig + NettyServerConfig + MessageStoreConfig, flat, as the
// properties file is flat. Defaults follow RocketMQ 4.9.7 (remoting-protocol.md (h)); every
// timing is configurable so the lab can both reproduce the defaults and run faster.
// Keys ending in Ms are mqlab's own knobs for intervals RocketMQ hard-codes.
import { applyProperties, ConfigError, parseProperties, type KeySpec } from "./properties.ts";

export type BrokerRole = "ASYNC_MASTER" | "SYNC_MASTER" | "SLAVE";
export type FlushDiskType = "ASYNC_FLUSH" | "SYNC_FLUSH";

export interface BrokerConfig {
  // identity and cluster
  brokerClusterName: string;
  brokerName: string;
  /** 0 = master, >0 = slave. */
  brokerId: number;
  brokerRole: BrokerRole;
  namesrvAddr: string | undefined;
  brokerIP1: string;
  brokerIP2: string;
  listenPort: number;
  /** HA port; RocketMQ forces listenPort + 1. */
  haListenPort: number;
  haMasterAddress: string | undefined;
  /** mqlab: HTTP port serving Prometheus text (/metrics) from the mqbroker bin; 0 = off. */
  metricsPort: number;
  brokerPermission: number;
  rocketmqHome: string;
  /** ACL: check every request against <rocketmqHome>/conf/plain_acl.yml (+ conf/acl/*.yml). */
  aclEnable: boolean;
  // topics and groups
  defaultTopicQueueNums: number;
  autoCreateTopicEnable: boolean;
  autoCreateSubscriptionGroup: boolean;
  clusterTopicEnable: boolean;
  brokerTopicEnable: boolean;
  // threads (accepted for compatibility; Node runs one event loop)
  sendMessageThreadPoolNums: number;
  pullMessageThreadPoolNums: number;
  // registration and liveness
  registerNameServerPeriod: number;
  registerBrokerTimeoutMills: number;
  compressedRegister: boolean;
  forceRegister: boolean;
  /** Broker scan of client channels (RocketMQ: 10 s). */
  clientScanIntervalMs: number;
  /** A producer/consumer silent this long is dropped (RocketMQ: 120 s). */
  clientChannelExpiredTimeMs: number;
  flushConsumerOffsetInterval: number;
  // pull
  longPollingEnable: boolean;
  shortPollingTimeMills: number;
  /** How often held pulls are re-checked (RocketMQ: 5 s). */
  pullHoldCheckIntervalMs: number;
  slaveReadEnable: boolean;
  /** SQL92 subscriptions (RocketMQ: false; off → SYSTEM_ERROR on CHECK_CLIENT_CONFIG and pulls). */
  enablePropertyFilter: boolean;
  /** Message trace: the broker creates msgTraceTopicName (1 queue) at start (RocketMQ: false, RMQ_SYS_TRACE_TOPIC). */
  traceTopicEnable: boolean;
  msgTraceTopicName: string;
  // HA
  haSendHeartbeatInterval: number;
  haHousekeepingInterval: number;
  haTransferBatchSize: number;
  haSlaveFallbehindMax: number;
  /** Slave pulls topic config/offsets from the master this often (RocketMQ: 10 s). */
  slaveSyncIntervalMs: number;
  /** Slave waits for the master's replies this long (RocketMQ: syncFlushTimeout-like 3 s). */
  slaveTimeout: number;
  // store
  storePathRootDir: string;
  storePathCommitLog: string;
  storePathConsumeQueue: string;
  storePathIndex: string;
  storeCheckpoint: string;
  abortFile: string;
  mapedFileSizeCommitLog: number;
  mapedFileSizeConsumeQueue: number;
  flushDiskType: FlushDiskType;
  syncFlushTimeout: number;
  flushIntervalCommitLog: number;
  flushCommitLogLeastPages: number;
  flushCommitLogThoroughInterval: number;
  flushIntervalConsumeQueue: number;
  flushConsumeQueueLeastPages: number;
  flushConsumeQueueThoroughInterval: number;
  flushDelayOffsetInterval: number;
  maxMessageSize: number;
  deleteWhen: string;
  fileReservedTime: number;
  cleanResourceInterval: number;
  diskMaxUsedSpaceRatio: number;
  maxTransferBytesOnMessageInMemory: number;
  maxTransferCountOnMessageInMemory: number;
  maxTransferBytesOnMessageInDisk: number;
  maxTransferCountOnMessageInDisk: number;
  accessMessageInMemoryMaxRatio: number;
  messageIndexEnable: boolean;
  maxHashSlotNum: number;
  maxIndexNum: number;
  messageDelayLevel: string;
  checkCRCOnRecover: boolean;
  /**
   * RocketMQ 5's readUnCommitted (apache/rocketmq#8239, PR #8240). Default false (mqlab's
   * default, deliberately not 4.9.7's behaviour): pulls and long-poll wake-ups see a message
   * only once it is durable as configured (flushed under SYNC_FLUSH, acknowledged by the slave
   * under SYNC_MASTER). true = RocketMQ 4.9.7: visible at append, so a consumer can move past a
   * message a power loss then drops and miss the acked message that reuses its queue offset.
   */
  readUnCommitted: boolean;
  /** Physical memory the accessMessageInMemoryMaxRatio rule assumes (bytes). */
  totalPhysicalMemoryBytes: number;
  // transactions (issue 16): a half message younger than transactionTimeOut is not checked
  transactionTimeOut: number;
  transactionCheckMax: number;
  transactionCheckInterval: number;
  rejectTransactionMessage: boolean;
  // flow control (issue 16, BrokerFastFailure)
  brokerFastFailureEnable: boolean;
  waitTimeMillsInSendQueue: number;
  osPageCacheBusyTimeOutMills: number;
  sendThreadPoolQueueCapacity: number;
  /**
   * mqlab's knob: how long each send holds the commit-log lock (a page-cache stall, a slow
   * disk); 0 = as long as the append takes. The lab's way to overload a broker on purpose.
   */
  putMessageLockHoldMs: number;
}

export interface BrokerConfigContext {
  /** RocketMQ's user.home: store paths default under it. */
  homeDir: string;
  /** Default brokerName (RocketMQ: the host name). */
  hostName: string;
  /** Default brokerIP1 (RocketMQ: the first non-loopback address). */
  localIp: string;
  totalPhysicalMemoryBytes: number;
}

function join(...parts: string[]): string {
  return parts.join("/").replace(/\/+/g, "/");
}

export function defaultBrokerConfig(context: BrokerConfigContext): BrokerConfig {
  const root = join(context.homeDir, "store");
  return {
    brokerClusterName: "DefaultCluster",
    brokerName: context.hostName,
    brokerId: 0,
    brokerRole: "ASYNC_MASTER",
    namesrvAddr: undefined,
    brokerIP1: context.localIp,
    brokerIP2: context.localIp,
    listenPort: 10911,
    haListenPort: 10912,
    haMasterAddress: undefined,
    metricsPort: 0,
    brokerPermission: 6,
    rocketmqHome: context.homeDir,
    aclEnable: false,
    defaultTopicQueueNums: 8,
    autoCreateTopicEnable: true,
    autoCreateSubscriptionGroup: true,
    clusterTopicEnable: true,
    brokerTopicEnable: true,
    sendMessageThreadPoolNums: 1,
    pullMessageThreadPoolNums: 20,
    registerNameServerPeriod: 30_000,
    registerBrokerTimeoutMills: 6_000,
    compressedRegister: false,
    forceRegister: true,
    clientScanIntervalMs: 10_000,
    clientChannelExpiredTimeMs: 120_000,
    flushConsumerOffsetInterval: 5_000,
    longPollingEnable: true,
    shortPollingTimeMills: 1_000,
    pullHoldCheckIntervalMs: 5_000,
    slaveReadEnable: false,
    enablePropertyFilter: false,
    traceTopicEnable: false,
    msgTraceTopicName: "RMQ_SYS_TRACE_TOPIC",
    haSendHeartbeatInterval: 5_000,
    haHousekeepingInterval: 20_000,
    haTransferBatchSize: 32 * 1024,
    haSlaveFallbehindMax: 256 * 1024 * 1024,
    slaveSyncIntervalMs: 10_000,
    slaveTimeout: 3_000,
    storePathRootDir: root,
    storePathCommitLog: join(root, "commitlog"),
    storePathConsumeQueue: join(root, "consumequeue"),
    storePathIndex: join(root, "index"),
    storeCheckpoint: join(root, "checkpoint"),
    abortFile: join(root, "abort"),
    mapedFileSizeCommitLog: 1024 * 1024 * 1024,
    mapedFileSizeConsumeQueue: 300_000 * 20,
    flushDiskType: "ASYNC_FLUSH",
    syncFlushTimeout: 5_000,
    flushIntervalCommitLog: 500,
    flushCommitLogLeastPages: 4,
    flushCommitLogThoroughInterval: 10_000,
    flushIntervalConsumeQueue: 1_000,
    flushConsumeQueueLeastPages: 2,
    flushConsumeQueueThoroughInterval: 60_000,
    flushDelayOffsetInterval: 10_000,
    maxMessageSize: 4 * 1024 * 1024,
    deleteWhen: "04",
    fileReservedTime: 72,
    cleanResourceInterval: 10_000,
    diskMaxUsedSpaceRatio: 75,
    maxTransferBytesOnMessageInMemory: 256 * 1024,
    maxTransferCountOnMessageInMemory: 32,
    maxTransferBytesOnMessageInDisk: 64 * 1024,
    maxTransferCountOnMessageInDisk: 8,
    accessMessageInMemoryMaxRatio: 40,
    messageIndexEnable: true,
    maxHashSlotNum: 5_000_000,
    maxIndexNum: 20_000_000,
    messageDelayLevel: "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h",
    checkCRCOnRecover: true,
    readUnCommitted: false,
    totalPhysicalMemoryBytes: context.totalPhysicalMemoryBytes,
    transactionTimeOut: 6_000,
    transactionCheckMax: 15,
    transactionCheckInterval: 60_000,
    rejectTransactionMessage: false,
    brokerFastFailureEnable: true,
    waitTimeMillsInSendQueue: 200,
    osPageCacheBusyTimeOutMills: 1_000,
    sendThreadPoolQueueCapacity: 10_000,
    putMessageLockHoldMs: 0,
  };
}

const int: KeySpec = { kind: "int" };
const long: KeySpec = { kind: "long" };
const bool: KeySpec = { kind: "bool" };
const str: KeySpec = { kind: "string" };

export const brokerConfigKeys: { readonly [K in keyof BrokerConfig]: KeySpec } = {
  brokerClusterName: str, brokerName: str, brokerId: long,
  brokerRole: { kind: { enum: ["ASYNC_MASTER", "SYNC_MASTER", "SLAVE"] } },
  namesrvAddr: str, brokerIP1: str, brokerIP2: str, listenPort: int, haListenPort: int,
  haMasterAddress: str, brokerPermission: int, rocketmqHome: str,
  metricsPort: int,
  aclEnable: bool,
  defaultTopicQueueNums: int, autoCreateTopicEnable: bool, autoCreateSubscriptionGroup: bool,
  clusterTopicEnable: bool, brokerTopicEnable: bool,
  sendMessageThreadPoolNums: int, pullMessageThreadPoolNums: int,
  registerNameServerPeriod: int, registerBrokerTimeoutMills: int, compressedRegister: bool,
  forceRegister: bool, clientScanIntervalMs: int, clientChannelExpiredTimeMs: int,
  flushConsumerOffsetInterval: int, longPollingEnable: bool, shortPollingTimeMills: long,
  pullHoldCheckIntervalMs: int, slaveReadEnable: bool,
  enablePropertyFilter: bool, traceTopicEnable: bool, msgTraceTopicName: str,
  haSendHeartbeatInterval: int, haHousekeepingInterval: int, haTransferBatchSize: int,
  haSlaveFallbehindMax: int, slaveSyncIntervalMs: int, slaveTimeout: int,
  storePathRootDir: str, storePathCommitLog: str, storePathConsumeQueue: str, storePathIndex: str,
  storeCheckpoint: str, abortFile: str,
  mapedFileSizeCommitLog: { kind: "int", aliases: ["mappedFileSizeCommitLog"] },
  mapedFileSizeConsumeQueue: { kind: "int", aliases: ["mappedFileSizeConsumeQueue"] },
  flushDiskType: { kind: { enum: ["ASYNC_FLUSH", "SYNC_FLUSH"] } },
  syncFlushTimeout: long, flushIntervalCommitLog: int, flushCommitLogLeastPages: int,
  flushCommitLogThoroughInterval: int, flushIntervalConsumeQueue: int,
  flushConsumeQueueLeastPages: int, flushConsumeQueueThoroughInterval: int,
  flushDelayOffsetInterval: long, maxMessageSize: int, deleteWhen: str, fileReservedTime: int,
  cleanResourceInterval: int, diskMaxUsedSpaceRatio: int,
  maxTransferBytesOnMessageInMemory: int, maxTransferCountOnMessageInMemory: int,
  maxTransferBytesOnMessageInDisk: int, maxTransferCountOnMessageInDisk: int,
  accessMessageInMemoryMaxRatio: int, messageIndexEnable: bool, maxHashSlotNum: int,
  maxIndexNum: int, messageDelayLevel: str, checkCRCOnRecover: bool, readUnCommitted: bool, totalPhysicalMemoryBytes: long,
  transactionTimeOut: long, transactionCheckMax: int, transactionCheckInterval: long, rejectTransactionMessage: bool,
  brokerFastFailureEnable: bool, waitTimeMillsInSendQueue: long, osPageCacheBusyTimeOutMills: long,
  sendThreadPoolQueueCapacity: int, putMessageLockHoldMs: int,
};

/** Checks relations between values that a single key cannot express. */
export function validateBrokerConfig(config: BrokerConfig, sourceName: string): void {
  const fail = (text: string): never => {
    throw new ConfigError(`${sourceName}: ${text}`);
  };
  if (config.brokerRole === "SLAVE" && config.brokerId <= 0) fail(`brokerRole=SLAVE needs brokerId > 0 (got ${config.brokerId})`);
  if (config.brokerRole !== "SLAVE" && config.brokerId !== 0) fail(`a master (brokerRole=${config.brokerRole}) must have brokerId=0 (got ${config.brokerId})`);
  if (config.listenPort < 3 || config.listenPort > 65534) fail(`listenPort=${config.listenPort} out of range (the VIP channel listens on listenPort-2, HA on listenPort+1)`);
  if (config.diskMaxUsedSpaceRatio < 10 || config.diskMaxUsedSpaceRatio > 95) fail(`diskMaxUsedSpaceRatio=${config.diskMaxUsedSpaceRatio} must be within 10..95 (RocketMQ clamps it)`);
  if (config.maxMessageSize <= 0 || config.maxMessageSize + 1024 > config.mapedFileSizeCommitLog) fail(`maxMessageSize=${config.maxMessageSize} must be positive and fit in one commit-log file (${config.mapedFileSizeCommitLog})`);
  if (config.mapedFileSizeConsumeQueue % 20 !== 0) fail(`mapedFileSizeConsumeQueue=${config.mapedFileSizeConsumeQueue} must be a multiple of 20 (one unit)`);
  if (!/^\d{1,2}(;\d{1,2})*$/.test(config.deleteWhen)) fail(`deleteWhen=${config.deleteWhen} must be hours like "04" or "04;16"`);
  if (!/^[%|a-zA-Z0-9_-]+$/.test(config.brokerName)) fail(`brokerName=${config.brokerName} has characters RocketMQ does not allow`);
}

/**
 * Parses broker.conf text. Store paths not given explicitly follow storePathRootDir, as in
 * RocketMQ; registerNameServerPeriod is clamped to [10 s, 60 s] as RocketMQ does unless the lab
 * asks for faster intervals through `mqlabAllowFastIntervals`.
 */
export function parseBrokerConfig(
  text: string,
  sourceName: string,
  context: BrokerConfigContext,
): { config: BrokerConfig; warnings: string[] } {
  const entries = parseProperties(text);
  const given = new Set(entries.map((entry) => entry.key));
  const base = defaultBrokerConfig(context);
  const { config, warnings } = applyProperties(base, brokerConfigKeys, entries, sourceName);
  const root = config.storePathRootDir;
  if (!given.has("storePathCommitLog")) config.storePathCommitLog = join(root, "commitlog");
  if (!given.has("storePathConsumeQueue")) config.storePathConsumeQueue = join(root, "consumequeue");
  if (!given.has("storePathIndex")) config.storePathIndex = join(root, "index");
  if (!given.has("storeCheckpoint")) config.storeCheckpoint = join(root, "checkpoint");
  if (!given.has("abortFile")) config.abortFile = join(root, "abort");
  if (!given.has("haListenPort")) config.haListenPort = config.listenPort + 1;
  if (!given.has("brokerIP2")) config.brokerIP2 = config.brokerIP1;
  if (!given.has("brokerRole") && config.brokerId > 0) config.brokerRole = "SLAVE";
  validateBrokerConfig(config, sourceName);
  return { config, warnings };
}
