import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { encodeFrame } from "./command_codec.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import { arbAnyCommand } from "./remoting_arbitraries.test_support.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { createRequest, utf8 } from "./remoting_command.ts";
import { RemotingDecodeError } from "./remoting_errors.ts";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Splits bytes at the given cut points (any order, duplicates allowed). */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

function decodeAll(chunks: Uint8Array[], frameSizeMax?: number): RemotingCommand[] {
  const out: RemotingCommand[] = [];
  const decoder = new FrameDecoder((command) => out.push(command), frameSizeMax ? { frameSizeMax } : {});
  for (const chunk of chunks) decoder.push(chunk);
  assert.equal(decoder.bufferedSizeBytes, 0);
  return out;
}

test("decoding byte by byte equals decoding the whole stream", () => {
  fc.assert(
    fc.property(fc.array(arbAnyCommand, { minLength: 1, maxLength: 5 }), (commands) => {
      const stream = concat(commands.map(encodeFrame));
      const whole = decodeAll([stream]);
      const bytes = decodeAll([...stream].map((byte) => Uint8Array.of(byte)));
      assert.deepStrictEqual(whole, commands);
      assert.deepStrictEqual(bytes, whole);
    }),
    { numRuns: 100 },
  );
});

test("any chunking gives the same commands", () => {
  fc.assert(
    fc.property(
      fc.array(arbAnyCommand, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (commands, cuts) => {
        const stream = concat(commands.map(encodeFrame));
        assert.deepStrictEqual(decodeAll(chunked(stream, cuts)), commands);
      },
    ),
  );
});

function frameWithLength(length: number, rest: number[] = []): Uint8Array {
  const bytes = new Uint8Array(4 + rest.length);
  new DataView(bytes.buffer).setInt32(0, length, false);
  bytes.set(rest, 4);
  return bytes;
}

function expectDecodeError(chunks: Uint8Array[], message: RegExp, frameSizeMax?: number): void {
  assert.throws(() => decodeAll(chunks, frameSizeMax), (error: unknown) => {
    assert.ok(error instanceof RemotingDecodeError, String(error));
    assert.match(error.message, message);
    return true;
  });
}

test("a body decoded in place is a copy unless the owner lets it view the chunk (a server's requests)", () => {
  const frame = encodeFrame(createRequest(310, { a: "g" }, utf8("body bytes")));
  for (const bodiesMayViewChunks of [false, true]) {
    const chunk = concat([frame, frame]);
    const bodies: Uint8Array[] = [];
    new FrameDecoder((command) => bodies.push(command.body!), { bodiesMayViewChunks }).push(chunk);
    assert.equal(bodies.length, 2);
    for (const body of bodies) {
      assert.equal(new TextDecoder().decode(body), "body bytes");
      assert.equal(body.buffer === chunk.buffer, bodiesMayViewChunks);
    }
  }
});

test("a declared frame larger than frameSizeMax fails before its bytes are buffered", () => {
  expectDecodeError([frameWithLength(16 * 1024 * 1024 - 3)], /exceeds frameSizeMax 16777216/);
  expectDecodeError([frameWithLength(1021)], /frame of 1025 bytes exceeds frameSizeMax 1024/, 1024);
  // Exactly at the limit (length field counted) is accepted.
  const command = createRequest(1, {}, new Uint8Array(900));
  const frame = encodeFrame(command);
  assert.equal(decodeAll([frame], frame.length).length, 1);
  expectDecodeError([frame], /exceeds frameSizeMax/, frame.length - 1);
});

test("negative or too-small lengths, bad header words and bad JSON are typed errors", () => {
  expectDecodeError([frameWithLength(-1)], /invalid frame length -1/);
  expectDecodeError([frameWithLength(3)], /invalid frame length 3/);
  expectDecodeError([frameWithLength(10, [0x02, 0, 0, 1])], /unknown serialize type 2/);
  expectDecodeError([frameWithLength(10, [0, 0, 0, 0])], /invalid header length 0/);
  expectDecodeError([frameWithLength(10, [0, 0, 0, 7])], /invalid header length 7 for a frame of 10/);
  const badJson = utf8("{code:1}");
  expectDecodeError([frameWithLength(4 + badJson.length, [0, 0, 0, badJson.length, ...badJson])], /malformed JSON header/);
  expectDecodeError([frameWithLength(9, [1, 0, 0, 5, 0, 1, 0, 0, 0])], /ROCKETMQ header too short/);
});

test("after a decode error the decoder stays failed", () => {
  const decoder = new FrameDecoder(() => undefined);
  assert.throws(() => decoder.push(frameWithLength(-5)), RemotingDecodeError);
  assert.throws(() => decoder.push(encodeFrame(createRequest(1))), RemotingDecodeError);
});

test("garbage gives commands or a typed error, never a crash, never more than frameSizeMax held", () => {
  const frameSizeMax = 4096;
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
      const decoder = new FrameDecoder(() => undefined, { frameSizeMax });
      try {
        for (const chunk of chunks) {
          decoder.push(chunk);
          assert.ok(decoder.bufferedSizeBytes <= frameSizeMax);
        }
      } catch (error) {
        assert.ok(error instanceof RemotingDecodeError, String(error));
      }
    }),
    { numRuns: 2000 },
  );
});

test("truncated frames hold their bytes without emitting, and complete when the rest arrives", () => {
  fc.assert(
    fc.property(arbAnyCommand, fc.nat(), (command, cut) => {
      const frame = encodeFrame(command);
      const at = cut % frame.length;
      const out: RemotingCommand[] = [];
      const decoder = new FrameDecoder((decoded) => out.push(decoded));
      decoder.push(frame.subarray(0, at));
      assert.equal(out.length, 0);
      assert.ok(decoder.bufferedSizeBytes <= at);
      decoder.push(frame.subarray(at));
      assert.deepStrictEqual(out, [command]);
    }),
  );
});

test("mutated valid frames give a typed error or a decoded command", () => {
  fc.assert(
    fc.property(arbAnyCommand, fc.nat(), fc.integer({ min: 0, max: 255 }), (command, position, byte) => {
      const frame = encodeFrame(command).slice();
      frame[position % frame.length] = byte;
      const decoder = new FrameDecoder(() => undefined);
      try {
        decoder.push(frame);
      } catch (error) {
        assert.ok(error instanceof RemotingDecodeError, String(error));
      }
      assert.ok(decoder.bufferedSizeBytes <= decoder.frameSizeMax);
    }),
    { numRuns: 2000 },
  );
});
