// Operating results of the store: put and get statuses (RocketMQ's PutMessageStatus and
// GetMessageStatus names), and the result shapes the broker turns into responses.

export type PutMessageStatus =
  | "PUT_OK"
  | "FLUSH_DISK_TIMEOUT"
  | "FLUSH_SLAVE_TIMEOUT"
  | "SLAVE_NOT_AVAILABLE"
  | "SERVICE_NOT_AVAILABLE"
  | "CREATE_MAPEDFILE_FAILED"
  | "MESSAGE_ILLEGAL"
  | "PROPERTIES_SIZE_EXCEEDED"
  | "OS_PAGECACHE_BUSY"
  | "UNKNOWN_ERROR";

/** Statuses that mean "the message is stored" (the broker still reports the flush/HA outcome). */
export function isPutStored(status: PutMessageStatus): boolean {
  return status === "PUT_OK" || status === "FLUSH_DISK_TIMEOUT" || status === "FLUSH_SLAVE_TIMEOUT"
    || status === "SLAVE_NOT_AVAILABLE";
}

export interface AppendMessageResult {
  /** Commit-log offset of the (first) record. */
  wroteOffset: number;
  /** Bytes written (all records of a batch). */
  wroteBytes: number;
  /** Offset msgId; for a batch, comma-joined ids. */
  msgId: string;
  /** Queue offset of the (first) record. */
  logicsOffset: number;
  /** Alias of logicsOffset, RocketMQ's name in SendResult. */
  queueOffset: number;
  storeTimestamp: number;
  msgNum: number;
}

export interface PutMessageResult {
  status: PutMessageStatus;
  appendResult: AppendMessageResult | undefined;
  /** Human-readable reason for a failure (e.g. "disk full"). */
  reason: string | undefined;
}

export type GetMessageStatus =
  | "FOUND"
  | "NO_MATCHED_MESSAGE"
  | "MESSAGE_WAS_REMOVING"
  | "OFFSET_FOUND_NULL"
  | "OFFSET_OVERFLOW_BADLY"
  | "OFFSET_OVERFLOW_ONE"
  | "OFFSET_TOO_SMALL"
  | "NO_MATCHED_LOGIC_QUEUE"
  | "NO_MESSAGE_IN_QUEUE";

export interface GetMessageResult {
  status: GetMessageStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  /** Raw stored records, each exactly one v4 record. */
  messages: Uint8Array[];
  /** Queue offsets of the messages, parallel to `messages`. */
  messageQueueOffsets: number[];
  bufferTotalSize: number;
  suggestPullingFromSlave: boolean;
}

export interface QueryMessageResult {
  messages: Uint8Array[];
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}

/** Consume-queue filter: true keeps the message (tagsCode may be a schedule timestamp). */
export type TagsCodeFilter = (tagsCode: number) => boolean;

/**
 * Arrival notice for long polling: a message is now readable, and maxOffset is its queue's max
 * offset after it (its consume-queue offset + 1), as RocketMQ's ReputMessageService reports it.
 */
export type MessageArrivingListener = (topic: string, queueId: number, maxOffset: number, tagsCode: number) => void;
