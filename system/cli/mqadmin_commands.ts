// The mqadmin subcommands: each takes the started AdminClient (and the Env for producer/consumer
// commands) plus its options, and returns what to print: a human table/text and a JSON value.
// Kept apart from mqadmin.ts (argument parsing, process exit codes) so tests can call them.
import Table from "cli-table3";
import type { Env } from "../env/env.ts";
import type { AdminClient } from "../client/admin/admin_client.ts";
import { MQClientError } from "../client/client_errors.ts";
import type { ClientMessageExt } from "../client/message.ts";
import { bodyText } from "../client/message.ts";
import type { MessageQueue } from "../protocol/message_queue.ts";
import { PullConsumer } from "../client/consumer/pull_consumer.ts";
import { Producer } from "../client/producer/producer.ts";
import type { TopicRouteData } from "../protocol/route.ts";

export interface Output {
  readonly text: string;
  readonly json: unknown;
}

export interface CommonOptions {
  namesrvAddrs: string[];
  /** ACL keys the tool signs with (producer and consumer commands too). */
  credentials?: { accessKey: string; secretKey: string };
}

function table(head: string[], rows: (string | number)[][]): string {
  const rendered = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) rendered.push(row.map((cell) => String(cell)));
  return rendered.toString();
}

function routeJson(route: TopicRouteData): unknown {
  return {
    brokerDatas: route.brokerDatas.map((bd) => ({ cluster: bd.cluster, brokerName: bd.brokerName, brokerAddrs: Object.fromEntries(bd.brokerAddrs) })),
    queueDatas: route.queueDatas,
    ...(route.orderTopicConf === undefined ? {} : { orderTopicConf: route.orderTopicConf }),
  };
}

function messageJson(message: ClientMessageExt): Record<string, unknown> {
  return {
    msgId: message.msgId, offsetMsgId: message.offsetMsgId, topic: message.topic, tags: message.tags ?? null, keys: message.keys ?? null,
    queueId: message.queueId, queueOffset: message.queueOffset, commitLogOffset: message.commitLogOffset,
    reconsumeTimes: message.reconsumeTimes, bornTimestamp: message.bornTimestamp, storeTimestamp: message.storeTimestamp,
    bornHost: message.bornHost, storeHost: message.storeHost, sysFlag: message.sysFlag,
    properties: Object.fromEntries(message.properties), body: bodyText(message),
  };
}

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new MQClientError(`option ${name}: ${JSON.stringify(value)} is not an integer`);
  return parsed;
}

export async function updateTopic(admin: AdminClient, o: { topic: string; clusterName?: string; brokerAddr?: string; readQueueNums?: string; writeQueueNums?: string; perm?: string; order?: string }): Promise<Output> {
  if (o.clusterName === undefined && o.brokerAddr === undefined) throw new MQClientError("updateTopic needs -c clusterName or -b brokerAddr");
  const options = {
    topic: o.topic, readQueueNums: numberOption(o.readQueueNums, "-r", 8), writeQueueNums: numberOption(o.writeQueueNums, "-w", 8),
    perm: numberOption(o.perm, "-p", 6), order: o.order === "true",
    ...(o.brokerAddr !== undefined ? { brokerAddr: o.brokerAddr } : { clusterName: o.clusterName! }),
  };
  const brokers = await admin.createTopic(options);
  const text = brokers.map((addr) => `create topic to ${addr} success.`).join("\n") + `\n${JSON.stringify(options)}`;
  return { text, json: { ...options, brokers } };
}

export async function deleteTopic(admin: AdminClient, o: { topic: string; clusterName: string }): Promise<Output> {
  await admin.deleteTopic(o.topic, o.clusterName);
  return { text: `delete topic [${o.topic}] from cluster [${o.clusterName}] success.`, json: { topic: o.topic, clusterName: o.clusterName, deleted: true } };
}

export async function topicList(admin: AdminClient): Promise<Output> {
  const topics = await admin.topicList();
  return { text: topics.join("\n"), json: topics };
}

export async function topicRoute(admin: AdminClient, o: { topic: string }): Promise<Output> {
  const json = routeJson(await admin.topicRoute(o.topic));
  return { text: JSON.stringify(json, null, 2), json };
}

