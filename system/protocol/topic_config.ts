// TopicConfig, DataVersion, TopicConfigSerializeWrapper and permission bits, as RocketMQ 4.9.7
// writes them (fields in fastjson's alphabetical order). Java defaults: 16 read/16 write queues,
// perm RW (6), SINGLE_TAG, sysFlag 0, order false.
import { assert } from "../stdx/assert.ts";
import type { JsonObject } from "./body_json.ts";
import {
  asObject,
  BodyDecodeError,
  encodeJsonBody,
  parseJsonBody,
  readBoolean,
  readMap,
  readNumber,
  readString,
} from "./body_json.ts";

/** PermName bits. */
export const Perm = { PRIORITY: 8, READ: 4, WRITE: 2, INHERIT: 1 } as const;
export const PERM_READ_WRITE = Perm.READ | Perm.WRITE;

export function isReadable(perm: number): boolean {
  return (perm & Perm.READ) === Perm.READ;
}
export function isWriteable(perm: number): boolean {
  return (perm & Perm.WRITE) === Perm.WRITE;
}
export function isInherited(perm: number): boolean {
  return (perm & Perm.INHERIT) === Perm.INHERIT;
}
/** PermName.perm2String: "RWX" letters or '-' (X = inherit). */
export function permToString(perm: number): string {
  return (isReadable(perm) ? "R" : "-") + (isWriteable(perm) ? "W" : "-") + (isInherited(perm) ? "X" : "-");
}

export type TopicFilterType = "SINGLE_TAG" | "MULTI_TAG";

export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: TopicFilterType;
  topicSysFlag: number;
  order: boolean;
}

export function newTopicConfig(topicName: string, fields: Partial<Omit<TopicConfig, "topicName">> = {}): TopicConfig {
  return {
    topicName,
    readQueueNums: 16,
    writeQueueNums: 16,
    perm: PERM_READ_WRITE,
    topicFilterType: "SINGLE_TAG",
    topicSysFlag: 0,
    order: false,
    ...fields,
  };
}

export interface DataVersion {
  timestamp: number;
  counter: number;
}

export interface TopicConfigSerializeWrapper {
  topicConfigTable: Map<string, TopicConfig>;
  dataVersion: DataVersion;
}

export function topicConfigToJson(config: TopicConfig): JsonObject {
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

export function readTopicFilterType(value: string, what: string): TopicFilterType {
  if (value !== "SINGLE_TAG" && value !== "MULTI_TAG") throw new BodyDecodeError(`${what}: bad topicFilterType ${value}`);
  return value;
}

export function topicConfigFromJson(value: unknown, what = "TopicConfig"): TopicConfig {
  const object = asObject(value, what);
  return {
    topicName: readString(object, "topicName", what),
    readQueueNums: readNumber(object, "readQueueNums", what, 16),
    writeQueueNums: readNumber(object, "writeQueueNums", what, 16),
    perm: readNumber(object, "perm", what, PERM_READ_WRITE),
    topicFilterType: readTopicFilterType(readString(object, "topicFilterType", what, "SINGLE_TAG"), what),
    topicSysFlag: readNumber(object, "topicSysFlag", what, 0),
    order: readBoolean(object, "order", what, false),
  };
}

export function dataVersionToJson(version: DataVersion): JsonObject {
  return { counter: version.counter, timestamp: version.timestamp };
}

export function dataVersionFromJson(value: unknown, what = "DataVersion"): DataVersion {
  const object = asObject(value, what);
  return { timestamp: readNumber(object, "timestamp", what), counter: readNumber(object, "counter", what) };
}

export function dataVersionEquals(a: DataVersion, b: DataVersion): boolean {
  return a.timestamp === b.timestamp && a.counter === b.counter;
}

export function wrapperToJson(wrapper: TopicConfigSerializeWrapper): JsonObject {
  const table = new Map([...wrapper.topicConfigTable].map(([name, config]) => [name, topicConfigToJson(config)]));
  return { dataVersion: dataVersionToJson(wrapper.dataVersion), topicConfigTable: table };
}

export function wrapperFromJson(value: unknown, what = "TopicConfigSerializeWrapper"): TopicConfigSerializeWrapper {
  const object = asObject(value, what);
  const dataVersion = object["dataVersion"];
  return {
    topicConfigTable: readMap(object, "topicConfigTable", what, (item) => topicConfigFromJson(item, `${what} topic`)),
    dataVersion: dataVersion === undefined || dataVersion === null ? { timestamp: 0, counter: 0 } : dataVersionFromJson(dataVersion),
  };
}

/** GET_ALL_TOPIC_CONFIG body. */
export function encodeTopicConfigSerializeWrapper(wrapper: TopicConfigSerializeWrapper): Uint8Array {
  return encodeJsonBody(wrapperToJson(wrapper));
}

export function decodeTopicConfigSerializeWrapper(body: Uint8Array | undefined): TopicConfigSerializeWrapper {
  return wrapperFromJson(parseJsonBody(body, "TopicConfigSerializeWrapper"));
}

/** TopicConfig.encode(): "name read write perm filterType" — loses topicSysFlag and order. */
export function topicConfigToCompact(config: TopicConfig): string {
  assert(!config.topicName.includes(" "), "topic names never contain spaces");
  return [config.topicName, config.readQueueNums, config.writeQueueNums, config.perm, config.topicFilterType].join(" ");
}

/** TopicConfig.decode(): exactly five space-separated parts; other fields take Java defaults. */
export function topicConfigFromCompact(text: string): TopicConfig {
  const parts = text.split(" ");
  const ints = parts.slice(1, 4).map((part) => (/^[+-]?\d+$/.test(part) ? Number(part) : NaN));
  if (parts.length !== 5 || ints.some((value) => !Number.isInteger(value))) {
    throw new BodyDecodeError(`compact TopicConfig ${JSON.stringify(text)} is not "name read write perm filterType"`);
  }
  return newTopicConfig(parts[0]!, {
    readQueueNums: ints[0]!,
    writeQueueNums: ints[1]!,
    perm: ints[2]!,
    topicFilterType: readTopicFilterType(parts[4]!, "compact TopicConfig"),
  });
}
