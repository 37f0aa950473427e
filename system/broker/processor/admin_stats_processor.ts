// Admin read-outs [AdminBrokerProcessor]: GET_BROKER_RUNTIME_INFO (28, KVTable),
// GET_TOPIC_STATS_INFO (202, TopicStatsTable), GET_CONSUME_STATS (208, ConsumeStats),
// GET_CONSUMER_CONNECTION_LIST (203), GET_PRODUCER_CONNECTION_LIST (204), GET_BROKER_CONFIG (26,
// properties text), QUERY_TOPIC_CONSUME_BY_WHO (300, GroupList), GET_CONSUMER_RUNNING_INFO (307,
// forwarded to the client). Tables keyed by MessageQueue are written the fastjson way (object keys).
import { formatProperties } from "../../config/properties.ts";
import { decodeHeader } from "../../protocol/header_codec.ts";
import {
  GetConsumeStatsRequestHeader, GetConsumerConnectionListRequestHeader, GetConsumerRunningInfoRequestHeader, GetTopicStatsInfoRequestHeader,
} from "../../protocol/headers.ts";
import { stringifyFastjson } from "../../protocol/fastjson.ts";
import { RemotingTimeoutError, ResponseCode, utf8 } from "../../remoting/index.ts";
import type { RemotingCommand, RequestContext } from "../../remoting/index.ts";
import type { BrokerRuntime } from "../broker_runtime.ts";
import { statsRuntimeInfo } from "../broker_metrics.ts";
import { jsonBody, respond } from "./responses.ts";
import { errorText } from "../../stdx/error_text.ts";

export const BROKER_VERSION = 407;
export const BROKER_VERSION_DESC = "V4_9_7";
/** MQVersion V3_1_8_SNAPSHOT: older clients cannot answer GET_CONSUMER_RUNNING_INFO. */
const VERSION_V3_1_8_SNAPSHOT = 62;

function mqKey(topic: string, brokerName: string, queueId: number): { brokerName: string; queueId: number; topic: string } {
  return { brokerName, queueId, topic };
}

export class AdminStatsProcessor {
  constructor(
    private readonly runtime: BrokerRuntime,
    private readonly consumerRunningInfoTimeoutMs = 5_000,
  ) {}

  getBrokerRuntimeInfo(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const { store, counters, env } = this.runtime;
    const runtimeMs = env.clock.nowMs() - counters.bootTimestamp;
    const storeInfo = store.runtimeInfo();
    const table: Record<string, string> = {
      ...storeInfo,
      ...statsRuntimeInfo(counters, storeInfo),
      ...this.runtime.haRuntimeInfo?.(),
      brokerVersion: String(BROKER_VERSION),
      brokerVersionDesc: BROKER_VERSION_DESC,
      bootTimestamp: String(counters.bootTimestamp),
      runtime: formatRuntime(runtimeMs),
      msgPutTotalTodayNow: String(counters.putMessages),
      msgGetTotalTodayNow: String(counters.pulledMessages),
      sendRequestsTotal: String(counters.sendRequests),
      pullRequestsTotal: String(counters.pullRequests),
      pullRequestsHeld: String(this.runtime.pullRequestHoldService.heldCount()),
      commitLogMaxOffset: String(store.getMaxPhyOffset()),
      commitLogMinOffset: String(store.getMinPhyOffset()),
      brokerRole: this.runtime.brokerConfig.brokerRole,
      flushDiskType: this.runtime.brokerConfig.flushDiskType,
    };
    return respond(request, ResponseCode.SUCCESS, undefined, {}, jsonBody({ table }));
  }

