import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { fromUtf8, utf8 } from "../remoting/remoting_command.ts";
import {
  decodeConsumeStats,
  decodeConsumerConnection,
  decodeConsumerIdList,
  decodeKVTable,
  decodeLockBatchRequestBody,
  decodeLockBatchResponseBody,
  decodeSubscriptionGroupConfig,
  decodeTopicList,
  decodeTopicStatsTable,
  encodeConsumeStats,
  encodeConsumerConnection,
  encodeConsumerIdList,
  encodeKVTable,
  encodeLockBatchRequestBody,
  encodeLockBatchResponseBody,
  encodeSubscriptionGroupConfig,
  encodeTopicList,
  encodeTopicStatsTable,
  newSubscriptionGroupConfig,
} from "./admin_bodies.ts";
import { BodyDecodeError } from "./body_json.ts";
import type { HeartbeatData, SubscriptionData } from "./heartbeat.ts";
import { CONSUME_FROM_WHERES, decodeHeartbeatData, encodeHeartbeatData } from "./heartbeat.ts";
import type { MessageQueue } from "./message_queue.ts";
import type { TopicRouteData } from "./route.ts";
import { decodeClusterInfo, decodeTopicRouteData, encodeClusterInfo, encodeTopicRouteData } from "./route.ts";
import { decodeTopicConfigSerializeWrapper, encodeTopicConfigSerializeWrapper, newTopicConfig } from "./topic_config.ts";

/** Records with Object.prototype (fast-check may otherwise make null-prototype objects). */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}
const name = fc.stringMatching(/^[%|a-zA-Z0-9_-]{1,12}$/);
const long = fc.nat({ max: 2 ** 50 });
const arbMq: fc.Arbitrary<MessageQueue> = rec({ topic: name, brokerName: name, queueId: fc.nat({ max: 64 }) });

const arbRoute: fc.Arbitrary<TopicRouteData> = fc
  .record({
    queueDatas: fc.array(
      rec({ brokerName: name, readQueueNums: fc.nat(64), writeQueueNums: fc.nat(64), perm: fc.nat(15), topicSysFlag: fc.nat(3) }),
      { maxLength: 4 },
    ),
    brokerDatas: fc.array(
      rec({ cluster: name, brokerName: name, brokerAddrs: fc.array(fc.tuple(fc.nat(4), name), { maxLength: 3 }).map((e) => new Map(e)) }),
      { maxLength: 4 },
    ),
    orderTopicConf: fc.option(fc.constant("broker-a:4;broker-b:4"), { nil: undefined }),
  })
  .map(({ orderTopicConf, ...rest }) => {
    const route: TopicRouteData = { ...rest, filterServerTable: new Map() };
    if (orderTopicConf !== undefined) route.orderTopicConf = orderTopicConf;
    return route;
  });

test("TopicRouteData round-trips in both key styles", () => {
  fc.assert(
    fc.property(arbRoute, fc.boolean(), (route, standardJson) => {
      assert.deepStrictEqual(decodeTopicRouteData(encodeTopicRouteData(route, { standardJson })), route);
    }),
  );
});

