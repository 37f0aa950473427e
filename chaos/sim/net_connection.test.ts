// Pipe coalescing: pieces appended to the tail segment arrive as the exact concatenation, in
// order, whatever the piece sizes; the writers' own buffers are never written to (write() takes
// bytes without a copy, so the network must not change them).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Pipe, SegmentKind, type Endpoint } from "./net_connection.ts";

function newPipe(): Pipe {
  // The ends are only identities for a pipe; queueing and coalescing never touch them.
  return new Pipe({} as Endpoint, {} as Endpoint);
}

test("appendToTail joins pieces in order and leaves every written buffer as it was", () => {
  fc.assert(fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 40 }), (pieces) => {
    const pipe = newPipe();
    const originals = pieces.map((piece) => Uint8Array.from(piece));
    pipe.push({ kind: SegmentKind.data, bytes: pieces[0]!, plannedUs: 5 });
    pieces.slice(1).forEach((piece, index) => pipe.appendToTail(piece, 5 + index));
    const expected = Buffer.concat(originals);
    assert.equal(pipe.length, 1);
    assert.equal(pipe.queuedBytes, expected.length);
    const segment = pipe.shift()!;
    assert.deepEqual(Buffer.from(segment.bytes!), expected);
    assert.equal(segment.plannedUs, Math.max(5, 5 + pieces.length - 2));
    pieces.forEach((piece, index) => assert.deepEqual(piece, originals[index]));
  }));
});

test("appendToTail after a mid-frame truncate keeps the cut and appends behind it", () => {
  const pipe = newPipe();
  pipe.push({ kind: SegmentKind.data, bytes: new Uint8Array([1, 2, 3]), plannedUs: 0 });
  pipe.appendToTail(new Uint8Array([4, 5]), 0);
  pipe.truncateData(2);
  pipe.appendToTail(new Uint8Array([9]), 0);
  assert.deepEqual([...pipe.peek()!.bytes!], [1, 2, 9]);
  assert.equal(pipe.queuedBytes, 3);
});
