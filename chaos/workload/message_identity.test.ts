// encodeBody must keep producing the exact bytes it always did (runs' histories hash them), and
// the id must read back from any body it writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { bodyHeadBytes, decodeBodyId, encodeBody } from "./message_identity.ts";
import { incompressibleBody } from "./message_plan.ts";

/** The original definition: the head and its filler encoded as one string. */
function encodeBodyAsString(messageId: string, sizeBytes: number): Uint8Array {
  const head = `mqlab:${messageId}:`;
  return new TextEncoder().encode(head + ".".repeat(Math.max(0, sizeBytes - head.length)));
}

test("encodeBody gives the bytes of head + filler encoded as one string (any id, any size)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 24 }), fc.nat({ max: 5000 }), (messageId, sizeBytes) => {
      assert.deepEqual(encodeBody(messageId, sizeBytes), encodeBodyAsString(messageId, sizeBytes));
    }),
  );
});

/** The original definition: decode the first 256 bytes as UTF-8, cut "mqlab:<id>:" from the text. */
function decodeBodyIdAsText(body: Uint8Array): string | undefined {
  const head = new TextDecoder().decode(body.subarray(0, Math.min(body.length, 256)));
  if (!head.startsWith("mqlab:")) return undefined;
  const end = head.indexOf(":", "mqlab:".length);
  return end < 0 ? undefined : head.slice("mqlab:".length, end);
}

test("decodeBodyId reads what decoding the head as text reads, for any bytes", () => {
  const prefix = new TextEncoder().encode("mqlab:");
  const bom = Uint8Array.of(0xef, 0xbb, 0xbf);
  const colon = Uint8Array.of(0x3a);
  // Pieces that make the interesting cases likely: the prefix, a BOM, colons, broken UTF-8.
  const piece = fc.oneof(
    fc.uint8Array({ maxLength: 40 }), fc.constant(prefix), fc.constant(bom), fc.constant(colon),
    fc.constant(Uint8Array.of(0xc3)), fc.constant(Uint8Array.of(0xe2, 0x82)), fc.string({ unit: "grapheme", maxLength: 8 }).map((text) => new TextEncoder().encode(text)),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), fc.nat({ max: 300 }), (pieces, padBytes) => {
      const parts = [...pieces, new Uint8Array(padBytes).fill(0x2e)];
      const body = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
      let at = 0;
      for (const part of parts) {
        body.set(part, at);
        at += part.length;
      }
      assert.equal(decodeBodyId(body), decodeBodyIdAsText(body));
    }),
    { numRuns: 2000 },
  );
  // Around the 256-byte limit: the closing ":" as the 256th byte counts, as the 257th it does not.
  for (const idLength of [248, 249, 250]) {
    const body = encodeBody("x".repeat(idLength), 300);
    assert.equal(decodeBodyId(body), decodeBodyIdAsText(body));
  }
  assert.equal(decodeBodyId(encodeBody("x".repeat(249), 300)), "x".repeat(249));
  assert.equal(decodeBodyId(encodeBody("x".repeat(250), 300)), undefined);
});

test("bodyHeadBytes is the length of a body without filler, and the id reads back", () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9.-]{1,30}$/), fc.nat({ max: 2000 }), (messageId, sizeBytes) => {
      assert.equal(bodyHeadBytes(messageId), encodeBody(messageId, 0).length);
      assert.equal(decodeBodyId(encodeBody(messageId, sizeBytes)), messageId);
    }),
  );
});

test("incompressibleBody keeps the identity head and draws printable filler deterministically", () => {
  const body = incompressibleBody("producer-1.abc.7", 10_000, 12345);
  assert.equal(body.length, 10_000);
  assert.equal(decodeBodyId(body), "producer-1.abc.7");
  assert.deepEqual(incompressibleBody("producer-1.abc.7", 10_000, 12345), body);
  const filler = body.subarray(bodyHeadBytes("producer-1.abc.7"));
  assert.ok(filler.every((byte) => byte >= 0x21 && byte < 0x21 + 94));
  assert.ok(new Set(filler).size > 64, "the filler must not be a repeated byte");
});
