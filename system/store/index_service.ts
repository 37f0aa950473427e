// The message-key index (RocketMQ's IndexService): a run of IndexFiles under store/index/,
// named by creation time (yyyyMMddHHmmssSSS, UTC). Keys are "topic#key" for UNIQ_KEY and each
// KEYS entry. A record at or below the newest non-empty file's endPhyOffset is already indexed
// (re-dispatch after recovery is idempotent). Only the newest file is writable and holds its
// slot table in memory (hashSlotNum × 4 B); a full file is sealed (persisted, table dropped,
// fsynced) and a new one started.
// Crash safety: slots and header reach disk only at persist() (a checkpoint, a seal, a clean
// shutdown). The checkpoint's index mark is the dispatch offset sampled in the same turn as
// persist() (logics_flusher.ts), so every file whose endPhyOffset is below it was whole on
// disk when the checkpoint was written; load() drops any other file (and every newer one) and
// asks recovery to re-dispatch from the lowest dropped beginPhyOffset.

import { posix } from "node:path";
import type { Env } from "../env/env.ts";
import { MessageSysFlag, compactUtcTimestamp, transactionType } from "../message/index.ts";
import type { DispatchRequest } from "./dispatch_request.ts";
import { IndexFile } from "./index_file.ts";
import { assert } from "../stdx/assert.ts";
import type { StoreConfig } from "./store_config.ts";

export interface IndexQueryResult {
  phyOffsets: number[];
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}

export class IndexService {
  files: IndexFile[] = [];

  constructor(private readonly env: Env, private readonly config: StoreConfig) {}

  /**
   * Opens the index files. A file whose header is torn or reaches the checkpoint's index mark
   * (entries, slots or header written after the last checkpoint) is deleted with every newer
   * one, and so is a newest file whose slots disagree with its header; the caller re-dispatches
   * from the returned offset (the lowest beginPhyOffset deleted; Infinity when none). A clean
   * shutdown's checkpoint covers every file.
   */
  load(indexMark: number): number {
    let redispatchFrom = Number.POSITIVE_INFINITY;
    const drop = (file: IndexFile, reason: string): void => {
      redispatchFrom = Math.min(redispatchFrom, file.headerLooksValid() ? file.header.beginPhyOffset : 0);
      this.env.log.warn("dropping index file written after the last checkpoint", { path: file.path, reason });
      file.destroy(this.env.disk);
    };
    for (const name of this.env.disk.list(this.config.storePathIndex)) {
      if (!/^\d{17}$/.test(name)) continue;
      const path = posix.join(this.config.storePathIndex, name);
      const file = new IndexFile(this.env.disk, path, this.config.maxHashSlotNum, this.config.maxIndexNum, false);
      if (redispatchFrom !== Number.POSITIVE_INFINITY) drop(file, "a previous file was dropped");
      else if (!file.headerLooksValid()) drop(file, "torn header");
      else if (file.header.endPhyOffset >= indexMark) drop(file, `endPhyOffset ${file.header.endPhyOffset} >= mark ${indexMark}`);
      else this.files.push(file);
    }
    const last = this.files.at(-1);
    if (last !== undefined && !last.isFull()) {
      const problem = last.openSlots();
      if (problem !== null) drop(this.files.pop()!, problem);
    }
    return redispatchFrom;
  }

  /** Drops index files holding entries at or past phyOffset (the commit log was cut there). */
  truncateBeyond(phyOffset: number): number {
    let redispatchFrom = Number.POSITIVE_INFINITY;
    for (let last = this.files.at(-1); last !== undefined; last = this.files.at(-1)) {
      // An empty file (inherited endPhyOffset) goes too: it is rebuilt on the next key.
      const empty = last.header.indexCount <= 1;
      if (!empty && last.header.endPhyOffset < phyOffset) break;
      this.files.pop();
      if (!empty) redispatchFrom = Math.min(redispatchFrom, last.header.beginPhyOffset);
      last.destroy(this.env.disk);
    }
    return redispatchFrom;
  }

  /** End offset of what is indexed: the newest non-empty file's endPhyOffset, or -1. */
  private indexedEnd(): number {
    for (let index = this.files.length - 1; index >= 0; index--) {
      const header = this.files[index]!.header;
      if (header.indexCount > 1) return header.endPhyOffset;
    }
    return -1;
  }

  /** Seals a full file: slots and header to disk, table dropped, fsync started. */
  private seal(file: IndexFile): void {
    file.seal();
    void file.flush().catch((error: unknown) => this.env.log.error("index flush failed", { error: String(error) }));
  }

