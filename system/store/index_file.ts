// One IndexFile, RocketMQ's layout [store/.../index/IndexFile.java, IndexHeader.java]:
//   header 40 B: beginTimestamp 8, endTimestamp 8, beginPhyOffset 8, endPhyOffset 8,
//                hashSlotCount 4, indexCount 4 (starts at 1; entry 0 is never used)
//   slots  hashSlotNum × 4 B: newest entry number in the slot (0 = empty)
//   entries indexNum × 20 B: keyHash 4, commit-log offset 8, (storeTimestamp − begin) s 4,
//                previous entry number in the same slot 4
// Not preallocated (the file is sparse). Puts are batched (beginBatch, stageKey, commitBatch):
// a turn's entries are contiguous and go out in one write, then each touched slot, then the
// header once — entries and slots before the header, so a process crash leaves a consistent
// file (the page cache survives). A failed commit restores the in-memory header: entries and
// slots written past it point at or beyond indexCount, which readers treat as empty.
// Invariant: slot values and prev links are < indexCount; readers treat others as empty.

import type { Disk, DiskFile } from "../env/env.ts";
import { indexKeyHash, readInt32BE, writeInt32BE, writeLongBE } from "../message/index.ts";
import { assert } from "../stdx/assert.ts";

export const INDEX_HEADER_SIZE = 40;
const SLOT_SIZE = 4;
const ENTRY_SIZE = 20;

/**
 * Reused bytes for the writes of a batch: each is written at once and disk writes copy
 * (pwrite), so nothing keeps them; a batch runs every turn that stores messages. `entries`
 * grows with the biggest batch (bounded by the dispatcher's run length) and is shared: one
 * batch is open at a time in a process (IndexService works on its newest file only).
 */
const scratch = {
  header: new Uint8Array(INDEX_HEADER_SIZE),
  entries: new Uint8Array(ENTRY_SIZE * 256),
  slot: new Uint8Array(SLOT_SIZE),
};

interface IndexBatch {
  /** The header as it was at beginBatch (restored when the batch fails). */
  readonly headerBefore: IndexHeader;
  /** Entry number of the batch's first entry. */
  readonly firstEntry: number;
  /** Slot index → newest entry number in it, for slots the batch touched. */
  readonly slots: Map<number, number>;
}

export interface IndexHeader {
  beginTimestamp: number;
  endTimestamp: number;
  beginPhyOffset: number;
  endPhyOffset: number;
  hashSlotCount: number;
  indexCount: number;
}

export class IndexFile {
  readonly header: IndexHeader;
  private readonly file: DiskFile;
  flushedIndexCount = 0;
  /**
   * For a file this process created empty: one bit per hash slot, set once the slot was
   * written. A clear bit means the slot still reads 0, so putKey skips reading it (a pread per
   * key on a real disk). Undefined for files opened from disk, and dropped once the file is
   * full or a write failed: then slots are read.
   */
  private writtenSlots: Uint8Array | undefined;
  private batch: IndexBatch | undefined;

  constructor(disk: Disk, readonly path: string, readonly hashSlotNum: number, readonly indexNum: number, create: boolean) {
    this.file = disk.open(path, { create });
    this.header = this.readHeader();
    this.flushedIndexCount = this.header.indexCount;
    if (create && this.file.sizeBytes() === 0) this.writtenSlots = new Uint8Array(Math.ceil(hashSlotNum / 8));
  }

  private readHeader(): IndexHeader {
    const bytes = this.file.read(0, INDEX_HEADER_SIZE);
    if (bytes.length < INDEX_HEADER_SIZE) {
      return { beginTimestamp: 0, endTimestamp: 0, beginPhyOffset: 0, endPhyOffset: 0, hashSlotCount: 0, indexCount: 1 };
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, INDEX_HEADER_SIZE);
    return {
      beginTimestamp: Number(view.getBigInt64(0, false)),
      endTimestamp: Number(view.getBigInt64(8, false)),
      beginPhyOffset: Number(view.getBigInt64(16, false)),
      endPhyOffset: Number(view.getBigInt64(24, false)),
      hashSlotCount: view.getInt32(32, false),
      indexCount: Math.max(1, view.getInt32(36, false)),
    };
  }

