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
    return decodeSendHeaderV2Plain(request.extFields) ?? sendHeaderV2ToV1(decodeHeader(SendMessageRequestHeaderV2, request.extFields));
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

/**
 * The V2 header as the long-name one, straight from extFields, when every field is what
 * clients send: each int a plain decimal of at most 9 digits (sign allowed), bornTimestamp at
 * most 15 digits, each bool "true" or "false". Anything else — a missing field, a value the
 * generic decoder must judge (long numbers, "+1", "TRUE") — is undefined, and the caller
 * decodes with decodeHeader, which also owns every error. Same result as
 * sendHeaderV2ToV1(decodeHeader(SendMessageRequestHeaderV2, ...)) (header_codec.test.ts);
 * on every send it skips the spec walk and the V2 object.
 */
function decodeSendHeaderV2Plain(extFields: Readonly<Record<string, string>>): SendMessageRequestHeader | undefined {
  // Named loads, not Object.hasOwn per field: extFields is a plain object built by a decoder,
  // and none of these names is on Object.prototype.
  const fields = extFields as Readonly<Partial<Record<V2FieldName, string>>>;
  const a = fields.a;
  const b = fields.b;
  const c = fields.c;
  const d = plainInt(fields.d);
  const e = plainInt(fields.e);
  const f = plainInt(fields.f);
  const g = plainLong(fields.g);
  const h = plainInt(fields.h);
  if (a === undefined || b === undefined || c === undefined || d === undefined || e === undefined || f === undefined || g === undefined || h === undefined) {
    return undefined;
  }
  const header: SendMessageRequestHeader = {
    producerGroup: a, topic: b, defaultTopic: c, defaultTopicQueueNums: d, queueId: e, sysFlag: f, bornTimestamp: g, flag: h,
  };
  const i = fields.i;
  if (i !== undefined) header.properties = i;
  const j = fields.j;
  if (j !== undefined) {
    const reconsumeTimes = plainInt(j);
    if (reconsumeTimes === undefined) return undefined;
    header.reconsumeTimes = reconsumeTimes;
  }
  const k = fields.k;
  if (k !== undefined) {
    const unitMode = plainBool(k);
    if (unitMode === undefined) return undefined;
    header.unitMode = unitMode;
  }
  const l = fields.l;
  if (l !== undefined) {
    const maxReconsumeTimes = plainInt(l);
    if (maxReconsumeTimes === undefined) return undefined;
    header.maxReconsumeTimes = maxReconsumeTimes;
  }
  const m = fields.m;
  if (m !== undefined) {
    const batch = plainBool(m);
    if (batch === undefined) return undefined;
    header.batch = batch;
  }
  const bname = fields.n ?? fields.bname;
  if (bname !== undefined) header.bname = bname;
  return header;
}

type V2FieldName = keyof typeof SendMessageRequestHeaderV2.fields;

/**
 * A decimal of 1..digitsMax digits with an optional "-" (no "+", which the generic decoder
 * judges); undefined otherwise. The value is summed while the digits are checked: with at most
 * 15 digits every step is exact in a double, so it equals Number(text) ("-0" gives -0), and it
 * skips Number's string-to-double call, which a 13-digit bornTimestamp makes the costly one.
 */
function plainDecimal(text: string | undefined, digitsMax: number): number | undefined {
  if (text === undefined) return undefined;
  const negative = text.charCodeAt(0) === 0x2d;
  const start = negative ? 1 : 0;
  const digits = text.length - start;
  if (digits < 1 || digits > digitsMax) return undefined;
  let value = 0;
  for (let index = start; index < text.length; index++) {
    const digit = text.charCodeAt(index) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/** Up to 9 digits always fits int32 ("-0" stays -0, as the generic decoder gives). */
function plainInt(text: string | undefined): number | undefined {
  return plainDecimal(text, 9);
}

/** Up to 15 digits is exact in a double and inside Java's long; + 0 turns "-0" into 0, as the generic decoder does. */
function plainLong(text: string | undefined): number | undefined {
  const value = plainDecimal(text, 15);
  return value === undefined ? undefined : value + 0;
}

function plainBool(text: string): boolean | undefined {
  if (text === "true") return true;
  if (text === "false") return false;
  return undefined;
}