test("TopicRouteData bytes: bare brokerId keys for old clients, quoted sorted keys for standard JSON", () => {
  const route: TopicRouteData = {
    queueDatas: [{ brokerName: "broker-a", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
    brokerDatas: [{ cluster: "DefaultCluster", brokerName: "broker-a", brokerAddrs: new Map([[1, "10.0.0.2:10911"], [0, "10.0.0.1:10911"]]) }],
    filterServerTable: new Map(),
  };
  assert.equal(
    fromUtf8(encodeTopicRouteData(route)),
    '{"brokerDatas":[{"brokerAddrs":{1:"10.0.0.2:10911",0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],' +
      '"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}',
  );
  assert.match(fromUtf8(encodeTopicRouteData(route, { standardJson: true })), /"brokerAddrs":\{"0":"10.0.0.1:10911","1":"10.0.0.2:10911"\}/);
});

test("QueueData written by RocketMQ ≤ 4.8 (topicSynFlag) is read", () => {
  const body = utf8('{"brokerDatas":[],"queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":8,"topicSynFlag":1,"writeQueueNums":8}],"extra":1}');
  const route = decodeTopicRouteData(body);
  assert.equal(route.queueDatas[0]!.topicSysFlag, 1);
  assert.deepStrictEqual(route.filterServerTable, new Map());
});

test("ClusterInfo round-trips", () => {
  const info = {
    brokerAddrTable: new Map([["broker-a", { cluster: "c1", brokerName: "broker-a", brokerAddrs: new Map([[0, "h:1"]]) }]]),
    clusterAddrTable: new Map([["c1", ["broker-a"]]]),
  };
  assert.deepStrictEqual(decodeClusterInfo(encodeClusterInfo(info)), info);
  assert.match(fromUtf8(encodeClusterInfo(info)), /"brokerAddrs":\{0:"h:1"\}/);
});

const arbSubscription: fc.Arbitrary<SubscriptionData> = rec({
  topic: name,
  subString: fc.constantFrom("*", "TagA || TagB"),
  tagsSet: fc.array(name, { maxLength: 3 }),
  codeSet: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 3 }),
  subVersion: long,
  expressionType: fc.constantFrom("TAG", "SQL92"),
  classFilterMode: fc.boolean(),
});

test("HeartbeatData round-trips", () => {
  const arbHeartbeat: fc.Arbitrary<HeartbeatData> = rec({
    clientID: name,
    producerDataSet: fc.array(rec({ groupName: name }), { maxLength: 2 }),
    consumerDataSet: fc.array(
      rec({
        groupName: name,
        consumeType: fc.constantFrom("CONSUME_ACTIVELY" as const, "CONSUME_PASSIVELY" as const),
        messageModel: fc.constantFrom("CLUSTERING" as const, "BROADCASTING" as const),
        consumeFromWhere: fc.constantFrom(...CONSUME_FROM_WHERES),
        subscriptionDataSet: fc.array(arbSubscription, { maxLength: 2 }),
        unitMode: fc.boolean(),
      }),
      { maxLength: 2 },
    ),
  });
  fc.assert(fc.property(arbHeartbeat, (data) => assert.deepStrictEqual(decodeHeartbeatData(encodeHeartbeatData(data)), data)));
});

test("ali-ons heartbeat body decodes (no expressionType, empty sets)", () => {
  const body = utf8(
    '{"clientID":"10.0.0.9@1234","consumerDataSet":[{"groupName":"G","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING",' +
      '"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","subscriptionDataSet":[{"topic":"T","subString":"*","classFilterMode":false,' +
      '"tagsSet":[],"codeSet":[],"subVersion":1700000000000}],"unitMode":false}],"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"}]}',
  );
  const data = decodeHeartbeatData(body);
  assert.equal(data.consumerDataSet[0]!.subscriptionDataSet[0]!.expressionType, "TAG");
  assert.throws(() => decodeHeartbeatData(utf8('{"clientID":"x","consumerDataSet":[{"groupName":"G","consumeType":"NOPE"}]}')), BodyDecodeError);
});

test("TopicConfigSerializeWrapper round-trips with Java defaults for missing fields", () => {
  const wrapper = {
    topicConfigTable: new Map([["T", newTopicConfig("T", { perm: 7, order: true, topicSysFlag: 1 })], ["__proto__", newTopicConfig("__proto__")]]),
    dataVersion: { timestamp: 1700000000000, counter: 3 },
  };
  assert.deepStrictEqual(decodeTopicConfigSerializeWrapper(encodeTopicConfigSerializeWrapper(wrapper)), wrapper);
  const sparse = decodeTopicConfigSerializeWrapper(utf8('{"topicConfigTable":{"X":{"topicName":"X"}}}'));
  assert.deepStrictEqual(sparse.topicConfigTable.get("X"), newTopicConfig("X"));
});

