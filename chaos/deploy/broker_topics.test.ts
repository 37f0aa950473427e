import { test } from "node:test";
import assert from "node:assert/strict";
import { brokerTopicNames, brokerTopicsJson, topicsJsonPath } from "./broker_topics.ts";

test("a seeded topic table: padded names, RocketMQ's topics.json layout, the broker's path", () => {
  assert.deepEqual(brokerTopicNames({ prefix: "t", count: 3 }), ["t-00001", "t-00002", "t-00003"]);
  const parsed = JSON.parse(brokerTopicsJson({ node: "broker-a", prefix: "t", count: 2, queues: 8 })) as { topicConfigTable: Record<string, { readQueueNums: number; topicName: string }> };
  assert.deepEqual(Object.keys(parsed.topicConfigTable), ["t-00001", "t-00002"]);
  assert.equal(parsed.topicConfigTable["t-00002"]?.readQueueNums, 8);
  assert.equal(topicsJsonPath("/store"), "/store/config/topics.json");
});
