// Admin calls the console needs beyond mqadmin's (RocketMQ's MQAdminExt names): broker config
// (GET_BROKER_CONFIG 26), producer connections (GET_PRODUCER_CONNECTION_LIST 204), reset a group's
// offsets to a time (INVOKE_BROKER_TO_RESET_OFFSET 222, ResetOffsetBody), resend a message to one
// consumer client (CONSUME_MESSAGE_DIRECTLY 309, ConsumeMessageDirectlyResult) and delete a
// subscription group (DELETE_SUBSCRIPTIONGROUP 207), and which client runs each queue of a group
// (GET_CONSUMER_RUNNING_INFO 307, the mqTable of every client's ConsumerRunningInfo). A broker's refusal surfaces as MQBrokerError
// with RocketMQ's response code and remark (e.g. 3 REQUEST_CODE_NOT_SUPPORTED), never swallowed.
import { RETRY_GROUP_TOPIC_PREFIX } from "../../message/message_const.ts";
import { parseFastjson } from "../../protocol/fastjson.ts";
import { asObject, parseJsonBody, parseObjectKey, readArray, readMap, readNumber, readString } from "../../protocol/body_json.ts";
import { parseProperties } from "../../config/properties.ts";
import { messageQueueFromJson } from "../../protocol/message_queue.ts";
import { createRequest } from "../../remoting/remoting_command.ts";
import { RequestCode } from "../../remoting/request_code.ts";
import { MQClientError } from "../client_errors.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { compareMessageQueues } from "../../protocol/message_queue.ts";
import { MASTER_ID } from "../../protocol/route.ts";
import type { AdminClient } from "./admin_client.ts";

export interface Connection {
  readonly clientId: string;
  readonly clientAddr: string;
  readonly language: string;
  readonly version: number;
}

export interface ConsumeMessageDirectlyResult {
  readonly order: boolean;
  readonly autoCommit: boolean;
  readonly consumeResult: string;
  readonly remark: string;
  readonly spentTimeMills: number;
}

function timeoutMs(admin: AdminClient): number {
  return admin.clientInstance.config.requestTimeoutMs;
}

/** GET_BROKER_CONFIG: the broker's properties text as ordered key/value pairs. */
export async function brokerConfig(admin: AdminClient, brokerAddr: string): Promise<[string, string][]> {
  const response = await admin.clientInstance.api.invokeBroker(brokerAddr, createRequest(RequestCode.GET_BROKER_CONFIG), timeoutMs(admin));
  const text = new TextDecoder().decode(response.body ?? new Uint8Array());
  return parseProperties(text).map((entry) => [entry.key, entry.value]);
}

/** ProducerConnection {connectionSet}: asked of the first master of the topic's route, as MQAdminExt does. */
export async function producerConnection(admin: AdminClient, producerGroup: string, topic: string): Promise<Connection[]> {
  const route = await admin.topicRoute(topic);
  const addr = route.brokerDatas.map((data) => data.brokerAddrs.get(MASTER_ID)).find((candidate) => candidate !== undefined);
  if (addr === undefined) throw new MQClientError(`no master broker in the route of ${topic}`);
  const response = await admin.clientInstance.api.invokeBroker(addr, createRequest(RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup }), timeoutMs(admin));
  return readArray(parseJsonBody(response.body, "ProducerConnection"), "connectionSet", "ProducerConnection").map((item) => {
    const c = asObject(item, "Connection");
    return { clientId: readString(c, "clientId", "Connection"), clientAddr: readString(c, "clientAddr", "Connection"),
      language: readString(c, "language", "Connection", "JAVA"), version: readNumber(c, "version", "Connection") };
  });
}

/** ResetOffsetBody {offsetTable: {MessageQueue: long}}. */
export function decodeResetOffsetBody(body: Uint8Array | undefined): [MessageQueue, number][] {
  if (body === undefined || body.length === 0) return [];
  const table = readMap(parseJsonBody(body, "ResetOffsetBody"), "offsetTable", "ResetOffsetBody", (value, key) => {
    if (typeof value !== "number") throw new MQClientError(`ResetOffsetBody.offsetTable[${key}] is not a number`);
    return value;
  });
  return [...table].map(([key, offset]): [MessageQueue, number] => [messageQueueFromJson(parseObjectKey(key, "ResetOffsetBody.offsetTable")), offset])
    .sort(([a], [b]) => compareMessageQueues(a, b));
}