  /** False when the header cannot belong to a file of this geometry (torn or foreign). */
  headerLooksValid(): boolean {
    const header = this.header;
    return header.indexCount >= 1 && header.indexCount <= this.indexNum && header.hashSlotCount >= 0
      && header.hashSlotCount <= this.hashSlotNum && header.beginPhyOffset <= header.endPhyOffset;
  }

  private writeHeader(): void {
    const bytes = scratch.header;
    const header = this.header;
    writeLongBE(bytes, 0, header.beginTimestamp);
    writeLongBE(bytes, 8, header.endTimestamp);
    writeLongBE(bytes, 16, header.beginPhyOffset);
    writeLongBE(bytes, 24, header.endPhyOffset);
    writeInt32BE(bytes, 32, header.hashSlotCount);
    writeInt32BE(bytes, 36, header.indexCount);
    this.file.write(0, bytes);
  }

  isFull(): boolean {
    return this.header.indexCount >= this.indexNum;
  }

  private readInt(position: number): number {
    const bytes = this.file.read(position, 4);
    return bytes.length < 4 ? 0 : readInt32BE(bytes, 0);
  }

  private slotPosition(keyHash: number): number {
    return INDEX_HEADER_SIZE + (keyHash % this.hashSlotNum) * SLOT_SIZE;
  }

  private entryPosition(indexNumber: number): number {
    return INDEX_HEADER_SIZE + this.hashSlotNum * SLOT_SIZE + indexNumber * ENTRY_SIZE;
  }

  /** Adds key → phyOffset; false when the file is full. Throws DiskError. */
  putKey(key: string, phyOffset: number, storeTimestamp: number): boolean {
    if (this.isFull()) return false;
    this.beginBatch();
    this.stageKey(key, phyOffset, storeTimestamp);
    this.commitBatch();
    return true;
  }

  beginBatch(): void {
    assert(this.batch === undefined, "one batch at a time");
    this.batch = { headerBefore: { ...this.header }, firstEntry: this.header.indexCount, slots: new Map() };
  }

  /** Stages key → phyOffset in the open batch; false when the file is full. */
  stageKey(key: string, phyOffset: number, storeTimestamp: number): boolean {
    const batch = this.batch;
    assert(batch !== undefined, "stage inside a batch");
    if (this.isFull()) return false;
    const header = this.header;
    const keyHash = indexKeyHash(key);
    const slot = keyHash % this.hashSlotNum;
    const written = this.writtenSlots;
    let slotValue = batch.slots.get(slot);
    if (slotValue === undefined) {
      const known = written !== undefined && (written[slot >> 3]! & (1 << (slot & 7))) === 0;
      slotValue = known ? 0 : this.readInt(this.slotPosition(keyHash));
    }
    if (slotValue <= 0 || slotValue >= header.indexCount) slotValue = 0;
    let timeDiffS = header.beginTimestamp <= 0 ? 0 : Math.floor((storeTimestamp - header.beginTimestamp) / 1000);
    timeDiffS = Math.min(0x7fffffff, Math.max(0, timeDiffS));
    const at = (header.indexCount - batch.firstEntry) * ENTRY_SIZE;
    if (scratch.entries.length < at + ENTRY_SIZE) {
      const grown = new Uint8Array(scratch.entries.length * 2);
      grown.set(scratch.entries.subarray(0, at), 0);
      scratch.entries = grown;
    }
    const entries = scratch.entries;
    writeInt32BE(entries, at, keyHash);
    writeLongBE(entries, at + 4, phyOffset);
    writeInt32BE(entries, at + 12, timeDiffS);
    writeInt32BE(entries, at + 16, slotValue);
    batch.slots.set(slot, header.indexCount);
    if (header.indexCount <= 1) {
      header.beginPhyOffset = phyOffset;
      header.beginTimestamp = storeTimestamp;
    }
    if (slotValue === 0) header.hashSlotCount++;
    header.indexCount++;
    header.endPhyOffset = phyOffset;
    header.endTimestamp = storeTimestamp;
    return true;
  }

