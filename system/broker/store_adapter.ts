// The broker's view of system/store: BrokerConfig → StoreConfig (RocketMQ's MessageStoreConfig
// keys share names, the store uses the "mapped" spellings) and DefaultMessageStore → BrokerStore.
// Delayed messages (DELAY property) are rewritten into SCHEDULE_TOPIC_XXXX here, where
// RocketMQ's CommitLog.putMessage does it. The adapter owns nothing but the store; the HA engineer reaches the store's replication hooks
// (setReplicationWaiter, getCommitLogData, appendToCommitLog) through `messageStore`.
import type { BrokerConfig } from "../config/broker_config.ts";
import type { MessageExt, MessageExtBrokerInner } from "../message/index.ts";
import { DefaultMessageStore } from "../store/message_store.ts";
import type { Env } from "../env/env.ts";
import { rewriteForDelay } from "../store/schedule_message_service.ts";
import { defaultStoreConfig } from "../store/store_config.ts";
import type { StoreConfig } from "../store/store_config.ts";
import type {
  BrokerStore, GetMessageResult, MessageArrivingListener, PutMessageResult, QueryMessageResult, TagsCodeFilter,
} from "./store_port.ts";

export function storeConfigOf(config: BrokerConfig): StoreConfig {
  const base = defaultStoreConfig(config.storePathRootDir);
  return {
    ...base,
    storePathCommitLog: config.storePathCommitLog,
    storePathConsumeQueue: config.storePathConsumeQueue,
    storePathIndex: config.storePathIndex,
    storeCheckpoint: config.storeCheckpoint,
    abortFile: config.abortFile,
    delayOffsetStorePath: `${config.storePathRootDir}/config/delayOffset.json`,
    mappedFileSizeCommitLog: config.mapedFileSizeCommitLog,
    mappedFileSizeConsumeQueue: config.mapedFileSizeConsumeQueue,
    flushDiskType: config.flushDiskType,
    brokerRole: config.brokerRole,
    flushIntervalCommitLog: config.flushIntervalCommitLog,
    flushCommitLogLeastPages: config.flushCommitLogLeastPages,
    flushCommitLogThoroughInterval: config.flushCommitLogThoroughInterval,
    flushIntervalConsumeQueue: config.flushIntervalConsumeQueue,
    flushConsumeQueueLeastPages: config.flushConsumeQueueLeastPages,
    flushConsumeQueueThoroughInterval: config.flushConsumeQueueThoroughInterval,
    syncFlushTimeout: config.syncFlushTimeout,
    slaveTimeout: config.slaveTimeout,
    cleanResourceInterval: config.cleanResourceInterval,
    deleteWhen: config.deleteWhen,
    fileReservedTime: config.fileReservedTime,
    diskMaxUsedSpaceRatio: config.diskMaxUsedSpaceRatio,
    maxMessageSize: config.maxMessageSize,
    checkCRCOnRecover: config.checkCRCOnRecover,
    maxTransferBytesOnMessageInMemory: config.maxTransferBytesOnMessageInMemory,
    maxTransferCountOnMessageInMemory: config.maxTransferCountOnMessageInMemory,
    maxTransferBytesOnMessageInDisk: config.maxTransferBytesOnMessageInDisk,
    maxTransferCountOnMessageInDisk: config.maxTransferCountOnMessageInDisk,
    accessMessageInMemoryMaxRatio: config.accessMessageInMemoryMaxRatio,
    totalPhysicalMemorySize: config.totalPhysicalMemoryBytes,
    messageIndexEnable: config.messageIndexEnable,
    maxHashSlotNum: config.maxHashSlotNum,
    maxIndexNum: config.maxIndexNum,
    messageDelayLevel: config.messageDelayLevel,
    flushDelayOffsetInterval: config.flushDelayOffsetInterval,
    readUnCommitted: config.readUnCommitted,
    haListenPort: config.haListenPort,
    haSendHeartbeatInterval: config.haSendHeartbeatInterval,
    haHousekeepingInterval: config.haHousekeepingInterval,
    haTransferBatchSize: config.haTransferBatchSize,
    haMasterAddress: config.haMasterAddress,
    haSlaveFallbehindMax: config.haSlaveFallbehindMax,
  };
}

