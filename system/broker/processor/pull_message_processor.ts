// PULL_MESSAGE (11) [broker/.../processor/PullMessageProcessor.java] with long polling.
// Checks in RocketMQ's order: broker readable → 16; group config (auto-created or 26); group
// consume-enabled → 16; topic exists → 17; topic readable → 16; queueId in range → 1;
// subscription from the header (sysFlag 4; bad expression → 23) or from heartbeats (none → 24,
// older than the request → 25, broadcast not allowed → 16); SQL92 expressions: see
// filter/sql_filter.ts (enablePropertyFilter=false → 1; matched on message properties).
// Store outcome → code as remoting-protocol.md (b) "pull"; PULL_NOT_FOUND with suspend allowed
// is held by PullRequestHoldService and re-run without suspension when woken.
// Slaves serve pulls whatever slaveReadEnable says, as RocketMQ 4.9.7 does (its SLAVE branch sets
// PULL_RETRY_IMMEDIATELY, but the store-status switch right after overwrites the code): that is
// how consumers keep reading a master's replicated messages from its slave while the master is
// down. slaveReadEnable only steers suggestWhichBrokerId: off → always 0 (back to the master
// once it is in the route); on → whichBrokerWhenConsumeSlowly when the pull is far behind
// (accessMessageInMemoryMaxRatio), else the group's brokerId.
// Invariants: EVERY response carries suggestWhichBrokerId, nextBeginOffset, minOffset and
// maxOffset (ali-ons reads them for every code); the offset is committed only on the first
// pass, only with sysFlag&1 and only on a master.
import { Buffer } from "node:buffer";
import { MessageConst, PullSysFlag, SystemTopic } from "../../message/index.ts";
import { decodeHeader } from "../../protocol/header_codec.ts";
import { PullMessageRequestHeader } from "../../protocol/headers.ts";
import { createResponse, ResponseCode } from "../../remoting/index.ts";
import type { RemotingChannel, RemotingCommand, RequestContext } from "../../remoting/index.ts";
import type { BrokerRuntime } from "../broker_runtime.ts";
import {
  buildSubscriptionData, isMatchedByTagsCode, SubscriptionParseError,
} from "../filter/subscription_data.ts";
import { applyPullFilter, resolvePullFilter } from "../filter/sql_filter.ts";
import type { SubscriptionData } from "../filter/subscription_data.ts";
import type { PullHeader, PullRequest } from "../longpolling/pull_request_hold_service.ts";
import { isReadable } from "../../protocol/topic_config.ts";
import type { GetMessageResult } from "../store_port.ts";
import { APPLY_TOPIC_URL, respond, SAME_GROUP_DIFFERENT_TOPIC_URL, SUBSCRIPTION_GROUP_NOT_EXIST_URL, suggestTodo } from "./responses.ts";
import { probe } from "../../env/probe.ts";
import { errorText } from "../../stdx/error_text.ts";

const MASTER_ID = 0;

export class PullMessageProcessor {
  private foundPulls = 0;

  constructor(private readonly runtime: BrokerRuntime) {
    runtime.pullRequestHoldService.setWakeupHandler((pull) => this.processRequest(pull.channel, pull.request, false, pull.header));
  }

  process(context: RequestContext, request: RemotingCommand): Promise<RemotingCommand | undefined> | RemotingCommand {
    this.runtime.counters.pullRequests += 1;
    return this.processRequest(context.channel, request, true);
  }

  /** `decoded`: the header of a held pull, decoded when it was held (nothing changes it since). */
  processRequest(channel: RemotingChannel, request: RemotingCommand, brokerAllowSuspend: boolean, decoded?: PullHeader): Promise<RemotingCommand | undefined> | RemotingCommand {
    const header = decoded ?? decodeHeader(PullMessageRequestHeader, request.extFields);
    const outcome = this.pull(channel, request, header, brokerAllowSuspend);
    const hasCommitOffsetFlag = (header.sysFlag & PullSysFlag.FLAG_COMMIT_OFFSET) !== 0;
    if (brokerAllowSuspend && hasCommitOffsetFlag && this.runtime.brokerConfig.brokerRole !== "SLAVE" && this.runtime.testFaults.skipCommitOffset !== true) {
      this.runtime.consumerOffsetManager.commitOffset(channel.remoteAddress, header.consumerGroup, header.topic, header.queueId, header.commitOffset);
    }
    return outcome;
  }

