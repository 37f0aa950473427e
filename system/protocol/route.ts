// Route bodies: TopicRouteData (GET_ROUTEINFO_BY_TOPIC), QueueData, BrokerData and ClusterInfo
// (GET_BROKER_CLUSTER_INFO). brokerAddrs is Java's HashMap<Long, String>: fastjson writes its
// keys bare ({0:"ip:port"}) unless the writer asks for standard JSON (the 4.9.7 namesrv does
// for request version ≥ 401 or acceptStandardJsonOnly=true, with sorted map keys).
// QueueData's sysFlag is written `topicSysFlag` (4.9.0+) and read from either `topicSysFlag`
// or the pre-4.9 spelling `topicSynFlag`.
import type { JsonObject } from "./body_json.ts";
import {
  asObject,
  BodyDecodeError,
  encodeJsonBody,
  parseJsonBody,
  readArray,
  readMap,
  readNumber,
  readOptionalString,
  readString,
  readStringArray,
} from "./body_json.ts";

/** brokerId 0 is the master (MixAll.MASTER_ID). */
export const MASTER_ID = 0;

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** brokerId → "ip:port"; 0 = master. */
  brokerAddrs: Map<number, string>;
}

export interface TopicRouteData {
  orderTopicConf?: string;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  /** brokerAddr → filter server addresses (legacy; always empty in mqlab). */
  filterServerTable: Map<string, string[]>;
}

export interface ClusterInfo {
  brokerAddrTable: Map<string, BrokerData>;
  clusterAddrTable: Map<string, string[]>;
}

export interface RouteJsonOptions {
  /** Quoted map keys, sorted (what 4.9.7 sends to version ≥ 401 clients). */
  standardJson?: boolean;
}

function stringifyOptions(options: RouteJsonOptions): { bareNumericKeys: boolean; sortMapKeys: boolean } {
  const standard = options.standardJson === true;
  return { bareNumericKeys: !standard, sortMapKeys: standard };
}

export function queueDataToJson(queue: QueueData): JsonObject {
  return {
    brokerName: queue.brokerName,
    perm: queue.perm,
    readQueueNums: queue.readQueueNums,
    topicSysFlag: queue.topicSysFlag,
    writeQueueNums: queue.writeQueueNums,
  };
}

export function queueDataFromJson(value: unknown, what = "QueueData"): QueueData {
  const object = asObject(value, what);
  const sysFlag = object["topicSysFlag"] ?? object["topicSynFlag"];
  return {
    brokerName: readString(object, "brokerName", what),
    readQueueNums: readNumber(object, "readQueueNums", what),
    writeQueueNums: readNumber(object, "writeQueueNums", what),
    perm: readNumber(object, "perm", what),
    topicSysFlag: readNumber({ sysFlag }, "sysFlag", what),
  };
}

export function brokerDataToJson(broker: BrokerData): JsonObject {
  return { brokerAddrs: broker.brokerAddrs, brokerName: broker.brokerName, cluster: broker.cluster };
}

export function brokerDataFromJson(value: unknown, what = "BrokerData"): BrokerData {
  const object = asObject(value, what);
  const brokerAddrs = new Map<number, string>();
  for (const [key, addr] of readMap(object, "brokerAddrs", what, (item) => item)) {
    const brokerId = /^-?\d+$/.test(key) ? Number(key) : NaN;
    if (!Number.isSafeInteger(brokerId)) throw new BodyDecodeError(`${what}: brokerAddrs key ${key} is not a brokerId`);
    if (typeof addr !== "string") throw new BodyDecodeError(`${what}: brokerAddrs value is not a string`);
    brokerAddrs.set(brokerId, addr);
  }
  return { cluster: readString(object, "cluster", what, ""), brokerName: readString(object, "brokerName", what), brokerAddrs };
}

export function encodeTopicRouteData(route: TopicRouteData, options: RouteJsonOptions = {}): Uint8Array {
  const json: JsonObject = {
    brokerDatas: route.brokerDatas.map(brokerDataToJson),
    filterServerTable: route.filterServerTable,
  };
  if (route.orderTopicConf !== undefined) json["orderTopicConf"] = route.orderTopicConf;
  json["queueDatas"] = route.queueDatas.map(queueDataToJson);
  return encodeJsonBody(json, stringifyOptions(options));
}

export function decodeTopicRouteData(body: Uint8Array | undefined): TopicRouteData {
  const what = "TopicRouteData";
  const object = parseJsonBody(body, what);
  const route: TopicRouteData = {
    queueDatas: readArray(object, "queueDatas", what).map((item) => queueDataFromJson(item)),
    brokerDatas: readArray(object, "brokerDatas", what).map((item) => brokerDataFromJson(item)),
    filterServerTable: readMap(object, "filterServerTable", what, (item, key) =>
      readStringArray({ list: item }, "list", `${what}.filterServerTable[${key}]`),
    ),
  };
  const orderTopicConf = readOptionalString(object, "orderTopicConf", what);
  if (orderTopicConf !== undefined) route.orderTopicConf = orderTopicConf;
  return route;
}

export function encodeClusterInfo(info: ClusterInfo, options: RouteJsonOptions = {}): Uint8Array {
  const brokerAddrTable = new Map([...info.brokerAddrTable].map(([name, broker]) => [name, brokerDataToJson(broker)]));
  return encodeJsonBody({ brokerAddrTable, clusterAddrTable: info.clusterAddrTable }, stringifyOptions(options));
}

export function decodeClusterInfo(body: Uint8Array | undefined): ClusterInfo {
  const what = "ClusterInfo";
  const object = parseJsonBody(body, what);
  return {
    brokerAddrTable: readMap(object, "brokerAddrTable", what, (item) => brokerDataFromJson(item)),
    clusterAddrTable: readMap(object, "clusterAddrTable", what, (item, key) =>
      readStringArray({ list: item }, "list", `${what}.clusterAddrTable[${key}]`),
    ),
  };
}