export class StoreAdapter implements BrokerStore {
  constructor(readonly messageStore: DefaultMessageStore) {}

  static create(env: Env, config: BrokerConfig): StoreAdapter {
    return new StoreAdapter(new DefaultMessageStore(env, storeConfigOf(config)));
  }

  load(): boolean {
    return this.messageStore.load();
  }

  start(): void {
    this.messageStore.start();
  }

  /** A DELAY level parks the message in SCHEDULE_TOPIC_XXXX first, as CommitLog.putMessage does. */
  putMessage(message: MessageExtBrokerInner, options: { waitStoreMsgOK: boolean }): Promise<PutMessageResult> {
    return this.messageStore.putMessage(rewriteForDelay(message, this.messageStore.delayLevels.length), options);
  }

  putMessages(messages: readonly MessageExtBrokerInner[], options: { waitStoreMsgOK: boolean; batchSizeBytes?: number | undefined }): Promise<PutMessageResult> {
    return this.messageStore.putMessages(messages, options);
  }

  getMessage(group: string, topic: string, queueId: number, offset: number, maxMsgNums: number, filter: TagsCodeFilter | undefined, transient = false): GetMessageResult {
    return this.messageStore.getMessage(group, topic, queueId, offset, maxMsgNums, filter, transient);
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.messageStore.getMaxOffsetInQueue(topic, queueId);
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.messageStore.getMinOffsetInQueue(topic, queueId);
  }

  getOffsetInQueueByTime(topic: string, queueId: number, timestampMs: number): number {
    return this.messageStore.getOffsetInQueueByTime(topic, queueId, timestampMs);
  }

  getEarliestMessageTime(topic: string, queueId: number): number {
    return this.messageStore.getEarliestMessageTimeInQueue(topic, queueId);
  }

  getMessageStoreTimeStamp(topic: string, queueId: number, queueOffset: number): number {
    return this.messageStore.getMessageStoreTimeStamp(topic, queueId, queueOffset);
  }

  lookMessageByOffset(commitLogOffset: number): MessageExt | undefined {
    return this.messageStore.lookMessageByOffset(commitLogOffset);
  }

  selectOneMessageByOffset(commitLogOffset: number): Uint8Array | undefined {
    return this.messageStore.selectOneMessageByOffset(commitLogOffset);
  }

  queryMessage(topic: string, key: string, maxNum: number, beginTimestampMs: number, endTimestampMs: number): QueryMessageResult {
    return this.messageStore.queryMessage(topic, key, maxNum, beginTimestampMs, endTimestampMs);
  }

  /**
   * DefaultMessageStore.checkInDiskByConsumeOffset: the message is "on disk" when it lies further
   * behind the commit-log end than accessMessageInMemoryMaxRatio % of physical memory.
   */
  checkInDiskByConsumeOffset(topic: string, queueId: number, queueOffset: number): boolean {
    const physicalOffset = this.messageStore.getCommitLogOffsetInQueue(topic, queueId, queueOffset);
    if (physicalOffset === undefined) return false;
    const config = this.messageStore.config;
    const memoryBytes = (config.totalPhysicalMemorySize * config.accessMessageInMemoryMaxRatio) / 100;
    return this.messageStore.getMaxPhyOffset() - physicalOffset > memoryBytes;
  }

  getMaxPhyOffset(): number {
    return this.messageStore.getMaxPhyOffset();
  }

  getMinPhyOffset(): number {
    return this.messageStore.getMinPhyOffset();
  }

  deleteTopics(topics: ReadonlySet<string>): void {
    for (const topic of topics) this.messageStore.deleteTopic(topic);
  }

  setMessageArrivingListener(listener: MessageArrivingListener): void {
    this.messageStore.setMessageArrivingListener(listener);
  }

  runtimeInfo(): Record<string, string> {
    return Object.fromEntries(this.messageStore.getRuntimeInfo());
  }

  delayOffsetJson(): string | undefined {
    return this.messageStore.scheduleService.encode();
  }

  shutdown(): Promise<void> {
    return this.messageStore.shutdown();
  }
}
