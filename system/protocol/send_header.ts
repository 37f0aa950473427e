// SendMessageRequestHeader (long names, code 10) ↔ SendMessageRequestHeaderV2 (a..n, codes 310
// and 320), as SendMessageRequestHeaderV2.createSendMessageRequestHeaderV1/V2 map them:
//   a producerGroup  b topic  c defaultTopic  d defaultTopicQueueNums  e queueId  f sysFlag
//   g bornTimestamp  h flag  i properties  j reconsumeTimes  k unitMode  l maxReconsumeTimes
//   m batch  n bname (broker name, 4.9.3+)
// Note for the broker: Java honours `l` only when the request version ≥ V3_4_9 (121).
import type { RemotingCommand } from "../remoting/remoting_command.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { decodeHeader, encodeHeader } from "./header_codec.ts";
import { SendMessageRequestHeader, SendMessageRequestHeaderV2 } from "./headers.ts";

export function sendHeaderV2ToV1(v2: SendMessageRequestHeaderV2): SendMessageRequestHeader {
  const v1: SendMessageRequestHeader = {
    producerGroup: v2.a,
    topic: v2.b,
    defaultTopic: v2.c,
    defaultTopicQueueNums: v2.d,
    queueId: v2.e,
    sysFlag: v2.f,
    bornTimestamp: v2.g,
    flag: v2.h,
  };
  if (v2.i !== undefined) v1.properties = v2.i;
  if (v2.j !== undefined) v1.reconsumeTimes = v2.j;
  if (v2.k !== undefined) v1.unitMode = v2.k;
  if (v2.l !== undefined) v1.maxReconsumeTimes = v2.l;
  if (v2.m !== undefined) v1.batch = v2.m;
  const bname = v2.n ?? v2.bname;
  if (bname !== undefined) v1.bname = bname;
  return v1;
}

export function sendHeaderV1ToV2(v1: SendMessageRequestHeader): SendMessageRequestHeaderV2 {
  const v2: SendMessageRequestHeaderV2 = {
    a: v1.producerGroup,
    b: v1.topic,
    c: v1.defaultTopic,
    d: v1.defaultTopicQueueNums,
    e: v1.queueId,
    f: v1.sysFlag,
    g: v1.bornTimestamp,
    h: v1.flag,
  };
  if (v1.properties !== undefined) v2.i = v1.properties;
  if (v1.reconsumeTimes !== undefined) v2.j = v1.reconsumeTimes;
  if (v1.unitMode !== undefined) v2.k = v1.unitMode;
  if (v1.maxReconsumeTimes !== undefined) v2.l = v1.maxReconsumeTimes;
  if (v1.batch !== undefined) v2.m = v1.batch;
  if (v1.bname !== undefined) v2.n = v1.bname;
  return v2;
}

/** Any send request (10, 310, 320) as the long-name header; throws HeaderDecodeError. */
export function decodeSendMessageHeader(request: RemotingCommand): SendMessageRequestHeader {
  if (request.code === RequestCode.SEND_MESSAGE_V2 || request.code === RequestCode.SEND_BATCH_MESSAGE) {
    return sendHeaderV2ToV1(decodeHeader(SendMessageRequestHeaderV2, request.extFields));
  }
  return decodeHeader(SendMessageRequestHeader, request.extFields);
}

/** extFields for a send request of the given code (V2 short names for 310/320). */
export function encodeSendMessageHeader(code: number, header: SendMessageRequestHeader): Record<string, string> {
  if (code === RequestCode.SEND_MESSAGE_V2 || code === RequestCode.SEND_BATCH_MESSAGE) {
    return encodeHeader(SendMessageRequestHeaderV2, sendHeaderV1ToV2(header));
  }
  return encodeHeader(SendMessageRequestHeader, header);
}