  getTopicStatsInfo(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const { topic } = decodeHeader(GetTopicStatsInfoRequestHeader, request.extFields);
    const config = this.runtime.topicConfigManager.selectTopicConfig(topic);
    if (config === undefined) return respond(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist`);
    const { store, brokerConfig } = this.runtime;
    const offsetTable = new Map<object, object>();
    for (let queueId = 0; queueId < config.writeQueueNums; queueId++) {
      const minOffset = Math.max(0, store.getMinOffsetInQueue(topic, queueId));
      const maxOffset = Math.max(0, store.getMaxOffsetInQueue(topic, queueId));
      const lastUpdateTimestamp = maxOffset > 0 ? store.getMessageStoreTimeStamp(topic, queueId, maxOffset - 1) : 0;
      offsetTable.set(mqKey(topic, brokerConfig.brokerName, queueId), { lastUpdateTimestamp, maxOffset, minOffset });
    }
    return respond(request, ResponseCode.SUCCESS, undefined, {}, utf8(stringifyFastjson({ offsetTable })));
  }

  getConsumeStats(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const header = decodeHeader(GetConsumeStatsRequestHeader, request.extFields);
    const { store, brokerConfig, consumerOffsetManager, consumerManager, topicConfigManager } = this.runtime;
    const topics = header.topic === undefined || header.topic.trim() === ""
      ? consumerOffsetManager.whichTopicByConsumer(header.consumerGroup) : new Set([header.topic]);
    const offsetTable = new Map<object, object>();
    const groupInfo = consumerManager.getConsumerGroupInfo(header.consumerGroup);
    for (const topic of [...topics].sort()) {
      const config = topicConfigManager.selectTopicConfig(topic);
      if (config === undefined) continue;
      if (groupInfo !== undefined && groupInfo.subscriptionTable.size > 0 && !groupInfo.subscriptionTable.has(topic)) continue;
      for (let queueId = 0; queueId < config.readQueueNums; queueId++) {
        const brokerOffset = Math.max(0, store.getMaxOffsetInQueue(topic, queueId));
        const consumerOffset = Math.max(0, consumerOffsetManager.queryOffset(header.consumerGroup, topic, queueId));
        const lastTimestamp = consumerOffset > 0 ? Math.max(0, store.getMessageStoreTimeStamp(topic, queueId, consumerOffset - 1)) : 0;
        offsetTable.set(mqKey(topic, brokerConfig.brokerName, queueId), { brokerOffset, consumerOffset, lastTimestamp });
      }
    }
    return respond(request, ResponseCode.SUCCESS, undefined, {}, utf8(stringifyFastjson({ consumeTps: 0, offsetTable })));
  }

  getConsumerConnectionList(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const { consumerGroup } = decodeHeader(GetConsumerConnectionListRequestHeader, request.extFields);
    const info = this.runtime.consumerManager.getConsumerGroupInfo(consumerGroup);
    if (info === undefined) return respond(request, ResponseCode.CONSUMER_NOT_ONLINE, `the consumer group[${consumerGroup}] not online`);
    const body = {
      connectionSet: [...info.channelInfoTable.values()].map((client) => ({
        clientAddr: client.channel.remoteAddress, clientId: client.clientId, language: client.language, version: client.version,
      })),
      consumeFromWhere: info.consumeFromWhere,
      consumeType: info.consumeType,
      messageModel: info.messageModel,
      subscriptionTable: Object.fromEntries(info.subscriptionTable),
    };
    return respond(request, ResponseCode.SUCCESS, undefined, {}, jsonBody(body));
  }

  getProducerConnectionList(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const producerGroup = request.extFields["producerGroup"] ?? "";
    const clients = this.runtime.producerManager.groupChannels(producerGroup);
    if (clients.length === 0) return respond(request, ResponseCode.SYSTEM_ERROR, `the producer group[${producerGroup}] not exist`);
    const connectionSet = clients.map((client) => ({
      clientAddr: client.channel.remoteAddress, clientId: client.clientId, language: client.language, version: client.version,
    }));
    return respond(request, ResponseCode.SUCCESS, undefined, {}, jsonBody({ connectionSet }));
  }

  getBrokerConfig(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const text = formatProperties(this.runtime.brokerConfig);
    const version = JSON.stringify({ counter: 0, timestamp: this.runtime.counters.bootTimestamp });
    return respond(request, ResponseCode.SUCCESS, undefined, { version }, utf8(text));
  }

  queryTopicConsumeByWho(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const topic = request.extFields["topic"] ?? "";
    const groups = this.runtime.consumerManager.queryTopicConsumeByWho(topic);
    for (const group of this.runtime.consumerOffsetManager.whichGroupByTopic(topic)) groups.add(group);
    return respond(request, ResponseCode.SUCCESS, undefined, {}, jsonBody({ groupList: [...groups].sort() }));
  }

  async getConsumerRunningInfo(_context: RequestContext, request: RemotingCommand): Promise<RemotingCommand> {
    const header = decodeHeader(GetConsumerRunningInfoRequestHeader, request.extFields);
    const client = this.runtime.consumerManager.findChannel(header.consumerGroup, header.clientId);
    if (client === undefined) return respond(request, ResponseCode.SYSTEM_ERROR, `The Consumer <${header.consumerGroup}> <${header.clientId}> not online`);
    if (client.version < VERSION_V3_1_8_SNAPSHOT) {
      return respond(request, ResponseCode.SYSTEM_ERROR, `The Consumer <${header.clientId}> Version <${client.version}> too low to finish, please upgrade it to V3_1_8_SNAPSHOT`);
    }
    try {
      const answer = await this.runtime.broker2Client.callClient(client.channel, request, this.consumerRunningInfoTimeoutMs);
      return respond(request, answer.code, answer.remark, answer.extFields, answer.body);
    } catch (error) {
      const text = errorText(error);
      if (error instanceof RemotingTimeoutError) {
        return respond(request, ResponseCode.CONSUME_MSG_TIMEOUT, `consumer <${header.consumerGroup}> <${header.clientId}> Timeout: ${text}`);
      }
      return respond(request, ResponseCode.SYSTEM_ERROR, `invoke consumer <${header.consumerGroup}> <${header.clientId}> Exception: ${text}`);
    }
  }
}

/** "[ 0 days, 1 hours, 2 minutes, 3 seconds ]" like BrokerController.getRuntimeInfo. */
function formatRuntime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `[ ${days} days, ${hours} hours, ${minutes} minutes, ${seconds % 60} seconds ]`;
}
