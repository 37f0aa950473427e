// Offsets and lookups through the broker's real dispatch in the simulator: GET_MAX_OFFSET (30),
// GET_MIN_OFFSET (31), SEARCH_OFFSET_BY_TIMESTAMP (29), GET_EARLIEST_MSG_STORETIME (32)
// [AdminBrokerProcessor: always SUCCESS], VIEW_MESSAGE_BY_ID (33) and QUERY_MESSAGE (12)
// [QueryMessageProcessor: 1 "can not find message by the offset, N", 22 "can not find message,
// maybe time range not correct"].
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeMessageRecords } from "../../message/index.ts";
import { fromUtf8, RequestCode, ResponseCode } from "../../remoting/index.ts";
import { withProcessorWorld } from "./testing/processor_world.ts";

test("30, 31, 29, 32 answer offsets and times of a queue (0 / -1 style answers for an empty one)", () => withProcessorWorld({}, async (pw) => {
  const firstMs = pw.clientNowMs;
  for (let i = 0; i < 3; i++) {
    assert.equal((await pw.send("QT", `m${i}`)).code, ResponseCode.SUCCESS);
    await pw.world.runFor(1_000);
  }
  const max = await pw.call(RequestCode.GET_MAX_OFFSET, { topic: "QT", queueId: 0 });
  assert.equal(max.code, ResponseCode.SUCCESS);
  assert.equal(max.extFields["offset"], "3");
  const min = await pw.call(RequestCode.GET_MIN_OFFSET, { topic: "QT", queueId: 0 });
  assert.equal(min.extFields["offset"], "0");
  const search = await pw.call(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, { topic: "QT", queueId: 0, timestamp: firstMs + 1_900 });
  assert.equal(search.code, ResponseCode.SUCCESS);
  assert.equal(search.extFields["offset"], "2");
  const earliest = await pw.call(RequestCode.GET_EARLIEST_MSG_STORETIME, { topic: "QT", queueId: 0 });
  assert.equal(earliest.code, ResponseCode.SUCCESS);
  assert.ok(Math.abs(Number(earliest.extFields["timestamp"]) - firstMs) < 100, earliest.extFields["timestamp"]);
  const emptyMax = await pw.call(RequestCode.GET_MAX_OFFSET, { topic: "Nothing", queueId: 0 });
  assert.equal(emptyMax.code, ResponseCode.SUCCESS);
  assert.equal(emptyMax.extFields["offset"], "0");
  const noHeader = await pw.call(RequestCode.GET_MAX_OFFSET, { topic: "QT" });
  assert.equal(noHeader.code, ResponseCode.SYSTEM_ERROR);
  assert.match(noHeader.remark ?? "", /queueId/);
}));

test("33 returns the stored record by commit-log offset, or 1 with 4.9.7's remark", () => withProcessorWorld({}, async (pw) => {
  assert.equal((await pw.send("VT", "view me")).code, ResponseCode.SUCCESS);
  const [record] = decodeMessageRecords((await pw.pull("VT", 0, 0)).body!);
  const viewed = await pw.call(RequestCode.VIEW_MESSAGE_BY_ID, { offset: record!.commitLogOffset });
  assert.equal(viewed.code, ResponseCode.SUCCESS);
  assert.equal(fromUtf8(decodeMessageRecords(viewed.body!)[0]!.body), "view me");
  const missing = await pw.call(RequestCode.VIEW_MESSAGE_BY_ID, { offset: 123_456_789 });
  assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(missing.remark, "can not find message by the offset, 123456789");
}));

test("12 finds messages by key (and by UNIQ_KEY with _UNIQUE_KEY_QUERY), else 22", () => withProcessorWorld({}, async (pw) => {
  const sent = await pw.send("KT", "keyed", { properties: { KEYS: "order-7", UNIQ_KEY: "AC11000100002A9F0000000000000001" } });
  assert.equal(sent.code, ResponseCode.SUCCESS);
  await pw.world.runFor(100);
  const window = { topic: "KT", maxNum: 32, beginTimestamp: 0, endTimestamp: pw.clientNowMs + 60_000 };
  const byKey = await pw.call(RequestCode.QUERY_MESSAGE, { ...window, key: "order-7" });
  assert.equal(byKey.code, ResponseCode.SUCCESS, byKey.remark);
  assert.equal(fromUtf8(decodeMessageRecords(byKey.body!)[0]!.body), "keyed");
  assert.ok("indexLastUpdateTimestamp" in byKey.extFields && "indexLastUpdatePhyoffset" in byKey.extFields);
  const byUniq = await pw.call(RequestCode.QUERY_MESSAGE, { ...window, key: "AC11000100002A9F0000000000000001", maxNum: 1, _UNIQUE_KEY_QUERY: true });
  assert.equal(byUniq.code, ResponseCode.SUCCESS, byUniq.remark);
  const none = await pw.call(RequestCode.QUERY_MESSAGE, { ...window, key: "no-such-key" });
  assert.equal(none.code, ResponseCode.QUERY_NOT_FOUND);
  assert.equal(none.remark, "can not find message, maybe time range not correct");
  assert.ok("indexLastUpdateTimestamp" in none.extFields);
}));