  private errorResponse(request: RemotingCommand, header: PullHeader, code: number, remark: string, queueKnown = false): RemotingCommand {
    const { store } = this.runtime;
    return respond(request, code, remark, {
      suggestWhichBrokerId: MASTER_ID,
      nextBeginOffset: header.queueOffset,
      minOffset: queueKnown ? store.getMinOffsetInQueue(header.topic, header.queueId) : 0,
      maxOffset: queueKnown ? store.getMaxOffsetInQueue(header.topic, header.queueId) : 0,
    });
  }

  private pull(channel: RemotingChannel, request: RemotingCommand, header: PullHeader, brokerAllowSuspend: boolean): Promise<RemotingCommand | undefined> | RemotingCommand {
    const { brokerConfig, subscriptionGroupManager, topicConfigManager, consumerManager } = this.runtime;
    // No local closures here (fail = ..., filter = ...): under tsx every named closure costs a
    // defineProperty per pull (esbuild keepNames), and this is the broker's hottest request.
    if (!isReadable(brokerConfig.brokerPermission)) {
      return this.errorResponse(request, header, ResponseCode.NO_PERMISSION, `the broker[${brokerConfig.brokerIP1}] pulling message is forbidden`);
    }
    const groupConfig = subscriptionGroupManager.findSubscriptionGroupConfig(header.consumerGroup);
    if (groupConfig === undefined) return this.errorResponse(request, header, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group [${header.consumerGroup}] does not exist, ${suggestTodo(SUBSCRIPTION_GROUP_NOT_EXIST_URL)}`);
    if (!groupConfig.consumeEnable) return this.errorResponse(request, header, ResponseCode.NO_PERMISSION, `subscription group no permission, ${header.consumerGroup}`);
    const topicConfig = topicConfigManager.selectTopicConfig(header.topic);
    if (topicConfig === undefined) {
      this.runtime.log.warn("pull from a topic that does not exist", { topic: header.topic, consumer: channel.remoteAddress });
      return this.errorResponse(request, header, ResponseCode.TOPIC_NOT_EXIST, `topic[${header.topic}] not exist, apply first please! ${suggestTodo(APPLY_TOPIC_URL)}`);
    }
    if (!isReadable(topicConfig.perm)) return this.errorResponse(request, header, ResponseCode.NO_PERMISSION, `the topic[${header.topic}] pulling message is forbidden`);
    if (header.queueId < 0 || header.queueId >= topicConfig.readQueueNums) {
      return this.errorResponse(request, header, ResponseCode.SYSTEM_ERROR, `queueId[${header.queueId}] is illegal, topic:[${header.topic}] topicConfig.readQueueNums:[${topicConfig.readQueueNums}] consumer:[${channel.remoteAddress}]`);
    }
    let subscription: SubscriptionData | undefined;
    if ((header.sysFlag & PullSysFlag.FLAG_SUBSCRIPTION) !== 0) {
      try {
        subscription = buildSubscriptionData(header.topic, header.subscription, header.expressionType, header.subVersion);
      } catch (error) {
        if (!(error instanceof SubscriptionParseError)) throw error;
        return this.errorResponse(request, header, ResponseCode.SUBSCRIPTION_PARSE_FAILED, "parse the consumer's subscription failed", true);
      }
    } else {
      const groupInfo = consumerManager.getConsumerGroupInfo(header.consumerGroup);
      if (groupInfo === undefined) return this.errorResponse(request, header, ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's group info not exist${suggestTodo(SAME_GROUP_DIFFERENT_TOPIC_URL)}`, true);
      if (!groupConfig.consumeBroadcastEnable && groupInfo.messageModel === "BROADCASTING") {
        return this.errorResponse(request, header, ResponseCode.NO_PERMISSION, `the consumer group[${header.consumerGroup}] can not consume by broadcast way`, true);
      }
      subscription = groupInfo.subscriptionTable.get(header.topic);
      if (subscription === undefined) return this.errorResponse(request, header, ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's subscription not exist${suggestTodo(SAME_GROUP_DIFFERENT_TOPIC_URL)}`, true);
      if (subscription.subVersion < header.subVersion) return this.errorResponse(request, header, ResponseCode.SUBSCRIPTION_NOT_LATEST, "the consumer's subscription not latest", true);
    }
    const sqlFilter = resolvePullFilter(subscription, (header.sysFlag & PullSysFlag.FLAG_SUBSCRIPTION) !== 0, brokerConfig.enablePropertyFilter);
    if (!sqlFilter.ok) return this.errorResponse(request, header, sqlFilter.code, sqlFilter.remark, true);
    const filter = tagsFilter(subscription);
    // Transient: the records are views of the store's read buffer until the next pull; toResponse
    // copies them into the body right away (nothing in between yields).
    const stored = this.runtime.store.getMessage(header.consumerGroup, header.topic, header.queueId, header.queueOffset, header.maxMsgNums, filter, true);
    // TEST FAULT sqlFilterIgnored: deliver what the selector should have filtered out.
    const result = this.runtime.testFaults.sqlFilterIgnored === true ? stored : applyPullFilter(stored, sqlFilter.expression);
    const response = this.toResponse(request, header, result, groupConfig.brokerId, groupConfig.whichBrokerWhenConsumeSlowly);
    if (response.code === ResponseCode.PULL_OFFSET_MOVED && brokerConfig.brokerRole === "SLAVE") {
      // A slave does not correct offsets (offsetCheckInSlave=false): retry, towards the group's broker.
      response.code = ResponseCode.PULL_RETRY_IMMEDIATELY;
      response.extFields["suggestWhichBrokerId"] = String(groupConfig.brokerId);
      return response;
    }
    if (response.code === ResponseCode.PULL_NOT_FOUND && brokerAllowSuspend && (header.sysFlag & PullSysFlag.FLAG_SUSPEND) !== 0) {
      const timeoutMillis = brokerConfig.longPollingEnable ? header.suspendTimeoutMillis : brokerConfig.shortPollingTimeMills;
      const pull: PullRequest = {
        request, channel, topic: header.topic, queueId: header.queueId, pullFromThisOffset: header.queueOffset,
        suspendTimestampMs: this.runtime.env.clock.nowMs(), timeoutMillis, matches: filter, header,
      };
      return this.runtime.pullRequestHoldService.suspendPullRequest(pull);
    }
    if (response.code === ResponseCode.PULL_OFFSET_MOVED) this.offsetMoved(header, result);
    return response;
  }

