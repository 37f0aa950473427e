// One IndexFile, RocketMQ's layout [store/.../index/IndexFile.java, IndexHeader.java]:
//   header 40 B: beginTimestamp 8, endTimestamp 8, beginPhyOffset 8, endPhyOffset 8,
//                hashSlotCount 4, indexCount 4 (starts at 1; entry 0 is never used)
//   slots  hashSlotNum × 4 B: newest entry number in the slot (0 = empty)
//   entries indexNum × 20 B: keyHash 4, commit-log offset 8, (storeTimestamp − begin) s 4,
//                previous entry number in the same slot 4
// Not preallocated (the file is sparse). Puts are batched (beginBatch, stageKey, commitBatch):
// a batch's entries are contiguous and go out in one write, and that is all a batch writes.
// The writable file keeps its header and its slot table in memory (index_slot_table.ts; filled
// from disk once when a loaded file becomes writable): puts and queries read slots there, not
// from disk. persist() writes the header and then the dirty slot chunks; it runs at a
// checkpoint (LogicsFlusher), at seal (the file is full: persist, then drop the table; a
// sealed file is read from disk) and at a clean shutdown. Header before slots: a crash in
// between leaves a header whose endPhyOffset is past the checkpoint's index mark, and
// IndexService.load rebuilds such a file; slots written before the header would instead point
// past its indexCount (load checks that too: SlotTable.problemWith). On disk between persists
// the file holds the last persisted header and slots plus entries beyond its indexCount, which
// readers never reach (they treat slot values and prev links >= indexCount as empty).
// A failed commit restores the in-memory header and slots.
// Invariant: in memory, slot values and prev links are < indexCount.

import type { Disk, DiskFile } from "../env/env.ts";
import { indexKeyHash, readInt32BE, writeInt32BE, writeLongBE } from "../message/index.ts";
import { assert } from "../stdx/assert.ts";
import { SlotTable } from "./index_slot_table.ts";

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
};

interface IndexBatch {
  /** The header as it was at beginBatch (restored when the batch fails). */
  readonly headerBefore: IndexHeader;
  /** Entry number of the batch's first entry. */
  readonly firstEntry: number;
  /** (slot, value before) pairs in staging order, undone in reverse when the batch fails. */
  readonly slotUndo: number[];
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
  /** indexCount the last fsync covered (what persist had written before it). */
  private flushedIndexCount: number;
  /** indexCount of the header persist() last wrote (with the slots that go with it). */
  private persistedIndexCount: number;
  /** The writable file's slots; undefined for a sealed (or not yet opened) file: read disk. */
  private slots: SlotTable | undefined;
  private batch: IndexBatch | undefined;