export async function topicStatus(admin: AdminClient, o: { topic: string }): Promise<Output> {
  const rows = await admin.topicStatus(o.topic);
  const json = rows.map(([mq, offsets]) => ({ ...mq, ...offsets }));
  const text = table(["#Broker Name", "#QID", "#Min Offset", "#Max Offset", "#Last Updated"],
    rows.map(([mq, offsets]) => [mq.brokerName, mq.queueId, offsets.minOffset, offsets.maxOffset, offsets.lastUpdateTimestamp === 0 ? "" : new Date(offsets.lastUpdateTimestamp).toISOString()]));
  return { text, json };
}

export async function clusterList(admin: AdminClient): Promise<Output> {
  const rows = await admin.clusterList();
  const json = rows.map((row) => ({ ...row, runtime: row.runtime === undefined ? null : Object.fromEntries(row.runtime), error: row.error ?? null }));
  const get = (runtime: Map<string, string> | undefined, key: string): string => runtime?.get(key) ?? "-";
  const text = table(["#Cluster Name", "#Broker Name", "#BID", "#Addr", "#Version", "#InTPS", "#OutTPS", "#Disk Ratio"],
    rows.map((row) => [row.clusterName, row.brokerName, row.brokerId, row.addr,
      row.error === undefined ? get(row.runtime, "brokerVersionDesc") : `unreachable: ${row.error}`,
      get(row.runtime, "putTps").split(" ")[0] ?? "-", get(row.runtime, "getTransferedTps").split(" ")[0] ?? "-", get(row.runtime, "commitLogDiskRatio")]));
  return { text, json };
}

export async function brokerStatus(admin: AdminClient, o: { brokerAddr: string }): Promise<Output> {
  const runtime = await admin.brokerStatus(o.brokerAddr);
  const keys = [...runtime.keys()].sort();
  const width = Math.max(0, ...keys.map((key) => key.length));
  return { text: keys.map((key) => `${key.padEnd(width)} : ${runtime.get(key)}`).join("\n"), json: Object.fromEntries(keys.map((key) => [key, runtime.get(key)])) };
}

export async function consumerProgress(admin: AdminClient, o: { group: string; topic?: string }): Promise<Output> {
  const progress = await admin.consumerProgress(o.group, o.topic);
  const json = { group: progress.group, consumeTps: progress.consumeTps, totalLag: progress.totalLag,
    queues: progress.queues.map((row) => ({ topic: row.mq.topic, brokerName: row.mq.brokerName, queueId: row.mq.queueId,
      brokerOffset: row.brokerOffset, consumerOffset: row.consumerOffset, lag: row.lag, lastTimestamp: row.lastTimestamp })) };
  const text = table(["#Topic", "#Broker Name", "#QID", "#Broker Offset", "#Consumer Offset", "#Diff", "#LastTime"],
    progress.queues.map((row) => [row.mq.topic, row.mq.brokerName, row.mq.queueId, row.brokerOffset, row.consumerOffset, row.lag,
      row.lastTimestamp === 0 ? "" : new Date(row.lastTimestamp).toISOString()]))
    + `\n\nConsume TPS: ${progress.consumeTps}\nDiff Total: ${progress.totalLag}`;
  return { text, json };
}

export async function consumerConnection(admin: AdminClient, o: { group: string }): Promise<Output> {
  const connection = await admin.consumerConnection(o.group);
  const json = {
    connectionSet: connection.connectionSet, consumeType: connection.consumeType, messageModel: connection.messageModel,
    consumeFromWhere: connection.consumeFromWhere,
    subscriptionTable: Object.fromEntries([...connection.subscriptionTable].map(([topic, sub]) => [topic, { subString: sub.subString, subVersion: sub.subVersion }])),
  };
  const text = table(["#", "#ClientId", "#ClientAddr", "#Language", "#Version"],
    connection.connectionSet.map((c, index) => [index + 1, c.clientId, c.clientAddr, c.language, c.version]))
    + "\n\nBelow is subscription:\n"
    + table(["#Topic", "#SubExpression"], [...connection.subscriptionTable].map(([topic, sub]) => [topic, sub.subString]))
    + `\n\nConsumeType: ${connection.consumeType}\nMessageModel: ${connection.messageModel}\nConsumeFromWhere: ${connection.consumeFromWhere}`;
  return { text, json };
}