  private toResponse(request: RemotingCommand, header: PullHeader, result: GetMessageResult, groupBrokerId: number, slowBrokerId: number): RemotingCommand {
    const { brokerConfig } = this.runtime;
    let suggestWhichBrokerId = MASTER_ID;
    if (brokerConfig.slaveReadEnable) {
      suggestWhichBrokerId = result.suggestPullingFromSlave ? slowBrokerId : groupBrokerId;
      if (result.suggestPullingFromSlave && brokerConfig.brokerId === MASTER_ID) probe(this.runtime.env, "broker.pull.suggest-slave");
    }
    const code = pullCode(result, header.queueOffset);
    let nextBeginOffset = result.nextBeginOffset;
    let body: Uint8Array | undefined;
    if (code === ResponseCode.SUCCESS) {
      body = concat(result.messages);
      this.runtime.counters.pulledMessages += result.messages.length;
      this.foundPulls += 1;
      const every = this.runtime.testFaults.duplicatePullEveryNth ?? 0;
      // TEST FAULT: do not advance, so the same messages are pulled again.
      if (every > 0 && this.foundPulls % every === 0) nextBeginOffset = header.queueOffset;
    }
    // createResponse with the string fields built here (respond's Object.entries pass allocates
    // an array per field on every pull); same keys in the same order, so the same header bytes.
    return createResponse(request, code, result.status, {
      suggestWhichBrokerId: String(suggestWhichBrokerId),
      nextBeginOffset: String(nextBeginOffset),
      minOffset: String(result.minOffset),
      maxOffset: String(result.maxOffset),
    }, body);
  }

