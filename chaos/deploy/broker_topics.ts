// Topics a broker's store already holds when a run starts (Scenario.brokerTopics): the
// topics.json a broker with tens of thousands of topics has, written by the deployer into the
// broker's store before its first start (the sim deployer on the node's disk, the process
// deployer in the node's store directory). The broker loads it as it would its own.
import { newTopicConfig, topicConfigToJson } from "../../system/protocol/index.ts";
import type { BrokerTopicsSpec } from "../scenario.ts";

/** Where a broker keeps its topic table, under its storePathRootDir (TopicConfigManager). */
export function topicsJsonPath(storeRootDir: string): string {
  return `${storeRootDir}/config/topics.json`;
}

/** Topic names: "<prefix>-00001" ... (zero-padded, so they sort in creation order). */
export function brokerTopicNames(spec: Pick<BrokerTopicsSpec, "prefix" | "count">): string[] {
  const width = Math.max(5, String(spec.count).length);
  return Array.from({ length: spec.count }, (_, index) => `${spec.prefix}-${String(index + 1).padStart(width, "0")}`);
}

/** The topics.json text (RocketMQ's layout: dataVersion + topicConfigTable). */
export function brokerTopicsJson(spec: BrokerTopicsSpec): string {
  const topicConfigTable: Record<string, Record<string, unknown>> = {};
  for (const name of brokerTopicNames(spec)) {
    topicConfigTable[name] = topicConfigToJson(newTopicConfig(name, { readQueueNums: spec.queues, writeQueueNums: spec.queues }));
  }
  return JSON.stringify({ dataVersion: { counter: 1, timestamp: 0 }, topicConfigTable }, null, 1);
}
