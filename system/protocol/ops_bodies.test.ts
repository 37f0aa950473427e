// ResetOffsetBody and ConsumeMessageDirectlyResult: round trips, fastjson's object-key bytes, and
// typed errors on garbage.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeConsumeMessageDirectlyResult, decodeResetOffsetBody, encodeConsumeMessageDirectlyResult, encodeResetOffsetBody,
} from "./ops_bodies.ts";

test("ResetOffsetBody round-trips and is written with MessageQueue object keys", () => {
  const bytes = encodeResetOffsetBody([[{ topic: "T", brokerName: "b", queueId: 1 }, 7]]);
  assert.equal(new TextDecoder().decode(bytes), '{"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:7}}');
  fc.assert(fc.property(fc.uniqueArray(fc.tuple(fc.stringMatching(/^[A-Za-z0-9_%-]{1,10}$/), fc.nat(64), fc.nat()), { selector: ([t, q]) => `${t}/${q}` }), (rows) => {
    const table = rows.map(([topic, queueId, offset]) => [{ topic, brokerName: "broker-a", queueId }, offset] as [{ topic: string; brokerName: string; queueId: number }, number]);
    assert.deepEqual(decodeResetOffsetBody(encodeResetOffsetBody(table)), table);
  }));
});

test("ConsumeMessageDirectlyResult round-trips; garbage is a typed error", () => {
  const result = { order: false, autoCommit: true, consumeResult: "CR_THROW_EXCEPTION" as const, remark: "boom", spentTimeMills: 3 };
  assert.deepEqual(decodeConsumeMessageDirectlyResult(encodeConsumeMessageDirectlyResult(result)), result);
  assert.throws(() => decodeResetOffsetBody(new TextEncoder().encode("{oops")));
  assert.throws(() => decodeResetOffsetBody(undefined));
});
