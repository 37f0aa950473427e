import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import { MessageCodecError } from "./errors.ts";
import { MessageSysFlag } from "./message_const.ts";
import type { StoredMessageFields } from "./message_record.ts";
import { calMsgLength, encodeMessageRecord, encodeParts, indexKeysOf } from "./message_record.ts";
import { decodeMessageRecord, decodeMessageRecords } from "./message_record_decode.ts";
import { compressBody } from "./compression.ts";
import { bytesToHex } from "./msg_id.ts";
import { arbStoredFields } from "./testing/arbitraries.ts";

function v6Bits(fields: StoredMessageFields): number {
  return (fields.bornHost.startsWith("[") ? MessageSysFlag.BORNHOST_V6_FLAG : 0)
    | (fields.storeHost.startsWith("[") ? MessageSysFlag.STOREHOSTADDRESS_V6_FLAG : 0);
}

test("record round trip: decode(encode(x)) has every field of x", () => {
  fc.assert(fc.property(arbStoredFields, (fields) => {
    // Act
    const record = encodeMessageRecord(fields);
    const decoded = decodeMessageRecord(record, 0, { checkCRC: true });
    // Assert
    const { tags: _t, keys: _k, storeSize, bodyCRC: _c, msgId: _m, ...rest } = decoded;
    assert.deepEqual(rest, { ...fields, sysFlag: fields.sysFlag | v6Bits(fields) });
    assert.equal(storeSize, record.length);
    assert.equal(record.length, calMsgLength(decoded.sysFlag, fields.body.length,
      new TextEncoder().encode(fields.topic).length, encodeParts(fields).properties.length));
  }));
});

test("concatenated records iterate in order", () => {
  fc.assert(fc.property(fc.array(arbStoredFields, { maxLength: 5 }), (list) => {
    const records = list.map(encodeMessageRecord);
    const all = new Uint8Array(records.reduce((sum, record) => sum + record.length, 0));
    let at = 0;
    for (const record of records) { all.set(record, at); at += record.length; }
    const decoded = decodeMessageRecords(all);
    assert.deepEqual(decoded.map((message) => message.commitLogOffset), list.map((item) => item.commitLogOffset));
    assert.deepEqual(decoded.map((message) => message.body), list.map((item) => item.body));
  }));
});

const golden: StoredMessageFields = {
  topic: "T", queueId: 1, flag: 2, body: new Uint8Array([0x68, 0x69]),
  properties: new Map([["TAGS", "a"]]), sysFlag: 0, bornTimestamp: 0x0102030405,
  bornHost: "10.0.0.1:1234", storeHost: "10.0.0.2:10911", reconsumeTimes: 3,
  preparedTransactionOffset: 0, queueOffset: 7, commitLogOffset: 4096, storeTimestamp: 0x0a0b0c0d0e,
};

test("golden bytes of one IPv4 record", () => {
  const hex = bytesToHex(encodeMessageRecord(golden));
  const expected = [
    "00000065" /* 91 + 2 + 1 + 7 */, "DAA320A7", "58932AAC" /* crc32("hi") & 0x7fffffff */, "00000001", "00000002",
    "0000000000000007", "0000000000001000", "00000000", "0000000102030405",
    "0A000001000004D2", "0000000A0B0C0D0E", "0A00000200002A9F", "00000003", "0000000000000000",
    "00000002", "6869", "01", "54", "0007", "5441475301" + "6102",
  ].join("");
  assert.equal(hex, expected);
  const decoded = decodeMessageRecord(encodeMessageRecord(golden));
  assert.equal(decoded.msgId, "0A00000200002A9F0000000000001000");
  assert.equal(decoded.tags, "a");
});

test("bad magic, bad CRC, truncation give typed errors", () => {
  const record = encodeMessageRecord(golden);
  const badMagic = record.slice();
  badMagic[4] = 0;
  assert.throws(() => decodeMessageRecord(badMagic), (e) => e instanceof MessageCodecError && e.code === "BAD_MAGIC");
  const badBody = record.slice();
  badBody[88] = (badBody[88] ?? 0) ^ 0xff;
  assert.doesNotThrow(() => decodeMessageRecord(badBody));
  assert.throws(() => decodeMessageRecord(badBody, 0, { checkCRC: true }),
    (e) => e instanceof MessageCodecError && e.code === "BAD_CRC");
  for (let cut = 0; cut < record.length; cut++) {
    assert.throws(() => decodeMessageRecord(record.subarray(0, cut)),
      (e) => e instanceof MessageCodecError && e.code === "TRUNCATED");
  }
});

test("garbage never crashes: random bytes or mutated records give a MessageCodecError or a value", () => {
  const mutated = fc.tuple(arbStoredFields, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
    .map(([fields, flips]) => {
      const record = encodeMessageRecord(fields);
      for (const [index, value] of flips) record[index % record.length] = value;
      return record;
    });
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (bytes) => {
    try {
      decodeMessageRecords(bytes, { checkCRC: true, inflateBody: true });
    } catch (error) {
      assert.ok(error instanceof MessageCodecError, String(error));
    }
  }));
});

test("compressed bodies inflate on request", () => {
  const body = new TextEncoder().encode("x".repeat(5000));
  const record = encodeMessageRecord({ ...golden, body: compressBody(body), sysFlag: MessageSysFlag.COMPRESSED_FLAG });
  assert.deepEqual(decodeMessageRecord(record, 0, { inflateBody: true }).body, body);
  assert.notDeepEqual(decodeMessageRecord(record).body, body);
  assert.equal(decodeMessageRecord(record, 0, { readBody: false }).body.length, 0);
});

test("index keys: UNIQ_KEY and each KEYS entry", () => {
  assert.deepEqual(indexKeysOf(new Map([["KEYS", "a  b"], ["UNIQ_KEY", "U"]])), ["U", "a", "b"]);
  assert.deepEqual(indexKeysOf(new Map()), []);
});
