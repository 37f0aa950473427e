// StoreConfig: RocketMQ's MessageStoreConfig (4.9.7) fields that mqlab's store honours, with
// RocketMQ's names and defaults, so system/config can map broker.conf keys onto it 1:1.
// Units follow RocketMQ: *Interval / *Timeout in ms, fileReservedTime in hours, sizes in bytes,
// ratios in percent. `deleteWhen` hours are UTC (see message/civil_time.ts).

import { posix } from "node:path";
import { assert } from "../stdx/assert.ts";

export type FlushDiskType = "ASYNC_FLUSH" | "SYNC_FLUSH";
export type BrokerRole = "ASYNC_MASTER" | "SYNC_MASTER" | "SLAVE";

/** Bytes per consume-queue unit: commit-log offset 8, size 4, tagsCode 8. */
export const CQ_STORE_UNIT_SIZE = 20;
/** RocketMQ's page size for "least pages" flush rules. */
export const OS_PAGE_SIZE = 4096;

export interface StoreConfig {
  storePathRootDir: string;
  storePathCommitLog: string;
  storePathConsumeQueue: string;
  storePathIndex: string;
  storeCheckpoint: string;
  abortFile: string;
  /** ScheduleMessageService offsets (RocketMQ: <root>/config/delayOffset.json). */
  delayOffsetStorePath: string;
  mappedFileSizeCommitLog: number;
  mappedFileSizeConsumeQueue: number;
  flushDiskType: FlushDiskType;
  brokerRole: BrokerRole;
  flushIntervalCommitLog: number;
  flushCommitLogLeastPages: number;
  flushCommitLogThoroughInterval: number;
  flushIntervalConsumeQueue: number;
  flushConsumeQueueLeastPages: number;
  flushConsumeQueueThoroughInterval: number;
  syncFlushTimeout: number;
  slaveTimeout: number;
  cleanResourceInterval: number;
  deleteWhen: string;
  fileReservedTime: number;
  diskMaxUsedSpaceRatio: number;
  /** Above this used-space percentage retention deletes files even before fileReservedTime. */
  diskSpaceCleanForciblyRatio: number;
  cleanFileForciblyEnable: boolean;
  /** RocketMQ deletes at most this many commit-log files per clean round (hard-coded 10). */
  deleteFilesBatchMax: number;
  maxMessageSize: number;
  checkCRCOnRecover: boolean;
  maxTransferBytesOnMessageInMemory: number;
  maxTransferCountOnMessageInMemory: number;
  maxTransferBytesOnMessageInDisk: number;
  maxTransferCountOnMessageInDisk: number;
  accessMessageInMemoryMaxRatio: number;
  /** mqlab: the "physical memory" the in-memory ratio applies to (Java reads the OS's). */
  totalPhysicalMemorySize: number;
  messageIndexEnable: boolean;
  maxHashSlotNum: number;
  maxIndexNum: number;
  defaultQueryMaxNum: number;
  messageDelayLevel: string;
  flushDelayOffsetInterval: number;
  offsetCheckInSlave: boolean;
  /**
   * RocketMQ 5's MessageStoreConfig.readUnCommitted (apache/rocketmq#8239 / PR #8240), default
   * false: consumers see only what is durable (flushed under SYNC_FLUSH, replicated under
   * SYNC_MASTER). true = RocketMQ 4.9.7: a message is visible once appended, so a power loss
   * can drop a message a consumer already moved past (see message_store.ts).
   */
  readUnCommitted: boolean;
  /** HA settings live in MessageStoreConfig in RocketMQ; the HA layer reads them from here. */
  haListenPort: number;
  haSendHeartbeatInterval: number;
  haHousekeepingInterval: number;
  haTransferBatchSize: number;
  haMasterAddress: string | undefined;
  haSlaveFallbehindMax: number;
}

