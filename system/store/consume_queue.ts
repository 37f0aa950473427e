// One consume queue (topic, queueId): 20-byte units [commit-log offset 8][size 4][tagsCode 8]
// in segments of mappedFileSizeConsumeQueue bytes under consumequeue/<topic>/<queueId>/.
// Queue offset N lives at byte N·20. Units stay on disk; only min/max offsets are in memory.
//
// Invariants: units are written in queue-offset order (a unit below the max is a duplicate
// and skipped); minOffset <= maxOffset; a unit of size 0 is a hole (never written, or
// before minOffset).
// Batched dispatch stages a turn's units (stage) and writes each contiguous run once
// (writeStaged): one write per queue per turn instead of one per message. Nothing stays
// staged past the dispatcher's call (it writes or drops every staged run before returning).

import { posix } from "node:path";
import type { Env } from "../env/env.ts";
import { readInt32BE, readSafeLongBE, writeInt32BE, writeLongBE } from "../message/index.ts";
import { assert } from "../stdx/assert.ts";
import { MappedFileQueue } from "./mapped_file_queue.ts";
import { CQ_STORE_UNIT_SIZE } from "./store_config.ts";
import { probe } from "../env/probe.ts";

export interface CqUnit {
  commitLogOffset: number;
  size: number;
  tagsCode: number;
}

export function decodeUnit(bytes: Uint8Array, at: number): CqUnit {
  assert(at >= 0 && at + CQ_STORE_UNIT_SIZE <= bytes.length, "a whole unit to decode");
  return {
    commitLogOffset: readLongBE(bytes, at),
    size: readInt32BE(bytes, at + 8),
    tagsCode: readLongBE(bytes, at + 12),
  };
}

/** An 8-byte unit field as Number(BigInt) read it: safe integers exactly, others rounded. */
function readLongBE(bytes: Uint8Array, at: number): number {
  const value = readSafeLongBE(bytes, at);
  return value ?? Number(new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigInt64(0, false));
}

function encodeUnitAt(bytes: Uint8Array, at: number, commitLogOffset: number, size: number, tagsCode: number): void {
  writeLongBE(bytes, at, commitLogOffset);
  writeInt32BE(bytes, at + 8, size);
  writeLongBE(bytes, at + 12, tagsCode);
}

/** Staging bytes a queue keeps between turns; a burst's bigger buffer is given back. */
const STAGING_KEEP_BYTES = 64 * 1024;

export class ConsumeQueue {
  readonly queue: MappedFileQueue;
  /** Lowest readable queue offset (units below were deleted or never existed). */
  minOffset = 0;
  /** Commit-log end (offset + size) of the newest unit; 0 when empty. */
  maxPhysicOffset = 0;
  /** Staged units (a contiguous run starting at byte stagedFrom), not yet written. */
  private staging: Uint8Array | undefined;
  private stagedFrom = 0;
  private stagedCount = 0;
  private stagedMaxPhysicOffset = 0;

  constructor(private readonly env: Env, readonly topic: string, readonly queueId: number, rootDir: string, readonly fileSize: number) {
    this.queue = new MappedFileQueue(env.disk, posix.join(rootDir, topic, String(queueId)), fileSize, env.log);
  }

  /** Next queue offset to be written (RocketMQ's getMaxOffsetInQueue). */
  maxOffset(): number {
    return this.queue.maxOffset() / CQ_STORE_UNIT_SIZE;
  }

  /**
   * Writes the unit for queue offset `queueOffset`. Returns false for a duplicate (already
   * written). Throws DiskError when the disk refuses.
   */
  put(unit: CqUnit, queueOffset: number): boolean {
    assert(this.stagedCount === 0, "a single put never meets a staged run");
    const arrived = this.stage(unit.commitLogOffset, unit.size, unit.tagsCode, queueOffset);
    this.writeStaged();
    return arrived;
  }