/** MQAdminExt.resetOffsetByTimestamp: INVOKE_BROKER_TO_RESET_OFFSET on every master of the topic. */
export async function resetOffsetByTime(admin: AdminClient, group: string, topic: string, timestampMs: number, force = true): Promise<[MessageQueue, number][]> {
  const route = await admin.topicRoute(topic);
  const offsets: [MessageQueue, number][] = [];
  for (const data of route.brokerDatas) {
    const addr = data.brokerAddrs.get(MASTER_ID);
    if (addr === undefined) continue;
    const command = createRequest(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, { topic, group, timestamp: String(timestampMs), isForce: String(force) });
    const response = await admin.clientInstance.api.invokeBroker(addr, command, timeoutMs(admin));
    offsets.push(...decodeResetOffsetBody(response.body));
  }
  return offsets;
}

/** MQAdminExt.consumeMessageDirectly: the broker forwards CONSUME_MESSAGE_DIRECTLY to the client. */
export async function consumeMessageDirectly(admin: AdminClient, group: string, clientId: string, msgId: string): Promise<ConsumeMessageDirectlyResult> {
  const route = await admin.topicRoute(RETRY_GROUP_TOPIC_PREFIX + group);
  const data = route.brokerDatas.find((candidate) => candidate.brokerAddrs.get(MASTER_ID) !== undefined);
  if (data === undefined) throw new MQClientError(`no broker knows consumer group ${group}`);
  const command = createRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY, { consumerGroup: group, clientId, msgId, brokerName: data.brokerName });
  const response = await admin.clientInstance.api.invokeBroker(data.brokerAddrs.get(MASTER_ID)!, command, timeoutMs(admin));
  const object = parseJsonBody(response.body, "ConsumeMessageDirectlyResult");
  return {
    order: object["order"] === true, autoCommit: object["autoCommit"] !== false,
    consumeResult: readString(object, "consumeResult", "ConsumeMessageDirectlyResult", ""),
    remark: readString(object, "remark", "ConsumeMessageDirectlyResult", ""),
    spentTimeMills: readNumber(object, "spentTimeMills", "ConsumeMessageDirectlyResult"),
  };
}

/** DELETE_SUBSCRIPTIONGROUP (with its offsets) on every master of the cluster. */
export async function deleteSubscriptionGroup(admin: AdminClient, group: string, clusterName: string): Promise<string[]> {
  const masters = await admin.masterAddrsOfCluster(clusterName);
  for (const { addr } of masters) {
    await admin.clientInstance.api.invokeBroker(addr, createRequest(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: group, removeOffset: "true" }), timeoutMs(admin));
  }
  return masters.map((master) => master.addr);
}

/** "topic/brokerName/queueId": the key queueClients answers with. */
export function queueKey(mq: MessageQueue): string {
  return `${mq.topic}/${mq.brokerName}/${mq.queueId}`;
}

/** Which client holds each queue, from every client's ConsumerRunningInfo.mqTable (clients that fail to answer are skipped). */
export async function queueClients(admin: AdminClient, group: string, clientIds: readonly string[]): Promise<Map<string, string>> {
  const route = await admin.topicRoute(RETRY_GROUP_TOPIC_PREFIX + group);
  const addr = route.brokerDatas.map((data) => data.brokerAddrs.get(MASTER_ID)).find((candidate) => candidate !== undefined);
  const holders = new Map<string, string>();
  if (addr === undefined) return holders;
  for (const clientId of clientIds) {
    let body: Uint8Array | undefined;
    try {
      const command = createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: group, clientId, jstackEnable: "false" });
      body = (await admin.clientInstance.api.invokeBroker(addr, command, timeoutMs(admin))).body;
    } catch {
      continue; // an old or busy client: its queues show no holder rather than failing the page
    }
    const info = asObject(parseFastjson(new TextDecoder().decode(body ?? new Uint8Array())), "ConsumerRunningInfo");
    for (const key of Object.keys(asObject(info["mqTable"] ?? {}, "ConsumerRunningInfo.mqTable"))) {
      holders.set(queueKey(messageQueueFromJson(parseObjectKey(key, "ConsumerRunningInfo.mqTable"))), clientId);
    }
  }
  return holders;
}
