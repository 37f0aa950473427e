// The message-key index (RocketMQ's IndexService): a run of IndexFiles under store/index/,
// named by creation time (yyyyMMddHHmmssSSS, UTC). Keys are "topic#key" for UNIQ_KEY and each
// KEYS entry. A record below the newest file's endPhyOffset is already indexed (re-dispatch
// after recovery is idempotent). A full file is fsynced and a new one started.

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
   * Opens the index files. Files that may hold entries past what the checkpoint says was
   * flushed (or with a torn header) are deleted — a clean shutdown's checkpoint covers them
   * all — and the caller re-dispatches from the returned offset (the lowest beginPhyOffset
   * deleted; Infinity when none).
   */
  load(checkpointIndexOffset: number): number {
    let redispatchFrom = Number.POSITIVE_INFINITY;
    for (const name of this.env.disk.list(this.config.storePathIndex)) {
      if (!/^\d{17}$/.test(name)) continue;
      const path = posix.join(this.config.storePathIndex, name);
      const file = new IndexFile(this.env.disk, path, this.config.maxHashSlotNum, this.config.maxIndexNum, false);
      if (!file.headerLooksValid() || file.header.endPhyOffset > checkpointIndexOffset) {
        redispatchFrom = Math.min(redispatchFrom, file.headerLooksValid() ? file.header.beginPhyOffset : 0);
        this.env.log.warn("dropping index file written after the last checkpoint", { path });
        file.destroy(this.env.disk);
        continue;
      }
      this.files.push(file);
    }
    return redispatchFrom;
  }

  /** Drops index files whose entries reach past the commit-log end (it was cut). */
  truncateBeyond(phyOffset: number): number {
    let redispatchFrom = Number.POSITIVE_INFINITY;
    while (this.files.length > 0 && this.files.at(-1)!.header.endPhyOffset >= phyOffset && this.files.at(-1)!.header.indexCount > 1) {
      const file = this.files.pop()!;
      redispatchFrom = Math.min(redispatchFrom, file.header.beginPhyOffset);
      file.destroy(this.env.disk);
    }
    return redispatchFrom;
  }

  private writableFile(): IndexFile {
    const last = this.files.at(-1);
    if (last !== undefined && !last.isFull()) return last;
    if (last !== undefined) {
      void last.flush().catch((error: unknown) => this.env.log.error("index flush failed", { error: String(error) }));
    }
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
    return file;
  }

  /** Indexes a dispatched record (idempotent by commit-log offset). Throws DiskError. */
  buildIndex(request: DispatchRequest): void {
    this.buildIndexBatch([request], 0, 1);
  }

  /**
   * Indexes requests[start, end) (log order) in one batch per index file: one write for the
   * entries, one per touched slot, one header. Idempotent by commit-log offset. Throws DiskError
   * (the failed file's header stays as before; a retry redoes its records).
   */
  buildIndexBatch(requests: readonly DispatchRequest[], start: number, end: number): void {
    let file: IndexFile | undefined;
    try {
      for (let index = start; index < end; index++) {
        const request = requests[index]!;
        if (request.keys.length === 0 || transactionType(request.sysFlag) === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) continue;
        const last = this.files.at(-1);
        if (last !== undefined && last.header.indexCount > 1 && request.commitLogOffset <= last.header.endPhyOffset) continue;
        for (const key of request.keys) {
          const indexKey = `${request.topic}#${key}`;
          if (file === undefined) {
            file = this.writableFile();
            file.beginBatch();
          }
          if (file.stageKey(indexKey, request.commitLogOffset, request.storeTimestamp)) continue;
          file.commitBatch();
          file = this.writableFile();
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

  async flush(): Promise<void> {
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
