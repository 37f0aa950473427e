// The read side of the store (RocketMQ's DefaultMessageStore.getMessage and friends): consume
// queue units → commit-log records, with the pull transfer limits, tag filtering and the
// "suggest pulling from slave" rule. Everything is read from env.disk on demand.
// Memory: a pull reads its records into one buffer sized by the records it returns (bounded by
// the transfer limits); nothing is cached or retained between calls.

import type { CommitLog } from "./commit_log.ts";
import type { ConsumeQueue } from "./consume_queue.ts";
import { decodeUnit } from "./consume_queue.ts";
import type { GetMessageResult, GetMessageStatus, TagsCodeFilter } from "./status.ts";
import { CQ_STORE_UNIT_SIZE } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { assert } from "../stdx/assert.ts";

export interface GetMessageContext {
  config: StoreConfig;
  commitLog: CommitLog;
  onTransferred: (count: number) => void;
  /**
   * The store's read buffer for transient reads (see getMessage's `transient`): reused by every
   * such call, grown to the largest pull seen, which the transfer limits bound
   * (maxTransferBytesOnMessageIn* plus the one record a pull may always return).
   */
  readBuffer: Uint8Array;
}

/** Reused by every getMessage call (synchronous, so never shared by two at once). */
const pickedScratch: number[] = [];

function emptyResult(status: GetMessageStatus, nextBeginOffset: number, minOffset: number, maxOffset: number): GetMessageResult {
  return {
    status, nextBeginOffset, minOffset, maxOffset, messages: [], messageQueueOffsets: [], bufferTotalSize: 0,
    suggestPullingFromSlave: false,
  };
}

function memoryBytes(config: StoreConfig): number {
  return Math.floor(config.totalPhysicalMemorySize * (config.accessMessageInMemoryMaxRatio / 100));
}

/** RocketMQ's isTheBatchFull. */
function isBatchFull(config: StoreConfig, sizePy: number, maxMsgNums: number, bufferTotal: number, messageTotal: number, inDisk: boolean): boolean {
  if (bufferTotal === 0 || messageTotal === 0) return false;
  if (maxMsgNums <= messageTotal) return true;
  const bytesMax = inDisk ? config.maxTransferBytesOnMessageInDisk : config.maxTransferBytesOnMessageInMemory;
  const countMax = inDisk ? config.maxTransferCountOnMessageInDisk : config.maxTransferCountOnMessageInMemory;
  return bufferTotal + sizePy > bytesMax || messageTotal > countMax - 1;
}

/** The offset a miss suggests: a slave without offsetCheckInSlave keeps the requested one. */
function corrected(config: StoreConfig, offset: number, newOffset: number): number {
  return config.brokerRole !== "SLAVE" || config.offsetCheckInSlave ? newOffset : offset;
}