  /** Opens a file from disk (sealed until openSlots), or with create a new empty writable one. */
  constructor(disk: Disk, readonly path: string, readonly hashSlotNum: number, readonly indexNum: number, create: boolean) {
    this.file = disk.open(path, { create });
    this.header = this.readHeader();
    this.flushedIndexCount = this.header.indexCount;
    this.persistedIndexCount = this.header.indexCount;
    if (create && this.file.sizeBytes() === 0) this.slots = new SlotTable(hashSlotNum);
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

  /**
   * Makes a loaded file writable: reads its slot table into memory (one read). Returns why the
   * slots disagree with the header (a crash between persist's writes), or null; on a problem
   * the file stays sealed and the caller rebuilds it.
   */
  openSlots(): string | null {
    assert(this.slots === undefined && this.batch === undefined, "open the slots of a sealed file once");
    // Straight into the table (no 20 MB temporary); bytes past a short file stay 0 (empty).
    const table = new SlotTable(this.hashSlotNum);
    this.file.readInto(INDEX_HEADER_SIZE, table.bytes, 0, table.bytes.length);
    const problem = table.problemWith(this.header.indexCount, this.header.hashSlotCount);
    if (problem === null) this.slots = table;
    return problem;
  }

  /** True while the slot table is in memory (the writable file). */
  isWritable(): boolean {
    return this.slots !== undefined;
  }

  /** Writes the header (a new file's first write: its inherited begin/end go on disk at once). */
  writeHeader(): void {
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

  /** Whether `count` more entries fit (entry numbers run from 1 to indexNum − 1). */
  hasRoomFor(count: number): boolean {
    return this.header.indexCount + count <= this.indexNum;
  }

  private readInt(position: number): number {
    const bytes = this.file.read(position, 4);
    return bytes.length < 4 ? 0 : readInt32BE(bytes, 0);
  }

  private entryPosition(indexNumber: number): number {
    return INDEX_HEADER_SIZE + this.hashSlotNum * SLOT_SIZE + indexNumber * ENTRY_SIZE;
  }

  beginBatch(): void {
    assert(this.batch === undefined, "one batch at a time");
    assert(this.slots !== undefined, "only the writable file takes keys");
    this.batch = { headerBefore: { ...this.header }, firstEntry: this.header.indexCount, slotUndo: [] };
  }

  /** Stages key → phyOffset in the open batch (slots change in memory); false when full. */
  stageKey(key: string, phyOffset: number, storeTimestamp: number): boolean {
    const batch = this.batch;
    const slots = this.slots;
    assert(batch !== undefined && slots !== undefined, "stage inside a batch");
    if (this.isFull()) return false;
    const header = this.header;
    const keyHash = indexKeyHash(key);
    const slot = keyHash % this.hashSlotNum;
    const slotValue = slots.get(slot);
    assert(slotValue >= 0 && slotValue < header.indexCount, "slots in memory point at entries");
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
    batch.slotUndo.push(slot, slotValue);
    slots.set(slot, header.indexCount);
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
   * Writes the batch's entries in one write (slots and header wait for persist). On a
   * DiskError the in-memory header and slots go back to beginBatch's and the error is rethrown.
   */
  commitBatch(): void {
    const batch = this.batch;
    assert(batch !== undefined, "commit an open batch");
    const count = this.header.indexCount - batch.firstEntry;
    if (count === 0) {
      this.batch = undefined;
      return;
    }
    try {
      this.file.write(this.entryPosition(batch.firstEntry), scratch.entries.subarray(0, count * ENTRY_SIZE));
    } catch (error) {
      this.abortBatch();
      throw error;
    }
    this.batch = undefined;
  }

  /** Drops an open batch without writing (a stage or its write failed): header and slots go back. */
  abortBatch(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    const undo = batch.slotUndo;
    for (let at = undo.length - 2; at >= 0; at -= 2) this.slots!.set(undo[at]!, undo[at + 1]!);
    Object.assign(this.header, batch.headerBefore);
  }

  /** True when persist() has something to write (header or slots changed since the last one). */
  needsPersist(): boolean {
    return this.slots !== undefined && (this.slots.isDirty() || this.persistedIndexCount !== this.header.indexCount);
  }

  /**
   * Writes the header, then every dirty slot chunk (runs of adjacent chunks in one write each),
   * so that the file on disk is whole up to the current indexCount. Synchronous: what it
   * writes is one snapshot. Throws DiskError (what did not land stays dirty). Returns writes.
   */
  persist(): number {
    const slots = this.slots;
    if (slots === undefined || !this.needsPersist()) return 0;
    assert(this.batch === undefined, "persist between batches");
    this.writeHeader();
    const writes = 1 + slots.writeDirty((byteOffset, view) => this.file.write(INDEX_HEADER_SIZE + byteOffset, view));
    this.persistedIndexCount = this.header.indexCount;
    return writes;
  }

  /** Persists and drops the slot table: the file is full and reads go to disk from now on. */
  seal(): void {
    this.persist();
    this.slots = undefined;
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
    const slot = keyHash % this.hashSlotNum;
    let next = this.slots !== undefined ? this.slots.get(slot) : this.readInt(INDEX_HEADER_SIZE + slot * SLOT_SIZE);
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

  /** Persists (synchronously, at the call) and then fsyncs what was persisted. */
  async flush(): Promise<void> {
    this.persist();
    const count = this.persistedIndexCount;
    await this.file.fsync();
    this.flushedIndexCount = Math.max(this.flushedIndexCount, count);
  }

  isDirty(): boolean {
    return this.needsPersist() || this.flushedIndexCount < this.persistedIndexCount;
  }

  close(): void {
    this.file.close();
  }

  destroy(disk: Disk): void {
    this.close();
    disk.remove(this.path);
  }
}