  /** PULL_OFFSET_MOVED on a master: record an OFFSET_MOVED_EVENT message, as RocketMQ does. */
  private offsetMoved(header: PullHeader, result: GetMessageResult): void {
    const { brokerConfig, store } = this.runtime;
    probe(this.runtime.env, "broker.pull.offset-moved");
    this.runtime.log.warn("PULL_OFFSET_MOVED: correction offset", {
      topic: header.topic, group: header.consumerGroup, queueId: header.queueId, requestOffset: header.queueOffset, newOffset: result.nextBeginOffset,
    });
    const event = {
      consumerGroup: header.consumerGroup,
      messageQueue: { brokerName: brokerConfig.brokerName, queueId: header.queueId, topic: header.topic },
      offsetNew: result.nextBeginOffset,
      offsetRequest: header.queueOffset,
    };
    const nowMs = this.runtime.env.clock.nowMs();
    store.putMessage({
      topic: SystemTopic.OFFSET_MOVED_EVENT, queueId: 0, flag: 0, sysFlag: 0,
      body: new TextEncoder().encode(JSON.stringify(event)),
      properties: new Map([[MessageConst.TAGS, header.consumerGroup]]),
      bornTimestamp: nowMs, bornHost: this.runtime.storeHost, storeHost: this.runtime.storeHost,
      reconsumeTimes: 0, preparedTransactionOffset: 0,
    }, { waitStoreMsgOK: false }).catch((error: unknown) => {
      this.runtime.log.warn("offset moved event not stored", { error: errorText(error) });
    });
  }
}

/** The store's tag-code filter for one subscription. */
function tagsFilter(subscription: SubscriptionData): (tagsCode: number) => boolean {
  return (tagsCode) => isMatchedByTagsCode(subscription, tagsCode);
}

/** GetMessageStatus → pull response code (remoting-protocol.md (b) "pull"). */
export function pullCode(result: GetMessageResult, requestOffset: number): number {
  switch (result.status) {
    case "FOUND":
      return ResponseCode.SUCCESS;
    case "MESSAGE_WAS_REMOVING":
    case "NO_MATCHED_MESSAGE":
      return ResponseCode.PULL_RETRY_IMMEDIATELY;
    case "NO_MATCHED_LOGIC_QUEUE":
    case "NO_MESSAGE_IN_QUEUE":
      return requestOffset !== 0 ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_NOT_FOUND;
    case "OFFSET_FOUND_NULL":
    case "OFFSET_OVERFLOW_ONE":
      return ResponseCode.PULL_NOT_FOUND;
    case "OFFSET_OVERFLOW_BADLY":
    case "OFFSET_TOO_SMALL":
      return ResponseCode.PULL_OFFSET_MOVED;
  }
}

/**
 * The response body: the records back to back, copied out of the store's read buffer, into
 * Node's Buffer pool (a fresh Uint8Array of a few hundred bytes gets an off-heap backing store of
 * its own; the frame encoder copies the body straight on). The parts cover every byte.
 */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  let totalBytes = 0;
  for (const part of parts) totalBytes += part.length;
  const pooled = Buffer.allocUnsafe(totalBytes);
  const out = new Uint8Array(pooled.buffer, pooled.byteOffset, totalBytes);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
