import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import { SLOT_CHUNK_BYTES, SlotTable } from "./index_slot_table.ts";

const SLOTS_PER_CHUNK = SLOT_CHUNK_BYTES / 4;

function writesOf(table: SlotTable): { byteOffset: number; length: number }[] {
  const writes: { byteOffset: number; length: number }[] = [];
  table.writeDirty((byteOffset, view) => writes.push({ byteOffset, length: view.length }));
  return writes;
}

test("a slot table reads back what was set, big-endian, and starts from an image", () => {
  // Arrange
  const table = new SlotTable(10);
  // Act
  table.set(3, 0x01020304);
  // Assert
  assert.equal(table.get(3), 0x01020304);
  assert.deepEqual([...table.bytes.subarray(12, 16)], [1, 2, 3, 4]);
  const copy = new SlotTable(10, table.bytes.subarray(0, 16));
  assert.equal(copy.get(3), 0x01020304);
  assert.equal(copy.get(9), 0, "bytes past a short image read as empty slots");
  assert.equal(copy.isDirty(), false, "an image read from disk is not dirty");
});

test("writeDirty writes each run of adjacent dirty chunks once, then nothing until the next set", () => {
  // Arrange: chunks 0, 1 and 3 of 5 dirty.
  const table = new SlotTable(SLOTS_PER_CHUNK * 4 + 7);
  table.set(5, 1);
  table.set(SLOTS_PER_CHUNK + 2, 2);
  table.set(SLOTS_PER_CHUNK * 3, 3);
  table.set(SLOTS_PER_CHUNK * 4 + 6, 4);
  // Act
  const writes = writesOf(table);
  // Assert: [0, 2 chunks), [3 chunks, the end: the last chunk is short].
  assert.deepEqual(writes, [
    { byteOffset: 0, length: 2 * SLOT_CHUNK_BYTES },
    { byteOffset: 3 * SLOT_CHUNK_BYTES, length: SLOT_CHUNK_BYTES + 7 * 4 },
  ]);
  assert.equal(table.isDirty(), false);
  assert.deepEqual(writesOf(table), []);
  table.set(5, 9);
  assert.deepEqual(writesOf(table), [{ byteOffset: 0, length: SLOT_CHUNK_BYTES }]);
});

test("a write that throws leaves its run and every later run dirty", () => {
  const table = new SlotTable(SLOTS_PER_CHUNK * 4);
  table.set(0, 1);
  table.set(SLOTS_PER_CHUNK * 2, 2);
  table.set(SLOTS_PER_CHUNK * 3 + 1, 3);
  let calls = 0;
  assert.throws(() => table.writeDirty(() => {
    calls++;
    if (calls === 2) throw new Error("ENOSPC");
  }), /ENOSPC/);
  assert.equal(table.isDirty(), true);
  assert.deepEqual(writesOf(table), [{ byteOffset: 2 * SLOT_CHUNK_BYTES, length: 2 * SLOT_CHUNK_BYTES }]);
});

test("the written runs carry exactly the table's bytes (property)", () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.nat(SLOTS_PER_CHUNK * 6 - 1), fc.integer({ min: 1, max: 0x7fffffff })), { maxLength: 60 }),
    (sets) => {
      // Arrange: a "disk" that starts with the table's clean image.
      const table = new SlotTable(SLOTS_PER_CHUNK * 6);
      const disk = table.bytes.slice();
      // Act
      for (const [slot, value] of sets) table.set(slot, value);
      table.writeDirty((byteOffset, view) => disk.set(view, byteOffset));
      // Assert
      assert.deepEqual(disk, table.bytes);
      for (const [slot] of sets) assert.equal(table.get(slot), sets.findLast(([s]) => s === slot)![1]);
    }));
});

test("problemWith names slots past indexCount and a used-slot count the header disagrees with", () => {
  const table = new SlotTable(8);
  table.set(1, 3);
  table.set(4, 1);
  assert.equal(table.problemWith(4, 2), null);
  assert.match(table.problemWith(3, 2) ?? "", /slot 1 holds 3/);
  assert.match(table.problemWith(4, 1) ?? "", /2 slots used, header says 1/);
});
