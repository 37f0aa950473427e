// HEART_BEAT (34), UNREGISTER_CLIENT (35), CHECK_CLIENT_CONFIG (46)
// [broker/.../processor/ClientManageProcessor.java]. A consumer heartbeat auto-creates the
// group's subscription config (when allowed) and its retry topic %RETRY%group (registered with
// the NameServers at once), then updates group membership (a change notifies every member).
import { RETRY_GROUP_TOPIC_PREFIX } from "../../message/index.ts";
import { decodeHeader } from "../../protocol/header_codec.ts";
import { UnregisterClientRequestHeader } from "../../protocol/headers.ts";
import { ResponseCode } from "../../remoting/index.ts";
import type { RemotingCommand, RequestContext } from "../../remoting/index.ts";
import type { BrokerRuntime } from "../broker_runtime.ts";
import type { ClientChannelInfo } from "../client/client_channel_info.ts";
import { subscriptionDataFromJson } from "../filter/subscription_data.ts";
import { checkSubscriptionConfig } from "../filter/sql_filter.ts";
import type { SubscriptionData } from "../filter/subscription_data.ts";
import { parseFastjson } from "../../protocol/fastjson.ts";
import { Perm } from "../../protocol/topic_config.ts";
import { bodyText, respond } from "./responses.ts";
import { errorText } from "../../stdx/error_text.ts";

interface ConsumerData {
  groupName: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  subscriptions: SubscriptionData[];
}

export interface HeartbeatData {
  clientID: string;
  producerGroups: string[];
  consumers: ConsumerData[];
}

export class HeartbeatDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HeartbeatDecodeError";
  }
}

function textOr(value: unknown, fallback: string): string {
  return typeof value === "string" && value !== "" ? value : fallback;
}

export function decodeHeartbeat(text: string | undefined): HeartbeatData {
  if (text === undefined) throw new HeartbeatDecodeError("heartbeat without a body");
  let parsed: unknown;
  try {
    parsed = parseFastjson(text);
  } catch (error) {
    throw new HeartbeatDecodeError(`heartbeat body is not JSON: ${errorText(error)}`);
  }
  const record = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const clientID = record["clientID"];
  if (typeof clientID !== "string" || clientID === "") throw new HeartbeatDecodeError("heartbeat without clientID");
  const list = (value: unknown): Record<string, unknown>[] =>
    (Array.isArray(value) ? value : []).filter((item): item is Record<string, unknown> => typeof item === "object" && item !== null);
  const producerGroups = list(record["producerDataSet"]).map((item) => item["groupName"]).filter((name): name is string => typeof name === "string");
  const consumers = list(record["consumerDataSet"]).flatMap((item): ConsumerData[] => {
    const groupName = item["groupName"];
    if (typeof groupName !== "string" || groupName === "") return [];
    return [{
      groupName,
      consumeType: textOr(item["consumeType"], "CONSUME_PASSIVELY"),
      messageModel: textOr(item["messageModel"], "CLUSTERING"),
      consumeFromWhere: textOr(item["consumeFromWhere"], "CONSUME_FROM_LAST_OFFSET"),
      subscriptions: list(item["subscriptionDataSet"]).map((sub) => subscriptionDataFromJson(sub)),
    }];
  });
  return { clientID, producerGroups, consumers };
}

export class ClientManageProcessor {
  constructor(private readonly runtime: BrokerRuntime) {}

  heartBeat(context: RequestContext, request: RemotingCommand): RemotingCommand {
    const heartbeat = decodeHeartbeat(bodyText(request));
    const nowMs = this.runtime.env.clock.nowMs();
    const info = (): ClientChannelInfo => ({
      channel: context.channel, clientId: heartbeat.clientID, language: request.language, version: request.version, lastUpdateTimestamp: nowMs,
    });
    for (const consumer of heartbeat.consumers) {
      const groupConfig = this.runtime.subscriptionGroupManager.findSubscriptionGroupConfig(consumer.groupName);
      let notify = true;
      if (groupConfig !== undefined) {
        notify = groupConfig.notifyConsumerIdsChangedEnable;
        this.runtime.topicConfigManager.createTopicInSendMessageBackMethod(
          RETRY_GROUP_TOPIC_PREFIX + consumer.groupName, groupConfig.retryQueueNums, Perm.WRITE | Perm.READ, 0,
        );
      }
      this.runtime.consumerManager.registerConsumer({
        group: consumer.groupName,
        clientChannelInfo: info(),
        consumeType: consumer.consumeType,
        messageModel: consumer.messageModel,
        consumeFromWhere: consumer.consumeFromWhere,
        subscriptions: consumer.subscriptions,
        notifyConsumerIdsChangedEnable: notify,
      }, nowMs);
    }
    for (const group of heartbeat.producerGroups) this.runtime.producerManager.registerProducer(group, info(), nowMs);
    return respond(request, ResponseCode.SUCCESS);
  }

  unregisterClient(context: RequestContext, request: RemotingCommand): RemotingCommand {
    const header = decodeHeader(UnregisterClientRequestHeader, request.extFields);
    if (header.producerGroup !== undefined) this.runtime.producerManager.unregisterProducer(header.producerGroup, context.channel);
    if (header.consumerGroup !== undefined) {
      const groupConfig = this.runtime.subscriptionGroupManager.findSubscriptionGroupConfig(header.consumerGroup);
      this.runtime.consumerManager.unregisterConsumer(header.consumerGroup, context.channel, groupConfig?.notifyConsumerIdsChangedEnable ?? true);
    }
    this.runtime.log.info("client unregistered", { clientId: header.clientID, producerGroup: header.producerGroup, consumerGroup: header.consumerGroup });
    return respond(request, ResponseCode.SUCCESS);
  }

  /** CHECK_CLIENT_CONFIG (46): TAG passes; SQL92 needs enablePropertyFilter and a selector that compiles. */
  checkClientConfig(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const text = bodyText(request);
    if (text === undefined) return respond(request, ResponseCode.SUCCESS);
    const parsed = parseFastjson(text) as Record<string, unknown>;
    const subscription = parsed["subscriptionData"] as Record<string, unknown> | undefined;
    const expressionType = typeof subscription?.["expressionType"] === "string" ? subscription["expressionType"] : undefined;
    const subString = typeof subscription?.["subString"] === "string" ? subscription["subString"] : "";
    if (subscription === undefined) return respond(request, ResponseCode.SUCCESS);
    const refusal = checkSubscriptionConfig(expressionType, subString, this.runtime.brokerConfig.enablePropertyFilter);
    return refusal === undefined ? respond(request, ResponseCode.SUCCESS) : respond(request, refusal.code, refusal.remark);
  }
}
