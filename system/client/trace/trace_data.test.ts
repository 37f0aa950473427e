// Trace records: Java's exact separators and field order, round trips, garbage → TraceDecodeError.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeTraceData, encodeTraceRecord, TraceDecodeError, traceKeys } from "./trace_data.ts";
import type { TraceRecord } from "./trace_data.ts";

test("a Pub record is Java's TraceDataEncoder text byte for byte", () => {
  const record: TraceRecord = {
    type: "Pub", timestamp: 1700000000000, regionId: "DefaultRegion", groupName: "PG", topic: "T", msgId: "AC1", tags: null, keys: "k1 k2",
    storeHost: "127.0.0.1:10911", bodyLength: 5, costTime: 3, msgType: 0, offsetMsgId: "7F00", success: true,
  };
  assert.equal(encodeTraceRecord(record),
    "Pub\u00011700000000000\u0001DefaultRegion\u0001PG\u0001T\u0001AC1\u0001null\u0001k1 k2\u0001127.0.0.1:10911\u00015\u00013\u00010\u00017F00\u0001true\u0002");
  assert.deepEqual(traceKeys(record), ["AC1", "k1", "k2"]);
});

const word = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,12}$/);
const maybeWord = fc.option(word, { nil: null });
const time = fc.integer({ min: 0, max: 4_000_000_000_000 });
const record: fc.Arbitrary<TraceRecord> = fc.oneof(
  fc.record({
    type: fc.constant("Pub" as const), timestamp: time, regionId: word, groupName: word, topic: word, msgId: word, tags: maybeWord, keys: maybeWord,
    storeHost: word, bodyLength: fc.nat(), costTime: fc.nat(), msgType: fc.integer({ min: 0, max: 3 }), offsetMsgId: word, success: fc.boolean(),
  }),
  fc.record({ type: fc.constant("SubBefore" as const), timestamp: time, regionId: word, groupName: word, requestId: word, msgId: word, retryTimes: fc.nat(16), keys: maybeWord }),
  fc.record({
    type: fc.constant("SubAfter" as const), requestId: word, msgId: word, costTime: fc.nat(), success: fc.boolean(), keys: maybeWord,
    contextCode: fc.integer({ min: 0, max: 4 }), timestamp: time, groupName: word,
  }),
);

test("records round-trip through a message body of several records", () => {
  fc.assert(fc.property(fc.array(record, { maxLength: 6 }), (records) => {
    assert.deepEqual(decodeTraceData(records.map(encodeTraceRecord).join("")), records.map((r) => ({ ...r })));
  }));
});

test("garbage is a TraceDecodeError", () => {
  assert.throws(() => decodeTraceData("Nope\u0001x\u0002"), TraceDecodeError);
  assert.throws(() => decodeTraceData("Pub\u0001x\u0002"), TraceDecodeError);
  fc.assert(fc.property(fc.string(), (text) => {
    try {
      decodeTraceData(text);
    } catch (error) {
      assert.ok(error instanceof TraceDecodeError);
    }
  }));
});
