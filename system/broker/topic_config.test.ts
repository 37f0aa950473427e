import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { newTopicConfig, topicConfigFromJson, topicConfigToJson } from "./topic_config.ts";
import type { TopicConfig } from "./topic_config.ts";

const topicConfig: fc.Arbitrary<TopicConfig> = fc.record({
  topicName: fc.stringMatching(/^[A-Za-z0-9_%|-]{1,20}$/),
  readQueueNums: fc.integer({ min: 0, max: 1024 }),
  writeQueueNums: fc.integer({ min: 0, max: 1024 }),
  perm: fc.integer({ min: 0, max: 15 }),
  topicFilterType: fc.constantFrom("SINGLE_TAG" as const, "MULTI_TAG" as const),
  topicSysFlag: fc.integer({ min: 0, max: 3 }),
  order: fc.boolean(),
});

test("topics.json entries round trip through the writer and the lenient reader", () => {
  fc.assert(fc.property(topicConfig, (config) => {
    assert.deepEqual(topicConfigFromJson(JSON.parse(JSON.stringify(topicConfigToJson(config))), "fallback"), { ...config });
  }));
});

test("missing or malformed fields take Java's defaults and the table key names the topic", () => {
  assert.deepEqual(topicConfigFromJson({}, "T1"), newTopicConfig("T1"));
  assert.deepEqual(topicConfigFromJson(null, "T2"), newTopicConfig("T2"));
  const parsed = topicConfigFromJson({ readQueueNums: "x", perm: 1.5, topicFilterType: "BOGUS", order: "true", topicSysFlag: "2" }, "T3");
  assert.deepEqual(parsed, newTopicConfig("T3", { order: true, topicSysFlag: 2 }));
  assert.deepEqual(parsed, { topicName: "T3", readQueueNums: 16, writeQueueNums: 16, perm: 6, topicFilterType: "SINGLE_TAG", topicSysFlag: 2, order: true });
});
