// The commit log: every message of every topic, appended as v4 records to 1 GiB segments
// (RocketMQ's CommitLog.doAppend). Assigns PHYSICALOFFSET, QUEUEOFFSET (per topic-queue
// counter) and STORETIMESTAMP; closes a segment with an 8-byte BLANK filler when a record
// (+ 8 bytes) does not fit.
//
// Appends are deferred: a put's records go to its segment's in-memory tail (offsets, queue
// offsets and maxOffset advance at once, reads see the bytes) and writePending() hands every
// tail to the disk in one write per segment, once per event-loop turn (put_batch.ts). A failed
// writePending() cuts the log back to the first byte not written; the caller rolls back the
// queue offsets of the records past it (rollBackQueueOffsets) and fails their puts.
//
// Invariants: a put's encode and checks are synchronous and whole — a refused message leaves
// maxOffset unchanged and the queue offset table untouched; every full segment ends with a BLANK header; prepared
// and rolled-back transaction messages get queue offset 0 and do not advance the table.

import type { Env } from "../env/env.ts";
import { DiskError } from "../env/env.ts";
import {
  BLANK_MAGIC_CODE, MessageCodecError, MessageSysFlag, PROPERTIES_BYTES_MAX, RecordPlan, TOPIC_BYTES_MAX,
  createOffsetMsgIdFromHostBytes, indexKeysOf, planRecord, transactionType, writePlannedRecordAt,
} from "../message/index.ts";
import type { MessageExtBrokerInner } from "../message/index.ts";
import { assert } from "../stdx/assert.ts";
import type { DelayLevelTable, DispatchRequest } from "./dispatch_request.ts";
import { tagsCodeOf } from "./dispatch_request.ts";
import type { MappedFile } from "./mapped_file.ts";
import { MappedFileQueue } from "./mapped_file_queue.ts";
import { QueueOffsetTable } from "./queue_offset_table.ts";
import type { AppendMessageResult, PutMessageStatus } from "./status.ts";
import type { StoreConfig } from "./store_config.ts";
import { probe } from "../env/probe.ts";

/** Bytes an end-of-file filler needs (TOTALSIZE + BLANK magic). */
export const END_FILE_MIN_BLANK_LENGTH = 8;
/** Appends up to this size are encoded in a reused buffer (larger ones get their own). */
const RECORD_SCRATCH_SIZE_MAX = 1024 * 1024;

/** Record plans the commit log keeps between appends (a bigger batch gets its own). */
const PLANS_KEPT_MAX = 64;

type Refusal = { ok: false; status: PutMessageStatus; reason: string };

export type AppendOutcome =
  | { ok: true; requests: DispatchRequest[]; result: AppendMessageResult; endOffset: number }
  | Refusal;

function writesQueue(sysFlag: number): boolean {
  const type = transactionType(sysFlag);
  return type === MessageSysFlag.TRANSACTION_NOT_TYPE || type === MessageSysFlag.TRANSACTION_COMMIT_TYPE;
}

export class CommitLog {
  readonly queue: MappedFileQueue;
  /** Next queue offset per topic and queue id. */
  private readonly queueOffsets = new QueueOffsetTable();
  private readonly plans: RecordPlan[] = [];
  /** Store timestamp of the newest appended record. */
  lastAppendTimestamp = 0;
  private scratch = new Uint8Array(4096);
  /** Segments holding a deferred tail, in log order (at most two: a roll happened). */
  private readonly pendingFiles: MappedFile[] = [];

  constructor(private readonly env: Env, private readonly config: StoreConfig, private readonly levels: DelayLevelTable) {
    this.queue = new MappedFileQueue(env.disk, config.storePathCommitLog, config.mappedFileSizeCommitLog, env.log);
  }

  maxOffset(): number {
    return this.queue.maxOffset();
  }

  minOffset(): number {
    return this.queue.minOffset();
  }

  queueOffsetOf(topic: string, queueId: number): number {
    return this.queueOffsets.get(topic, queueId);
  }

  setQueueOffset(topic: string, queueId: number, offset: number): void {
    this.queueOffsets.set(topic, queueId, offset);
  }

  removeQueueOffsets(topic: string): void {
    this.queueOffsets.removeTopic(topic);
  }

