// The HA wire codec: golden bytes, round trips under any chunking (one byte at a time too),
// "only the last complete 8-byte report counts", and garbage giving typed errors.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import { TRANSFER_BODY_BYTES_MAX, TRANSFER_HEADER_SIZE_BYTES } from "./ha_constants.ts";
import {
  encodeOffsetReport, encodeTransferFrame, encodeTransferHeader, HAFrameError, OffsetReportReader, TransferFrameDecoder,
} from "./ha_frame.ts";
import type { TransferFrame } from "./ha_frame.ts";

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const point of [...points, bytes.length]) {
    out.push(bytes.subarray(at, point));
    at = point;
  }
  return out;
}

const offsetArb = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

test("golden bytes: an offset report and a transfer header are big-endian", () => {
  assert.equal(hex(encodeOffsetReport(0x0102030405)), "0000000102030405");
  assert.equal(hex(encodeTransferHeader(1 << 30, 32768)), "00000000400000000000" + "8000");
  assert.equal(hex(encodeTransferFrame(8, new Uint8Array([0xaa, 0xbb]))), "0000000000000008" + "00000002" + "aabb");
  assert.equal(hex(encodeTransferHeader(12, 0)), "000000000000000c00000000", "a heartbeat is a header with size 0");
});

test("the reader returns the newest complete report of what arrived, under any chunking", () => {
  fc.assert(fc.property(fc.array(offsetArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (offsets, cuts) => {
    const stream = Buffer.concat(offsets.map((offset) => encodeOffsetReport(offset)));
    const reader = new OffsetReportReader();
    const seen: number[] = [];
    for (const chunk of chunked(stream, cuts)) {
      const report = reader.push(chunk);
      if (report !== undefined) seen.push(report);
    }
    assert.equal(seen.at(-1), offsets.at(-1), "the last report always surfaces");
    assert.equal(reader.pendingBytes, 0);
    for (const report of seen) assert.ok(offsets.includes(report), "never a value made of two reports");
  }));
});

test("several reports in one chunk read as the last; a partial tail waits for its rest", () => {
  const reader = new OffsetReportReader();
  const three = Buffer.concat([encodeOffsetReport(10), encodeOffsetReport(20), encodeOffsetReport(30)]);
  assert.equal(reader.push(Buffer.concat([three, encodeOffsetReport(40).subarray(0, 3)])), 30);
  assert.equal(reader.pendingBytes, 3);
  assert.equal(reader.push(encodeOffsetReport(40).subarray(3, 7)), undefined);
  assert.equal(reader.push(encodeOffsetReport(40).subarray(7)), 40);
  for (const byte of encodeOffsetReport(77)) assert.equal(reader.push(new Uint8Array([byte])), byte === 77 ? 77 : undefined);
});

test("transfer frames round-trip under any chunking, including one byte at a time", () => {
  const frameArb = fc.record({ phyOffset: offsetArb, body: fc.uint8Array({ maxLength: 300 }) });
  fc.assert(fc.property(fc.array(frameArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), fc.boolean(), (frames, cuts, byByte) => {
    const stream = Buffer.concat(frames.map((frame) => encodeTransferFrame(frame.phyOffset, frame.body)));
    const decoder = new TransferFrameDecoder();
    const out: TransferFrame[] = [];
    const pieces = byByte ? [...stream].map((byte) => new Uint8Array([byte])) : chunked(stream, cuts);
    for (const piece of pieces) assert.equal(decoder.push(piece, (frame) => out.push({ phyOffset: frame.phyOffset, body: Uint8Array.from(frame.body) }) > 0), true);
    assert.deepEqual(out, frames.map((frame) => ({ phyOffset: frame.phyOffset, body: Uint8Array.from(frame.body) })));
    assert.equal(decoder.pendingBytes, 0);
  }), { numRuns: 200 });
});

test("a consumer that returns false stops the decoder (the connection is closing)", () => {
  const decoder = new TransferFrameDecoder();
  const stream = Buffer.concat([encodeTransferFrame(0, new Uint8Array(4)), encodeTransferFrame(4, new Uint8Array(4))]);
  let frames = 0;
  assert.equal(decoder.push(stream, () => ++frames < 1), false);
  assert.equal(frames, 1);
});

test("garbage: negative offsets and impossible sizes are typed errors, never a bad value", () => {
  const negative = new Uint8Array(8).fill(0xff);
  assert.throws(() => new OffsetReportReader().push(negative), HAFrameError);
  const badSize = encodeTransferHeader(0, 0);
  new DataView(badSize.buffer).setInt32(8, TRANSFER_BODY_BYTES_MAX + 1, false);
  assert.throws(() => new TransferFrameDecoder().push(badSize, () => true), HAFrameError);
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (bytes) => {
    const decoder = new TransferFrameDecoder();
    try {
      decoder.push(bytes, (frame) => {
        assert.ok(Number.isSafeInteger(frame.phyOffset) && frame.phyOffset >= 0);
        return true;
      });
    } catch (error) {
      assert.ok(error instanceof HAFrameError, String(error));
    }
    try {
      const report = new OffsetReportReader().push(bytes);
      if (report !== undefined) assert.ok(Number.isSafeInteger(report) && report >= 0);
    } catch (error) {
      assert.ok(error instanceof HAFrameError, String(error));
    }
  }));
  assert.throws(() => encodeOffsetReport(-1), /non-negative/);
  assert.throws(() => encodeTransferHeader(0, TRANSFER_BODY_BYTES_MAX + 1), /out of range/);
  assert.equal(encodeTransferHeader(0, 0).length, TRANSFER_HEADER_SIZE_BYTES);
});