  /**
   * Stages the unit for `queueOffset`; false for a duplicate (written or staged already). A gap
   * after the staged run writes the run first (so this may throw DiskError).
   */
  stage(commitLogOffset: number, size: number, tagsCode: number, queueOffset: number): boolean {
    assert(size > 0, "units have a size");
    const expected = queueOffset * CQ_STORE_UNIT_SIZE;
    if (this.stagedCount > 0) {
      const stagedEnd = this.stagedFrom + this.stagedCount * CQ_STORE_UNIT_SIZE;
      if (expected < stagedEnd) return false;
      if (expected > stagedEnd) this.writeStaged();
    }
    if (this.stagedCount === 0) {
      if (this.queue.files.length > 0 && expected < this.queue.maxOffset()) return false;
      this.stagedFrom = expected;
    }
    const at = this.stagedCount * CQ_STORE_UNIT_SIZE;
    let staging = this.staging;
    if (staging === undefined || staging.length < at + CQ_STORE_UNIT_SIZE) {
      const grown = new Uint8Array(Math.max(CQ_STORE_UNIT_SIZE * 64, (staging?.length ?? 0) * 2));
      if (staging !== undefined) grown.set(staging.subarray(0, at), 0);
      staging = grown;
      this.staging = staging;
    }
    encodeUnitAt(staging, at, commitLogOffset, size, tagsCode);
    this.stagedCount++;
    this.stagedMaxPhysicOffset = commitLogOffset + size;
    return true;
  }

  /** True while units wait in the staging buffer. */
  hasStaged(): boolean {
    return this.stagedCount > 0;
  }

  /** Writes the staged run (one write per segment it touches). Throws DiskError. */
  writeStaged(): void {
    const count = this.stagedCount;
    if (count === 0) return;
    const bytes = this.staging!.subarray(0, count * CQ_STORE_UNIT_SIZE);
    const expected = this.stagedFrom;
    const maxPhysicOffset = this.stagedMaxPhysicOffset;
    this.dropStaged();
    const current = this.queue.maxOffset();
    assert(this.queue.files.length === 0 || expected >= current, "staged units continue the queue");
    if (this.queue.files.length === 0 && expected > 0) this.minOffset = expected / CQ_STORE_UNIT_SIZE;
    if (this.queue.files.length > 0 && expected > current) {
      probe(this.env, "store.consume-queue.gap");
      this.env.log.warn("consume queue gap", { topic: this.topic, queueId: this.queueId, expected: expected / CQ_STORE_UNIT_SIZE, max: this.maxOffset() });
    }
    let at = 0;
    while (at < bytes.length) {
      const file = this.fileFor(expected + at);
      const position = expected + at - file.fileFromOffset;
      const count = Math.min(this.fileSize - position, bytes.length - at);
      file.writeAt(position, bytes.subarray(at, at + count));
      at += count;
    }
    this.maxPhysicOffset = maxPhysicOffset;
  }

  /** Forgets the staged run (a write before it failed; the dispatcher retries from the log). */
  dropStaged(): void {
    this.stagedCount = 0;
    if (this.staging !== undefined && this.staging.length > STAGING_KEEP_BYTES) this.staging = undefined;
  }

  private fileFor(byteOffset: number): ReturnType<MappedFileQueue["createFile"]> {
    if (this.queue.files.length === 0) return this.queue.createFile(byteOffset - (byteOffset % this.fileSize));
    for (;;) {
      const last = this.queue.last()!;
      if (byteOffset < last.fileFromOffset + this.fileSize) return last;
      last.wrotePosition = this.fileSize;
      this.queue.createFile(last.fileFromOffset + this.fileSize);
    }
  }

  /** Raw units from `queueOffset` to the end of its segment, at most maxUnits. */
  readUnits(queueOffset: number, maxUnits: number): Uint8Array | undefined {
    const byteOffset = queueOffset * CQ_STORE_UNIT_SIZE;
    const file = this.queue.findByOffset(byteOffset);
    if (file === undefined) return undefined;
    const position = byteOffset - file.fileFromOffset;
    if (position >= file.wrotePosition) return undefined;
    return file.read(position, Math.min(file.wrotePosition - position, maxUnits * CQ_STORE_UNIT_SIZE));
  }

  unitAt(queueOffset: number): CqUnit | undefined {
    const bytes = this.readUnits(queueOffset, 1);
    if (bytes === undefined || bytes.length < CQ_STORE_UNIT_SIZE) return undefined;
    const unit = decodeUnit(bytes, 0);
    return unit.size > 0 ? unit : undefined;
  }

  /** Start queue offset of the segment after the one holding `queueOffset`. */
  rollNextFile(queueOffset: number): number {
    const unitsPerFile = this.fileSize / CQ_STORE_UNIT_SIZE;
    return queueOffset + unitsPerFile - (queueOffset % unitsPerFile);
  }

