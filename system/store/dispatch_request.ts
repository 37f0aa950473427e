// DispatchRequest: what the consume queues and the index need from one commit-log record,
// built either at append time (from the message in hand) or from raw commit-log bytes
// (recovery, reput of a slave's HA bytes). Also the record walk used by both:
// checkRecordAt() = RocketMQ's CommitLog.checkMessageAndReturnSize.

import {
  BLANK_MAGIC_CODE, MESSAGE_MAGIC_CODE, MessageCodecError, MessageConst, SystemTopic,
  decodeMessageRecord, indexKeysOf, tagsString2tagsCode,
} from "../message/index.ts";
import type { MessageExt } from "../message/index.ts";
import { validateTopic } from "../message/index.ts";

export interface DispatchRequest {
  topic: string;
  queueId: number;
  commitLogOffset: number;
  msgSize: number;
  tagsCode: number;
  storeTimestamp: number;
  consumeQueueOffset: number;
  /** Index keys (UNIQ_KEY and each KEYS entry), without the "topic#" prefix. */
  keys: string[];
  sysFlag: number;
  preparedTransactionOffset: number;
}

/** Delay levels in ms (index 0 = level 1), for SCHEDULE_TOPIC tagsCode. */
export type DelayLevelTable = readonly number[];

/** Deliver time of a delayed message [ScheduleMessageService.computeDeliverTimestamp]. */
export function computeDeliverTimestamp(levels: DelayLevelTable, delayLevel: number, storeTimestamp: number): number {
  const level = Math.min(delayLevel, levels.length);
  const delayMs = level >= 1 ? levels[level - 1] : undefined;
  return storeTimestamp + (delayMs ?? 1000);
}

/** tagsCode of a record: TAGS hash, or the deliver timestamp in SCHEDULE_TOPIC_XXXX. */
export function tagsCodeOf(
  topic: string, properties: ReadonlyMap<string, string>, storeTimestamp: number, levels: DelayLevelTable,
): number {
  if (topic === SystemTopic.SCHEDULE_TOPIC) {
    const level = Number.parseInt(properties.get(MessageConst.DELAY_TIME_LEVEL) ?? "", 10);
    if (Number.isInteger(level) && level > 0) return computeDeliverTimestamp(levels, level, storeTimestamp);
  }
  return tagsString2tagsCode(properties.get(MessageConst.TAGS));
}

export function dispatchRequestOf(message: MessageExt, levels: DelayLevelTable): DispatchRequest {
  return {
    topic: message.topic,
    queueId: message.queueId,
    commitLogOffset: message.commitLogOffset,
    msgSize: message.storeSize,
    tagsCode: tagsCodeOf(message.topic, message.properties, message.storeTimestamp, levels),
    storeTimestamp: message.storeTimestamp,
    consumeQueueOffset: message.queueOffset,
    keys: indexKeysOf(message.properties),
    sysFlag: message.sysFlag,
    preparedTransactionOffset: message.preparedTransactionOffset,
  };
}

/** Outcome of looking at `bytes` at `position` (a record boundary of a commit-log file). */
export type RecordCheck =
  | { kind: "message"; request: DispatchRequest }
  /** End-of-file filler: the rest of the segment is unused. */
  | { kind: "blank" }
  /** No more complete records here (zeros, torn, partial or corrupt bytes). */
  | { kind: "end"; reason: string; incomplete: boolean };

/**
 * Validates the record at `position` of `bytes`, whose first byte is at commit-log offset
 * `bytesStartOffset`. `incomplete` is true when more bytes might complete it (the record runs
 * past the end of `bytes`).
 */
export function checkRecordAt(
  bytes: Uint8Array, position: number, bytesStartOffset: number, checkCRC: boolean, levels: DelayLevelTable,
): RecordCheck {
  if (bytes.length - position < 8) return { kind: "end", reason: "no record header", incomplete: true };
  const view = new DataView(bytes.buffer, bytes.byteOffset + position, 8);
  const totalSize = view.getInt32(0, false);
  const magic = view.getInt32(4, false);
  if (magic === BLANK_MAGIC_CODE) return { kind: "blank" };
  if (magic !== MESSAGE_MAGIC_CODE || totalSize <= 0) return { kind: "end", reason: "no magic", incomplete: false };
  try {
    const message = decodeMessageRecord(bytes, position, { checkCRC, readBody: false });
    if (message.commitLogOffset !== bytesStartOffset + position) {
      return { kind: "end", reason: `PHYSICALOFFSET ${message.commitLogOffset} at ${bytesStartOffset + position}`, incomplete: false };
    }
    const problem = tornFieldProblem(message, bytes, position);
    if (problem !== null) return { kind: "end", reason: problem, incomplete: false };
    return { kind: "message", request: dispatchRequestOf(message, levels) };
  } catch (error) {
    if (!(error instanceof MessageCodecError)) throw error;
    return { kind: "end", reason: error.message, incomplete: error.code === "TRUNCATED" };
  }
}

/**
 * Catches a record whose tail was zeroed by a torn write but whose body CRC still holds (the
 * CRC covers only the body): topics are valid names and stored property strings hold no NUL.
 */
function tornFieldProblem(message: MessageExt, record: Uint8Array, position: number): string | null {
  if (validateTopic(message.topic) !== null) return `invalid topic ${JSON.stringify(message.topic)}`;
  const view = new DataView(record.buffer, record.byteOffset + position, message.storeSize);
  const sysFlag = view.getInt32(36, false);
  const bodyLengthAt = 68 + ((sysFlag & 0x10) === 0 ? 8 : 20) + ((sysFlag & 0x20) === 0 ? 8 : 20);
  const topicLengthAt = bodyLengthAt + 4 + view.getInt32(bodyLengthAt, false);
  const propertiesAt = topicLengthAt + 1 + view.getUint8(topicLengthAt) + 2;
  const properties = record.subarray(position + propertiesAt, position + message.storeSize);
  return properties.includes(0) ? "NUL in properties" : null;
}
