// Admin requests about topics and groups [AdminBrokerProcessor]: UPDATE_AND_CREATE_TOPIC (17),
// DELETE_TOPIC_IN_BROKER (215), GET_ALL_TOPIC_CONFIG (21), UPDATE_AND_CREATE_SUBSCRIPTIONGROUP
// (200), GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201), DELETE_SUBSCRIPTIONGROUP (207),
// GET_ALL_CONSUMER_OFFSET (43), GET_ALL_DELAY_OFFSET (45). Writes are refused on a slave
// ("validateSlave"); a created or updated topic reaches the NameServers at once (the topic
// manager's change listener re-registers).
import { decodeHeader } from "../../protocol/header_codec.ts";
import { CreateTopicRequestHeader, DeleteSubscriptionGroupRequestHeader, DeleteTopicRequestHeader } from "../../protocol/headers.ts";
import { ResponseCode } from "../../remoting/index.ts";
import type { RemotingCommand, RequestContext } from "../../remoting/index.ts";
import type { BrokerRuntime } from "../broker_runtime.ts";
import { parseFastjson } from "../../protocol/fastjson.ts";
import { subscriptionGroupConfigFromJson } from "../subscription_group_manager.ts";
import { newTopicConfig } from "../topic_config.ts";
import { bodyText, jsonBody, respond } from "./responses.ts";
import { isSystemTopic, topicProblem } from "./topic_validator.ts";

export class AdminTopicProcessor {
  constructor(private readonly runtime: BrokerRuntime) {}

  private slaveRefusal(request: RemotingCommand): RemotingCommand | undefined {
    if (this.runtime.brokerConfig.brokerRole !== "SLAVE") return undefined;
    return respond(request, ResponseCode.SYSTEM_ERROR, "Can't modify topic or subscription group from slave broker, please execute it from master broker.");
  }

  updateAndCreateTopic(context: RequestContext, request: RemotingCommand): RemotingCommand {
    const refusal = this.slaveRefusal(request);
    if (refusal !== undefined) return refusal;
    const header = decodeHeader(CreateTopicRequestHeader, request.extFields);
    this.runtime.log.info("updateAndCreateTopic called", { topic: header.topic, by: context.channel.remoteAddress });
    const problem = topicProblem(header.topic);
    if (problem !== null) return respond(request, ResponseCode.SYSTEM_ERROR, problem);
    if (isSystemTopic(header.topic)) return respond(request, ResponseCode.SYSTEM_ERROR, `The topic[${header.topic}] is conflict with system topic.`);
    if (header.readQueueNums < 0 || header.writeQueueNums < 0) return respond(request, ResponseCode.SYSTEM_ERROR, "queue numbers must not be negative");
    this.runtime.topicConfigManager.updateTopicConfig(newTopicConfig(header.topic, {
      readQueueNums: header.readQueueNums,
      writeQueueNums: header.writeQueueNums,
      perm: header.perm,
      topicFilterType: header.topicFilterType === "MULTI_TAG" ? "MULTI_TAG" : "SINGLE_TAG",
      topicSysFlag: header.topicSysFlag ?? 0,
      order: header.order,
    }));
    return respond(request, ResponseCode.SUCCESS);
  }

  deleteTopic(context: RequestContext, request: RemotingCommand): RemotingCommand {
    const refusal = this.slaveRefusal(request);
    if (refusal !== undefined) return refusal;
    const { topic } = decodeHeader(DeleteTopicRequestHeader, request.extFields);
    this.runtime.log.info("deleteTopic called", { topic, by: context.channel.remoteAddress });
    const problem = topicProblem(topic);
    if (problem !== null) return respond(request, ResponseCode.SYSTEM_ERROR, problem);
    if (isSystemTopic(topic)) return respond(request, ResponseCode.SYSTEM_ERROR, `The topic[${topic}] is conflict with system topic.`);
    this.runtime.topicConfigManager.deleteTopicConfig(topic);
    this.runtime.store.deleteTopics(new Set([topic]));
    this.runtime.consumerOffsetManager.removeTopic(topic);
    return respond(request, ResponseCode.SUCCESS);
  }

  getAllTopicConfig(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    return respond(request, ResponseCode.SUCCESS, undefined, {}, jsonBody(this.runtime.topicConfigManager.encode()));
  }

  updateAndCreateSubscriptionGroup(context: RequestContext, request: RemotingCommand): RemotingCommand {
    const refusal = this.slaveRefusal(request);
    if (refusal !== undefined) return refusal;
    const text = bodyText(request);
    if (text !== undefined) {
      const parsed = parseFastjson(text) as Record<string, unknown>;
      const groupName = parsed["groupName"];
      if (typeof groupName !== "string" || groupName === "") return respond(request, ResponseCode.SYSTEM_ERROR, "subscription group config without groupName");
      this.runtime.subscriptionGroupManager.updateSubscriptionGroupConfig(subscriptionGroupConfigFromJson(parsed, groupName));
      this.runtime.log.info("updateAndCreateSubscriptionGroup called", { group: groupName, by: context.channel.remoteAddress });
    }
    return respond(request, ResponseCode.SUCCESS);
  }

  getAllSubscriptionGroupConfig(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    return respond(request, ResponseCode.SUCCESS, undefined, {}, jsonBody(this.runtime.subscriptionGroupManager.encode()));
  }

  deleteSubscriptionGroup(context: RequestContext, request: RemotingCommand): RemotingCommand {
    const refusal = this.slaveRefusal(request);
    if (refusal !== undefined) return refusal;
    const header = decodeHeader(DeleteSubscriptionGroupRequestHeader, request.extFields);
    this.runtime.log.info("deleteSubscriptionGroup called", { group: header.groupName, by: context.channel.remoteAddress });
    this.runtime.subscriptionGroupManager.deleteSubscriptionGroupConfig(header.groupName);
    if (header.removeOffset === true) this.runtime.consumerOffsetManager.removeOffset(header.groupName);
    return respond(request, ResponseCode.SUCCESS);
  }

  getAllConsumerOffset(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    return respond(request, ResponseCode.SUCCESS, undefined, {}, jsonBody(this.runtime.consumerOffsetManager.encode()));
  }

  getAllDelayOffset(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const content = this.runtime.store.delayOffsetJson();
    if (content === undefined || content === "") return respond(request, ResponseCode.SYSTEM_ERROR, "No delay offset in this broker");
    return respond(request, ResponseCode.SUCCESS, undefined, {}, new TextEncoder().encode(content));
  }
}
