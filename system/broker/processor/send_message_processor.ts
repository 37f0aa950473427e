// SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320)
// [broker/.../processor/SendMessageProcessor.java + AbstractSendMessageProcessor.msgCheck].
// Order of checks: slave role → 14; msgCheck (order topic on a non-writable broker → 16, bad
// or forbidden topic → 1, unknown topic: auto-create from the default topic or 17, queueId out
// of range → 1); %RETRY% topics past maxReconsumeTimes → DLQ
// (single messages only: 4.9.7 stores a batch to a %RETRY% topic as it is); then the store
// (encoded record over maxMessageSize → 13; a batch whose body as sent is over maxMessageSize
// → 13 before it is decoded, as DefaultMessageStore.checkMessages).
// The stored message gets the CLUSTER property and loses WAIT (WAIT=false skips the flush/HA
// wait). Every response carries MSG_REGION and TRACE_ON; stored outcomes carry msgId,
// queueId, queueOffset.
import type { MessageExtBrokerInner } from "../../message/index.ts";
import {
  decodeBatch, DLQ_GROUP_TOPIC_PREFIX, MessageConst, MessageSysFlag, RETRY_GROUP_TOPIC_PREFIX, string2messageProperties,
} from "../../message/index.ts";
import { decodeSendMessageHeader } from "../../protocol/send_header.ts";
import type { SendMessageRequestHeader } from "../../protocol/headers.ts";
import { createResponse, RequestCode, ResponseCode, VERSION_V3_4_9 } from "../../remoting/index.ts";
import type { RemotingCommand, RequestContext } from "../../remoting/index.ts";
import type { BrokerRuntime } from "../broker_runtime.ts";
import { isWriteable, Perm } from "../../protocol/topic_config.ts";
import type { TopicConfig } from "../topic_config.ts";
import { putOutcome } from "./put_result.ts";
import { diskUtil } from "./disk_util.ts";
import { respond, suggestTodo, topicConfigText, APPLY_TOPIC_URL, SUBSCRIPTION_GROUP_NOT_EXIST_URL } from "./responses.ts";
import { notAllowedSendProblem, topicProblem } from "./topic_validator.ts";
import { probe } from "../../env/probe.ts";

/**
 * The error response of a send: the code, its remark and the trace fields. A module function,
 * not an arrow inside process(): tsx (esbuild keepNames) wraps a named arrow in __name(), an
 * Object.defineProperty on every send, and the closure was allocated on every send too.
 */
function failWith(request: RemotingCommand, code: number, remark: string): RemotingCommand {
  return respond(request, code, remark, TRACE_FIELDS);
}

export const DLQ_NUMS_PER_GROUP = 1;
export const MSG_REGION_DEFAULT = "DefaultRegion";

/** MSG_REGION and TRACE_ON, on every send response; one object for all requests (read only). */
const TRACE_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  [MessageConst.MSG_REGION]: MSG_REGION_DEFAULT, [MessageConst.TRACE_SWITCH]: "true",
});

type Checked = { ok: true; topicConfig: TopicConfig } | { ok: false; code: number; remark: string };

export class SendMessageProcessor {
  private sendSequence = 0;
  /** The last topic name topicProblem and notAllowedSendProblem passed. */
  private lastAllowedTopic: string | undefined;

  constructor(private readonly runtime: BrokerRuntime) {}

  /** 4.9.7's disk usage text for a SERVICE_NOT_AVAILABLE remark (read only on that refusal). */
  private readonly diskUtil = (): string =>
    diskUtil(this.runtime.env, this.runtime.brokerConfig.storePathCommitLog, this.runtime.brokerConfig.storePathRootDir);

