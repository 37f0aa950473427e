// Admin read-outs through the broker's real dispatch in the simulator: GET_BROKER_RUNTIME_INFO
// (28), GET_TOPIC_STATS_INFO (202), GET_CONSUME_STATS (208), GET_CONSUMER_CONNECTION_LIST (203),
// GET_PRODUCER_CONNECTION_LIST (204), GET_BROKER_CONFIG (26), QUERY_TOPIC_CONSUME_BY_WHO (300)
// and GET_CONSUMER_RUNNING_INFO (307, forwarded to the consumer: AdminBrokerProcessor.callConsumer),
// with RocketMQ 4.9.7's refusals and remarks. Field names are checked in admin_stats_fields.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeHeartbeatData, parseFastjson } from "../../protocol/index.ts";
import { createRequest, createResponse, fromUtf8, RequestCode, ResponseCode, utf8 } from "../../remoting/index.ts";
import { CLIENT_ID, withProcessorWorld } from "./testing/processor_world.ts";

function json(body: Uint8Array | undefined): Record<string, unknown> {
  return parseFastjson(fromUtf8(body!)) as Record<string, unknown>;
}

test("28, 26, 202, 208, 300 answer SUCCESS with their bodies; 202 for an unknown topic → 17", () => withProcessorWorld({}, async (pw) => {
  assert.equal((await pw.send("ST", "x")).code, ResponseCode.SUCCESS);
  const runtime = await pw.call(RequestCode.GET_BROKER_RUNTIME_INFO);
  assert.equal(runtime.code, ResponseCode.SUCCESS);
  const table = (json(runtime.body)["table"] as Record<string, string>);
  assert.equal(table["brokerVersionDesc"], "V4_9_7");
  assert.equal(table["msgPutTotalTodayNow"], "1");
  const config = await pw.call(RequestCode.GET_BROKER_CONFIG);
  assert.equal(config.code, ResponseCode.SUCCESS);
  assert.match(fromUtf8(config.body!), /^brokerName=broker-a$/m);
  assert.ok("counter" in (JSON.parse(config.extFields["version"]!) as object));
  const stats = await pw.call(RequestCode.GET_TOPIC_STATS_INFO, { topic: "ST" });
  assert.equal(stats.code, ResponseCode.SUCCESS);
  assert.equal(Object.keys(json(stats.body)["offsetTable"] as object).length, 4);
  const unknown = await pw.call(RequestCode.GET_TOPIC_STATS_INFO, { topic: "Nope" });
  assert.equal(unknown.code, ResponseCode.TOPIC_NOT_EXIST);
  assert.equal(unknown.remark, "topic[Nope] not exist");
  await pw.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "g", topic: "ST", queueId: 0, commitOffset: 1 });
  const consume = await pw.call(RequestCode.GET_CONSUME_STATS, { consumerGroup: "g" });
  assert.equal(consume.code, ResponseCode.SUCCESS);
  const offsets = Object.values(json(consume.body)["offsetTable"] as Record<string, { brokerOffset: number; consumerOffset: number }>);
  assert.equal(offsets.find((o) => o.consumerOffset === 1)?.brokerOffset, 1);
  const nobody = await pw.call(RequestCode.GET_CONSUME_STATS, { consumerGroup: "nobody" });
  assert.equal(nobody.code, ResponseCode.SUCCESS);
  assert.deepEqual(json(nobody.body)["offsetTable"], {});
  const who = await pw.call(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, { topic: "ST" });
  assert.equal(who.code, ResponseCode.SUCCESS);
  assert.deepEqual(JSON.parse(fromUtf8(who.body!)), { groupList: ["g"] });
}));

test("203 and 204: the group's connections, or 206 / 1 with 4.9.7's remarks", () => withProcessorWorld({}, async (pw) => {
  const noConsumer = await pw.call(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: "cg" });
  assert.equal(noConsumer.code, ResponseCode.CONSUMER_NOT_ONLINE);
  assert.equal(noConsumer.remark, "the consumer group[cg] not online");
  const noProducer = await pw.call(RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup: "pg" });
  assert.equal(noProducer.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(noProducer.remark, "the producer group[pg] not exist");
  assert.equal((await pw.heartbeat({ clientID: CLIENT_ID, producerDataSet: [{ groupName: "pg" }], consumerDataSet: [] })).code, ResponseCode.SUCCESS);
  assert.equal((await pw.consumerHeartbeat("cg", "T")).code, ResponseCode.SUCCESS);
  const consumers = await pw.call(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: "cg" });
  assert.equal(consumers.code, ResponseCode.SUCCESS);
  const body = JSON.parse(fromUtf8(consumers.body!)) as { connectionSet: { clientId: string }[]; messageModel: string };
  assert.deepEqual(body.connectionSet.map((c) => c.clientId), [CLIENT_ID]);
  assert.equal(body.messageModel, "CLUSTERING");
  const producers = await pw.call(RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup: "pg" });
  assert.equal(producers.code, ResponseCode.SUCCESS);
  assert.deepEqual((JSON.parse(fromUtf8(producers.body!)) as { connectionSet: { clientId: string }[] }).connectionSet.map((c) => c.clientId), [CLIENT_ID]);
}));

test("307 is forwarded to the consumer; not online → 1, too old → 1, silent → 207 after the timeout", () => withProcessorWorld({ controller: { consumerRunningInfoTimeoutMs: 300 } }, async (pw) => {
  pw.onClientRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, (_context, request) => request.extFields["clientId"] === "silent"
    ? new Promise(() => undefined)
    : createResponse(request, ResponseCode.SUCCESS, undefined, {}, utf8('{"properties":{"x":"1"}}')));
  assert.equal((await pw.consumerHeartbeat("cg", "T", { clientId: "c1" })).code, ResponseCode.SUCCESS);
  assert.equal((await pw.consumerHeartbeat("sg", "T", { clientId: "silent" })).code, ResponseCode.SUCCESS);
  const old = createRequest(RequestCode.HEART_BEAT, {}, encodeHeartbeatData({
    clientID: "ancient", producerDataSet: [],
    consumerDataSet: [{ groupName: "og", consumeType: "CONSUME_PASSIVELY", messageModel: "CLUSTERING", consumeFromWhere: "CONSUME_FROM_LAST_OFFSET", unitMode: false, subscriptionDataSet: [] }],
  }), { version: 50 });
  assert.equal((await pw.invoke(old)).code, ResponseCode.SUCCESS);

  const info = await pw.call(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: "cg", clientId: "c1" });
  assert.equal(info.code, ResponseCode.SUCCESS);
  assert.equal(fromUtf8(info.body!), '{"properties":{"x":"1"}}');
  const missing = await pw.call(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: "cg", clientId: "nobody" });
  assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(missing.remark, "The Consumer <cg> <nobody> not online");
  const tooOld = await pw.call(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: "og", clientId: "ancient" });
  assert.equal(tooOld.code, ResponseCode.SYSTEM_ERROR);
  assert.match(tooOld.remark ?? "", /^The Consumer <ancient> Version <.+> too low to finish, please upgrade it to V3_1_8_SNAPSHOT$/);
  const silent = await pw.call(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: "sg", clientId: "silent" });
  assert.equal(silent.code, ResponseCode.CONSUME_MSG_TIMEOUT);
  assert.match(silent.remark ?? "", /^consumer <sg> <silent> Timeout: /);
}));
