// GET_CONSUMER_LIST_BY_GROUP (38), QUERY_CONSUMER_OFFSET (14) and UPDATE_CONSUMER_OFFSET (15)
// through the broker's real dispatch in the simulator, with RocketMQ 4.9.7
// ConsumerManageProcessor's answers: 1 "no consumer for this group, g"; 14's not-found rule
// (young queue → 0, else 22 "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first").
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequest, fromUtf8, RequestCode, ResponseCode } from "../../remoting/index.ts";
import { BROKER_ADDR, CLIENT_ID, withProcessorWorld } from "./testing/processor_world.ts";

test("38 lists the group's client ids, or 1 when nobody is online", () => withProcessorWorld({}, async (pw) => {
  const none = await pw.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: "cg" });
  assert.equal(none.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(none.remark, "no consumer for this group, cg");
  assert.equal((await pw.consumerHeartbeat("cg", "T")).code, ResponseCode.SUCCESS);
  const list = await pw.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: "cg" });
  assert.equal(list.code, ResponseCode.SUCCESS);
  assert.deepEqual(JSON.parse(fromUtf8(list.body!)), { consumerIdList: [CLIENT_ID] });
}));

test("15 commits (request/response and oneway); 14 reads it back", () => withProcessorWorld({}, async (pw) => {
  const updated = await pw.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "g", topic: "T", queueId: 1, commitOffset: 42 });
  assert.equal(updated.code, ResponseCode.SUCCESS);
  assert.equal(updated.remark, undefined);
  const read = await pw.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: "g", topic: "T", queueId: 1 });
  assert.equal(read.code, ResponseCode.SUCCESS);
  assert.equal(read.extFields["offset"], "42");
  const oneway = createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "g", topic: "T", queueId: "1", commitOffset: "43" });
  await pw.settle(pw.client.invokeOneway(BROKER_ADDR, oneway));
  await pw.world.runFor(100);
  assert.equal((await pw.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: "g", topic: "T", queueId: 1 })).extFields["offset"], "43");
}));

test("14 without a stored offset: a young queue answers 0", () => withProcessorWorld({}, async (pw) => {
  assert.equal((await pw.send("Young", "x")).code, ResponseCode.SUCCESS);
  const young = await pw.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: "new", topic: "Young", queueId: 0 });
  assert.equal(young.code, ResponseCode.SUCCESS);
  assert.equal(young.extFields["offset"], "0");
  const bad = await pw.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: "new", topic: "Young" });
  assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
  assert.match(bad.remark ?? "", /queueId/);
}));

test("14 without a stored offset on a queue whose start is no longer in memory → 22", () => withProcessorWorld({ config: { totalPhysicalMemoryBytes: 1000 } }, async (pw) => {
  // 40 % of 1000 bytes "in memory": three 300-byte messages push offset 0 out of it.
  for (let i = 0; i < 3; i++) assert.equal((await pw.send("Old", "x".repeat(300))).code, ResponseCode.SUCCESS);
  const old = await pw.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: "new", topic: "Old", queueId: 0 });
  assert.equal(old.code, ResponseCode.QUERY_NOT_FOUND);
  assert.equal(old.remark, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first");
  assert.equal(old.extFields["offset"], undefined);
}));
