// One send request (DefaultMQProducerImpl.sendKernelImpl + MQClientAPIImpl.processSendResponse):
// builds the SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE request (UNIQ_KEY, body compression with the
// sysFlag bit, retry bookkeeping for %RETRY% topics) and turns the response into a SendResult.
// Codes 10/11/12 are results (the message is stored), not errors; any other non-zero code is an
// MQBrokerError.
import { encodeBatch } from "../../message/batch_codec.ts";
import { compressBody } from "../../message/compression.ts";
import { messageProperties2String } from "../../message/properties.ts";
import { MessageConst, MessageSysFlag, RETRY_GROUP_TOPIC_PREFIX } from "../../message/message_const.ts";
import type { RemotingCommand } from "../../remoting/remoting_command.ts";
import { createRequest } from "../../remoting/remoting_command.ts";
import { RequestCode } from "../../remoting/request_code.ts";
import { ResponseCode } from "../../remoting/response_code.ts";
import { MQBrokerError } from "../client_errors.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";

export type SendStatus = "SEND_OK" | "FLUSH_DISK_TIMEOUT" | "FLUSH_SLAVE_TIMEOUT" | "SLAVE_NOT_AVAILABLE";

export interface SendResult {
  readonly sendStatus: SendStatus;
  /** UNIQ_KEY (client id); batch: comma-joined. */
  readonly msgId: string;
  /** The broker's offset msgId; batch: comma-joined. */
  readonly offsetMsgId: string;
  readonly messageQueue: MessageQueue;
  /** Queue offset of the (first) stored message. */
  readonly queueOffset: number;
  readonly transactionId: string | undefined;
  readonly regionId: string;
  readonly traceOn: boolean;
}

/** A message ready for the wire: raw properties (system keys allowed), body bytes. */
export interface OutgoingMessage {
  topic: string;
  body: Uint8Array;
  properties: Map<string, string>;
  flag: number;
  /** Set for batches: the inner messages (each with its own UNIQ_KEY). */
  batch?: readonly { body: Uint8Array; properties: Map<string, string>; flag: number }[];
}

/** The producer's settings a request needs (one object per producer, not per send). */
export interface SendRequestOptions {
  readonly producerGroup: string;
  readonly createTopicKey: string;
  readonly defaultTopicQueueNums: number;
  readonly compressMsgBodyOverHowmuch: number;
}

function sendStatusOf(code: number): SendStatus | undefined {
  switch (code) {
    case ResponseCode.SUCCESS:
      return "SEND_OK";
    case ResponseCode.FLUSH_DISK_TIMEOUT:
      return "FLUSH_DISK_TIMEOUT";
    case ResponseCode.FLUSH_SLAVE_TIMEOUT:
      return "FLUSH_SLAVE_TIMEOUT";
    case ResponseCode.SLAVE_NOT_AVAILABLE:
      return "SLAVE_NOT_AVAILABLE";
    default:
      return undefined;
  }
}

export function buildSendRequest(message: OutgoingMessage, mq: MessageQueue, options: SendRequestOptions, bornTimestampMs: number): RemotingCommand {
  let sysFlag = 0;
  let body = message.body;
  const isBatch = message.batch !== undefined;
  if (isBatch) {
    body = encodeBatch(message.batch!.map((inner) => ({ ...inner })));
  } else if (body.length >= options.compressMsgBodyOverHowmuch) {
    // Java's tryToCompressMessage: zlib level 5 at or over the threshold; batches never.
    body = compressBody(body);
    sysFlag |= MessageSysFlag.COMPRESSED_FLAG;
  }
  if (message.properties.get(MessageConst.TRANSACTION_PREPARED) === "true") sysFlag |= MessageSysFlag.TRANSACTION_PREPARED_TYPE;
  let reconsumeTimes = "0";
  let maxReconsumeTimes: string | undefined;
  if (message.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
    const reconsumeText = message.properties.get(MessageConst.RECONSUME_TIME);
    if (reconsumeText !== undefined) reconsumeTimes = String(Number(reconsumeText));
    const maxText = message.properties.get(MessageConst.MAX_RECONSUME_TIMES);
    if (maxText !== undefined) maxReconsumeTimes = String(Number(maxText));
  }
  const code = isBatch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2;
  return createRequest(code, sendHeaderV2Fields(message, mq, options, bornTimestampMs, sysFlag, reconsumeTimes, maxReconsumeTimes, isBatch), body);
}

/**
 * SendMessageRequestHeaderV2's extFields, written out: what encodeHeader(SendMessageRequestHeaderV2,
 * sendHeaderV1ToV2(header)) gives (same keys, same order a..n, same strings; send_kernel.test.ts
 * holds the two together), without the V1 header, the V2 copy and the spec walk on every send.
 */
function sendHeaderV2Fields(
  message: OutgoingMessage, mq: MessageQueue, options: SendRequestOptions, bornTimestampMs: number, sysFlag: number,
  reconsumeTimes: string, maxReconsumeTimes: string | undefined, isBatch: boolean,
): Record<string, string> {
  const fields: Record<string, string> = {
    a: options.producerGroup, b: message.topic, c: options.createTopicKey, d: String(options.defaultTopicQueueNums),
    e: String(mq.queueId), f: String(sysFlag), g: String(bornTimestampMs), h: String(message.flag),
    i: messageProperties2String(message.properties), j: reconsumeTimes, k: "false",
  };
  if (maxReconsumeTimes !== undefined) fields["l"] = maxReconsumeTimes;
  fields["m"] = isBatch ? "true" : "false";
  fields["n"] = mq.brokerName;
  return fields;
}

export function uniqIdOf(message: OutgoingMessage): string {
  if (message.batch !== undefined) {
    return message.batch.map((inner) => inner.properties.get(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? "").join(",");
  }
  return message.properties.get(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? "";
}

export function processSendResponse(addr: string, mq: MessageQueue, message: OutgoingMessage, response: RemotingCommand): SendResult {
  const sendStatus = sendStatusOf(response.code);
  if (sendStatus === undefined) throw new MQBrokerError(response.code, response.remark, addr);
  const fields = response.extFields;
  const queueId = Number(fields["queueId"] ?? mq.queueId);
  return {
    sendStatus,
    msgId: uniqIdOf(message),
    offsetMsgId: fields["msgId"] ?? "",
    messageQueue: { topic: mq.topic, brokerName: mq.brokerName, queueId: Number.isFinite(queueId) ? queueId : mq.queueId },
    queueOffset: Number(fields["queueOffset"] ?? -1),
    transactionId: fields["transactionId"],
    regionId: fields[MessageConst.MSG_REGION] ?? "DefaultRegion",
    traceOn: fields[MessageConst.TRACE_SWITCH] !== "false",
  };
}
