import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeTopicRouteData } from "../protocol/route.ts";
import { defaultRouteFor, parseTopicRouteData, publishQueuesOf, routeFingerprint, subscribeQueuesOf } from "./route_data.ts";

const body = (standardJson: boolean) => encodeTopicRouteData({
  queueDatas: [
    { brokerName: "b", readQueueNums: 2, writeQueueNums: 3, perm: 6, topicSysFlag: 0 },
    { brokerName: "a", readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
    { brokerName: "c", readQueueNums: 1, writeQueueNums: 1, perm: 4, topicSysFlag: 0 },
    { brokerName: "d", readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 },
  ],
  brokerDatas: [
    { cluster: "C", brokerName: "b", brokerAddrs: new Map([[0, "10.0.0.2:10911"]]) },
    { cluster: "C", brokerName: "a", brokerAddrs: new Map([[0, "10.0.0.1:10911"], [1, "10.0.0.9:10911"]]) },
    { cluster: "C", brokerName: "c", brokerAddrs: new Map([[0, "10.0.0.3:10911"]]) },
    { cluster: "C", brokerName: "d", brokerAddrs: new Map([[1, "10.0.0.4:10911"]]) },
  ],
  filterServerTable: new Map(),
}, { standardJson });

test("route bodies with bare (fastjson) and quoted broker id keys parse the same, sorted by broker", () => {
  const bare = parseTopicRouteData(body(false));
  const quoted = parseTopicRouteData(body(true));
  assert.equal(routeFingerprint(bare), routeFingerprint(quoted));
  assert.deepEqual(bare.queueDatas.map((qd) => qd.brokerName), ["a", "b", "c", "d"]);
  assert.equal(bare.brokerDatas[0]!.brokerAddrs.get(1), "10.0.0.9:10911");
});

test("publish queues: writable queues of brokers with a master; subscribe queues: readable ones", () => {
  const route = parseTopicRouteData(body(false));
  const { queues, orderTopic } = publishQueuesOf("T", route);
  assert.equal(orderTopic, false);
  assert.deepEqual(queues.map((mq) => `${mq.brokerName}${mq.queueId}`), ["a0", "a1", "b0", "b1", "b2"]);
  assert.deepEqual(subscribeQueuesOf("T", route).map((mq) => `${mq.brokerName}${mq.queueId}`), ["a0", "a1", "b0", "b1", "c0", "d0"]);
});

test("orderTopicConf decides the publish queues of an ordered topic", () => {
  const route = { ...parseTopicRouteData(body(false)), orderTopicConf: "a:2;b:1" };
  const { queues, orderTopic } = publishQueuesOf("T", route);
  assert.equal(orderTopic, true);
  assert.deepEqual(queues.map((mq) => `${mq.brokerName}${mq.queueId}`), ["a0", "a1", "b0"]);
});

test("the TBW102 route is cut to min(defaultTopicQueueNums, readQueueNums) queues", () => {
  const route = defaultRouteFor(parseTopicRouteData(body(false)), 1);
  assert.ok(route.queueDatas.every((qd) => qd.readQueueNums === 1 && qd.writeQueueNums === 1));
});