/** RocketMQ's defaults, with every path under storePathRootDir. */
export function defaultStoreConfig(storePathRootDir: string): StoreConfig {
  return {
    storePathRootDir,
    storePathCommitLog: posix.join(storePathRootDir, "commitlog"),
    storePathConsumeQueue: posix.join(storePathRootDir, "consumequeue"),
    storePathIndex: posix.join(storePathRootDir, "index"),
    storeCheckpoint: posix.join(storePathRootDir, "checkpoint"),
    abortFile: posix.join(storePathRootDir, "abort"),
    delayOffsetStorePath: posix.join(storePathRootDir, "config", "delayOffset.json"),
    mappedFileSizeCommitLog: 1024 * 1024 * 1024,
    mappedFileSizeConsumeQueue: 300_000 * CQ_STORE_UNIT_SIZE,
    flushDiskType: "ASYNC_FLUSH",
    brokerRole: "ASYNC_MASTER",
    flushIntervalCommitLog: 500,
    flushCommitLogLeastPages: 4,
    flushCommitLogThoroughInterval: 10_000,
    flushIntervalConsumeQueue: 1000,
    flushConsumeQueueLeastPages: 2,
    flushConsumeQueueThoroughInterval: 60_000,
    syncFlushTimeout: 5000,
    slaveTimeout: 3000,
    cleanResourceInterval: 10_000,
    deleteWhen: "04",
    fileReservedTime: 72,
    diskMaxUsedSpaceRatio: 75,
    diskSpaceCleanForciblyRatio: 85,
    cleanFileForciblyEnable: true,
    deleteFilesBatchMax: 10,
    maxMessageSize: 4 * 1024 * 1024,
    checkCRCOnRecover: true,
    maxTransferBytesOnMessageInMemory: 256 * 1024,
    maxTransferCountOnMessageInMemory: 32,
    maxTransferBytesOnMessageInDisk: 64 * 1024,
    maxTransferCountOnMessageInDisk: 8,
    accessMessageInMemoryMaxRatio: 40,
    totalPhysicalMemorySize: 8 * 1024 * 1024 * 1024,
    messageIndexEnable: true,
    maxHashSlotNum: 5_000_000,
    maxIndexNum: 5_000_000 * 4,
    defaultQueryMaxNum: 32,
    messageDelayLevel: "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h",
    flushDelayOffsetInterval: 10_000,
    offsetCheckInSlave: false,
    readUnCommitted: false,
    haListenPort: 10912,
    haSendHeartbeatInterval: 5000,
    haHousekeepingInterval: 20_000,
    haTransferBatchSize: 32 * 1024,
    haMasterAddress: undefined,
    haSlaveFallbehindMax: 256 * 1024 * 1024,
  };
}

/** Why a config cannot work, or null. Checked by the store's constructor. */
export function storeConfigProblem(config: StoreConfig): string | null {
  if (config.mappedFileSizeConsumeQueue % CQ_STORE_UNIT_SIZE !== 0) {
    return "mappedFileSizeConsumeQueue must be a multiple of 20";
  }
  if (config.mappedFileSizeCommitLog < 256) return "mappedFileSizeCommitLog must be at least 256";
  if (config.maxMessageSize + 8 > config.mappedFileSizeCommitLog) {
    return "maxMessageSize + 8 must fit in one commit-log file";
  }
  if (config.maxHashSlotNum < 1 || config.maxIndexNum < 2) return "index sizes too small";
  if (config.diskMaxUsedSpaceRatio < 1 || config.diskMaxUsedSpaceRatio > 100) {
    return "diskMaxUsedSpaceRatio must be within 1..100";
  }
  if (parseDelayLevels(config.messageDelayLevel) === null) return `bad messageDelayLevel ${config.messageDelayLevel}`;
  if (parseDeleteWhen(config.deleteWhen) === null) return `bad deleteWhen ${config.deleteWhen}`;
  return null;
}

const DELAY_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "1s 5s ... 2h" → delay in ms per level (index 0 = level 1); null when malformed. */
export function parseDelayLevels(text: string): number[] | null {
  const levels: number[] = [];
  for (const item of text.trim().split(/\s+/)) {
    const match = /^(\d+)([smhd])$/.exec(item);
    if (match === null) return null;
    levels.push(Number(match[1]) * DELAY_UNIT_MS[match[2]!]!);
  }
  assert(levels.length > 0, "split yields at least one item");
  return levels;
}

/** "04;16" → [4, 16]; null when malformed. */
export function parseDeleteWhen(text: string): number[] | null {
  const hours: number[] = [];
  for (const item of text.split(";")) {
    const trimmed = item.trim();
    if (!/^\d{1,2}$/.test(trimmed) || Number(trimmed) > 23) return null;
    hours.push(Number(trimmed));
  }
  return hours;
}

/** The 20-digit zero-padded name of a segment starting at offset. */
export function offsetToFileName(offset: number): string {
  assert(Number.isSafeInteger(offset) && offset >= 0, "segment offsets are non-negative safe integers");
  return String(offset).padStart(20, "0");
}
