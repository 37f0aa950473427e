// Operator actions that reach consumers through the broker [AdminBrokerProcessor, Broker2Client]:
// - INVOKE_BROKER_TO_RESET_OFFSET (222): for each write queue of the topic, the offset at the
//   timestamp (-1 → max offset; negative → 0) replaces the group's committed offset when isForce
//   or when it is smaller; the table goes oneway to every online consumer of the group as
//   RESET_CONSUMER_CLIENT_OFFSET (220) and back to the caller as a ResetOffsetBody. The broker
//   does not commit the offsets itself: the consumers do, as in 4.9. Errors with RocketMQ's
//   remarks: no topic → 1 "[reset-offset] reset offset failed, no topic in this broker.
//   topic=…"; no committed offset → 1 "THe consumer group <g> not exist"; no consumer online →
//   206 "Consumer not online, so can not reset offset, Group: g Topic: t Timestamp: n" (mqadmin
//   then falls back to the old 29+15 path).
// - CONSUME_MESSAGE_DIRECTLY (309): the stored record of the offset msgId goes in the body,
//   brokerName in the header, and the request is forwarded to that consumer client; its
//   ConsumeMessageDirectlyResult comes back as is.
import { parseOffsetMsgId } from "../../message/msg_id.ts";
import { decodeHeader } from "../../protocol/header_codec.ts";
import { ConsumeMessageDirectlyResultRequestHeader, encodeResetOffsetBody, ResetOffsetRequestHeader } from "../../protocol/ops_bodies.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { createRequest, RemotingTimeoutError, RequestCode, ResponseCode } from "../../remoting/index.ts";
import type { RemotingCommand, RequestContext } from "../../remoting/index.ts";
import type { BrokerRuntime } from "../broker_runtime.ts";
import { respond } from "./responses.ts";

/** MQVersion V3_0_7_SNAPSHOT: older clients cannot reset offsets. */
const VERSION_V3_0_7_SNAPSHOT = 24;
/** Java's callConsumer timeout. */
const CALL_CONSUMER_TIMEOUT_MS = 5_000;

export class AdminOpsProcessor {
  constructor(private readonly runtime: BrokerRuntime, private readonly callConsumerTimeoutMs = CALL_CONSUMER_TIMEOUT_MS) {}

  /** Broker2Client.resetOffset (isC=false). */
  invokeBrokerToResetOffset(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const header = decodeHeader(ResetOffsetRequestHeader, request.extFields);
    const { topicConfigManager, consumerOffsetManager, store, brokerConfig, consumerManager, log } = this.runtime;
    const topicConfig = topicConfigManager.selectTopicConfig(header.topic);
    if (topicConfig === undefined) {
      return respond(request, ResponseCode.SYSTEM_ERROR, `[reset-offset] reset offset failed, no topic in this broker. topic=${header.topic}`);
    }
    const offsets: [MessageQueue, number][] = [];
    for (let queueId = 0; queueId < topicConfig.writeQueueNums; queueId++) {
      const consumerOffset = consumerOffsetManager.queryOffset(header.group, header.topic, queueId);
      if (consumerOffset === -1) return respond(request, ResponseCode.SYSTEM_ERROR, `THe consumer group <${header.group}> not exist`);
      let target = header.timestamp === -1
        ? store.getMaxOffsetInQueue(header.topic, queueId)
        : store.getOffsetInQueueByTime(header.topic, queueId, header.timestamp);
      if (target < 0) target = 0;
      const mq = { topic: header.topic, brokerName: brokerConfig.brokerName, queueId };
      offsets.push([mq, header.isForce || target < consumerOffset ? target : consumerOffset]);
    }
    const body = encodeResetOffsetBody(offsets);
    const channels = consumerManager.getConsumerGroupInfo(header.group)?.channelInfoTable;
    if (channels === undefined || channels.size === 0) {
      return respond(request, ResponseCode.CONSUMER_NOT_ONLINE,
        `Consumer not online, so can not reset offset, Group: ${header.group} Topic: ${header.topic} Timestamp: ${header.timestamp}`);
    }
    for (const [channel, info] of channels) {
      if (info.version < VERSION_V3_0_7_SNAPSHOT) {
        return respond(request, ResponseCode.SYSTEM_ERROR, `the client does not support this feature. version=${info.version}`);
      }
      try {
        channel.invokeOneway(createRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, {
          topic: header.topic, group: header.group, timestamp: String(header.timestamp), isForce: String(header.isForce),
        }, body));
        log.info("[reset-offset] reset offset success", { topic: header.topic, group: header.group, clientId: info.clientId });
      } catch (error) {
        log.warn("[reset-offset] reset offset exception", { topic: header.topic, group: header.group, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return respond(request, ResponseCode.SUCCESS, undefined, {}, body);
  }

  /** AdminBrokerProcessor.consumeMessageDirectly → callConsumer. */
  async consumeMessageDirectly(_context: RequestContext, request: RemotingCommand): Promise<RemotingCommand> {
    const header = decodeHeader(ConsumeMessageDirectlyResultRequestHeader, request.extFields);
    const { brokerConfig, store, consumerManager } = this.runtime;
    let record: Uint8Array | undefined;
    try {
      if (header.msgId !== undefined) record = store.selectOneMessageByOffset(parseOffsetMsgId(header.msgId).commitLogOffset);
    } catch (error) {
      return respond(request, ResponseCode.SYSTEM_ERROR, `bad msgId ${header.msgId ?? ""}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (record === undefined) return respond(request, ResponseCode.SYSTEM_ERROR, `message ${header.msgId ?? ""} not found on this broker`);
    const client = consumerManager.findChannel(header.consumerGroup, header.clientId ?? "");
    if (client === undefined) return respond(request, ResponseCode.SYSTEM_ERROR, `The Consumer <${header.consumerGroup}> <${header.clientId ?? ""}> not online`);
    const forward = createRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY, { ...request.extFields, brokerName: brokerConfig.brokerName }, record);
    try {
      const answer = await client.channel.invokeSync(forward, this.callConsumerTimeoutMs);
      return respond(request, answer.code, answer.remark, answer.extFields, answer.body);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      if (error instanceof RemotingTimeoutError) {
        return respond(request, ResponseCode.CONSUME_MSG_TIMEOUT, `consumer <${header.consumerGroup}> <${header.clientId ?? ""}> Timeout: ${text}`);
      }
      return respond(request, ResponseCode.SYSTEM_ERROR, `invoke consumer <${header.consumerGroup}> <${header.clientId ?? ""}> Exception: ${text}`);
    }
  }
}
