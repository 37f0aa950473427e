// mqadmin operator commands (RocketMQ 4.9 tools/command names and options):
//   resetOffsetByTime -g group -t topic -s <ms | now | yyyy-MM-dd#HH:mm:ss:SSS> [-f true|false]
//     222 through the brokers to the consumers; when no consumer is online (206) it falls back
//     to the old path (29 + 15) and prints the rollback table, as ResetOffsetByTimeCommand does.
//   queryMsgById -i id [-g group -d clientId]   with -g/-d: consume it directly (309) on that client
//   queryMsgByOffset -t topic -b brokerName -i queueId -o offset
//   updateSubGroup (-b addr | -c cluster) -g group [-s -m -d -q -r -i -w -a]
//   deleteSubGroup (-b addr | -c cluster) -g group [-r removeOffset]
//   queryMsgTraceById -i msgId [-t traceTopic]   trace records of a message (RMQ_SYS_TRACE_TOPIC)
// Misuse (a bad number, a bad date) is a UsageError: one line on stderr, exit 2.
import Table from "cli-table3";
import type { Command } from "commander";
import { consumeMessageDirectly, deleteSubGroup, resetOffsetByTimestamp, resetOffsetByTimestampOld, updateSubGroup } from "../client/admin/admin_ops.ts";
import type { AdminClient } from "../client/admin/admin_client.ts";
import { queryMsgTraceById } from "../client/admin/admin_trace.ts";
import { MQClientError } from "../client/client_errors.ts";
import { PullConsumer } from "../client/consumer/pull_consumer.ts";
import { bodyText } from "../client/message.ts";
import type { Env } from "../env/env.ts";
import { newSubscriptionGroupConfig } from "../protocol/admin_bodies.ts";
import { ResponseCode } from "../remoting/response_code.ts";
import type { CommonOptions, Output } from "./mqadmin_commands.ts";
import { queryMsgById } from "./mqadmin_commands.ts";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Runner = (admin: AdminClient, env: Env, common: CommonOptions) => Promise<Output>;
interface GlobalOptions {
  namesrvAddr?: string;
  json?: boolean;
}
type Run = (name: string, options: GlobalOptions, runner: Runner) => Promise<void>;
type MakeCommand = (program: Command, name: string, description: string) => Command;

function table(head: string[], rows: (string | number)[][]): string {
  const rendered = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) rendered.push(row.map(String));
  return rendered.toString();
}

function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new UsageError(`option ${name}: ${JSON.stringify(value)} is not an integer`);
  return parsed;
}

function flag(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value !== "true" && value !== "false") throw new UsageError(`option ${name}: ${JSON.stringify(value)} is not true or false`);
  return value === "true";
}

/** ResetOffsetByTimeCommand's -s: "now", epoch milliseconds, or local yyyy-MM-dd#HH:mm:ss:SSS. */
export function parseResetTimestamp(text: string, nowMs: number): number {
  if (text === "now") return nowMs;
  if (/^-?\d+$/.test(text)) return Number(text);
  const match = /^(\d{4})-(\d{2})-(\d{2})#(\d{2}):(\d{2}):(\d{2}):(\d{3})$/.exec(text);
  if (match === null) throw new UsageError(`option -s: ${JSON.stringify(text)} is not now, milliseconds or yyyy-MM-dd#HH:mm:ss:SSS`);
  const [year, month, day, hour, minute, second, ms] = match.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return new Date(year, month - 1, day, hour, minute, second, ms).getTime();
}

export async function resetOffsetByTime(admin: AdminClient, o: { group: string; topic: string; timestamp: string; force?: string }, nowMs: number): Promise<Output> {
  const timestampMs = parseResetTimestamp(o.timestamp, nowMs);
  const force = flag(o.force, "-f", true);
  const title = `rollback consumer offset by specified group[${o.group}], topic[${o.topic}], force[${force}], timestamp(string)[${o.timestamp}], timestamp(long)[${timestampMs}]`;
  try {
    const offsets = await resetOffsetByTimestamp(admin, o.topic, o.group, timestampMs, force);
    const rows = offsets.map(([mq, offset]) => ({ brokerName: mq.brokerName, queueId: mq.queueId, offset }));
    return { text: `${title}\n${table(["#brokerName", "#queueId", "#offset"], rows.map((r) => [r.brokerName, r.queueId, r.offset]))}`, json: { path: "broker", offsets: rows } };
  } catch (error) {
    if (!(error instanceof MQClientError) || error.responseCode !== ResponseCode.CONSUMER_NOT_ONLINE) throw error;
  }
  const rows = await resetOffsetByTimestampOld(admin, o.topic, o.group, timestampMs, force);
  const text = table(["#brokerName", "#queueId", "#brokerOffset", "#consumerOffset", "#timestampOffset", "#resetOffset"],
    rows.map((r) => [r.brokerName, r.queueId, r.brokerOffset, r.consumerOffset, r.timestampOffset, r.rollbackOffset]));
  return { text: `${title}\nno consumer online: reset the committed offsets directly (old path)\n${text}`, json: { path: "old", rollback: rows } };
}