export function getMessage(
  context: GetMessageContext, queue: ConsumeQueue | undefined, offset: number, maxMsgNums: number,
  filter: TagsCodeFilter | undefined, transient = false, appendedNextOffset?: number,
): GetMessageResult {
  const { config, commitLog } = context;
  // Under the visibility bound (see dispatcher.ts) a master's queue lags its commit log until the
  // slave acks, while the slave dispatches on receipt: a consumer that read the newest message
  // from the slave may ask the master for an offset it appended but does not show yet. In 4.9.x
  // (no bound) that offset is the queue's max: wait for it (OVERFLOW_ONE), do not move the
  // consumer (OVERFLOW_BADLY would send it back to 0 and re-deliver the whole queue).
  const visibleMaxOffset = queue?.maxOffset() ?? 0;
  if (appendedNextOffset !== undefined && offset > visibleMaxOffset && offset <= appendedNextOffset) {
    return emptyResult("OFFSET_OVERFLOW_ONE", offset, queue?.minOffset ?? 0, visibleMaxOffset);
  }
  if (queue === undefined) return emptyResult("NO_MATCHED_LOGIC_QUEUE", corrected(config, offset, 0), 0, 0);
  const minOffset = queue.minOffset;
  const maxOffset = queue.maxOffset();
  if (maxOffset === 0) return emptyResult("NO_MESSAGE_IN_QUEUE", corrected(config, offset, 0), minOffset, maxOffset);
  if (offset < minOffset) return emptyResult("OFFSET_TOO_SMALL", corrected(config, offset, minOffset), minOffset, maxOffset);
  if (offset === maxOffset) return emptyResult("OFFSET_OVERFLOW_ONE", corrected(config, offset, offset), minOffset, maxOffset);
  // 4.9.x: a queue that still starts at 0 sends the consumer back to 0 (re-reading beats
  // skipping: after a power loss the queue may be shorter and its offsets reused by new
  // messages); a queue whose head was cleaned sends it to maxOffset.
  if (offset > maxOffset) {
    return emptyResult("OFFSET_OVERFLOW_BADLY", corrected(config, offset, minOffset === 0 ? 0 : maxOffset), minOffset, maxOffset);
  }
  // RocketMQ scans at most max(16000, maxMsgNums·20) bytes of units (to skip filtered ones), within
  // one consume-queue segment; units are read in small chunks so a pull reads what it uses.
  const maxFilterUnits = Math.max(16000, maxMsgNums * CQ_STORE_UNIT_SIZE) / CQ_STORE_UNIT_SIZE;
  const chunkUnits = Math.max(32, maxMsgNums);
  let units = queue.readUnits(offset, Math.min(chunkUnits, maxFilterUnits));
  if (units === undefined) {
    return emptyResult("OFFSET_FOUND_NULL", corrected(config, offset, queue.rollNextFile(offset)), minOffset, maxOffset);
  }
  const result = emptyResult("NO_MATCHED_MESSAGE", offset, minOffset, maxOffset);
  const maxOffsetPy = commitLog.maxOffset();
  const memory = memoryBytes(config);
  let nextPhyFileStartOffset = Number.NEGATIVE_INFINITY;
  let maxPhyOffsetPulling = 0;
  let scanned = 0;
  let chunkStart = 0;
  // (commitLogOffset, size) pairs of the records to return; read in one go after the scan.
  // Cleared first: a read that threw last time (DiskError) may have left pairs behind.
  const picked = pickedScratch;
  picked.length = 0;
  for (; scanned < maxFilterUnits; scanned++) {
    if ((scanned - chunkStart) * CQ_STORE_UNIT_SIZE >= units.length) {
      if (units.length < chunkUnits * CQ_STORE_UNIT_SIZE) break;
      const next = queue.readUnits(offset + scanned, Math.min(chunkUnits, maxFilterUnits - scanned));
      if (next === undefined || next.length < CQ_STORE_UNIT_SIZE) break;
      units = next;
      chunkStart = scanned;
    }
    const unit = decodeUnit(units, (scanned - chunkStart) * CQ_STORE_UNIT_SIZE);
    if (unit.size <= 0) {
      if (result.bufferTotalSize === 0) result.status = "MESSAGE_WAS_REMOVING";
      continue;
    }
    maxPhyOffsetPulling = unit.commitLogOffset;
    if (unit.commitLogOffset < nextPhyFileStartOffset) continue;
    const inDisk = maxOffsetPy - unit.commitLogOffset > memory;
    if (isBatchFull(config, unit.size, maxMsgNums, result.bufferTotalSize, result.messageQueueOffsets.length, inDisk)) break;
    if (filter !== undefined && !filter(unit.tagsCode)) {
      if (result.bufferTotalSize === 0) result.status = "NO_MATCHED_MESSAGE";
      continue;
    }
    if (!commitLog.hasRecord(unit.commitLogOffset, unit.size)) {
      if (result.bufferTotalSize === 0) result.status = "MESSAGE_WAS_REMOVING";
      nextPhyFileStartOffset = commitLog.rollNextFile(unit.commitLogOffset);
      continue;
    }
    picked.push(unit.commitLogOffset, unit.size);
    result.messageQueueOffsets.push(offset + scanned);
    result.bufferTotalSize += unit.size;
    result.status = "FOUND";
    nextPhyFileStartOffset = Number.NEGATIVE_INFINITY;
  }
  result.messages = readPicked(context, picked, result.bufferTotalSize, transient);
  picked.length = 0;
  context.onTransferred(result.messages.length);
  result.nextBeginOffset = offset + scanned;
  result.suggestPullingFromSlave = maxOffsetPy - maxPhyOffsetPulling > memory;
  return result;
}

