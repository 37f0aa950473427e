// HEART_BEAT (34), UNREGISTER_CLIENT (35) and CHECK_CLIENT_CONFIG (46) through the broker's real
// dispatch in the simulator, with RocketMQ 4.9.7 ClientManageProcessor's answers: heartbeats
// register consumers and producers and create %RETRY%group for a known group; a body that is no
// heartbeat is SYSTEM_ERROR (Java: the decode fails and the dispatcher answers 1); 46 passes TAG,
// refuses SQL92 while enablePropertyFilter=false (1 "The broker does not support consumer to
// filter message by SQL92") and answers 23 with the compiler's message for a bad expression.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromUtf8, RequestCode, ResponseCode } from "../../remoting/index.ts";
import { CLIENT_ID, withProcessorWorld } from "./testing/processor_world.ts";
import type { ProcessorWorld } from "./testing/processor_world.ts";

function checkConfig(pw: ProcessorWorld, expressionType: string | undefined, subString: string): ReturnType<ProcessorWorld["call"]> {
  const subscriptionData = { topic: "T", subString, expressionType, tagsSet: [], codeSet: [], subVersion: 1, classFilterMode: false };
  return pw.call(RequestCode.CHECK_CLIENT_CONFIG, {}, JSON.stringify({ clientId: CLIENT_ID, group: "g", subscriptionData }));
}

test("34 registers consumer and producer, creates the retry topic; 35 removes them", () => withProcessorWorld({}, async (pw) => {
  const beat = await pw.heartbeat({
    clientID: CLIENT_ID, producerDataSet: [{ groupName: "pg" }],
    consumerDataSet: [{
      groupName: "cg", consumeType: "CONSUME_PASSIVELY", messageModel: "CLUSTERING", consumeFromWhere: "CONSUME_FROM_LAST_OFFSET", unitMode: false,
      subscriptionDataSet: [{ topic: "T", subString: "*", tagsSet: [], codeSet: [], subVersion: 1, expressionType: "TAG", classFilterMode: false }],
    }],
  });
  assert.equal(beat.code, ResponseCode.SUCCESS);
  assert.equal(beat.remark, undefined);
  assert.equal(pw.broker.topicConfigManager.selectTopicConfig("%RETRY%cg")?.writeQueueNums, 1);
  assert.deepEqual(JSON.parse(fromUtf8((await pw.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: "cg" })).body!)), { consumerIdList: [CLIENT_ID] });
  assert.equal((await pw.call(RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup: "pg" })).code, ResponseCode.SUCCESS);
  const gone = await pw.call(RequestCode.UNREGISTER_CLIENT, { clientID: CLIENT_ID, consumerGroup: "cg", producerGroup: "pg" });
  assert.equal(gone.code, ResponseCode.SUCCESS);
  assert.equal((await pw.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: "cg" })).code, ResponseCode.SYSTEM_ERROR);
  assert.equal((await pw.call(RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup: "pg" })).code, ResponseCode.SYSTEM_ERROR);
  const noId = await pw.call(RequestCode.UNREGISTER_CLIENT, { consumerGroup: "cg" });
  assert.equal(noId.code, ResponseCode.SYSTEM_ERROR);
  assert.match(noId.remark ?? "", /clientID/);
}));

test("34 for an unknown group without auto-create: registered, but no retry topic", () => withProcessorWorld({ config: { autoCreateSubscriptionGroup: false } }, async (pw) => {
  assert.equal((await pw.consumerHeartbeat("unknown", "T")).code, ResponseCode.SUCCESS);
  assert.equal(pw.broker.topicConfigManager.selectTopicConfig("%RETRY%unknown"), undefined);
  assert.equal((await pw.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: "unknown" })).code, ResponseCode.SUCCESS);
}));

test("34 with a body that is no heartbeat → 1", () => withProcessorWorld({}, async (pw) => {
  const cases = [{ name: "no body", body: undefined }, { name: "not JSON", body: "{oops" }, { name: "no clientID", body: "{}" }];
  for (const c of cases) {
    const response = await pw.call(RequestCode.HEART_BEAT, {}, c.body);
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR, c.name);
    assert.match(response.remark ?? "", /heartbeat/, c.name);
  }
}));

test("46: TAG and no subscription pass; SQL92 refused while enablePropertyFilter=false", () => withProcessorWorld({}, async (pw) => {
  assert.equal((await checkConfig(pw, "TAG", "a || b")).code, ResponseCode.SUCCESS);
  assert.equal((await checkConfig(pw, undefined, "*")).code, ResponseCode.SUCCESS);
  assert.equal((await pw.call(RequestCode.CHECK_CLIENT_CONFIG, {}, JSON.stringify({ clientId: CLIENT_ID, group: "g" }))).code, ResponseCode.SUCCESS);
  const refused = await checkConfig(pw, "SQL92", "a > 1");
  assert.equal(refused.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(refused.remark, "The broker does not support consumer to filter message by SQL92");
}));

test("46 with enablePropertyFilter: a good SQL92 passes, a bad one → 23 with the compiler's message", () => withProcessorWorld({ config: { enablePropertyFilter: true } }, async (pw) => {
  assert.equal((await checkConfig(pw, "SQL92", "a > 1 AND b = 'x'")).code, ResponseCode.SUCCESS);
  const bad = await checkConfig(pw, "SQL92", "a >");
  assert.equal(bad.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
  assert.ok((bad.remark ?? "").length > 0);
}));
