// Topic and group administration through the broker's real dispatch in the simulator:
// UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215), GET_ALL_TOPIC_CONFIG (21),
// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201),
// DELETE_SUBSCRIPTIONGROUP (207), GET_ALL_CONSUMER_OFFSET (43), GET_ALL_DELAY_OFFSET (45), with
// RocketMQ 4.9.7 AdminBrokerProcessor's refusals: validateSlave (1), TopicValidator (1).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromUtf8, RequestCode, ResponseCode } from "../../remoting/index.ts";
import { parseFastjson } from "../../protocol/index.ts";
import { withProcessorWorld } from "./testing/processor_world.ts";
import type { Fields } from "./testing/processor_world.ts";

const SLAVE_REMARK = "Can't modify topic or subscription group from slave broker, please execute it from master broker.";
const topicFields = (topic: string, extra: Fields = {}): Fields => ({
  topic, defaultTopic: "TBW102", readQueueNums: 3, writeQueueNums: 3, perm: 6, topicFilterType: "SINGLE_TAG", order: false, ...extra,
});

function json(body: Uint8Array | undefined): Record<string, unknown> {
  return parseFastjson(fromUtf8(body!)) as Record<string, unknown>;
}

test("17 creates and updates a topic, 21 lists it, 215 deletes it with its offsets", () => withProcessorWorld({}, async (pw) => {
  const created = await pw.call(RequestCode.UPDATE_AND_CREATE_TOPIC, topicFields("AdminT"));
  assert.equal(created.code, ResponseCode.SUCCESS);
  assert.equal(created.remark, undefined);
  assert.equal(pw.broker.topicConfigManager.selectTopicConfig("AdminT")?.readQueueNums, 3);
  assert.equal((await pw.call(RequestCode.UPDATE_AND_CREATE_TOPIC, topicFields("AdminT", { writeQueueNums: 5, perm: 4 }))).code, ResponseCode.SUCCESS);
  const all = json((await pw.call(RequestCode.GET_ALL_TOPIC_CONFIG)).body);
  const table = all["topicConfigTable"] as Record<string, Record<string, unknown>>;
  assert.deepEqual({ w: table["AdminT"]?.["writeQueueNums"], p: table["AdminT"]?.["perm"] }, { w: 5, p: 4 });
  assert.ok("dataVersion" in all);
  await pw.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "g", topic: "AdminT", queueId: 0, commitOffset: 3 });
  const deleted = await pw.call(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: "AdminT" });
  assert.equal(deleted.code, ResponseCode.SUCCESS);
  assert.equal(pw.broker.topicConfigManager.selectTopicConfig("AdminT"), undefined);
  assert.equal(pw.broker.consumerOffsetManager.queryOffset("g", "AdminT", 0), -1);
}));