export async function queryMsgByIdOrConsume(admin: AdminClient, o: { msgId: string; group?: string; clientId?: string }): Promise<Output> {
  if ((o.group === undefined) !== (o.clientId === undefined)) throw new UsageError("-g group and -d clientId go together");
  if (o.group === undefined || o.clientId === undefined) return queryMsgById(admin, o);
  const result = await consumeMessageDirectly(admin, o.group, o.clientId, o.msgId);
  return { text: `ConsumeMessageDirectlyResult: ${JSON.stringify(result)}`, json: result };
}

export async function queryMsgByOffset(env: Env, common: CommonOptions, o: { topic: string; brokerName: string; queueId: string; offset: string }): Promise<Output> {
  const mq = { topic: o.topic, brokerName: o.brokerName, queueId: integer(o.queueId, "-i", 0) };
  const offset = integer(o.offset, "-o", 0);
  const consumer = new PullConsumer(env, { namesrvAddr: common.namesrvAddrs, consumerGroup: "TOOLS_CONSUMER" });
  await consumer.start();
  try {
    await consumer.fetchSubscribeMessageQueues(o.topic);
    const result = await consumer.pull(mq, "*", offset, 1);
    const message = result.msgFoundList[0];
    if (result.pullStatus !== "FOUND" || message === undefined) throw new MQClientError(`no message at ${o.topic}/${o.brokerName}/${mq.queueId} offset ${offset}: ${result.pullStatus}`);
    const json = {
      msgId: message.msgId, offsetMsgId: message.offsetMsgId, topic: message.topic, tags: message.tags ?? null, keys: message.keys ?? null,
      queueId: message.queueId, queueOffset: message.queueOffset, storeTimestamp: message.storeTimestamp,
      properties: Object.fromEntries(message.properties), body: bodyText(message),
    };
    return { text: Object.entries(json).map(([key, value]) => `${key.padEnd(16)}: ${typeof value === "string" ? value : JSON.stringify(value)}`).join("\n"), json };
  } finally {
    await consumer.shutdown();
  }
}

interface SubGroupOptions {
  brokerAddr?: string; clusterName?: string; groupName: string; consumeEnable?: string; consumeFromMinEnable?: string;
  consumeBroadcastEnable?: string; retryQueueNums?: string; retryMaxTimes?: string; brokerId?: string;
  whichBrokerWhenConsumeSlowly?: string; notifyConsumerIdsChangedEnable?: string;
}

export async function updateSubGroupCommand(admin: AdminClient, o: SubGroupOptions): Promise<Output> {
  if (o.brokerAddr === undefined && o.clusterName === undefined) throw new UsageError("updateSubGroup needs -b brokerAddr or -c clusterName");
  const defaults = newSubscriptionGroupConfig(o.groupName);
  const config = newSubscriptionGroupConfig(o.groupName, {
    consumeEnable: flag(o.consumeEnable, "-s", defaults.consumeEnable),
    consumeFromMinEnable: flag(o.consumeFromMinEnable, "-m", defaults.consumeFromMinEnable),
    consumeBroadcastEnable: flag(o.consumeBroadcastEnable, "-d", defaults.consumeBroadcastEnable),
    retryQueueNums: integer(o.retryQueueNums, "-q", defaults.retryQueueNums),
    retryMaxTimes: integer(o.retryMaxTimes, "-r", defaults.retryMaxTimes),
    brokerId: integer(o.brokerId, "-i", defaults.brokerId),
    whichBrokerWhenConsumeSlowly: integer(o.whichBrokerWhenConsumeSlowly, "-w", defaults.whichBrokerWhenConsumeSlowly),
    notifyConsumerIdsChangedEnable: flag(o.notifyConsumerIdsChangedEnable, "-a", defaults.notifyConsumerIdsChangedEnable),
  });
  const brokers = await updateSubGroup(admin, o, config);
  return { text: brokers.map((addr) => `create subscription group to ${addr} success.`).join("\n") + `\n${JSON.stringify(config)}`, json: { ...config, brokers } };
}

