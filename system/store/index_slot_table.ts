// The hash-slot table of the writable IndexFile, held in memory (RocketMQ has it in the page
// cache through its mmap'd file). `bytes` is the table's on-disk image (hashSlotNum × 4 B,
// big-endian entry numbers), so persisting a run of dirty chunks is one pwrite of a view of
// it, with no copy. Slot writes only mark their chunk dirty; IndexFile.persist writes the
// dirty chunks out (coalesced into runs of adjacent chunks) at a checkpoint, a seal or a clean
// shutdown. Memory: hashSlotNum × 4 B plus one byte per chunk (20 MB at the default 5,000,000).
// Invariant: a chunk's dirty mark is cleared only after a write of it returned.

import { readInt32BE, writeInt32BE } from "../message/index.ts";
import { assert } from "../stdx/assert.ts";

const SLOT_SIZE = 4;

/**
 * Dirty-tracking granularity, chosen by measurement (5,000,000 slots, pwrite to a warm file,
 * best of 7): a run of adjacent dirty chunks is one write, so the chunk trades bytes for
 * syscalls. 3,000 random keys: 4 KiB = 1,209 writes / 8.7 MiB / 41 ms of blocked event loop,
 * 16 KiB = 87 / 17.6 MiB / 11 ms, 64 KiB = 1 / 19 MiB / 1.3 ms; 10,000 UNIQ_KEY-like keys
 * (clustered hashes): 196 / 0.9 MiB, 169 / 3.1 MiB, 71 / 10.7 MiB, all about 2 ms. 16 KiB keeps
 * the stall near 10 ms at worst (at most 611 runs) while writing 3–4× less than 64 KiB when a
 * checkpoint interval saw few keys (a lightly loaded broker rewrites far less than the table).
 */
export const SLOT_CHUNK_BYTES = 16 * 1024;

export class SlotTable {
  /** The on-disk image of the slots; views of it are written, never kept by the disk. */
  readonly bytes: Uint8Array;
  private readonly dirtyChunks: Uint8Array;
  private dirtyCount = 0;

  /** A zero table (a new file), or a copy of `image` (the slots read from disk, maybe short). */
  constructor(readonly slotCount: number, image?: Uint8Array) {
    assert(Number.isSafeInteger(slotCount) && slotCount >= 1, "slotCount >= 1");
    this.bytes = new Uint8Array(slotCount * SLOT_SIZE);
    if (image !== undefined) {
      assert(image.length <= this.bytes.length, "the image fits the table");
      this.bytes.set(image, 0);
    }
    this.dirtyChunks = new Uint8Array(Math.ceil(this.bytes.length / SLOT_CHUNK_BYTES));
  }

  get(slot: number): number {
    assert(slot >= 0 && slot < this.slotCount, "slot in range");
    return readInt32BE(this.bytes, slot * SLOT_SIZE);
  }

  set(slot: number, value: number): void {
    assert(slot >= 0 && slot < this.slotCount, "slot in range");
    assert(Number.isInteger(value) && value >= 0 && value <= 0x7fffffff, "entry numbers are int32 >= 0");
    writeInt32BE(this.bytes, slot * SLOT_SIZE, value);
    const chunk = Math.floor((slot * SLOT_SIZE) / SLOT_CHUNK_BYTES);
    if (this.dirtyChunks[chunk] === 0) {
      this.dirtyChunks[chunk] = 1;
      this.dirtyCount++;
    }
  }

  isDirty(): boolean {
    return this.dirtyCount > 0;
  }

  /**
   * Calls write(byteOffset, view) once per run of adjacent dirty chunks, in table order, and
   * clears a run's marks after its write returns (a throwing write leaves it and later runs
   * dirty). byteOffset is relative to the table's start. Returns the number of writes.
   */
  writeDirty(write: (byteOffset: number, view: Uint8Array) => void): number {
    const chunks = this.dirtyChunks;
    let writes = 0;
    for (let chunk = 0; chunk < chunks.length && this.dirtyCount > 0;) {
      if (chunks[chunk] === 0) {
        chunk++;
        continue;
      }
      let end = chunk + 1;
      while (end < chunks.length && chunks[end] === 1) end++;
      const from = chunk * SLOT_CHUNK_BYTES;
      write(from, this.bytes.subarray(from, Math.min(this.bytes.length, end * SLOT_CHUNK_BYTES)));
      writes++;
      chunks.fill(0, chunk, end);
      this.dirtyCount -= end - chunk;
      chunk = end;
    }
    assert(this.dirtyCount === 0, "every dirty chunk written");
    return writes;
  }

  /**
   * Why the table cannot belong to a file whose header says indexCount / hashSlotCount, or
   * null: a slot outside [0, indexCount) was written after the header (a crash between the
   * two), and a nonzero-slot count other than hashSlotCount means slots and header disagree.
   */
  problemWith(indexCount: number, hashSlotCount: number): string | null {
    let used = 0;
    for (let slot = 0; slot < this.slotCount; slot++) {
      const value = readInt32BE(this.bytes, slot * SLOT_SIZE);
      if (value < 0 || value >= indexCount) return `slot ${slot} holds ${value}, indexCount is ${indexCount}`;
      if (value !== 0) used++;
    }
    return used === hashSlotCount ? null : `${used} slots used, header says ${hashSlotCount}`;
  }
}
