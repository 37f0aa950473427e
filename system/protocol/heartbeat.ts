// HeartbeatData (HEART_BEAT body) with ProducerData, ConsumerData and SubscriptionData, plus the
// consumer enums as their Java names. Java writes sets as arrays, fields alphabetically.
import type { JsonObject } from "./body_json.ts";
import {
  asObject,
  BodyDecodeError,
  encodeJsonBody,
  parseJsonBody,
  readArray,
  readBoolean,
  readNumber,
  readOptionalString,
  readString,
  readStringArray,
} from "./body_json.ts";

export const CONSUME_TYPES = ["CONSUME_ACTIVELY", "CONSUME_PASSIVELY", "CONSUME_POP"] as const;
export type ConsumeType = (typeof CONSUME_TYPES)[number];
export const MESSAGE_MODELS = ["BROADCASTING", "CLUSTERING"] as const;
export type MessageModel = (typeof MESSAGE_MODELS)[number];
export const CONSUME_FROM_WHERES = [
  "CONSUME_FROM_LAST_OFFSET",
  "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST",
  "CONSUME_FROM_MIN_OFFSET",
  "CONSUME_FROM_MAX_OFFSET",
  "CONSUME_FROM_FIRST_OFFSET",
  "CONSUME_FROM_TIMESTAMP",
] as const;
export type ConsumeFromWhere = (typeof CONSUME_FROM_WHERES)[number];
export const SUB_ALL = "*";

export interface SubscriptionData {
  topic: string;
  subString: string;
  tagsSet: string[];
  /** Java String.hashCode of each tag (system/message javaStringHashCode). */
  codeSet: number[];
  subVersion: number;
  expressionType: string;
  classFilterMode: boolean;
  filterClassSource?: string;
}

export interface ConsumerData {
  groupName: string;
  consumeType: ConsumeType;
  messageModel: MessageModel;
  consumeFromWhere: ConsumeFromWhere;
  subscriptionDataSet: SubscriptionData[];
  unitMode: boolean;
}

export interface ProducerData {
  groupName: string;
}

export interface HeartbeatData {
  clientID: string;
  producerDataSet: ProducerData[];
  consumerDataSet: ConsumerData[];
}

export function readEnum<T extends string>(object: JsonObject, field: string, what: string, values: readonly T[]): T {
  const value = readString(object, field, what);
  if (!(values as readonly string[]).includes(value)) throw new BodyDecodeError(`${what}: unknown ${field} ${value}`);
  return value as T;
}

export function subscriptionDataToJson(data: SubscriptionData): JsonObject {
  const json: JsonObject = {
    classFilterMode: data.classFilterMode,
    codeSet: data.codeSet,
    expressionType: data.expressionType,
  };
  if (data.filterClassSource !== undefined) json["filterClassSource"] = data.filterClassSource;
  json["subString"] = data.subString;
  json["subVersion"] = data.subVersion;
  json["tagsSet"] = data.tagsSet;
  json["topic"] = data.topic;
  return json;
}

export function subscriptionDataFromJson(value: unknown, what = "SubscriptionData"): SubscriptionData {
  const object = asObject(value, what);
  const data: SubscriptionData = {
    topic: readString(object, "topic", what),
    subString: readString(object, "subString", what, SUB_ALL),
    tagsSet: readStringArray(object, "tagsSet", what),
    codeSet: readArray(object, "codeSet", what).map((code) => readNumber({ code }, "code", `${what}.codeSet`)),
    subVersion: readNumber(object, "subVersion", what),
    expressionType: readString(object, "expressionType", what, "TAG"),
    classFilterMode: readBoolean(object, "classFilterMode", what),
  };
  const source = readOptionalString(object, "filterClassSource", what);
  if (source !== undefined) data.filterClassSource = source;
  return data;
}

export function consumerDataToJson(data: ConsumerData): JsonObject {
  return {
    consumeFromWhere: data.consumeFromWhere,
    consumeType: data.consumeType,
    groupName: data.groupName,
    messageModel: data.messageModel,
    subscriptionDataSet: data.subscriptionDataSet.map(subscriptionDataToJson),
    unitMode: data.unitMode,
  };
}

export function consumerDataFromJson(value: unknown, what = "ConsumerData"): ConsumerData {
  const object = asObject(value, what);
  return {
    groupName: readString(object, "groupName", what),
    consumeType: readEnum(object, "consumeType", what, CONSUME_TYPES),
    messageModel: readEnum(object, "messageModel", what, MESSAGE_MODELS),
    consumeFromWhere: readEnum(object, "consumeFromWhere", what, CONSUME_FROM_WHERES),
    subscriptionDataSet: readArray(object, "subscriptionDataSet", what).map((item) => subscriptionDataFromJson(item)),
    unitMode: readBoolean(object, "unitMode", what),
  };
}

export function encodeHeartbeatData(data: HeartbeatData): Uint8Array {
  return encodeJsonBody({
    clientID: data.clientID,
    consumerDataSet: data.consumerDataSet.map(consumerDataToJson),
    producerDataSet: data.producerDataSet.map((producer) => ({ groupName: producer.groupName })),
  });
}

export function decodeHeartbeatData(body: Uint8Array | undefined): HeartbeatData {
  const what = "HeartbeatData";
  const object = parseJsonBody(body, what);
  return {
    clientID: readString(object, "clientID", what),
    producerDataSet: readArray(object, "producerDataSet", what).map((item) => ({
      groupName: readString(asObject(item, "ProducerData"), "groupName", "ProducerData"),
    })),
    consumerDataSet: readArray(object, "consumerDataSet", what).map((item) => consumerDataFromJson(item)),
  };
}