  /** The newest file if it is writable with room for `room` entries, else a new one. */
  private writableFile(room: number): IndexFile {
    const last = this.files.at(-1);
    if (last !== undefined && last.hasRoomFor(room)) {
      if (last.isWritable()) return last;
      const problem = last.openSlots();
      if (problem === null) return last;
      this.env.log.error("index file slots disagree with its header; starting a new file", { path: last.path, problem });
    }
    if (last?.isWritable() === true) this.seal(last);
    this.env.disk.mkdirs(this.config.storePathIndex);
    let nameMs = this.env.clock.nowMs();
    while (this.env.disk.exists(posix.join(this.config.storePathIndex, compactUtcTimestamp(nameMs)))
      || (last !== undefined && compactUtcTimestamp(nameMs) <= posix.basename(last.path))) nameMs++;
    const file = new IndexFile(this.env.disk, posix.join(this.config.storePathIndex, compactUtcTimestamp(nameMs)),
      this.config.maxHashSlotNum, this.config.maxIndexNum, true);
    if (last !== undefined) {
      file.header.beginPhyOffset = last.header.endPhyOffset;
      file.header.endPhyOffset = last.header.endPhyOffset;
      file.header.beginTimestamp = last.header.endTimestamp;
      file.header.endTimestamp = last.header.endTimestamp;
    }
    this.files.push(file);
    file.writeHeader();
    return file;
  }

  /** Indexes a dispatched record (idempotent by commit-log offset). Throws DiskError. */
  buildIndex(request: DispatchRequest): void {
    this.buildIndexBatch([request], 0, 1);
  }

  /**
   * Indexes requests[start, end) (log order) in one batch per index file: one write for the
   * entries (slots and header in memory until persist). Idempotent by commit-log offset.
   * Throws DiskError (the failed file's header and slots stay as before; a retry redoes them).
   */
  buildIndexBatch(requests: readonly DispatchRequest[], start: number, end: number): void {
    let file: IndexFile | undefined;
    const indexedEnd = this.indexedEnd();
    try {
      for (let index = start; index < end; index++) {
        const request = requests[index]!;
        if (request.keys.length === 0 || transactionType(request.sysFlag) === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) continue;
        if (request.commitLogOffset <= indexedEnd) continue;
        // A record's keys go in one file (when they fit in one), so that "at or below the
        // newest endPhyOffset" means "all its keys are indexed" after a crash drops a file.
        const room = Math.min(request.keys.length, this.config.maxIndexNum - 1);
        if (file === undefined || !file.hasRoomFor(room)) {
          file?.commitBatch();
          file = this.writableFile(room);
          file.beginBatch();
        }
        for (const key of request.keys) {
          const indexKey = `${request.topic}#${key}`;
          if (file.stageKey(indexKey, request.commitLogOffset, request.storeTimestamp)) continue;
          // Only a record with more keys than a whole file holds gets here: it spans files.
          file.commitBatch();
          file = this.writableFile(1);
          file.beginBatch();
          assert(file.stageKey(indexKey, request.commitLogOffset, request.storeTimestamp), "a fresh index file has room");
        }
      }
      file?.commitBatch();
    } catch (error) {
      file?.abortBatch();
      throw error;
    }
  }

  queryOffset(topic: string, key: string, maxNum: number, beginMs: number, endMs: number): IndexQueryResult {
    const phyOffsets: number[] = [];
    const limit = Math.min(maxNum, this.config.defaultQueryMaxNum);
    const last = this.files.at(-1);
    for (let index = this.files.length - 1; index >= 0 && phyOffsets.length < limit; index--) {
      const file = this.files[index]!;
      if (file.isTimeMatched(beginMs, endMs)) file.selectPhyOffsets(phyOffsets, `${topic}#${key}`, limit, beginMs, endMs);
      if (file.header.beginTimestamp < beginMs) break;
    }
    return {
      phyOffsets,
      indexLastUpdateTimestamp: last?.header.endTimestamp ?? 0,
      indexLastUpdatePhyoffset: last?.header.endPhyOffset ?? 0,
    };
  }

  /**
   * Writes every file's changed header and slots now, synchronously: a dispatch offset sampled
   * in the same turn bounds what is on disk (the checkpoint's index mark). Throws DiskError.
   */
  persist(): void {
    for (const file of this.files) file.persist();
  }

  /** persist(), then fsync every file with something not yet durable. */
  async flush(): Promise<void> {
    this.persist();
    await Promise.all(this.files.filter((file) => file.isDirty()).map((file) => file.flush()));
  }

  /** Deletes files whose entries all point below minPhyOffset (never the newest). */
  deleteExpiredFiles(minPhyOffset: number): number {
    let count = 0;
    while (this.files.length > 1 && this.files[0]!.header.endPhyOffset < minPhyOffset) {
      this.files.shift()!.destroy(this.env.disk);
      count++;
    }
    return count;
  }

  close(): void {
    for (const file of this.files) file.close();
  }
}