export async function deleteSubGroupCommand(admin: AdminClient, o: { brokerAddr?: string; clusterName?: string; groupName: string; removeOffset?: string }): Promise<Output> {
  if (o.brokerAddr === undefined && o.clusterName === undefined) throw new UsageError("deleteSubGroup needs -b brokerAddr or -c clusterName");
  const brokers = await deleteSubGroup(admin, o, o.groupName, flag(o.removeOffset, "-r", false));
  return { text: brokers.map((addr) => `delete subscription group [${o.groupName}] from broker [${addr}] success.`).join("\n"), json: { groupName: o.groupName, brokers } };
}

export async function queryMsgTraceByIdCommand(admin: AdminClient, o: { msgId: string; traceTopic?: string }): Promise<Output> {
  const records = await queryMsgTraceById(admin, o.msgId, o.traceTopic);
  const rows = records.map((record) => [
    record.type, record.groupName, record.type === "Pub" ? record.storeHost : record.type === "SubBefore" ? record.requestId : record.requestId,
    new Date(record.timestamp).toISOString(), record.type === "SubBefore" ? "" : record.costTime,
    record.type === "SubBefore" ? `retry ${record.retryTimes}` : record.success ? "success" : "failed",
  ]);
  const text = records.length === 0 ? `no trace of ${o.msgId}` : table(["#Type", "#Group", "#StoreHost/RequestId", "#Time", "#CostTimes", "#Status"], rows);
  return { text, json: records };
}

export function registerOpsCommands(program: Command, command: MakeCommand, run: Run): void {
  command(program, "resetOffsetByTime", "reset a consumer group's offsets to a timestamp (through the consumers, else directly)")
    .requiredOption("-g, --group <group>", "consumer group")
    .requiredOption("-t, --topic <topic>", "topic")
    .requiredOption("-s, --timestamp <when>", "now, milliseconds, or yyyy-MM-dd#HH:mm:ss:SSS")
    .option("-f, --force <bool>", "also move forward (default true)")
    .action((o: GlobalOptions & Parameters<typeof resetOffsetByTime>[1]) => run("resetOffsetByTime", o, (admin) => resetOffsetByTime(admin, o, Date.now())));
  command(program, "queryMsgByOffset", "show the message at a queue offset")
    .requiredOption("-t, --topic <topic>", "topic")
    .requiredOption("-b, --brokerName <name>", "broker name")
    .requiredOption("-i, --queueId <id>", "queue id")
    .requiredOption("-o, --offset <offset>", "queue offset")
    .action((o: GlobalOptions & Parameters<typeof queryMsgByOffset>[2]) => run("queryMsgByOffset", o, (_admin, env, common) => queryMsgByOffset(env, common, o)));
  command(program, "updateSubGroup", "create or update a subscription group")
    .option("-b, --brokerAddr <addr>", "on this broker").option("-c, --clusterName <cluster>", "on every master of this cluster")
    .requiredOption("-g, --groupName <group>", "group name")
    .option("-s, --consumeEnable <bool>", "consume enable").option("-m, --consumeFromMinEnable <bool>", "consume from min offset")
    .option("-d, --consumeBroadcastEnable <bool>", "broadcast allowed").option("-q, --retryQueueNums <n>", "retry queues")
    .option("-r, --retryMaxTimes <n>", "retry max times").option("-i, --brokerId <id>", "consume from this broker id")
    .option("-w, --whichBrokerWhenConsumeSlowly <id>", "broker id when slow").option("-a, --notifyConsumerIdsChangedEnable <bool>", "notify on changes")
    .action((o: GlobalOptions & SubGroupOptions) => run("updateSubGroup", o, (admin) => updateSubGroupCommand(admin, o)));
  command(program, "deleteSubGroup", "delete a subscription group")
    .option("-b, --brokerAddr <addr>", "from this broker").option("-c, --clusterName <cluster>", "from every master of this cluster")
    .requiredOption("-g, --groupName <group>", "group name")
    .option("-r, --removeOffset <bool>", "also remove its offsets (default false)")
    .action((o: GlobalOptions & Parameters<typeof deleteSubGroupCommand>[1]) => run("deleteSubGroup", o, (admin) => deleteSubGroupCommand(admin, o)));
  command(program, "queryMsgTraceById", "show the trace records of a message")
    .requiredOption("-i, --msgId <id>", "message id (UNIQ_KEY)")
    .option("-t, --traceTopic <topic>", "trace topic (default RMQ_SYS_TRACE_TOPIC)")
    .action((o: GlobalOptions & { msgId: string; traceTopic?: string }) => run("queryMsgTraceById", o, (admin) => queryMsgTraceByIdCommand(admin, o)));
}
