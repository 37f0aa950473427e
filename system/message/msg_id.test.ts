import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import type { Clock, Random } from "../env/env.ts";
import { MessageCodecError } from "./errors.ts";
import { createOffsetMsgId, hexToBytes, bytesToHex, parseOffsetMsgId, parseUniqId, UniqIdGenerator } from "./msg_id.ts";
import { arbHost } from "./testing/arbitraries.ts";

test("offset msgId round trip (IPv4 32 chars, IPv6 56 chars, upper case)", () => {
  fc.assert(fc.property(arbHost, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (host, offset) => {
    const msgId = createOffsetMsgId(host, offset);
    assert.equal(msgId.length, host.startsWith("[") ? 56 : 32);
    assert.equal(msgId, msgId.toUpperCase());
    assert.deepEqual(parseOffsetMsgId(msgId), { storeHost: host, commitLogOffset: offset });
  }));
});

test("offset msgId golden and malformed input", () => {
  assert.equal(createOffsetMsgId("192.168.0.1:10911", 255), "C0A8000100002A9F00000000000000FF");
  assert.deepEqual(parseOffsetMsgId("c0a8000100002a9f00000000000000ff"), { storeHost: "192.168.0.1:10911", commitLogOffset: 255 });
  for (const bad of ["", "XYZ", "C0A8000100002A9F00000000000000F", "G0A8000100002A9F00000000000000FF"]) {
    assert.throws(() => parseOffsetMsgId(bad), MessageCodecError);
  }
  fc.assert(fc.property(fc.string(), (text) => {
    try { parseOffsetMsgId(text); } catch (error) { assert.ok(error instanceof MessageCodecError); }
  }));
});

test("hex round trip", () => {
  fc.assert(fc.property(fc.uint8Array(), (bytes) => assert.deepEqual(hexToBytes(bytesToHex(bytes)), bytes)));
});

test("UNIQ_KEY: ip, pid, ms since UTC month start, counter", () => {
  let nowMs = Date.UTC(2024, 1, 3, 4, 5, 6, 7);
  const clock: Clock = { nowMs: () => nowMs, monotonicMs: () => 0 };
  const random: Random = { nextU32: () => 0xdeadbeef, intBetween: () => 0, chance: () => false, bytes: (n) => new Uint8Array(n) };
  const generator = new UniqIdGenerator({ clientIp: "10.1.2.3", pid: 0x12345, clock, random });
  const first = generator.next();
  const second = generator.next();
  assert.equal(first.length, 32);
  assert.equal(first.substring(0, 20), "0A0102032345DEADBEEF");
  assert.deepEqual(parseUniqId(first), {
    clientIp: "10.1.2.3", pid: 0x2345, msSinceMonthStart: nowMs - Date.UTC(2024, 1, 1), counter: 0,
  });
  assert.equal(parseUniqId(second).counter, 1);
  nowMs = Date.UTC(2024, 2, 1, 0, 0, 0, 5);
  assert.equal(parseUniqId(generator.next()).msSinceMonthStart, 5);
});
