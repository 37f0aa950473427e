// Operator actions through the broker's real dispatch in the simulator:
// INVOKE_BROKER_TO_RESET_OFFSET (222) [Broker2Client.resetOffset] and CONSUME_MESSAGE_DIRECTLY
// (309) [AdminBrokerProcessor.consumeMessageDirectly → callConsumer], with RocketMQ 4.9.7's
// refusals and remarks. The client node stands in for the consumer the broker calls.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createOffsetMsgId, decodeMessageRecords } from "../../message/index.ts";
import { encodeHeartbeatData, parseFastjson } from "../../protocol/index.ts";
import { createRequest, createResponse, fromUtf8, RequestCode, ResponseCode, utf8 } from "../../remoting/index.ts";
import type { RemotingCommand } from "../../remoting/index.ts";
import { BROKER_ADDR, withProcessorWorld } from "./testing/processor_world.ts";
import type { ProcessorWorld } from "./testing/processor_world.ts";

async function oneQueueTopic(pw: ProcessorWorld, topic: string): Promise<void> {
  const created = await pw.call(RequestCode.UPDATE_AND_CREATE_TOPIC, {
    topic, defaultTopic: "TBW102", readQueueNums: 1, writeQueueNums: 1, perm: 6, topicFilterType: "SINGLE_TAG", order: false,
  });
  assert.equal(created.code, ResponseCode.SUCCESS);
}

function reset(pw: ProcessorWorld, group: string, topic: string, timestamp: number, isForce = true): Promise<RemotingCommand> {
  return pw.call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, { topic, group, timestamp, isForce });
}

test("222: refused without the topic (1), without committed offsets (1), with nobody online (206)", () => withProcessorWorld({}, async (pw) => {
  const noTopic = await reset(pw, "g", "Nope", -1);
  assert.equal(noTopic.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(noTopic.remark, "[reset-offset] reset offset failed, no topic in this broker. topic=Nope");
  await oneQueueTopic(pw, "RT");
  const noGroup = await reset(pw, "g", "RT", -1);
  assert.equal(noGroup.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(noGroup.remark, "THe consumer group <g> not exist");
  await pw.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "g", topic: "RT", queueId: 0, commitOffset: 0 });
  const offline = await reset(pw, "g", "RT", 1234);
  assert.equal(offline.code, ResponseCode.CONSUMER_NOT_ONLINE);
  assert.equal(offline.remark, "Consumer not online, so can not reset offset, Group: g Topic: RT Timestamp: 1234");
}));

test("222 happy path: the table goes oneway (220) to every consumer and back to the caller; too-old clients refused", () => withProcessorWorld({}, async (pw) => {
  const told: RemotingCommand[] = [];
  pw.onClientRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (_context, request) => {
    told.push(request);
    return undefined;
  });
  await oneQueueTopic(pw, "RT");
  for (let i = 0; i < 3; i++) assert.equal((await pw.send("RT", `m${i}`)).code, ResponseCode.SUCCESS);
  await pw.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "g", topic: "RT", queueId: 0, commitOffset: 1 });
  assert.equal((await pw.consumerHeartbeat("g", "RT")).code, ResponseCode.SUCCESS);
  const done = await reset(pw, "g", "RT", -1);
  assert.equal(done.code, ResponseCode.SUCCESS, done.remark);
  const table = (parseFastjson(fromUtf8(done.body!)) as { offsetTable: Record<string, number> }).offsetTable;
  assert.deepEqual(Object.values(table), [3]);
  await pw.world.runFor(100);
  assert.equal(told.length, 1);
  assert.deepEqual({ topic: told[0]!.extFields["topic"], group: told[0]!.extFields["group"] }, { topic: "RT", group: "g" });
  // Not forced: a target beyond the committed offset keeps the committed one.
  const kept = await reset(pw, "g", "RT", -1, false);
  assert.deepEqual(Object.values((parseFastjson(fromUtf8(kept.body!)) as { offsetTable: Record<string, number> }).offsetTable), [1]);
  const ancient = createRequest(RequestCode.HEART_BEAT, {}, encodeHeartbeatData({
    clientID: "ancient", producerDataSet: [],
    consumerDataSet: [{ groupName: "old", consumeType: "CONSUME_PASSIVELY", messageModel: "CLUSTERING", consumeFromWhere: "CONSUME_FROM_LAST_OFFSET", unitMode: false, subscriptionDataSet: [] }],
  }), { version: 10 });
  assert.equal((await pw.invoke(ancient)).code, ResponseCode.SUCCESS);
  await pw.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "old", topic: "RT", queueId: 0, commitOffset: 1 });
  const refused = await reset(pw, "old", "RT", -1);
  assert.equal(refused.code, ResponseCode.SYSTEM_ERROR);
  assert.match(refused.remark ?? "", /^the client does not support this feature\. version=/);
}));

