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

function applyModel(model: number[], op: Op): void {
  if (op.kind === "write") {
    if (op.data.length === 0) return;
    while (model.length < op.position) model.push(0);
    op.data.forEach((byte, index) => (model[op.position + index] = byte));
  } else if (op.sizeBytes < model.length) {
    model.length = op.sizeBytes;
  } else {
    while (model.length < op.sizeBytes) model.push(0);
  }
}

test("ByteStore reads back what a plain array model holds, for any writes and truncates", () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 25 }), fc.nat(3 * chunkSizeBytes), fc.nat(800), (ops, at, length) => {
      // Arrange
      const store = new ByteStore();
      const model: number[] = [];
      // Act
      for (const op of ops) {
        if (op.kind === "write") store.write(op.position, op.data);
        else store.truncate(op.sizeBytes);
        applyModel(model, op);
      }
      // Assert
      assert.equal(store.sizeBytes, model.length);
      assert.deepEqual(Array.from(store.read(at, length)), model.slice(at, at + length));
    }),
    { numRuns: 200 },
  );
});
