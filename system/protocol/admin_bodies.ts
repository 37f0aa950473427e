// Smaller JSON bodies: KVTable, TopicList, GetConsumerListByGroupResponseBody, lock/unlock batch
// bodies, ConsumeStats, TopicStatsTable, ConsumerConnection, SubscriptionGroupConfig.
// Map<MessageQueue, X> tables (ConsumeStats, TopicStatsTable) are written with fastjson's object
// keys; in TS they are entry lists.
import type { JsonObject } from "./body_json.ts";
import {
  asObject,
  encodeJsonBody,
  parseJsonBody,
  parseObjectKey,
  readArray,
  readBoolean,
  readMap,
  readNumber,
  readOptionalString,
  readString,
  readStringArray,
} from "./body_json.ts";
import type { ConsumeFromWhere, ConsumeType, MessageModel, SubscriptionData } from "./heartbeat.ts";
import {
  CONSUME_FROM_WHERES,
  CONSUME_TYPES,
  MESSAGE_MODELS,
  readEnum,
  subscriptionDataFromJson,
  subscriptionDataToJson,
} from "./heartbeat.ts";
import type { MessageQueue } from "./message_queue.ts";
import { messageQueueFromJson, messageQueueToJson } from "./message_queue.ts";

// ---- KVTable {"table":{k:v}} ----
export function encodeKVTable(table: ReadonlyMap<string, string>): Uint8Array {
  return encodeJsonBody({ table });
}
export function decodeKVTable(body: Uint8Array | undefined): Map<string, string> {
  return readMap(parseJsonBody(body, "KVTable"), "table", "KVTable", (value, key) =>
    readString({ value }, "value", `KVTable[${key}]`),
  );
}

// ---- TopicList {"topicList":[...],"brokerAddr"?} ----
export interface TopicList {
  topicList: string[];
  brokerAddr?: string;
}
export function encodeTopicList(list: TopicList): Uint8Array {
  const json: JsonObject = {};
  if (list.brokerAddr !== undefined) json["brokerAddr"] = list.brokerAddr;
  json["topicList"] = list.topicList;
  return encodeJsonBody(json);
}
export function decodeTopicList(body: Uint8Array | undefined): TopicList {
  const object = parseJsonBody(body, "TopicList");
  const list: TopicList = { topicList: readStringArray(object, "topicList", "TopicList") };
  const brokerAddr = readOptionalString(object, "brokerAddr", "TopicList");
  if (brokerAddr !== undefined) list.brokerAddr = brokerAddr;
  return list;
}

// ---- GetConsumerListByGroupResponseBody {"consumerIdList":[...]} ----
export function encodeConsumerIdList(consumerIdList: readonly string[]): Uint8Array {
  return encodeJsonBody({ consumerIdList });
}
export function decodeConsumerIdList(body: Uint8Array | undefined): string[] {
  return readStringArray(parseJsonBody(body, "GetConsumerListByGroupResponseBody"), "consumerIdList", "GetConsumerListByGroupResponseBody");
}

// ---- LOCK_BATCH_MQ / UNLOCK_BATCH_MQ ----
export interface LockBatchRequestBody {
  consumerGroup: string;
  clientId: string;
  mqSet: MessageQueue[];
}

export function encodeLockBatchRequestBody(body: LockBatchRequestBody): Uint8Array {
  return encodeJsonBody({ clientId: body.clientId, consumerGroup: body.consumerGroup, mqSet: body.mqSet.map(messageQueueToJson) });
}
export function decodeLockBatchRequestBody(body: Uint8Array | undefined): LockBatchRequestBody {
  const what = "LockBatchRequestBody";
  const object = parseJsonBody(body, what);
  return {
    consumerGroup: readString(object, "consumerGroup", what),
    clientId: readString(object, "clientId", what),
    mqSet: readArray(object, "mqSet", what).map((item) => messageQueueFromJson(item)),
  };
}

export function encodeLockBatchResponseBody(lockOKMQSet: readonly MessageQueue[]): Uint8Array {
  return encodeJsonBody({ lockOKMQSet: lockOKMQSet.map(messageQueueToJson) });
}
export function decodeLockBatchResponseBody(body: Uint8Array | undefined): MessageQueue[] {
  const object = parseJsonBody(body, "LockBatchResponseBody");
  return readArray(object, "lockOKMQSet", "LockBatchResponseBody").map((item) => messageQueueFromJson(item));
}

// ---- Map<MessageQueue, X> helpers ----
function writeQueueTable<T>(entries: readonly [MessageQueue, T][], toJson: (value: T) => JsonObject): Map<JsonObject, JsonObject> {
  return new Map(entries.map(([mq, value]) => [messageQueueToJson(mq), toJson(value)]));
}
function readQueueTable<T>(object: JsonObject, what: string, fromJson: (value: JsonObject) => T): [MessageQueue, T][] {
  return [...readMap(object, "offsetTable", what, (value) => fromJson(asObject(value, what)))].map(([key, value]) => [
    messageQueueFromJson(parseObjectKey(key, `${what}.offsetTable`)),
    value,
  ]);
}

// ---- ConsumeStats ----
export interface OffsetWrapper {
  brokerOffset: number;
  consumerOffset: number;
  lastTimestamp: number;
}
export interface ConsumeStats {
  offsetTable: [MessageQueue, OffsetWrapper][];
  consumeTps: number;
}
export function encodeConsumeStats(stats: ConsumeStats): Uint8Array {
  const table = writeQueueTable(stats.offsetTable, (o) => ({ brokerOffset: o.brokerOffset, consumerOffset: o.consumerOffset, lastTimestamp: o.lastTimestamp }));
  return encodeJsonBody({ consumeTps: stats.consumeTps, offsetTable: table });
}
export function decodeConsumeStats(body: Uint8Array | undefined): ConsumeStats {
  const what = "ConsumeStats";
  const object = parseJsonBody(body, what);
  return {
    consumeTps: readNumber(object, "consumeTps", what),
    offsetTable: readQueueTable(object, what, (o) => ({
      brokerOffset: readNumber(o, "brokerOffset", what),
      consumerOffset: readNumber(o, "consumerOffset", what),
      lastTimestamp: readNumber(o, "lastTimestamp", what),
    })),
  };
}

