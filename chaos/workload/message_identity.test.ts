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