  appendMessage(message: MessageExtBrokerInner, storeTimestamp: number): AppendOutcome {
    return this.appendMessages([message], storeTimestamp);
  }

  /** Appends messages (one or a batch, all in one segment); synchronous and all-or-nothing. */
  appendMessages(messages: readonly MessageExtBrokerInner[], storeTimestamp: number): AppendOutcome {
    assert(messages.length > 0, "append at least one message");
    const plans = this.plansFor(messages.length);
    let totalBytes = 0;
    for (let index = 0; index < messages.length; index++) {
      const refused = this.planChecked(messages[index]!, plans[index]!);
      if (refused !== undefined) return refused;
      totalBytes += plans[index]!.totalSize;
    }
    if (totalBytes + END_FILE_MIN_BLANK_LENGTH > this.config.mappedFileSizeCommitLog) {
      return { ok: false, status: "MESSAGE_ILLEGAL", reason: `batch of ${totalBytes} bytes exceeds a commit-log file` };
    }
    const file = this.fileWithRoom(totalBytes);
    if ("status" in file) return file;
    const startOffset = file.fileFromOffset + file.wrotePosition;
    const buffer = this.recordBuffer(totalBytes);
    // Sized up front: pushing onto [] allocates room for 17 (most appends are one message).
    const requests = new Array<DispatchRequest>(messages.length);
    const queueOffsets = this.queueOffsets;
    queueOffsets.begin();
    let msgId = "";
    let at = 0;
    for (let index = 0; index < messages.length; index++) {
      const message = messages[index]!;
      const plan = plans[index]!;
      const queueOffset = writesQueue(plan.sysFlag) ? queueOffsets.take(message.topic, message.queueId) : 0;
      const commitLogOffset = startOffset + at;
      writePlannedRecordAt(buffer, at, message, queueOffset, commitLogOffset, storeTimestamp, plan);
      requests[index] = {
        topic: message.topic, queueId: message.queueId, commitLogOffset, msgSize: plan.totalSize,
        tagsCode: tagsCodeOf(message.topic, message.properties, storeTimestamp, this.levels), storeTimestamp,
        consumeQueueOffset: queueOffset, keys: indexKeysOf(message.properties), sysFlag: plan.sysFlag,
        preparedTransactionOffset: message.preparedTransactionOffset,
      };
      const id = createOffsetMsgIdFromHostBytes(plan.storeHost, commitLogOffset);
      msgId = index === 0 ? id : `${msgId},${id}`;
      at += plan.totalSize;
    }
    this.appendDeferred(file, buffer);
    queueOffsets.commit();
    file.lastStoreTimestamp = storeTimestamp;
    this.lastAppendTimestamp = storeTimestamp;
    const first = requests[0]!;
    return {
      ok: true, requests, endOffset: startOffset + totalBytes,
      result: {
        wroteOffset: startOffset, wroteBytes: totalBytes, msgId, logicsOffset: first.consumeQueueOffset,
        queueOffset: first.consumeQueueOffset, storeTimestamp, msgNum: messages.length,
      },
    };
  }

  /** Reused plans for the records of one append (appends are synchronous, so never shared). */
  private plansFor(count: number): RecordPlan[] {
    while (this.plans.length < Math.min(count, PLANS_KEPT_MAX)) this.plans.push(new RecordPlan());
    if (count <= this.plans.length) return this.plans;
    return Array.from({ length: count }, () => new RecordPlan());
  }

  /**
   * Scratch bytes for the records of one append, reused: disk writes copy (pwrite semantics),
   * so nothing keeps a reference, and a fresh buffer per message cost an off-heap allocation.
   */
  private recordBuffer(sizeBytes: number): Uint8Array {
    if (sizeBytes > RECORD_SCRATCH_SIZE_MAX) return new Uint8Array(sizeBytes);
    if (this.scratch.length < sizeBytes) this.scratch = new Uint8Array(Math.min(RECORD_SCRATCH_SIZE_MAX, Math.max(sizeBytes, this.scratch.length * 2)));
    return this.scratch.subarray(0, sizeBytes);
  }

