// Operator actions of DefaultMQAdminExt that go beyond read-outs, over a started AdminClient:
// - resetOffsetByTimestamp: INVOKE_BROKER_TO_RESET_OFFSET (222) on every master of the topic;
//   the brokers push RESET_CONSUMER_CLIENT_OFFSET (220) to the online consumers. A broker
//   answering CONSUMER_NOT_ONLINE (206) fails the call with that code, so mqadmin can fall
//   back to resetOffsetByTimestampOld.
// - resetOffsetByTimestampOld: per master, GET_CONSUME_STATS (208) for the group's queues of the
//   topic, SEARCH_OFFSET_BY_TIMESTAMP (29) per queue (-1 → GET_MAX_OFFSET), and
//   UPDATE_CONSUMER_OFFSET (15) when force or the found offset is not past the consumer's;
//   returns RocketMQ's RollbackStats rows. No consume stats at all → 206 as Java does.
// - consumeMessageDirectly: CONSUME_MESSAGE_DIRECTLY (309) to the broker that stored the
//   message (from the offset msgId), which forwards it to the named consumer client.
// - updateSubGroup / deleteSubGroup: UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200) /
//   DELETE_SUBSCRIPTIONGROUP (207) on one broker or every master of a cluster.
import { parseOffsetMsgId } from "../../message/msg_id.ts";
import { decodeConsumeStats, encodeSubscriptionGroupConfig } from "../../protocol/admin_bodies.ts";
import type { SubscriptionGroupConfig } from "../../protocol/admin_bodies.ts";
import { GetConsumeStatsRequestHeader, DeleteSubscriptionGroupRequestHeader } from "../../protocol/headers.ts";
import {
  ConsumeMessageDirectlyResultRequestHeader, decodeConsumeMessageDirectlyResult, decodeResetOffsetBody, ResetOffsetRequestHeader,
} from "../../protocol/ops_bodies.ts";
import type { ConsumeMessageDirectlyResult } from "../../protocol/ops_bodies.ts";
import { createRequest } from "../../remoting/remoting_command.ts";
import { RequestCode } from "../../remoting/request_code.ts";
import { ResponseCode } from "../../remoting/response_code.ts";
import { MQClientError } from "../client_errors.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { compareMessageQueues } from "../../protocol/message_queue.ts";
import { request } from "../mq_client_api.ts";
import { MASTER_ID } from "../../protocol/route.ts";
import type { AdminClient } from "./admin_client.ts";

export interface RollbackStats {
  brokerName: string;
  queueId: number;
  brokerOffset: number;
  consumerOffset: number;
  timestampOffset: number;
  rollbackOffset: number;
}

async function topicMasters(admin: AdminClient, topic: string): Promise<{ brokerName: string; addr: string }[]> {
  const route = await admin.topicRoute(topic);
  const masters: { brokerName: string; addr: string }[] = [];
  for (const brokerData of route.brokerDatas) {
    const addr = brokerData.brokerAddrs.get(MASTER_ID);
    if (addr !== undefined) masters.push({ brokerName: brokerData.brokerName, addr });
  }
  return masters;
}

/** A broker answer other than SUCCESS → MQClientError carrying the code (MQClientException(code, remark)). */
async function call(admin: AdminClient, addr: string, command: ReturnType<typeof createRequest>, timeoutMs: number): Promise<Uint8Array | undefined> {
  const response = await admin.clientInstance.api.remoting.invokeSync(addr, command, timeoutMs);
  if (response.code !== ResponseCode.SUCCESS) throw new MQClientError(`CODE: ${response.code}  DESC: ${response.remark ?? "null"}`, response.code);
  return response.body;
}

function timeoutMs(admin: AdminClient): number {
  return admin.clientInstance.config.requestTimeoutMs;
}

export async function resetOffsetByTimestamp(admin: AdminClient, topic: string, group: string, timestampMs: number, force: boolean): Promise<[MessageQueue, number][]> {
  const table: [MessageQueue, number][] = [];
  for (const { addr } of await topicMasters(admin, topic)) {
    const command = request(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, ResetOffsetRequestHeader, { topic, group, timestamp: timestampMs, isForce: force });
    table.push(...decodeResetOffsetBody(await call(admin, addr, command, timeoutMs(admin))));
  }
  return table.sort(([a], [b]) => compareMessageQueues(a, b));
}