test("309 forwards the stored record and brokerName to the consumer and returns its answer", () => withProcessorWorld({}, async (pw) => {
  let forwarded: RemotingCommand | undefined;
  pw.onClientRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY, (_context, request) => {
    forwarded = request;
    return request.extFields["clientId"] === "silent" ? new Promise(() => undefined) : createResponse(request, ResponseCode.SUCCESS, undefined, {}, utf8('{"consumeResult":"CR_SUCCESS"}'));
  });
  assert.equal((await pw.send("DT", "direct")).code, ResponseCode.SUCCESS);
  const [record] = decodeMessageRecords((await pw.pull("DT", 0, 0)).body!);
  const msgId = createOffsetMsgId(BROKER_ADDR, record!.commitLogOffset);
  assert.equal((await pw.consumerHeartbeat("g", "DT", { clientId: "c1" })).code, ResponseCode.SUCCESS);
  const answer = await pw.call(RequestCode.CONSUME_MESSAGE_DIRECTLY, { consumerGroup: "g", clientId: "c1", msgId });
  assert.equal(answer.code, ResponseCode.SUCCESS, answer.remark);
  assert.equal(fromUtf8(answer.body!), '{"consumeResult":"CR_SUCCESS"}');
  assert.equal(forwarded?.extFields["brokerName"], "broker-a");
  assert.equal(fromUtf8(decodeMessageRecords(forwarded?.body ?? new Uint8Array(0))[0]!.body), "direct");
  const offline = await pw.call(RequestCode.CONSUME_MESSAGE_DIRECTLY, { consumerGroup: "g", clientId: "nobody", msgId });
  assert.equal(offline.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(offline.remark, "The Consumer <g> <nobody> not online");
  assert.equal((await pw.consumerHeartbeat("sg", "DT", { clientId: "silent" })).code, ResponseCode.SUCCESS);
  const silent = await pw.call(RequestCode.CONSUME_MESSAGE_DIRECTLY, { consumerGroup: "sg", clientId: "silent", msgId }, undefined, 60_000);
  assert.equal(silent.code, ResponseCode.CONSUME_MSG_TIMEOUT);
  assert.match(silent.remark ?? "", /^consumer <sg> <silent> Timeout: /);
}));

test("309 with an unknown or malformed msgId → 1", () => withProcessorWorld({}, async (pw) => {
  const missing = await pw.call(RequestCode.CONSUME_MESSAGE_DIRECTLY, { consumerGroup: "g", clientId: "c1", msgId: createOffsetMsgId(BROKER_ADDR, 999_999) });
  assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
  assert.match(missing.remark ?? "", /not found on this broker$/);
  const malformed = await pw.call(RequestCode.CONSUME_MESSAGE_DIRECTLY, { consumerGroup: "g", clientId: "c1", msgId: "nothex" });
  assert.equal(malformed.code, ResponseCode.SYSTEM_ERROR);
  assert.match(malformed.remark ?? "", /^bad msgId nothex/);
}));
