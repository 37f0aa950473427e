// One segment file of a commit log, consume queue or index (RocketMQ's MappedFile, but over
// env.disk instead of mmap). A segment has a fixed logical size and is named by its 20-digit
// start offset; it is not preallocated — the physical file grows as bytes are written.
//
// Invariants: flushedPosition <= wrotePosition <= fileSize. Bytes past wrotePosition are not
// part of the segment (a failed write never advances wrotePosition; recovery truncates them).
// Reads past the physical end but below wrotePosition return zeros (the unwritten tail of a
// commit-log file after its end-of-file filler header).

import { posix } from "node:path";
import type { Disk, DiskFile } from "../env/env.ts";
import { assert } from "../stdx/assert.ts";
import { OS_PAGE_SIZE, offsetToFileName } from "./store_config.ts";

export class MappedFile {
  readonly path: string;
  wrotePosition = 0;
  flushedPosition = 0;
  /** Store timestamp of the newest record appended (commit log only; 0 = unknown). */
  lastStoreTimestamp = 0;
  private readonly file: DiskFile;
  private flushChain: Promise<void> = Promise.resolve();
  private destroyed = false;

  constructor(disk: Disk, dir: string, readonly fileFromOffset: number, readonly fileSize: number, create: boolean) {
    assert(fileFromOffset % fileSize === 0, "segments start at multiples of their size");
    this.path = posix.join(dir, offsetToFileName(fileFromOffset));
    this.file = disk.open(this.path, { create });
  }

  physicalSize(): number {
    return this.file.sizeBytes();
  }

  isFull(): boolean {
    return this.wrotePosition === this.fileSize;
  }

  remaining(): number {
    return this.fileSize - this.wrotePosition;
  }

  /**
   * Writes data at position (relative) and moves wrotePosition to its end if further. On a
   * DiskError the partial bytes are cut back (best effort) and the error is rethrown.
   */
  writeAt(position: number, data: Uint8Array): void {
    assert(!this.destroyed, "write to a destroyed segment");
    assert(position >= 0 && position + data.length <= this.fileSize, "write stays inside the segment");
    const sizeBefore = this.file.sizeBytes();
    try {
      this.file.write(position, data);
    } catch (error) {
      if (this.file.sizeBytes() > Math.max(sizeBefore, this.wrotePosition)) this.cutBackQuietly(Math.max(sizeBefore, this.wrotePosition));
      throw error;
    }
    this.wrotePosition = Math.max(this.wrotePosition, position + data.length);
  }

  private cutBackQuietly(sizeBytes: number): void {
    try {
      this.file.truncate(sizeBytes);
    } catch {
      // The bytes past wrotePosition are ignored anyway; recovery truncates them.
      return;
    }
  }

  appendBytes(data: Uint8Array): void {
    this.writeAt(this.wrotePosition, data);
  }

  /** Reads [position, position+length) clamped to wrotePosition; zero-fills past the physical end. */
  read(position: number, lengthBytes: number): Uint8Array {
    const end = Math.min(this.wrotePosition, position + lengthBytes);
    if (position >= end) return new Uint8Array(0);
    const bytes = this.file.read(position, end - position);
    if (bytes.length === end - position) return bytes;
    const padded = new Uint8Array(end - position);
    padded.set(bytes, 0);
    return padded;
  }

  /**
   * Copies [position, position+length) into target at targetOffset; the range must lie below
   * wrotePosition (the caller checked). Past the physical end it reads zeros, as read() does.
   */
  readInto(position: number, lengthBytes: number, target: Uint8Array, targetOffset: number): void {
    assert(position >= 0 && position + lengthBytes <= this.wrotePosition, "readInto stays below wrotePosition");
    const got = this.file.readInto(position, target, targetOffset, lengthBytes);
    if (got < lengthBytes) target.fill(0, targetOffset + got, targetOffset + lengthBytes);
  }

  /** Reads physical bytes regardless of wrotePosition (recovery scans). */
  readPhysical(position: number, lengthBytes: number): Uint8Array {
    return this.file.read(position, lengthBytes);
  }

  /** RocketMQ's isAbleToFlush: full, or at least leastPages pages dirty (any byte when 0). */
  isAbleToFlush(leastPages: number): boolean {
    if (this.flushedPosition >= this.wrotePosition) return false;
    if (this.isFull()) return true;
    if (leastPages > 0) {
      return Math.floor(this.wrotePosition / OS_PAGE_SIZE) - Math.floor(this.flushedPosition / OS_PAGE_SIZE) >= leastPages;
    }
    return true;
  }

  /** fsyncs what is written now; resolves with the flushed position. Flushes run one at a time. */
  flush(): Promise<number> {
    const target = this.wrotePosition;
    const round = this.flushChain.then(async () => {
      if (this.destroyed || target <= this.flushedPosition) return;
      await this.file.fsync();
      this.flushedPosition = Math.max(this.flushedPosition, Math.min(target, this.wrotePosition));
    });
    this.flushChain = round.catch(() => undefined);
    return round.then(() => this.flushedPosition);
  }

  /** Cuts the segment to `position` (relative): positions and the physical file. */
  truncateTo(position: number): void {
    assert(position >= 0 && position <= this.fileSize, "truncate inside the segment");
    this.wrotePosition = position;
    this.flushedPosition = Math.min(this.flushedPosition, position);
    if (this.file.sizeBytes() > position) this.file.truncate(position);
  }

  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.file.close();
  }

  destroy(disk: Disk): void {
    this.close();
    disk.remove(this.path);
  }
}