test("17 and 215 refuse bad and system topics with TopicValidator's remarks", () => withProcessorWorld({}, async (pw) => {
  const cases = [
    { topic: "bad topic", remark: "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$" },
    { topic: "x".repeat(128), remark: "The specified topic is longer than topic max length." },
    { topic: "TBW102", remark: "The topic[TBW102] is conflict with system topic." },
    { topic: "rmq_sys_anything", remark: "The topic[rmq_sys_anything] is conflict with system topic." },
    { topic: "SCHEDULE_TOPIC_XXXX", remark: "The topic[SCHEDULE_TOPIC_XXXX] is conflict with system topic." },
  ];
  for (const c of cases) {
    for (const [code, fields] of [[RequestCode.UPDATE_AND_CREATE_TOPIC, topicFields(c.topic)], [RequestCode.DELETE_TOPIC_IN_BROKER, { topic: c.topic }]] as const) {
      const response = await pw.call(code, fields);
      assert.equal(response.code, ResponseCode.SYSTEM_ERROR, `${code} ${c.topic}`);
      assert.equal(response.remark, c.remark, `${code} ${c.topic}`);
    }
  }
  assert.ok(pw.broker.topicConfigManager.selectTopicConfig("TBW102") !== undefined);
  // mqlab refuses negative queue counts (4.9.7 would store them).
  const negative = await pw.call(RequestCode.UPDATE_AND_CREATE_TOPIC, topicFields("NegT", { readQueueNums: -1 }));
  assert.equal(negative.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(negative.remark, "queue numbers must not be negative");
  const noHeader = await pw.call(RequestCode.UPDATE_AND_CREATE_TOPIC, { topic: "NoHeader" });
  assert.equal(noHeader.code, ResponseCode.SYSTEM_ERROR);
  assert.match(noHeader.remark ?? "", /missing required header field/);
}));

test("200 creates/updates a group, 201 lists it, 207 deletes it (and its offsets with removeOffset)", () => withProcessorWorld({}, async (pw) => {
  const created = await pw.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, JSON.stringify({ groupName: "ag", retryMaxTimes: 3, consumeBroadcastEnable: false }));
  assert.equal(created.code, ResponseCode.SUCCESS);
  assert.equal(pw.broker.subscriptionGroupManager.findSubscriptionGroupConfig("ag")?.retryMaxTimes, 3);
  const all = json((await pw.call(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)).body);
  const table = all["subscriptionGroupTable"] as Record<string, Record<string, unknown>>;
  assert.equal(table["ag"]?.["consumeBroadcastEnable"], false);
  const nameless = await pw.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, JSON.stringify({ retryMaxTimes: 3 }));
  assert.equal(nameless.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(nameless.remark, "subscription group config without groupName");
  await pw.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "ag", topic: "T", queueId: 0, commitOffset: 9 });
  const offsets = json((await pw.call(RequestCode.GET_ALL_CONSUMER_OFFSET)).body);
  assert.deepEqual((offsets["offsetTable"] as Record<string, unknown>)["T@ag"], { 0: 9 });
  const deleted = await pw.call(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: "ag", removeOffset: true });
  assert.equal(deleted.code, ResponseCode.SUCCESS);
  assert.equal(pw.broker.consumerOffsetManager.queryOffset("ag", "T", 0), -1);
  const table2 = json((await pw.call(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)).body)["subscriptionGroupTable"] as Record<string, unknown>;
  assert.equal("ag" in table2, false);
}));

test("45 returns the schedule service's offsets once a delayed message exists", () => withProcessorWorld({}, async (pw) => {
  assert.equal((await pw.send("DelayT", "later", { properties: { DELAY: "2" } })).code, ResponseCode.SUCCESS);
  await pw.world.runFor(200);
  const delay = await pw.call(RequestCode.GET_ALL_DELAY_OFFSET);
  assert.equal(delay.code, ResponseCode.SUCCESS, delay.remark);
  assert.ok("offsetTable" in json(delay.body));
}));

test("a slave refuses 17, 215, 200 and 207 (validateSlave) but serves 21, 201, 43", () => withProcessorWorld({ config: { brokerId: 1, brokerRole: "SLAVE" } }, async (pw) => {
  const writes: [number, Fields, string?][] = [
    [RequestCode.UPDATE_AND_CREATE_TOPIC, topicFields("SlaveT")],
    [RequestCode.DELETE_TOPIC_IN_BROKER, { topic: "SlaveT" }],
    [RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, JSON.stringify({ groupName: "sg" })],
    [RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: "sg" }],
  ];
  for (const [code, fields, body] of writes) {
    const response = await pw.call(code, fields, body);
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR, String(code));
    assert.equal(response.remark, SLAVE_REMARK, String(code));
  }
  for (const code of [RequestCode.GET_ALL_TOPIC_CONFIG, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, RequestCode.GET_ALL_CONSUMER_OFFSET]) {
    assert.equal((await pw.call(code)).code, ResponseCode.SUCCESS, String(code));
  }
}));
