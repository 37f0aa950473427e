// What the broker needs from its message store, in RocketMQ's MessageStore names. The real
// store (system/store DefaultMessageStore) is adapted onto it in store_adapter.ts; keeping the
// broker on this narrow port lets the HA engineer wrap or replace the store (slave role,
// replication waits) without touching processors.
import type { MessageExt, MessageExtBrokerInner } from "../message/index.ts";
import type {
  GetMessageResult, MessageArrivingListener, PutMessageResult, QueryMessageResult, TagsCodeFilter,
} from "../store/status.ts";

export type { GetMessageResult, PutMessageResult, QueryMessageResult, TagsCodeFilter, MessageArrivingListener };

export interface BrokerStore {
  /** Stores one message; resolves after the flush/replication wait its WAIT flag asks for. */
  putMessage(message: MessageExtBrokerInner, options: { waitStoreMsgOK: boolean }): Promise<PutMessageResult>;
  /** Stores a batch in one queue (SEND_BATCH_MESSAGE). */
  putMessages(messages: readonly MessageExtBrokerInner[], options: { waitStoreMsgOK: boolean; batchSizeBytes?: number | undefined }): Promise<PutMessageResult>;
  /** transient: records are views valid until the next transient call (DefaultMessageStore.getMessage). */
  getMessage(group: string, topic: string, queueId: number, offset: number, maxMsgNums: number, filter: TagsCodeFilter | undefined, transient?: boolean): GetMessageResult;
  getMaxOffsetInQueue(topic: string, queueId: number): number;
  getMinOffsetInQueue(topic: string, queueId: number): number;
  getOffsetInQueueByTime(topic: string, queueId: number, timestampMs: number): number;
  getEarliestMessageTime(topic: string, queueId: number): number;
  /** Store time of the message at a queue offset, -1 when unknown. */
  getMessageStoreTimeStamp(topic: string, queueId: number, queueOffset: number): number;
  /** Decoded message at a commit-log offset (with body), undefined when absent. */
  lookMessageByOffset(commitLogOffset: number): MessageExt | undefined;
  /** Raw record at a commit-log offset. */
  selectOneMessageByOffset(commitLogOffset: number): Uint8Array | undefined;
  queryMessage(topic: string, key: string, maxNum: number, beginTimestampMs: number, endTimestampMs: number): QueryMessageResult;
  /** True when the message at that queue offset is no longer in memory (Java: swapped out of page cache). */
  checkInDiskByConsumeOffset(topic: string, queueId: number, queueOffset: number): boolean;
  getMaxPhyOffset(): number;
  getMinPhyOffset(): number;
  /** Removes the consume queues (and queue offsets) of deleted topics. */
  deleteTopics(topics: ReadonlySet<string>): void;
  setMessageArrivingListener(listener: MessageArrivingListener): void;
  /** Runtime counters for GET_BROKER_RUNTIME_INFO (string values, RocketMQ key names). */
  runtimeInfo(): Record<string, string>;
  /** delayOffset.json content (GET_ALL_DELAY_OFFSET), undefined when none. */
  delayOffsetJson(): string | undefined;
  /** Flushes everything and closes files; the broker calls it last on shutdown. */
  shutdown(): Promise<void>;
}