test("small admin bodies round-trip", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(name, fc.string()), { maxLength: 4 }).map((e) => new Map(e)),
      fc.array(name, { maxLength: 4 }),
      fc.array(arbMq, { maxLength: 4 }),
      (table, names, mqs) => {
        assert.deepStrictEqual(decodeKVTable(encodeKVTable(table)), table);
        assert.deepStrictEqual(decodeTopicList(encodeTopicList({ topicList: names })), { topicList: names });
        assert.deepStrictEqual(decodeTopicList(encodeTopicList({ topicList: names, brokerAddr: "a:1" })).brokerAddr, "a:1");
        assert.deepStrictEqual(decodeConsumerIdList(encodeConsumerIdList(names)), names);
        const lock = { consumerGroup: "G", clientId: "c", mqSet: mqs };
        assert.deepStrictEqual(decodeLockBatchRequestBody(encodeLockBatchRequestBody(lock)), lock);
        assert.deepStrictEqual(decodeLockBatchResponseBody(encodeLockBatchResponseBody(mqs)), mqs);
      },
    ),
  );
});

test("ConsumeStats and TopicStatsTable use fastjson object keys and round-trip", () => {
  const mq = { topic: "T", brokerName: "b", queueId: 1 };
  const stats = { consumeTps: 1.5, offsetTable: [[mq, { brokerOffset: 10, consumerOffset: 7, lastTimestamp: 5 }]] as [MessageQueue, { brokerOffset: number; consumerOffset: number; lastTimestamp: number }][] };
  const bytes = encodeConsumeStats(stats);
  assert.equal(fromUtf8(bytes), '{"consumeTps":1.5,"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:{"brokerOffset":10,"consumerOffset":7,"lastTimestamp":5}}}');
  assert.deepStrictEqual(decodeConsumeStats(bytes), stats);
  const offsets: [MessageQueue, { minOffset: number; maxOffset: number; lastUpdateTimestamp: number }][] = [[mq, { minOffset: 0, maxOffset: 9, lastUpdateTimestamp: 3 }]];
  assert.deepStrictEqual(decodeTopicStatsTable(encodeTopicStatsTable(offsets)), offsets);
});

test("ConsumerConnection and SubscriptionGroupConfig round-trip", () => {
  fc.assert(
    fc.property(arbSubscription, (subscription) => {
      const connection = {
        connectionSet: [{ clientId: "10.0.0.9@1", clientAddr: "10.0.0.9:5555", language: "JAVA", version: 407 }],
        subscriptionTable: new Map([[subscription.topic, subscription]]),
        consumeType: "CONSUME_PASSIVELY" as const,
        messageModel: "CLUSTERING" as const,
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET" as const,
      };
      assert.deepStrictEqual(decodeConsumerConnection(encodeConsumerConnection(connection)), connection);
    }),
  );
  const config = newSubscriptionGroupConfig("G", { retryMaxTimes: 3 });
  assert.deepStrictEqual(decodeSubscriptionGroupConfig(encodeSubscriptionGroupConfig(config)), config);
  assert.deepStrictEqual(decodeSubscriptionGroupConfig(utf8('{"groupName":"G"}')), newSubscriptionGroupConfig("G"));
});

test("malformed bodies are BodyDecodeError", () => {
  for (const text of ["", "{", "[]", '{"queueDatas":{}}', '{"queueDatas":[{"brokerName":1}]}', '{"brokerDatas":[{"brokerName":"b","brokerAddrs":{x:"a"}}]}']) {
    assert.throws(() => decodeTopicRouteData(utf8(text)), BodyDecodeError, text);
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
      try {
        decodeTopicRouteData(bytes);
      } catch (error) {
        assert.ok(error instanceof BodyDecodeError, String(error));
      }
    }),
    { numRuns: 500 },
  );
});
