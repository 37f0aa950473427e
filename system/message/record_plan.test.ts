// The commit log's writer (planRecord + writePlannedRecordAt, text straight into the record)
// must lay down exactly the bytes of the parts writer (encodeParts + writeRecord, which the
// golden tests pin), for any message, including non-ASCII topics and property strings.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import { encodeParts, planRecord, RecordPlan, writePlannedRecordAt, writeRecord } from "./message_record.ts";
import { utf8Bytes, utf8Length, writeUtf8 } from "./properties.ts";
import { arbStoredFields } from "./testing/arbitraries.ts";

test("property: a planned record has the same bytes as one written from encoded parts", () => {
  const plan = new RecordPlan();
  const unicodeTopic = fc.string({ minLength: 1, maxLength: 30, unit: "grapheme" });
  fc.assert(fc.property(arbStoredFields, fc.option(unicodeTopic), fc.nat(7), (fields, topic, padding) => {
    // Arrange: a reused plan, as the commit log keeps them, and a record away from offset 0.
    const message = topic === null ? fields : { ...fields, topic };
    const parts = encodeParts(message);
    // Act
    planRecord(message, plan);
    const planned = new Uint8Array(padding + plan.totalSize).fill(0xee);
    writePlannedRecordAt(planned, padding, message, message.queueOffset, message.commitLogOffset, message.storeTimestamp, plan);
    const expected = new Uint8Array(parts.totalSize);
    writeRecord(expected, 0, message, parts);
    // Assert
    assert.equal(plan.totalSize, parts.totalSize);
    assert.equal(plan.sysFlag, parts.sysFlag);
    assert.deepEqual(planned.subarray(padding), expected);
  }));
});

test("property: writeUtf8 writes utf8Bytes' bytes, lone surrogates included", () => {
  fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
    const sizeBytes = utf8Length(text);
    const target = new Uint8Array(sizeBytes + 2);
    writeUtf8(target, 1, text, sizeBytes);
    assert.deepEqual(target.subarray(1, 1 + sizeBytes), utf8Bytes(text));
    assert.equal(target[0], 0);
    assert.equal(target[sizeBytes + 1], 0);
  }));
});