  /**
   * Writes the batch: entries (one write), each touched slot, then the header. On a DiskError
   * the in-memory header goes back to beginBatch's and the error is rethrown.
   */
  commitBatch(): void {
    const batch = this.batch;
    assert(batch !== undefined, "commit an open batch");
    this.batch = undefined;
    const count = this.header.indexCount - batch.firstEntry;
    if (count === 0) return;
    const written = this.writtenSlots;
    this.writtenSlots = undefined; // until the slot writes below are known to have landed
    try {
      this.file.write(this.entryPosition(batch.firstEntry), scratch.entries.subarray(0, count * ENTRY_SIZE));
      for (const [slot, value] of batch.slots) {
        writeInt32BE(scratch.slot, 0, value);
        this.file.write(INDEX_HEADER_SIZE + slot * SLOT_SIZE, scratch.slot);
      }
      this.writeHeader();
    } catch (error) {
      Object.assign(this.header, batch.headerBefore);
      throw error;
    }
    if (written !== undefined && this.header.indexCount < this.indexNum) {
      for (const slot of batch.slots.keys()) written[slot >> 3] = written[slot >> 3]! | (1 << (slot & 7));
      this.writtenSlots = written;
    }
  }

  /** Drops an open batch without writing (a stage failed); the header goes back. */
  abortBatch(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    Object.assign(this.header, batch.headerBefore);
  }

  /** Whether [beginMs, endMs] overlaps this file's time span [IndexFile.isTimeMatched]. */
  isTimeMatched(beginMs: number, endMs: number): boolean {
    const { beginTimestamp, endTimestamp } = this.header;
    return (beginMs < beginTimestamp && endMs > endTimestamp)
      || (beginMs >= beginTimestamp && beginMs <= endTimestamp)
      || (endMs >= beginTimestamp && endMs <= endTimestamp);
  }

  /** Commit-log offsets of entries for `key` stored within [beginMs, endMs], newest first. */
  selectPhyOffsets(into: number[], key: string, maxNum: number, beginMs: number, endMs: number): void {
    const keyHash = indexKeyHash(key);
    let next = this.readInt(this.slotPosition(keyHash));
    const count = this.header.indexCount;
    for (let steps = 0; next > 0 && next < count && into.length < maxNum && steps < count; steps++) {
      const bytes = this.file.read(this.entryPosition(next), ENTRY_SIZE);
      if (bytes.length < ENTRY_SIZE) break;
      const view = new DataView(bytes.buffer, bytes.byteOffset, ENTRY_SIZE);
      const timeMs = this.header.beginTimestamp + view.getInt32(12, false) * 1000;
      if (view.getInt32(0, false) === keyHash && timeMs >= beginMs && timeMs <= endMs) {
        into.push(Number(view.getBigInt64(4, false)));
      }
      const previous = view.getInt32(16, false);
      if (previous <= 0 || previous >= next || timeMs < beginMs) break;
      next = previous;
    }
    assert(into.length <= maxNum, "never more than maxNum");
  }

  async flush(): Promise<void> {
    const count = this.header.indexCount;
    await this.file.fsync();
    this.flushedIndexCount = Math.max(this.flushedIndexCount, count);
  }

  isDirty(): boolean {
    return this.flushedIndexCount < this.header.indexCount;
  }

  close(): void {
    this.file.close();
  }

  destroy(disk: Disk): void {
    this.close();
    disk.remove(this.path);
  }
}