/**
 * The picked records, read back to back into ONE buffer: each message is a view of it. Owned
 * reads get a fresh buffer of totalBytes (one allocation per call, not one per record). Transient
 * reads use the store's read buffer, so a read pass allocates nothing per message; their views
 * are valid only until the next transient getMessage on this store (RocketMQ hands out mmap
 * slices the same way): the caller copies what it keeps, synchronously.
 */
function readPicked(context: GetMessageContext, pickedPairs: readonly number[], totalBytes: number, transient: boolean): Uint8Array[] {
  if (pickedPairs.length === 0) return [];
  const commitLog = context.commitLog;
  if (transient && context.readBuffer.length < totalBytes) {
    context.readBuffer = new Uint8Array(Math.max(totalBytes, context.readBuffer.length * 2));
  }
  const batch = transient ? context.readBuffer : new Uint8Array(totalBytes);
  const messages: Uint8Array[] = [];
  let at = 0;
  for (let index = 0; index < pickedPairs.length; index += 2) {
    const sizeBytes = pickedPairs[index + 1]!;
    commitLog.readRecordInto(pickedPairs[index]!, sizeBytes, batch, at);
    messages.push(batch.subarray(at, at + sizeBytes));
    at += sizeBytes;
  }
  assert(at === totalBytes, "the picked records fill the batch exactly");
  assert(at <= batch.length);
  return messages;
}

/** Store timestamp of the record at commitLogOffset, or undefined when it is gone. */
export function storeTimestampAt(commitLog: CommitLog, commitLogOffset: number): number | undefined {
  const head = commitLog.readRecord(commitLogOffset, 80);
  if (head === undefined || head.length < 80) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.length);
  const bornHostLength = (view.getInt32(36, false) & 0x10) === 0 ? 8 : 20;
  return Number(view.getBigInt64(48 + bornHostLength, false));
}

/**
 * Queue offset for a timestamp [ConsumeQueue.getOffsetInQueueByTime]: the first message stored
 * at exactly `timestampMs` if any, else whichever neighbour is closer in time.
 */
export function offsetInQueueByTime(commitLog: CommitLog, queue: ConsumeQueue, timestampMs: number): number {
  let low = queue.minOffset;
  let high = queue.maxOffset() - 1;
  const timeAt = (queueOffset: number): number | undefined => {
    const unit = queue.unitAt(queueOffset);
    return unit === undefined ? undefined : storeTimestampAt(commitLog, unit.commitLogOffset);
  };
  while (low <= high && timeAt(low) === undefined) low++;
  if (low > high) return queue.maxOffset() > 0 ? low : 0;
  let left = -1;
  let leftTime = -1;
  let right = -1;
  let rightTime = -1;
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const time = timeAt(mid) ?? -1;
    if (time >= timestampMs) {
      right = mid;
      rightTime = time;
      high = mid - 1;
    } else {
      left = mid;
      leftTime = time;
      low = mid + 1;
    }
  }
  if (rightTime === timestampMs || left === -1) return right;
  if (right === -1) return left;
  return Math.abs(timestampMs - leftTime) > Math.abs(timestampMs - rightTime) ? right : left;
}