  /** Sizes one record into `plan`; a refusal when it breaks a limit. */
  private planChecked(message: MessageExtBrokerInner, plan: RecordPlan): Refusal | undefined {
    try {
      planRecord(message, plan);
    } catch (error) {
      if (!(error instanceof MessageCodecError)) throw error;
      return { ok: false, status: "MESSAGE_ILLEGAL", reason: error.message };
    }
    if (plan.topicLength > TOPIC_BYTES_MAX) {
      return { ok: false, status: "MESSAGE_ILLEGAL", reason: `topic of ${plan.topicLength} bytes > ${TOPIC_BYTES_MAX}` };
    }
    if (plan.propertiesLength > PROPERTIES_BYTES_MAX) {
      return { ok: false, status: "PROPERTIES_SIZE_EXCEEDED", reason: `properties of ${plan.propertiesLength} bytes > ${PROPERTIES_BYTES_MAX}` };
    }
    if (plan.totalSize > this.config.maxMessageSize) {
      return { ok: false, status: "MESSAGE_ILLEGAL", reason: `message of ${plan.totalSize} bytes > maxMessageSize ${this.config.maxMessageSize}` };
    }
    return undefined;
  }

  /** The segment to append `totalBytes` to, closing the current one with a BLANK if needed. */
  private fileWithRoom(totalBytes: number): ReturnType<MappedFileQueue["lastWritable"]> | Refusal {
    for (let attempt = 0; attempt < 2; attempt++) {
      let file;
      try {
        file = this.queue.lastWritable(0);
      } catch (error) {
        if (!(error instanceof DiskError)) throw error;
        probe(this.env, "store.segment.create-failed");
        return { ok: false, status: "CREATE_MAPEDFILE_FAILED", reason: error.message };
      }
      if (totalBytes + END_FILE_MIN_BLANK_LENGTH <= file.remaining()) return file;
      probe(this.env, "store.segment.blank-filler");
      const blank = new Uint8Array(END_FILE_MIN_BLANK_LENGTH);
      const view = new DataView(blank.buffer);
      view.setInt32(0, file.remaining(), false);
      view.setInt32(4, BLANK_MAGIC_CODE, false);
      this.appendDeferred(file, blank);
      file.wrotePosition = file.fileSize;
    }
    assert(false, "a fresh segment always has room for a checked message");
  }

  private appendDeferred(file: MappedFile, bytes: Uint8Array): void {
    if (this.pendingFiles.at(-1) !== file) this.pendingFiles.push(file);
    file.appendDeferred(bytes);
  }

  /** True while appended bytes wait in memory for writePending(). */
  hasPending(): boolean {
    return this.pendingFiles.length > 0;
  }

  /**
   * Writes every deferred tail, in log order, one write per segment. Returns undefined when all
   * landed; else the commit-log offset from which nothing was written (the log is cut back
   * there) and the reason ("disk full" for ENOSPC).
   */
  writePending(): { failedFrom: number; reason: string } | undefined {
    const files = this.pendingFiles.splice(0);
    for (let index = 0; index < files.length; index++) {
      const file = files[index]!;
      const failedFrom = file.fileFromOffset + file.pendingStart();
      try {
        file.writePending();
      } catch (error) {
        if (!(error instanceof DiskError)) throw error;
        for (const later of files.slice(index + 1)) later.dropPending();
        probe(this.env, error.code === "ENOSPC" ? "store.disk.enospc" : "store.disk.write-failed");
        this.env.log.error("commit log write failed", { code: error.code, message: error.message });
        this.queue.truncateDirtyFiles(failedFrom);
        return { failedFrom, reason: error.code === "ENOSPC" ? "disk full" : `disk error ${error.code}` };
      }
    }
    return undefined;
  }

  /** A crash: deferred bytes were never handed to the OS and are gone. */
  dropPending(): void {
    const files = this.pendingFiles.splice(0);
    if (files.length === 0) return;
    const from = files[0]!.fileFromOffset + files[0]!.pendingStart();
    for (const file of files) file.dropPending();
    this.queue.truncateDirtyFiles(from);
  }

  /**
   * The records from `failedFrom` on were never written: their queues get their offsets back
   * (requests in log order; the first failed one of each queue holds the offset to restore).
   */
  rollBackQueueOffsets(requests: readonly DispatchRequest[], failedFrom: number): void {
    for (let index = requests.length - 1; index >= 0; index--) {
      const request = requests[index]!;
      if (request.commitLogOffset < failedFrom) break;
      if (writesQueue(request.sysFlag)) this.queueOffsets.set(request.topic, request.queueId, request.consumeQueueOffset);
    }
  }