export async function queryMsgByKey(admin: AdminClient, o: { topic: string; msgKey: string }): Promise<Output> {
  const messages = await admin.queryMsgByKey(o.topic, o.msgKey);
  const text = table(["#Message ID", "#Offset Msg ID", "#QID", "#Offset", "#Tags"],
    messages.map((m) => [m.msgId, m.offsetMsgId, m.queueId, m.queueOffset, m.tags ?? ""]));
  return { text, json: messages.map(messageJson) };
}

export async function queryMsgById(admin: AdminClient, o: { msgId: string }): Promise<Output> {
  const message = await admin.queryMsgById(o.msgId);
  const json = messageJson(message);
  const lines = Object.entries(json).map(([key, value]) => `${key.padEnd(16)}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  return { text: lines.join("\n"), json };
}

export async function sendMessage(env: Env, common: CommonOptions, o: { topic: string; body: string; tags?: string; keys?: string; brokerName?: string; queueId?: string }): Promise<Output> {
  const producer = new Producer(env, { namesrvAddr: common.namesrvAddrs, producerGroup: "TOOLS_PRODUCER_GROUP", ...common.credentials });
  await producer.start();
  try {
    const message = { topic: o.topic, body: o.body, tags: o.tags, keys: o.keys };
    const result = o.brokerName !== undefined
      ? await producer.sendToQueue(message, { topic: o.topic, brokerName: o.brokerName, queueId: numberOption(o.queueId, "-i", 0) })
      : await producer.send(message);
    const json = { brokerName: result.messageQueue.brokerName, queueId: result.messageQueue.queueId, sendStatus: result.sendStatus,
      msgId: result.msgId, offsetMsgId: result.offsetMsgId, queueOffset: result.queueOffset };
    const text = table(["#Broker Name", "#QID", "#Send Result", "#MsgId", "#Offset MsgId", "#Queue Offset"],
      [[json.brokerName, json.queueId, json.sendStatus, json.msgId, json.offsetMsgId, json.queueOffset]]);
    return { text, json };
  } finally {
    await producer.shutdown();
  }
}

export async function consumeMessage(env: Env, common: CommonOptions, o: { topic: string; group?: string; brokerName?: string; queueId?: string; offset?: string; count?: string }): Promise<Output> {
  const consumer = new PullConsumer(env, { namesrvAddr: common.namesrvAddrs, consumerGroup: o.group ?? "TOOLS_CONSUMER", ...common.credentials });
  await consumer.start();
  try {
    const count = numberOption(o.count, "-c", 128);
    let queues: MessageQueue[] = await consumer.fetchSubscribeMessageQueues(o.topic);
    if (o.brokerName !== undefined) queues = queues.filter((mq) => mq.brokerName === o.brokerName);
    if (o.queueId !== undefined) queues = queues.filter((mq) => mq.queueId === numberOption(o.queueId, "-q", 0));
    if (queues.length === 0) throw new MQClientError(`no such queue in topic ${o.topic}`);
    const messages: ClientMessageExt[] = [];
    for (const mq of queues) {
      let offset = o.offset !== undefined ? numberOption(o.offset, "-o", 0) : await consumer.minOffset(mq);
      while (messages.length < count) {
        const result = await consumer.pull(mq, "*", offset, Math.min(32, count - messages.length));
        if (result.pullStatus !== "FOUND" && result.pullStatus !== "NO_MATCHED_MSG") break;
        messages.push(...result.msgFoundList);
        if (result.nextBeginOffset <= offset) break;
        offset = result.nextBeginOffset;
      }
      if (messages.length >= count) break;
    }
    const text = table(["#Broker Name", "#QID", "#Offset", "#MsgId", "#Tags", "#Keys", "#Body"],
      messages.map((m) => [m.brokerName, m.queueId, m.queueOffset, m.msgId, m.tags ?? "", m.keys ?? "", bodyText(m).slice(0, 60)]));
    return { text: `${text}\n${messages.length} message(s)`, json: messages.map((m) => ({ brokerName: m.brokerName, ...messageJson(m) })) };
  } finally {
    await consumer.shutdown();
  }
}
