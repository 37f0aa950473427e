// TopicConfig (the protocol layer's type: RocketMQ 4.9.7 fields and defaults, 16/16 queues,
// perm 6, SINGLE_TAG) and the broker's lenient JSON reading of topics.json entries: a missing
// or malformed field takes Java's default instead of failing the broker's start.
import { newTopicConfig } from "../protocol/topic_config.ts";
import type { TopicConfig } from "../protocol/topic_config.ts";
import { PermName } from "./perm_name.ts";

export type { TopicConfig, TopicFilterType } from "../protocol/topic_config.ts";
export { newTopicConfig } from "../protocol/topic_config.ts";

export const TOPIC_QUEUE_NUMS_DEFAULT = 16;

/** The JSON object Java writes (fastjson: alphabetical field order). */
export function topicConfigToJson(config: TopicConfig): Record<string, unknown> {
  return {
    order: config.order,
    perm: config.perm,
    readQueueNums: config.readQueueNums,
    topicFilterType: config.topicFilterType,
    topicName: config.topicName,
    topicSysFlag: config.topicSysFlag,
    writeQueueNums: config.writeQueueNums,
  };
}

function intField(record: Record<string, unknown>, key: string, fallback: number): number {
  const value = record[key];
  if (value === undefined || value === null) return fallback;
  const number = Number(value);
  return Number.isInteger(number) ? number : fallback;
}

/** Parses one TopicConfig JSON object; missing fields take Java's defaults. */
export function topicConfigFromJson(value: unknown, nameFallback: string): TopicConfig {
  const record = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const name = typeof record["topicName"] === "string" ? record["topicName"] : nameFallback;
  const filter = record["topicFilterType"] === "MULTI_TAG" ? "MULTI_TAG" : "SINGLE_TAG";
  return newTopicConfig(name, {
    readQueueNums: intField(record, "readQueueNums", TOPIC_QUEUE_NUMS_DEFAULT),
    writeQueueNums: intField(record, "writeQueueNums", TOPIC_QUEUE_NUMS_DEFAULT),
    perm: intField(record, "perm", PermName.PERM_READ | PermName.PERM_WRITE),
    topicFilterType: filter,
    topicSysFlag: intField(record, "topicSysFlag", 0),
    order: record["order"] === true || record["order"] === "true",
  });
}

export function topicConfigEquals(a: TopicConfig, b: TopicConfig): boolean {
  return a.topicName === b.topicName && a.readQueueNums === b.readQueueNums && a.writeQueueNums === b.writeQueueNums
    && a.perm === b.perm && a.topicFilterType === b.topicFilterType && a.topicSysFlag === b.topicSysFlag
    && a.order === b.order;
}
