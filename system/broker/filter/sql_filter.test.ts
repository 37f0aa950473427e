// The broker's SQL92 hook: which refusal a pull or CHECK_CLIENT_CONFIG gets (RocketMQ's codes and
// remarks, in its order), and the commit-log stage dropping records whose properties do not match.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeParts, writeRecord } from "../../message/message_record.ts";
import type { GetMessageResult } from "../store_port.ts";
import { applyPullFilter, checkSubscriptionConfig, resolvePullFilter } from "./sql_filter.ts";
import { buildSubscriptionData } from "./subscription_data.ts";

function record(properties: Record<string, string>): Uint8Array {
  const fields = {
    topic: "T", queueId: 0, flag: 0, body: new Uint8Array([1]), properties: new Map(Object.entries(properties)), sysFlag: 0,
    bornTimestamp: 1, bornHost: "127.0.0.1:1", storeHost: "127.0.0.1:2", reconsumeTimes: 0, preparedTransactionOffset: 0,
    queueOffset: 0, commitLogOffset: 0, storeTimestamp: 2,
  };
  const parts = encodeParts(fields);
  const bytes = new Uint8Array(parts.totalSize);
  writeRecord(bytes, 0, fields, parts);
  return bytes;
}

test("pull refusals: parse failure from the header is 23, from the heartbeat 27; property filter off is 1", () => {
  const bad = buildSubscriptionData("T", "a >", "SQL92", 1);
  assert.deepEqual(resolvePullFilter(bad, true, true), { ok: false, code: 23, remark: "parse the consumer's subscription failed" });
  assert.equal((resolvePullFilter(bad, false, true) as { code: number }).code, 27);
  const good = buildSubscriptionData("T", "a > 1", "SQL92", 1);
  assert.deepEqual(resolvePullFilter(good, false, false), {
    ok: false, code: 1, remark: "The broker does not support consumer to filter message by SQL92",
  });
  const resolved = resolvePullFilter(good, false, true);
  assert.ok(resolved.ok && resolved.expression !== undefined);
  const tag = resolvePullFilter(buildSubscriptionData("T", "TagA", "TAG", 1), true, false);
  assert.deepEqual(tag, { ok: true, expression: undefined });
});

test("CHECK_CLIENT_CONFIG: TAG passes, SQL92 needs the switch and a selector that compiles", () => {
  assert.equal(checkSubscriptionConfig("TAG", "*", false), undefined);
  assert.equal(checkSubscriptionConfig(undefined, "*", false), undefined);
  assert.equal(checkSubscriptionConfig("SQL92", "a = 1", true), undefined);
  assert.equal(checkSubscriptionConfig("SQL92", "a = 1", false)?.code, 1);
  const parse = checkSubscriptionConfig("SQL92", "a = = 1", true);
  assert.equal(parse?.code, 23);
  assert.match(parse?.remark ?? "", /at position 4$/);
});

test("the commit-log stage keeps matching records and turns an emptied FOUND into NO_MATCHED_MESSAGE", () => {
  const records = [record({ a: "1" }), record({ a: "5" }), record({})];
  const result: GetMessageResult = {
    status: "FOUND", nextBeginOffset: 13, minOffset: 0, maxOffset: 20, messages: records, messageQueueOffsets: [10, 11, 12],
    bufferTotalSize: records.reduce((sum, r) => sum + r.length, 0), suggestPullingFromSlave: false,
  };
  const keep = resolvePullFilter(buildSubscriptionData("T", "a > 2", "SQL92", 1), false, true);
  assert.ok(keep.ok);
  const filtered = applyPullFilter(result, keep.expression);
  assert.deepEqual(filtered.messageQueueOffsets, [11]);
  assert.equal(filtered.bufferTotalSize, records[1]!.length);
  assert.equal(filtered.nextBeginOffset, 13);
  const none = resolvePullFilter(buildSubscriptionData("T", "a > 100", "SQL92", 1), false, true);
  assert.ok(none.ok);
  const empty = applyPullFilter(result, none.expression);
  assert.equal(empty.status, "NO_MATCHED_MESSAGE");
  assert.equal(empty.messages.length, 0);
  assert.equal(applyPullFilter(result, undefined), result);
});
