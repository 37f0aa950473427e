import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import { decodeBatch, encodeBatch } from "./batch_codec.ts";
import { civilFromMs, compactUtcTimestamp, msFromCivil, utcMonthStartMs } from "./civil_time.ts";
import { compressBody, inflateBody, maybeCompressBody } from "./compression.ts";
import { MessageCodecError } from "./errors.ts";
import { hostFromBytes, hostToBytes } from "./host.ts";
import { indexKeyHash, javaStringHashCode, tagsString2tagsCode } from "./java_hash.ts";
import { arbHost, arbProperties } from "./testing/arbitraries.ts";
import { validateGroup, validateTopic } from "./validators.ts";

test("Java String.hashCode values", () => {
  assert.equal(javaStringHashCode("hello"), 99162322);
  assert.equal(javaStringHashCode("TagA"), 2598919);
  assert.equal(javaStringHashCode(""), 0);
  assert.equal(javaStringHashCode("polygenelubricants"), -2147483648);
  assert.equal(javaStringHashCode("\u{1F600}"), 1772899); // surrogate pair: 0xD83D·31 + 0xDE00
  assert.equal(tagsString2tagsCode(undefined), 0);
  assert.equal(indexKeyHash("polygenelubricants"), 0);
  assert.equal(indexKeyHash("hello"), 99162322);
});

const arbBatch = fc.array(fc.record({
  flag: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  body: fc.uint8Array({ maxLength: 100 }),
  properties: arbProperties,
}).map((message) => ({ ...message })), { maxLength: 6 });

test("batch body round trip and layout", () => {
  fc.assert(fc.property(arbBatch, (batch) => assert.deepEqual(decodeBatch(encodeBatch(batch)), batch)));
  const one = encodeBatch([{ flag: 1, body: new Uint8Array([9]), properties: new Map([["a", "b"]]) }]);
  assert.equal(Buffer.from(one).toString("hex"), "0000001b" /* 22 + 1 + 4 */ + "00000000" + "00000000" + "00000001" + "00000001" + "09" + "0004" + "61016202");
});

test("garbage batches give MessageCodecError", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
    try { decodeBatch(bytes); } catch (error) { assert.ok(error instanceof MessageCodecError); }
  }));
  const good = encodeBatch([{ flag: 1, body: new Uint8Array(10), properties: new Map() }]);
  for (let cut = 1; cut < good.length; cut++) assert.throws(() => decodeBatch(good.subarray(0, cut)), MessageCodecError);
});

test("hosts round trip; IPv6 compression is accepted", () => {
  fc.assert(fc.property(arbHost, (host) => assert.equal(hostFromBytes(hostToBytes(host).bytes), host)));
  assert.equal(hostFromBytes(hostToBytes("[::1]:80").bytes), "[0:0:0:0:0:0:0:1]:80");
  assert.equal(hostFromBytes(hostToBytes("fe80::1:2:9876").bytes), "[fe80:0:0:0:0:0:1:2]:9876");
  for (const bad of ["1.2.3.4", "1.2.3.256:1", "1.2.3.4:65536", "x:1", "[1:2]:3", "1::2::3:4"]) {
    assert.throws(() => hostToBytes(bad), MessageCodecError, bad);
  }
});

test("compression round trip and threshold", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (body) => assert.deepEqual(inflateBody(compressBody(body)), body)));
  const big = new Uint8Array(5000).fill(7);
  assert.equal(maybeCompressBody(big, 0).sysFlag, 1);
  assert.equal(maybeCompressBody(big.subarray(0, 4096), 0).sysFlag, 0);
  assert.throws(() => inflateBody(new Uint8Array([1, 2, 3])), MessageCodecError);
});

test("UTC calendar matches Date", () => {
  fc.assert(fc.property(fc.integer({ min: -1e13, max: 1e13 }), (ms) => {
    const date = new Date(ms);
    const civil = civilFromMs(ms);
    assert.deepEqual(civil, {
      year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(),
      hour: date.getUTCHours(), minute: date.getUTCMinutes(), second: date.getUTCSeconds(),
      millisecond: date.getUTCMilliseconds(),
    });
    assert.equal(msFromCivil(civil), ms);
    assert.equal(utcMonthStartMs(ms), Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
  }));
  assert.equal(compactUtcTimestamp(Date.UTC(2023, 5, 7, 8, 9, 10, 11)), "20230607080910011");
});

test("topic and group names", () => {
  assert.equal(validateTopic("Topic_A-1%|x"), null);
  assert.notEqual(validateTopic(""), null);
  assert.notEqual(validateTopic("a b"), null);
  assert.notEqual(validateTopic("a".repeat(128)), null);
  assert.equal(validateTopic("a".repeat(127)), null);
  assert.equal(validateGroup("%RETRY%g"), null);
  assert.notEqual(validateGroup("g.1"), null);
});
