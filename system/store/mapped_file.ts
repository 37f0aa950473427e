// One segment file of a commit log, consume queue or index (RocketMQ's MappedFile, but over
// env.disk instead of mmap). A segment has a fixed logical size and is named by its 20-digit
// start offset; it is not preallocated — the physical file grows as bytes are written.
//
// Invariants: flushedPosition <= wrotePosition <= fileSize. Bytes past wrotePosition are not
// part of the segment (a failed write never advances wrotePosition; recovery truncates them).
// Reads past the physical end but below wrotePosition return zeros (the unwritten tail of a
// commit-log file after its end-of-file filler header).
//
// Deferred appends (the commit log's put path): appendDeferred() copies bytes into an in-memory
// tail [pendingFrom, wrotePosition) and writePending() hands the whole tail to the disk in one
// write (once per event-loop turn, see put_batch.ts). Reads see the pending tail; flush() and
// truncateTo() must never meet one (the store writes it first), so an fsync always covers
// bytes already handed to the OS.

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
  /** Position of the first deferred byte; -1 when nothing is pending. */
  private pendingFrom = -1;
  /** Deferred bytes (a reused, growing buffer); [0, pendingUsed) is in use. */
  private pendingBytes: Uint8Array | undefined;
  /** Bytes of pendingBytes in use (wrotePosition may be past them: a filler closed the segment). */
  private pendingUsed = 0;

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
    assert(this.pendingFrom < 0, "immediate appends never follow deferred ones");
    this.writeAt(this.wrotePosition, data);
  }

  /** Appends data to the in-memory tail (copied); writePending() writes it. */
  appendDeferred(data: Uint8Array): void {
    assert(!this.destroyed, "append to a destroyed segment");
    assert(data.length <= this.remaining(), "deferred append stays inside the segment");
    if (this.pendingFrom < 0) {
      this.pendingFrom = this.wrotePosition;
      this.pendingUsed = 0;
    }
    assert(this.pendingFrom + this.pendingUsed === this.wrotePosition, "deferred appends are contiguous");
    const used = this.pendingUsed;
    let buffer = this.pendingBytes;
    if (buffer === undefined || buffer.length < used + data.length) {
      const grown = new Uint8Array(Math.max(used + data.length, Math.min(this.fileSize, (buffer?.length ?? 32 * 1024) * 2)));
      if (buffer !== undefined) grown.set(buffer.subarray(0, used), 0);
      buffer = grown;
      this.pendingBytes = buffer;
    }
    buffer.set(data, used);
    this.pendingUsed = used + data.length;
    this.wrotePosition += data.length;
  }

  hasPending(): boolean {
    return this.pendingFrom >= 0;
  }

  /** Position of the first deferred byte (wrotePosition when nothing is pending). */
  pendingStart(): number {
    return this.pendingFrom >= 0 ? this.pendingFrom : this.wrotePosition;
  }

  /**
   * Writes the deferred tail in one write. On a DiskError the tail is dropped, wrotePosition
   * goes back to where it started (nothing of it counts) and the error is rethrown. A
   * wrotePosition moved past the tail (a closed segment's filler) stays where it was put.
   */
  writePending(): void {
    const from = this.pendingFrom;
    if (from < 0) return;
    const bytes = this.pendingBytes!.subarray(0, this.pendingUsed);
    const wrote = this.wrotePosition;
    this.dropPending();
    this.writeAt(from, bytes);
    this.wrotePosition = Math.max(this.wrotePosition, wrote);
  }

  /** Forgets the deferred tail (a crash, or a failed write): wrotePosition goes back. */
  dropPending(): void {
    if (this.pendingFrom < 0) return;
    this.wrotePosition = this.pendingFrom;
    this.pendingFrom = -1;
    this.pendingUsed = 0;
    // Keep a modest buffer for the next turn; a burst's big one is given back.
    if (this.pendingBytes !== undefined && this.pendingBytes.length > 1024 * 1024) this.pendingBytes = undefined;
  }

  /** Reads [position, position+length) clamped to wrotePosition; zero-fills past the physical end. */
  read(position: number, lengthBytes: number): Uint8Array {
    const end = Math.min(this.wrotePosition, position + lengthBytes);
    if (position >= end) return new Uint8Array(0);
    if (this.pendingFrom >= 0 && end > this.pendingFrom) return this.readWithPending(position, end);
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
    const end = position + lengthBytes;
    const from = this.pendingFrom;
    // The part below the deferred tail (all of it when there is none) comes from the file.
    const diskEnd = from >= 0 ? Math.min(end, from) : end;
    if (diskEnd > position) {
      const got = this.file.readInto(position, target, targetOffset, diskEnd - position);
      if (got < diskEnd - position) target.fill(0, targetOffset + got, targetOffset + diskEnd - position);
    }
    if (from < 0 || end <= from) return;
    const start = Math.max(position, from);
    const tailEnd = Math.min(end, from + this.pendingUsed);
    if (tailEnd > start) target.set(this.pendingBytes!.subarray(start - from, tailEnd - from), targetOffset + start - position);
    // Past the tail's bytes (a filler's unwritten rest) reads zeros, as read() does.
    if (end > Math.max(start, tailEnd)) target.fill(0, targetOffset + Math.max(start, tailEnd) - position, targetOffset + lengthBytes);
  }

  /** A read reaching into the deferred tail: the disk part, then the tail's bytes. */
  private readWithPending(position: number, end: number): Uint8Array {
    const from = this.pendingFrom;
    const out = new Uint8Array(end - position);
    if (position < from) out.set(this.read(position, from - position), 0);
    const start = Math.max(position, from);
    const tailEnd = Math.min(end, from + this.pendingUsed);
    // Past the tail's bytes (a filler's unwritten rest) reads zeros, as past the physical end.
    if (tailEnd > start) out.set(this.pendingBytes!.subarray(start - from, tailEnd - from), start - position);
    return out;
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
    assert(this.pendingFrom < 0, "write the deferred tail before an fsync");
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
    assert(this.pendingFrom < 0, "write or drop the deferred tail before a truncate");
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