// ---- TopicStatsTable ----
export interface TopicOffset {
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}
export function encodeTopicStatsTable(offsetTable: readonly [MessageQueue, TopicOffset][]): Uint8Array {
  const table = writeQueueTable(offsetTable, (o) => ({ lastUpdateTimestamp: o.lastUpdateTimestamp, maxOffset: o.maxOffset, minOffset: o.minOffset }));
  return encodeJsonBody({ offsetTable: table });
}
export function decodeTopicStatsTable(body: Uint8Array | undefined): [MessageQueue, TopicOffset][] {
  const what = "TopicStatsTable";
  return readQueueTable(parseJsonBody(body, what), what, (o) => ({
    minOffset: readNumber(o, "minOffset", what),
    maxOffset: readNumber(o, "maxOffset", what),
    lastUpdateTimestamp: readNumber(o, "lastUpdateTimestamp", what),
  }));
}

// ---- ConsumerConnection ----
export interface ClientConnection {
  clientId: string;
  clientAddr: string;
  language: string;
  version: number;
}
export interface ConsumerConnection {
  connectionSet: ClientConnection[];
  subscriptionTable: Map<string, SubscriptionData>;
  consumeType: ConsumeType;
  messageModel: MessageModel;
  consumeFromWhere: ConsumeFromWhere;
}
export function encodeConsumerConnection(connection: ConsumerConnection): Uint8Array {
  return encodeJsonBody({
    connectionSet: connection.connectionSet.map((c) => ({ clientAddr: c.clientAddr, clientId: c.clientId, language: c.language, version: c.version })),
    consumeFromWhere: connection.consumeFromWhere,
    consumeType: connection.consumeType,
    messageModel: connection.messageModel,
    subscriptionTable: new Map([...connection.subscriptionTable].map(([topic, data]) => [topic, subscriptionDataToJson(data)])),
  });
}
export function decodeConsumerConnection(body: Uint8Array | undefined): ConsumerConnection {
  const what = "ConsumerConnection";
  const object = parseJsonBody(body, what);
  return {
    connectionSet: readArray(object, "connectionSet", what).map((item) => {
      const c = asObject(item, "Connection");
      return {
        clientId: readString(c, "clientId", "Connection"),
        clientAddr: readString(c, "clientAddr", "Connection"),
        language: readString(c, "language", "Connection", "JAVA"),
        version: readNumber(c, "version", "Connection"),
      };
    }),
    subscriptionTable: readMap(object, "subscriptionTable", what, (item) => subscriptionDataFromJson(item)),
    consumeType: readEnum(object, "consumeType", what, CONSUME_TYPES),
    messageModel: readEnum(object, "messageModel", what, MESSAGE_MODELS),
    consumeFromWhere: readEnum(object, "consumeFromWhere", what, CONSUME_FROM_WHERES),
  };
}

// ---- SubscriptionGroupConfig ----
export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
}
export function newSubscriptionGroupConfig(groupName: string, fields: Partial<Omit<SubscriptionGroupConfig, "groupName">> = {}): SubscriptionGroupConfig {
  return {
    groupName,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    retryQueueNums: 1,
    retryMaxTimes: 16,
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
    ...fields,
  };
}
export function subscriptionGroupConfigToJson(config: SubscriptionGroupConfig): JsonObject {
  const json: JsonObject = {};
  for (const key of Object.keys(config).sort()) json[key] = config[key as keyof SubscriptionGroupConfig];
  return json;
}
export function subscriptionGroupConfigFromJson(value: unknown, what = "SubscriptionGroupConfig"): SubscriptionGroupConfig {
  const o = asObject(value, what);
  const defaults = newSubscriptionGroupConfig("");
  return {
    groupName: readString(o, "groupName", what),
    consumeEnable: readBoolean(o, "consumeEnable", what, defaults.consumeEnable),
    consumeFromMinEnable: readBoolean(o, "consumeFromMinEnable", what, defaults.consumeFromMinEnable),
    consumeBroadcastEnable: readBoolean(o, "consumeBroadcastEnable", what, defaults.consumeBroadcastEnable),
    retryQueueNums: readNumber(o, "retryQueueNums", what, defaults.retryQueueNums),
    retryMaxTimes: readNumber(o, "retryMaxTimes", what, defaults.retryMaxTimes),
    brokerId: readNumber(o, "brokerId", what, defaults.brokerId),
    whichBrokerWhenConsumeSlowly: readNumber(o, "whichBrokerWhenConsumeSlowly", what, defaults.whichBrokerWhenConsumeSlowly),
    notifyConsumerIdsChangedEnable: readBoolean(o, "notifyConsumerIdsChangedEnable", what, defaults.notifyConsumerIdsChangedEnable),
  };
}
export function encodeSubscriptionGroupConfig(config: SubscriptionGroupConfig): Uint8Array {
  return encodeJsonBody(subscriptionGroupConfigToJson(config));
}
export function decodeSubscriptionGroupConfig(body: Uint8Array | undefined): SubscriptionGroupConfig {
  return subscriptionGroupConfigFromJson(parseJsonBody(body, "SubscriptionGroupConfig"));
}
