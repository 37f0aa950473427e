// TopicConfig (the protocol layer's type: RocketMQ 4.9.7 fields and defaults, 16/16 queues,
// perm 6, SINGLE_TAG; its JSON writer) and the broker's lenient JSON reading of topics.json
// entries: a missing or malformed field takes Java's default instead of failing the broker's
// start (the protocol layer's topicConfigFromJson rejects such entries).
import { newTopicConfig } from "../protocol/topic_config.ts";
import type { TopicConfig } from "../protocol/topic_config.ts";

export type { TopicConfig } from "../protocol/topic_config.ts";
export { newTopicConfig, topicConfigToJson } from "../protocol/topic_config.ts";

function intField(record: Record<string, unknown>, key: string, fallback: number): number {
  const value = record[key];
  if (value === undefined || value === null) return fallback;
  const number = Number(value);
  return Number.isInteger(number) ? number : fallback;
}

/** Parses one TopicConfig JSON object; missing fields take Java's defaults. */
export function topicConfigFromJson(value: unknown, nameFallback: string): TopicConfig {
  const record = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const defaults = newTopicConfig(typeof record["topicName"] === "string" ? record["topicName"] : nameFallback);
  return newTopicConfig(defaults.topicName, {
    readQueueNums: intField(record, "readQueueNums", defaults.readQueueNums),
    writeQueueNums: intField(record, "writeQueueNums", defaults.writeQueueNums),
    perm: intField(record, "perm", defaults.perm),
    topicFilterType: record["topicFilterType"] === "MULTI_TAG" ? "MULTI_TAG" : defaults.topicFilterType,
    topicSysFlag: intField(record, "topicSysFlag", defaults.topicSysFlag),
    order: record["order"] === true || record["order"] === "true",
  });
}

export function topicConfigEquals(a: TopicConfig, b: TopicConfig): boolean {
  return a.topicName === b.topicName && a.readQueueNums === b.readQueueNums && a.writeQueueNums === b.writeQueueNums
    && a.perm === b.perm && a.topicFilterType === b.topicFilterType && a.topicSysFlag === b.topicSysFlag
    && a.order === b.order;
}