  /** Sets positions from the files: the end is after the last unit with a size (recovery). */
  recover(): void {
    while (this.queue.files.length > 0) {
      const last = this.queue.last()!;
      const physical = Math.min(last.physicalSize(), this.fileSize);
      const bytes = last.readPhysical(0, physical - (physical % CQ_STORE_UNIT_SIZE));
      let end = bytes.length;
      while (end > 0 && decodeUnit(bytes, end - CQ_STORE_UNIT_SIZE).size <= 0) end -= CQ_STORE_UNIT_SIZE;
      if (end > 0 || this.queue.files.length === 1) {
        last.truncateTo(end);
        last.flushedPosition = end;
        if (end > 0) {
          const unit = decodeUnit(bytes, end - CQ_STORE_UNIT_SIZE);
          this.maxPhysicOffset = unit.commitLogOffset + unit.size;
        }
        break;
      }
      this.queue.files.pop()!.destroy(this.env.disk);
    }
    const first = this.queue.first();
    this.minOffset = Math.max(this.minOffset, (first?.fileFromOffset ?? 0) / CQ_STORE_UNIT_SIZE);
  }

  /**
   * Drops units pointing at or past `phyOffset` (the commit log was cut there). A segment left
   * without a unit goes, the last one too (4.9.x deleteLastMappedFile): a queue cut to nothing
   * is empty, so the next unit put (a slave resuming at its master's last segment) sets its min
   * offset instead of leaving holes below it that a read would skip.
   */
  truncateDirtyLogicFiles(phyOffset: number): void {
    while (this.queue.files.length > 0) {
      const last = this.queue.last()!;
      const bytes = last.read(0, last.wrotePosition);
      let end = bytes.length - (bytes.length % CQ_STORE_UNIT_SIZE);
      while (end > 0) {
        const unit = decodeUnit(bytes, end - CQ_STORE_UNIT_SIZE);
        if (unit.size > 0 && unit.commitLogOffset + unit.size <= phyOffset) break;
        end -= CQ_STORE_UNIT_SIZE;
      }
      if (end > 0) {
        if (end < last.wrotePosition) last.truncateTo(end);
        const unit = decodeUnit(bytes, end - CQ_STORE_UNIT_SIZE);
        this.maxPhysicOffset = unit.commitLogOffset + unit.size;
        break;
      }
      this.queue.files.pop()!.destroy(this.env.disk);
    }
    if (this.queue.files.length === 0) {
      this.maxPhysicOffset = 0;
      this.minOffset = 0;
      return;
    }
    this.minOffset = Math.min(this.minOffset, this.maxOffset());
  }

  /** Moves minOffset to the first unit whose message is still in the commit log. */
  correctMinOffset(minPhyOffset: number): void {
    const first = this.queue.first();
    if (first === undefined) return;
    let queueOffset = Math.max(this.minOffset, first.fileFromOffset / CQ_STORE_UNIT_SIZE);
    const max = this.maxOffset();
    // Usual case (retention runs every few seconds): the current minimum is still valid, and
    // one unit says so without reading a 4096-unit chunk.
    const current = queueOffset < max ? this.unitAt(queueOffset) : undefined;
    if (current !== undefined && current.commitLogOffset >= minPhyOffset) {
      this.minOffset = queueOffset;
      return;
    }
    while (queueOffset < max) {
      const bytes = this.readUnits(queueOffset, 4096);
      if (bytes === undefined || bytes.length === 0) break;
      for (let at = 0; at + CQ_STORE_UNIT_SIZE <= bytes.length; at += CQ_STORE_UNIT_SIZE, queueOffset++) {
        const unit = decodeUnit(bytes, at);
        if (unit.size > 0 && unit.commitLogOffset >= minPhyOffset) {
          this.minOffset = queueOffset;
          return;
        }
      }
    }
    this.minOffset = max;
  }

  /** Deletes segments whose every unit points below minPhyOffset (never the last one). */
  deleteExpiredFiles(minPhyOffset: number): number {
    let count = 0;
    while (this.queue.files.length > 1) {
      const first = this.queue.first()!;
      const lastUnit = first.read(first.fileSize - CQ_STORE_UNIT_SIZE, CQ_STORE_UNIT_SIZE);
      if (lastUnit.length < CQ_STORE_UNIT_SIZE) break;
      const unit = decodeUnit(lastUnit, 0);
      if (unit.size > 0 && unit.commitLogOffset + unit.size > minPhyOffset) break;
      this.queue.deleteFirst(1);
      count++;
    }
    if (count > 0) this.minOffset = Math.max(this.minOffset, this.queue.first()!.fileFromOffset / CQ_STORE_UNIT_SIZE);
    return count;
  }

  destroy(): void {
    this.queue.destroyAll();
    this.minOffset = 0;
    this.maxPhysicOffset = 0;
  }
}