export async function resetOffsetByTimestampOld(admin: AdminClient, topic: string, group: string, timestampMs: number, force: boolean): Promise<RollbackStats[]> {
  const api = admin.clientInstance.api;
  const rows: RollbackStats[] = [];
  for (const { addr } of await topicMasters(admin, topic)) {
    const stats = decodeConsumeStats(await call(admin, addr, request(RequestCode.GET_CONSUME_STATS, GetConsumeStatsRequestHeader, { consumerGroup: group, topic }), timeoutMs(admin) * 3));
    const queues = stats.offsetTable.filter(([mq]) => mq.topic === topic);
    if (queues.length === 0) {
      throw new MQClientError(`CODE: ${ResponseCode.CONSUMER_NOT_ONLINE}  DESC: Not found the consumer group consume stats, because return offset table is empty, maybe the consumer not consume any message`, ResponseCode.CONSUMER_NOT_ONLINE);
    }
    for (const [mq, offsets] of queues) {
      const found = timestampMs === -1
        ? await api.getMaxOffset(addr, mq, timeoutMs(admin))
        : await api.searchOffset(addr, mq, timestampMs, timeoutMs(admin));
      const row: RollbackStats = {
        brokerName: mq.brokerName, queueId: mq.queueId, brokerOffset: offsets.brokerOffset, consumerOffset: offsets.consumerOffset,
        timestampOffset: found, rollbackOffset: offsets.consumerOffset,
      };
      if (force || found <= offsets.consumerOffset) {
        row.rollbackOffset = found;
        await api.updateConsumerOffsetSync(addr, group, mq, found, timeoutMs(admin));
      }
      rows.push(row);
    }
  }
  return rows.sort((a, b) => a.brokerName.localeCompare(b.brokerName) || a.queueId - b.queueId);
}

export async function consumeMessageDirectly(admin: AdminClient, group: string, clientId: string, msgId: string): Promise<ConsumeMessageDirectlyResult> {
  let storeHost: string;
  try {
    storeHost = parseOffsetMsgId(msgId).storeHost;
  } catch (error) {
    throw new MQClientError(`${msgId} is not an offset msgId`, undefined, { cause: error });
  }
  const command = request(RequestCode.CONSUME_MESSAGE_DIRECTLY, ConsumeMessageDirectlyResultRequestHeader, { consumerGroup: group, clientId, msgId });
  return decodeConsumeMessageDirectlyResult(await call(admin, storeHost, command, timeoutMs(admin) * 3));
}

async function targetBrokers(admin: AdminClient, target: { brokerAddr?: string | undefined; clusterName?: string | undefined }): Promise<string[]> {
  if (target.brokerAddr !== undefined) return [target.brokerAddr];
  if (target.clusterName === undefined) throw new MQClientError("give a broker address (-b) or a cluster name (-c)");
  return (await admin.masterAddrsOfCluster(target.clusterName)).map((master) => master.addr);
}

export async function updateSubGroup(admin: AdminClient, target: { brokerAddr?: string | undefined; clusterName?: string | undefined }, config: SubscriptionGroupConfig): Promise<string[]> {
  const brokers = await targetBrokers(admin, target);
  for (const addr of brokers) {
    await call(admin, addr, createRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, encodeSubscriptionGroupConfig(config)), timeoutMs(admin));
  }
  return brokers;
}

export async function deleteSubGroup(admin: AdminClient, target: { brokerAddr?: string | undefined; clusterName?: string | undefined }, groupName: string, removeOffset: boolean): Promise<string[]> {
  const brokers = await targetBrokers(admin, target);
  for (const addr of brokers) {
    await call(admin, addr, request(RequestCode.DELETE_SUBSCRIPTIONGROUP, DeleteSubscriptionGroupRequestHeader, { groupName, removeOffset }), timeoutMs(admin));
  }
  return brokers;
}