  /** Bytes of one record at `offset`, or undefined when that segment is gone. */
  readRecord(offset: number, sizeBytes: number): Uint8Array | undefined {
    const file = this.queue.findByOffset(offset);
    if (file === undefined) return undefined;
    const position = offset - file.fileFromOffset;
    if (position + sizeBytes > file.wrotePosition) return undefined;
    return file.read(position, sizeBytes);
  }

  /** Whether readRecord(offset, sizeBytes) would find the bytes (same checks, nothing read). */
  hasRecord(offset: number, sizeBytes: number): boolean {
    const file = this.queue.findByOffset(offset);
    return file !== undefined && offset - file.fileFromOffset + sizeBytes <= file.wrotePosition;
  }

  /** Copies the record hasRecord(offset, sizeBytes) found into target at targetOffset. */
  readRecordInto(offset: number, sizeBytes: number, target: Uint8Array, targetOffset: number): void {
    const file = this.queue.findByOffset(offset);
    assert(file !== undefined, "readRecordInto after hasRecord");
    file.readInto(offset - file.fileFromOffset, sizeBytes, target, targetOffset);
  }

  /** Size of the record at `offset` (its TOTALSIZE field), or undefined. */
  readRecordSize(offset: number): number | undefined {
    const head = this.readRecord(offset, 4);
    if (head === undefined || head.length < 4) return undefined;
    const size = new DataView(head.buffer, head.byteOffset, 4).getInt32(0, false);
    return size > 0 ? size : undefined;
  }

  /** Raw bytes from `offset` to the end of its segment's written data, at most maxBytes (HA). */
  readData(offset: number, maxBytes: number): Uint8Array | undefined {
    const file = this.queue.findByOffset(offset);
    if (file === undefined) return undefined;
    const position = offset - file.fileFromOffset;
    if (position >= file.wrotePosition) return undefined;
    return file.read(position, Math.min(maxBytes, file.wrotePosition - position));
  }

  /**
   * readData's bytes in a fresh buffer after `headroomBytes` free bytes, or undefined when none:
   * the HA master writes its frame header there (one allocation and one copy per frame).
   */
  readDataWithHeadroom(offset: number, maxBytes: number, headroomBytes: number): Uint8Array | undefined {
    assert(Number.isInteger(headroomBytes) && headroomBytes >= 0, "headroom is a byte count");
    const file = this.queue.findByOffset(offset);
    if (file === undefined) return undefined;
    const position = offset - file.fileFromOffset;
    if (position >= file.wrotePosition) return undefined;
    const sizeBytes = Math.min(maxBytes, file.wrotePosition - position);
    const out = new Uint8Array(headroomBytes + sizeBytes);
    file.readInto(position, sizeBytes, out, headroomBytes);
    return out;
  }

  /**
   * Whether raw bytes may be appended at startOffset: it continues the log, or the log is empty
   * and startOffset starts a segment (a fresh slave takes the master's last segment onwards).
   */
  canAppendRawAt(startOffset: number): boolean {
    if (this.queue.files.length === 0) return startOffset % this.config.mappedFileSizeCommitLog === 0;
    return startOffset === this.maxOffset();
  }

  /** Appends raw commit-log bytes (slave); see canAppendRawAt. Throws DiskError. */
  appendRaw(startOffset: number, bytes: Uint8Array): void {
    assert(this.canAppendRawAt(startOffset), "raw appends continue the commit log");
    let at = 0;
    while (at < bytes.length) {
      const offset = startOffset + at;
      const file = this.queue.lastWritable(offset);
      assert(file.fileFromOffset + file.wrotePosition === offset, "raw append lands at the end");
      const count = Math.min(file.remaining(), bytes.length - at);
      file.appendBytes(bytes.subarray(at, at + count));
      at += count;
    }
  }

  /** Start offset of the segment after the one holding `offset`. */
  rollNextFile(offset: number): number {
    const size = this.config.mappedFileSizeCommitLog;
    return offset + size - (offset % size);
  }
}
