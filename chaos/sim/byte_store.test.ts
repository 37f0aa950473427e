// ByteStore against a plain-array model: any sequence of writes and truncates reads back
// exactly like the model, across chunk boundaries and sparse regions.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ByteStore, chunkSizeBytes } from "./byte_store.ts";

type Op = { kind: "write"; position: number; data: Uint8Array } | { kind: "truncate"; sizeBytes: number };

const positionArb = fc.oneof(fc.nat(300), fc.integer({ min: chunkSizeBytes - 100, max: 3 * chunkSizeBytes }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("write" as const), position: positionArb, data: fc.uint8Array({ maxLength: 700 }) }),
  fc.record({ kind: fc.constant("truncate" as const), sizeBytes: positionArb }),
);

/** The model: a flat array big enough for every position the arbitraries produce. */
class Model {
  bytes = new Uint8Array(4 * chunkSizeBytes);
  length = 0;
  apply(op: Op): void {
    if (op.kind === "write") {
      if (op.data.length === 0) return;
      this.bytes.set(op.data, op.position);
      this.length = Math.max(this.length, op.position + op.data.length);
    } else {
      if (op.sizeBytes < this.length) this.bytes.fill(0, op.sizeBytes, this.length);
      this.length = op.sizeBytes;
    }
  }
}

test("ByteStore reads back what a plain array model holds, for any writes and truncates", () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 25 }), fc.nat(3 * chunkSizeBytes), fc.nat(800), (ops, at, length) => {
      // Arrange
      const store = new ByteStore();
      const model = new Model();
      // Act
      for (const op of ops) {
        if (op.kind === "write") store.write(op.position, op.data);
        else store.truncate(op.sizeBytes);
        model.apply(op);
      }
      // Assert
      assert.equal(store.sizeBytes, model.length);
      const expected = model.bytes.slice(at, Math.min(model.length, at + length));
      assert.deepEqual(store.read(at, length), expected);
      // readInto a dirty buffer: the same bytes (zeros where nothing was written), nothing else touched.
      const target = new Uint8Array(length + 2).fill(0xee);
      assert.equal(store.readInto(at, target, 1, length), expected.length);
      assert.deepEqual(target.subarray(1, 1 + expected.length), expected);
      assert.equal(target[0], 0xee);
    }),
    { numRuns: 200 },
  );
});
