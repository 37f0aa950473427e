// CONSUMER_SEND_MSG_BACK (36) [SendMessageProcessor.asyncConsumerSendMsgBack]: a consumer
// could not process the message at commit-log `offset`; re-store it in %RETRY%group with delay
// level 3 + reconsumeTimes (or the level asked for), reconsumeTimes + 1, RETRY_TOPIC and
// ORIGIN_MESSAGE_ID set; once reconsumeTimes ≥ maxReconsumeTimes (header `maxReconsumeTimes`
// for clients ≥ V3_4_9, else the group's retryMaxTimes, 16) or delayLevel < 0, into %DLQ%group.
import { DLQ_GROUP_TOPIC_PREFIX, MessageConst, RETRY_GROUP_TOPIC_PREFIX } from "../../message/index.ts";
import { decodeHeader } from "../../protocol/header_codec.ts";
import { ConsumerSendMsgBackRequestHeader } from "../../protocol/headers.ts";
import { ResponseCode, VERSION_V3_4_9 } from "../../remoting/index.ts";
import type { RemotingCommand, RequestContext } from "../../remoting/index.ts";
import type { BrokerRuntime } from "../broker_runtime.ts";
import { isWriteable, Perm } from "../../protocol/topic_config.ts";
import { respond, suggestTodo, SUBSCRIPTION_GROUP_NOT_EXIST_URL } from "./responses.ts";
import { DLQ_NUMS_PER_GROUP } from "./send_message_processor.ts";
import { probe } from "../../env/probe.ts";

export class SendBackProcessor {
  constructor(private readonly runtime: BrokerRuntime) {}

  async process(_context: RequestContext, request: RemotingCommand): Promise<RemotingCommand> {
    const header = decodeHeader(ConsumerSendMsgBackRequestHeader, request.extFields);
    const { brokerConfig, subscriptionGroupManager, topicConfigManager, store, env } = this.runtime;
    const groupConfig = subscriptionGroupManager.findSubscriptionGroupConfig(header.group);
    if (groupConfig === undefined) {
      return respond(request, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group not exist, ${header.group} ${suggestTodo(SUBSCRIPTION_GROUP_NOT_EXIST_URL)}`);
    }
    if (!isWriteable(brokerConfig.brokerPermission)) {
      return respond(request, ResponseCode.NO_PERMISSION, `the broker[${brokerConfig.brokerIP1}] sending message is forbidden`);
    }
    if (groupConfig.retryQueueNums <= 0) return respond(request, ResponseCode.SUCCESS);
    let topic = RETRY_GROUP_TOPIC_PREFIX + header.group;
    let queueId = env.random.intBetween(0, groupConfig.retryQueueNums - 1);
    const retryConfig = topicConfigManager.createTopicInSendMessageBackMethod(topic, groupConfig.retryQueueNums, Perm.WRITE | Perm.READ, 0);
    if (!isWriteable(retryConfig.perm)) return respond(request, ResponseCode.NO_PERMISSION, `the topic[${topic}] sending message is forbidden`);
    const original = store.lookMessageByOffset(header.offset);
    if (original === undefined) return respond(request, ResponseCode.SYSTEM_ERROR, `look message by offset failed, ${header.offset}`);
    const properties = new Map(original.properties);
    if (!properties.has(MessageConst.RETRY_TOPIC)) properties.set(MessageConst.RETRY_TOPIC, original.topic);
    const maxReconsumeTimes = request.version >= VERSION_V3_4_9 && header.maxReconsumeTimes !== undefined
      ? header.maxReconsumeTimes : groupConfig.retryMaxTimes;
    let delayLevel = header.delayLevel;
    const { testFaults } = this.runtime;
    // TEST FAULT dlqOffByOne: `>` where RocketMQ has `>=`: one redelivery too many before the DLQ.
    const exhausted = testFaults.dlqOffByOne === true ? original.reconsumeTimes > maxReconsumeTimes : original.reconsumeTimes >= maxReconsumeTimes;
    if (exhausted || delayLevel < 0) {
      topic = DLQ_GROUP_TOPIC_PREFIX + header.group;
      queueId = 0;
      topicConfigManager.createTopicInSendMessageBackMethod(topic, DLQ_NUMS_PER_GROUP, Perm.WRITE | Perm.READ, 0);
      properties.delete(MessageConst.DELAY_TIME_LEVEL);
      probe(env, "broker.send-back.dlq");
      this.runtime.log.info("send back to the DLQ", { group: header.group, dlq: topic, reconsumeTimes: original.reconsumeTimes, maxReconsumeTimes, delayLevel });
    } else {
      probe(env, "broker.send-back.retry");
      if (delayLevel === 0) delayLevel = 3 + original.reconsumeTimes;
      properties.set(MessageConst.DELAY_TIME_LEVEL, String(delayLevel));
      // TEST FAULT retryWithoutDelay: the retry is stored in %RETRY% at once, not parked.
      if (testFaults.retryWithoutDelay === true) properties.delete(MessageConst.DELAY_TIME_LEVEL);
    }
    if ((properties.get(MessageConst.ORIGIN_MESSAGE_ID) ?? "") === "") properties.set(MessageConst.ORIGIN_MESSAGE_ID, original.msgId);
    // The retry copy keeps the original's properties, WAIT included (absent = true), so under
    // SYNC_FLUSH / SYNC_MASTER the send-back answers only once the copy is flushed/replicated,
    // and a flush timeout is SYSTEM_ERROR: the consumer then keeps the message and consumes it
    // again locally [4.9.x asyncConsumerSendMsgBack copies the properties verbatim]. Acking a
    // copy that a power loss can still take would lose the message.
    const waitStoreMsgOK = properties.get(MessageConst.WAIT_STORE_MSG_OK) !== "false";
    const result = await store.putMessage({
      topic,
      queueId,
      flag: original.flag,
      body: original.body,
      properties,
      sysFlag: original.sysFlag,
      bornTimestamp: original.bornTimestamp,
      bornHost: original.bornHost,
      storeHost: original.storeHost,
      reconsumeTimes: original.reconsumeTimes + 1,
      preparedTransactionOffset: 0,
    }, { waitStoreMsgOK });
    if (result.status === "PUT_OK") return respond(request, ResponseCode.SUCCESS);
    return respond(request, ResponseCode.SYSTEM_ERROR, result.status);
  }
}
