// The admin read-outs the console and exporters parse, checked against RocketMQ 4.9's Java field
// names: KVTable {table} with BrokerController/StoreStatsService runtime keys; TopicStatsTable
// {offsetTable: {MessageQueue: TopicOffset{minOffset, maxOffset, lastUpdateTimestamp}}};
// ConsumeStats {consumeTps, offsetTable: {MessageQueue: OffsetWrapper{brokerOffset,
// consumerOffset, lastTimestamp}}}; ConsumerConnection {connectionSet: [Connection{clientId,
// clientAddr, language, version}], subscriptionTable, consumeType, messageModel,
// consumeFromWhere}; ProducerConnection {connectionSet}.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createRealEnv } from "../../env/real/index.ts";
import { parseFastjson } from "../../protocol/index.ts";
import { fromUtf8, RequestCode, ResponseCode } from "../../remoting/index.ts";
import { call, heartbeat, sendV2, startBroker, stopHarness } from "../testing/broker_harness.ts";

const mqKey = (topic: string, queueId: number): string => JSON.stringify({ brokerName: "broker-a", queueId, topic });

test("runtime info, topic stats, consume stats and connections carry RocketMQ's Java field names", async () => {
  const root = mkdtempSync(join(tmpdir(), "mqlab-admin-fields-"));
  const env = createRealEnv({ nodeName: "admin-fields", logLevel: "silent" });
  const h = await startBroker(env, root);
  try {
    for (let i = 0; i < 3; i++) assert.equal((await sendV2(h, "FT", `m${i}`, { queueId: 0 })).code, ResponseCode.SUCCESS);
    const runtime = JSON.parse(fromUtf8((await call(h, RequestCode.GET_BROKER_RUNTIME_INFO)).body!)) as { table: Record<string, string> };
    for (const key of ["brokerVersionDesc", "brokerVersion", "msgPutTotalTodayNow", "msgGetTotalTodayNow", "bootTimestamp", "runtime", "putTps", "getTransferedTps",
      "putMessageTimesTotal", "putMessageSizeTotal", "putMessageDistributeTime", "putMessageEntireTimeMax", "putMessageAverageSize", "commitLogDiskRatio",
      "commitLogMinOffset", "commitLogMaxOffset", "dispatchBehindBytes", "earliestMessageTimeStamp", "pageCacheLockTimeMills", "remainHowManyDataToFlush"]) {
      assert.ok(key in runtime.table, `runtime info lacks ${key}`);
    }
    // rocketmq-exporter splits putMessageDistributeTime on " " and ":" and parses each count.
    const buckets = runtime.table["putMessageDistributeTime"]!.split(" ").map((part) => Number(part.split(":")[1]));
    assert.equal(buckets.length, 13);
    assert.equal(buckets.reduce((a, b) => a + b, 0), 3);
    assert.match(runtime.table["remainHowManyDataToFlush"]!, /^\d+(\.\d)? (B|KiB|MiB)$/);

    const stats = parseFastjson(fromUtf8((await call(h, RequestCode.GET_TOPIC_STATS_INFO, { topic: "FT" })).body!)) as { offsetTable: Record<string, Record<string, number>> };
    assert.deepEqual(Object.keys(stats.offsetTable[mqKey("FT", 0)]!).sort(), ["lastUpdateTimestamp", "maxOffset", "minOffset"]);
    assert.equal(stats.offsetTable[mqKey("FT", 0)]!["maxOffset"], 3);

    const beat = await heartbeat(h, {
      clientID: "127.0.0.1@fields", producerDataSet: [{ groupName: "fields-pg" }],
      consumerDataSet: [{
        groupName: "fields-cg", consumeType: "CONSUME_PASSIVELY", messageModel: "CLUSTERING", consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET", unitMode: false,
        subscriptionDataSet: [{ topic: "FT", subString: "*", tagsSet: [], codeSet: [], subVersion: 1, expressionType: "TAG", classFilterMode: false }],
      }],
    });
    assert.equal(beat.code, ResponseCode.SUCCESS);
    assert.equal((await call(h, RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: "fields-cg", topic: "FT", queueId: 0, commitOffset: 1 })).code, ResponseCode.SUCCESS);
    const consume = parseFastjson(fromUtf8((await call(h, RequestCode.GET_CONSUME_STATS, { consumerGroup: "fields-cg", topic: "FT" })).body!)) as
      { consumeTps: number; offsetTable: Record<string, Record<string, number>> };
    assert.equal(typeof consume.consumeTps, "number");
    assert.deepEqual(Object.keys(consume.offsetTable[mqKey("FT", 0)]!).sort(), ["brokerOffset", "consumerOffset", "lastTimestamp"]);
    assert.deepEqual([consume.offsetTable[mqKey("FT", 0)]!["brokerOffset"], consume.offsetTable[mqKey("FT", 0)]!["consumerOffset"]], [3, 1]);

    const consumer = JSON.parse(fromUtf8((await call(h, RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: "fields-cg" })).body!)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(consumer).sort(), ["connectionSet", "consumeFromWhere", "consumeType", "messageModel", "subscriptionTable"]);
    const connection = (consumer["connectionSet"] as Record<string, unknown>[])[0]!;
    assert.deepEqual(Object.keys(connection).sort(), ["clientAddr", "clientId", "language", "version"]);
    assert.equal(connection["clientId"], "127.0.0.1@fields");

    const producer = JSON.parse(fromUtf8((await call(h, RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup: "fields-pg" })).body!)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(producer), ["connectionSet"]);
    assert.deepEqual(Object.keys((producer["connectionSet"] as Record<string, unknown>[])[0]!).sort(), ["clientAddr", "clientId", "language", "version"]);
  } finally {
    await stopHarness(h);
    env.close();
    rmSync(root, { recursive: true, force: true });
  }
});