  // Not `async`: only put() waits, and the wrapper cost a promise and two microtask turns per
  // send. Dropping it reorders a send's response against other work of the same simulator
  // event (histories change; issue 15's send-path round accepted that). A header that does not
  // decode throws synchronously; the dispatcher answers it SYSTEM_ERROR as before.
  process(context: RequestContext, request: RemotingCommand): Promise<RemotingCommand> | RemotingCommand {
    const header = decodeSendMessageHeader(request);
    const traceFields = TRACE_FIELDS;
    this.runtime.counters.sendRequests += 1;
    const { brokerConfig } = this.runtime;
    if (brokerConfig.brokerRole === "SLAVE") {
      // 4.9.x: the store refuses (checkStoreStatus: slave → SERVICE_NOT_AVAILABLE) with the store's remark.
      const refused = putOutcome("SERVICE_NOT_AVAILABLE", brokerConfig.maxMessageSize, `the broker[${brokerConfig.brokerIP1}] is a slave`, this.diskUtil);
      return failWith(request, refused.code, refused.remark!);
    }
    const checked = this.msgCheck(context, header);
    if (!checked.ok) return failWith(request, checked.code, checked.remark);
    // No size check here: as in RocketMQ 4.9.7, the store refuses a message whose encoded record
    // (not its body) exceeds maxMessageSize (CommitLog's MessageExtEncoder: msgLen >
    // maxMessageSize → MESSAGE_ILLEGAL; MessageExtBatchEncoder per message), after the retry-group,
    // DLQ and transaction checks below.
    const body = request.body ?? new Uint8Array(0);
    let topicConfig = checked.topicConfig;
    let queueId = header.queueId;
    if (queueId < 0) queueId = this.runtime.env.random.intBetween(0, Math.max(1, topicConfig.writeQueueNums) - 1);
    const properties = string2messageProperties(header.properties ?? "");
    const waitStoreMsgOK = properties.get(MessageConst.WAIT_STORE_MSG_OK) !== "false";
    properties.delete(MessageConst.WAIT_STORE_MSG_OK);
    const prepared = properties.get(MessageConst.TRANSACTION_PREPARED) === "true";
    if (prepared && (brokerConfig.rejectTransactionMessage || this.runtime.transactions === undefined)) {
      return failWith(request, ResponseCode.NO_PERMISSION, `the broker[${brokerConfig.brokerIP1}] sending transaction message is forbidden`);
    }
    let topic = header.topic;
    const reconsumeTimes = header.reconsumeTimes ?? 0;
    // RocketMQ 4.9.7 SendMessageProcessor.asyncSendBatchMessage has no retry step (only the
    // topic-length check, then asyncPutMessages): a batch to a %RETRY% topic is stored there as
    // sent, with no group check and no DLQ rule. Older 4.x answered MESSAGE_ILLEGAL "batch
    // request does not support retry group"; 4.9.x dropped that.
    if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) && request.code !== RequestCode.SEND_BATCH_MESSAGE && header.batch !== true) {
      const group = topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
      const groupConfig = this.runtime.subscriptionGroupManager.findSubscriptionGroupConfig(group);
      if (groupConfig === undefined) {
        return failWith(request, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group not exist, ${group} ${suggestTodo(SUBSCRIPTION_GROUP_NOT_EXIST_URL)}`);
      }
      const maxReconsumeTimes = request.version >= VERSION_V3_4_9 && header.maxReconsumeTimes !== undefined
        ? header.maxReconsumeTimes : groupConfig.retryMaxTimes;
      // TEST FAULT dlqOffByOne (as in send-back): `>` where RocketMQ has `>=`.
      const exhausted = this.runtime.testFaults.dlqOffByOne === true ? reconsumeTimes > maxReconsumeTimes : reconsumeTimes >= maxReconsumeTimes;
      if (exhausted) {
        topic = DLQ_GROUP_TOPIC_PREFIX + group;
        queueId = 0;
        topicConfig = this.runtime.topicConfigManager.createTopicInSendMessageBackMethod(topic, DLQ_NUMS_PER_GROUP, Perm.WRITE | Perm.READ, 0);
        properties.delete(MessageConst.DELAY_TIME_LEVEL);
        probe(this.runtime.env, "broker.send.retry-topic-dlq");
        this.runtime.log.info("message goes to the DLQ", { topic: header.topic, dlq: topic, reconsumeTimes, maxReconsumeTimes });
      }
    }
    properties.set(MessageConst.CLUSTER, brokerConfig.brokerClusterName);
    let sysFlag = header.sysFlag;
    if (topicConfig.topicFilterType === "MULTI_TAG") sysFlag |= MessageSysFlag.MULTI_TAGS_FLAG;
    const isBatch = request.code === RequestCode.SEND_BATCH_MESSAGE || header.batch === true;
    // 4.9.7 refuses a batch whose body as sent is over maxMessageSize before decoding it
    // (DefaultMessageStore.checkMessages, after the store's own refusals): the store answers
    // from batchSizeBytes, with no messages decoded.
    const oversizeBatch = isBatch && body.length > brokerConfig.maxMessageSize;
    // One message is built in a single literal (a base object spread into it cost a copy per send).
    const messages: MessageExtBrokerInner[] = oversizeBatch ? [] : isBatch
      ? this.batchMessages(body, {
        topic, queueId, sysFlag, bornTimestamp: header.bornTimestamp, bornHost: context.channel.remoteAddress,
        storeHost: this.runtime.storeHost, reconsumeTimes, preparedTransactionOffset: 0,
      }, brokerConfig.brokerClusterName)
      : [{
        topic, queueId, flag: header.flag, body, properties, sysFlag, bornTimestamp: header.bornTimestamp,
        bornHost: context.channel.remoteAddress, storeHost: this.runtime.storeHost, reconsumeTimes, preparedTransactionOffset: 0,
      }];
    if (messages.length === 0 && !oversizeBatch) return failWith(request, ResponseCode.MESSAGE_ILLEGAL, "the message is illegal: empty batch");
    if (prepared && !isBatch) return this.putHalf(request, messages[0]!, queueId, waitStoreMsgOK, traceFields);
    return this.put(request, messages, isBatch ? body.length : undefined, queueId, waitStoreMsgOK, traceFields);
  }

  private batchMessages(body: Uint8Array, base: Omit<MessageExtBrokerInner, "body" | "flag" | "properties">, cluster: string): MessageExtBrokerInner[] {
    return decodeBatch(body).map((item) => {
      const properties = new Map(item.properties);
      properties.delete(MessageConst.WAIT_STORE_MSG_OK);
      properties.set(MessageConst.CLUSTER, cluster);
      return { ...base, body: item.body, flag: item.flag, properties };
    });
  }

  private async put(
    request: RemotingCommand, messages: MessageExtBrokerInner[], batchSizeBytes: number | undefined, queueId: number, waitStoreMsgOK: boolean,
    traceFields: Readonly<Record<string, string>>,
  ): Promise<RemotingCommand> {
    const isBatch = batchSizeBytes !== undefined;
    const { store, testFaults, brokerConfig } = this.runtime;
    this.sendSequence += 1;
    const dropEvery = testFaults.dropEveryNthSend ?? 0;
    if (dropEvery > 0 && this.sendSequence % dropEvery === 0) {
      // TEST FAULT: acknowledge a message that is never stored.
      return respond(request, ResponseCode.SUCCESS, undefined, { ...traceFields, msgId: "0".repeat(32), queueId, queueOffset: 0 });
    }
    const first = messages[0];
    const writeBehindMs = testFaults.writeBehindMs ?? 0;
    if (writeBehindMs > 0) {
      // TEST FAULT: acknowledge now, store later; a crash in between loses an acked message.
      this.runtime.env.timers.setTimeout(() => {
        const stored = isBatch || first === undefined ? store.putMessages(messages, { waitStoreMsgOK: false }) : store.putMessage(first, { waitStoreMsgOK: false });
        stored.catch((error: unknown) => this.runtime.log.warn("write-behind store failed", { error: String(error) }));
      }, writeBehindMs);
      // The queue offset is not known before the deferred put: -1, not a made-up 0, which the
      // delivery checker would fail as a misreported offset without any crash (this switch is
      // there to show the loss a crash brings).
      return respond(request, ResponseCode.SUCCESS, undefined, { ...traceFields, msgId: "0".repeat(32), queueId, queueOffset: -1 });
    }
    if (testFaults.delayIgnored === true && first !== undefined && !first.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      // TEST FAULT: a producer's delay level is dropped, so the message is stored in its topic at once.
      for (const message of messages) message.properties.delete(MessageConst.DELAY_TIME_LEVEL);
    }
    const wait = waitStoreMsgOK && testFaults.ackBeforeFlush !== true;
    const putStartMs = this.runtime.env.clock.nowMs();
    const result = isBatch || first === undefined
      ? await store.putMessages(messages, { waitStoreMsgOK: wait, batchSizeBytes })
      : await store.putMessage(first, { waitStoreMsgOK: wait });
    this.runtime.counters.putLatency?.record(Math.max(0, this.runtime.env.clock.nowMs() - putStartMs));
    const outcome = putOutcome(result.status, brokerConfig.maxMessageSize, result.reason, this.diskUtil);
    if (!outcome.stored || result.appendResult === undefined) {
      if (result.status === "SERVICE_NOT_AVAILABLE") probe(this.runtime.env, "broker.send.store-refused");
      // The remark is 4.9.7's fixed text; the store's reason goes to the log, as 4.9.7 logs it.
      this.runtime.log.warn("send refused by the store", { status: result.status, reason: result.reason });
      return respond(request, outcome.code, outcome.remark ?? result.status, traceFields);
    }
    this.runtime.counters.putMessages += result.appendResult.msgNum;
    // Built directly with string values (respond() would copy and String() every field).
    return createResponse(request, outcome.code, undefined, {
      [MessageConst.MSG_REGION]: MSG_REGION_DEFAULT, [MessageConst.TRACE_SWITCH]: "true",
      msgId: result.appendResult.msgId, queueId: String(queueId), queueOffset: String(result.appendResult.logicsOffset),
    });
  }

  /** A prepared message becomes a half message (transaction/); the response names the half record. */
  private async putHalf(
    request: RemotingCommand, message: MessageExtBrokerInner, queueId: number, waitStoreMsgOK: boolean, traceFields: Readonly<Record<string, string>>,
  ): Promise<RemotingCommand> {
    const result = await this.runtime.transactions!.prepare(message, waitStoreMsgOK);
    const outcome = putOutcome(result.status, this.runtime.brokerConfig.maxMessageSize, result.reason, this.diskUtil);
    if (!outcome.stored || result.appendResult === undefined) return respond(request, outcome.code, outcome.remark ?? result.status, traceFields);
    this.runtime.counters.putMessages += 1;
    return respond(request, outcome.code, undefined, {
      ...traceFields, msgId: result.appendResult.msgId, queueId, queueOffset: result.appendResult.logicsOffset,
    });
  }

  /** AbstractSendMessageProcessor.msgCheck. */
  private msgCheck(context: RequestContext, header: SendMessageRequestHeader): Checked {
    const { brokerConfig, topicConfigManager } = this.runtime;
    if (!isWriteable(brokerConfig.brokerPermission) && topicConfigManager.selectTopicConfig(header.topic)?.order === true) {
      return { ok: false, code: ResponseCode.NO_PERMISSION, remark: `the broker[${brokerConfig.brokerIP1}] sending message is forbidden` };
    }
    // Both checks depend on the name alone: the last name that passed them is not checked again.
    if (header.topic !== this.lastAllowedTopic) {
      const problem = topicProblem(header.topic);
      if (problem !== null) return { ok: false, code: ResponseCode.SYSTEM_ERROR, remark: problem };
      // TopicValidator.isNotAllowedSendTopic answers NO_PERMISSION (16), not SYSTEM_ERROR.
      const forbidden = notAllowedSendProblem(header.topic);
      if (forbidden !== null) return { ok: false, code: ResponseCode.NO_PERMISSION, remark: forbidden };
      this.lastAllowedTopic = header.topic;
    }
    let topicConfig = topicConfigManager.selectTopicConfig(header.topic);
    if (topicConfig === undefined) {
      this.runtime.log.warn("the topic not exist", { topic: header.topic, producer: context.channel.remoteAddress });
      topicConfig = topicConfigManager.createTopicInSendMessageMethod(
        header.topic, header.defaultTopic, context.channel.remoteAddress, header.defaultTopicQueueNums, 0,
      );
      if (topicConfig === undefined && header.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
        topicConfig = topicConfigManager.createTopicInSendMessageBackMethod(header.topic, 1, Perm.WRITE | Perm.READ, 0);
      }
      if (topicConfig === undefined) {
        return { ok: false, code: ResponseCode.TOPIC_NOT_EXIST, remark: `topic[${header.topic}] not exist, apply first please!${suggestTodo(APPLY_TOPIC_URL)}` };
      }
    }
    const queueIdLimit = Math.max(topicConfig.writeQueueNums, topicConfig.readQueueNums);
    if (header.queueId >= queueIdLimit) {
      const remark = `request queueId[${header.queueId}] is illegal, ${topicConfigText(topicConfig)} Producer: ${context.channel.remoteAddress}`;
      this.runtime.log.warn("send to an illegal queueId", { topic: header.topic, queueId: header.queueId, queueIdLimit });
      return { ok: false, code: ResponseCode.SYSTEM_ERROR, remark };
    }
    return { ok: true, topicConfig };
  }
}
