// The v4 stored-message record ("MessageVersion V1"): the same bytes on disk, in pull/query/view
// bodies and in HA transfer. All integers big-endian. Layout (IPv4 hosts):
//
//   0 TOTALSIZE 4 | 4 MAGICCODE 4 (0xDAA320A7) | 8 BODYCRC 4 (crc32(body) & 0x7FFFFFFF)
//  12 QUEUEID 4 | 16 FLAG 4 | 20 QUEUEOFFSET 8 | 28 PHYSICALOFFSET 8 | 36 SYSFLAG 4
//  40 BORNTIMESTAMP 8 | 48 BORNHOST 8 (20 if sysFlag & 16) | STORETIMESTAMP 8
//     STOREHOST 8 (20 if sysFlag & 32) | RECONSUMETIMES 4 | PREPARED TX OFFSET 8
//     BODY length 4 + body | TOPIC length 1 + topic | PROPERTIES length 2 + properties
//
// Invariants: TOTALSIZE equals the sum of the fields; topic ≤ 127 bytes; properties ≤ 32767
// bytes; the host v6 sysFlag bits always match the host kinds (the encoder sets them).
// Offsets and timestamps are JS numbers (safe integers; asserted on encode, checked on decode).
// Two writers share one layout (writeHeadAndBody): from pre-encoded parts (encodeParts), and
// from a RecordPlan (the commit log's put path: topic and properties text go straight into the
// record, no intermediate bytes).

import { crc32 } from "node:zlib";
import { assert } from "../stdx/assert.ts";
import { MessageCodecError } from "./errors.ts";
import { sharedHostBytes } from "./host.ts";
import { MESSAGE_MAGIC_CODE, MessageConst, MessageSysFlag } from "./message_const.ts";
import { writeInt32BE, writeLongBE } from "./big_endian.ts";
import { messageProperties2String, propertiesToBytes, utf8Bytes, utf8Length, writeUtf8 } from "./properties.ts";

export const TOPIC_BYTES_MAX = 127;
export const PROPERTIES_BYTES_MAX = 32767;
/** Fixed part of a record with IPv4 hosts and empty body/topic/properties. */
export const RECORD_FIXED_SIZE_BYTES = 91;

/** A message as the broker hands it to the store (Java MessageExtBrokerInner). */
export interface MessageExtBrokerInner {
  topic: string;
  queueId: number;
  flag: number;
  body: Uint8Array;
  properties: Map<string, string>;
  sysFlag: number;
  bornTimestamp: number;
  /** "ip:port" of the producer. */
  bornHost: string;
  /** "ip:port" of this broker. */
  storeHost: string;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
}

/** Everything a record holds: the inner message plus what the store assigns. */
export interface StoredMessageFields extends MessageExtBrokerInner {
  queueOffset: number;
  commitLogOffset: number;
  storeTimestamp: number;
}

/** A decoded stored message (Java MessageExt). */
export interface MessageExt extends StoredMessageFields {
  tags: string | undefined;
  keys: string | undefined;
  storeSize: number;
  bodyCRC: number;
  /** Offset msgId of the record: store host + commit-log offset, upper-case hex. */
  msgId: string;
}

/** CRC of a body as RocketMQ stores it: crc32 & 0x7FFFFFFF. */
export function bodyCrc(body: Uint8Array): number {
  return crc32(body) & 0x7fffffff;
}

/** Record length for the given part sizes [CommitLog.calMsgLength]. */
export function calMsgLength(sysFlag: number, bodyLength: number, topicLength: number, propertiesLength: number): number {
  const bornHost = (sysFlag & MessageSysFlag.BORNHOST_V6_FLAG) === 0 ? 8 : 20;
  const storeHost = (sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG) === 0 ? 8 : 20;
  return 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + bornHost + 8 + storeHost + 4 + 8
    + 4 + bodyLength + 1 + topicLength + 2 + propertiesLength;
}

/**
 * The pre-encoded variable parts of a record; lets the store size a record before placing it.
 * Read them, never write them: the host bytes are shared with other records (cached per host).
 */
export interface EncodedParts {
  readonly topic: Uint8Array;
  readonly properties: Uint8Array;
  readonly bornHost: Uint8Array;
  readonly storeHost: Uint8Array;
  /** sysFlag with the v6 host bits matching the hosts. */
  readonly sysFlag: number;
  readonly totalSize: number;
}

/** Encodes the variable parts; throws MessageCodecError BAD_FIELD for a bad host. */
export function encodeParts(message: MessageExtBrokerInner): EncodedParts {
  const born = sharedHostBytes(message.bornHost);
  const store = sharedHostBytes(message.storeHost);
  let sysFlag = message.sysFlag & ~(MessageSysFlag.BORNHOST_V6_FLAG | MessageSysFlag.STOREHOSTADDRESS_V6_FLAG);
  if (born.ipv6) sysFlag |= MessageSysFlag.BORNHOST_V6_FLAG;
  if (store.ipv6) sysFlag |= MessageSysFlag.STOREHOSTADDRESS_V6_FLAG;
  const topic = utf8Bytes(message.topic);
  const properties = propertiesToBytes(message.properties);
  const totalSize = calMsgLength(sysFlag, message.body.length, topic.length, properties.length);
  return { topic, properties, bornHost: born.bytes, storeHost: store.bytes, sysFlag, totalSize };
}

/**
 * Writes a whole record into `target` at `position` (target must have totalSize bytes there).
 * The caller checked the topic and properties limits (the store turns them into statuses).
 */
export function writeRecord(
  target: Uint8Array, position: number, fields: StoredMessageFields, parts: EncodedParts,
): void {
  writeRecordAt(target, position, fields, fields.queueOffset, fields.commitLogOffset, fields.storeTimestamp, parts);
}

/** writeRecord with the store-assigned fields passed apart. Writes every byte of the record. */
function writeRecordAt(
  target: Uint8Array, position: number, message: MessageExtBrokerInner, queueOffset: number, commitLogOffset: number,
  storeTimestamp: number, parts: EncodedParts,
): void {
  assert(parts.topic.length <= TOPIC_BYTES_MAX, "topic fits in one length byte");
  assert(parts.properties.length <= PROPERTIES_BYTES_MAX, "properties fit in a short");
  assert(position + parts.totalSize <= target.length, "record fits in target");
  let at = writeHeadAndBody(
    target, position, message, queueOffset, commitLogOffset, storeTimestamp, parts.sysFlag, parts.totalSize, parts.bornHost, parts.storeHost,
  );
  target[at] = parts.topic.length;
  target.set(parts.topic, at + 1);
  at += 1 + parts.topic.length;
  target[at] = parts.properties.length >> 8;
  target[at + 1] = parts.properties.length;
  target.set(parts.properties, at + 2);
  at += 2 + parts.properties.length;
  assert(at - position === parts.totalSize, "encoded size equals TOTALSIZE");
}

/**
 * Every field up to and including the body (TOTALSIZE … BODY); returns where TOPIC's length
 * byte goes. Shared by both writers, so the two cannot lay a record out differently.
 */
function writeHeadAndBody(
  target: Uint8Array, position: number, message: MessageExtBrokerInner, queueOffset: number, commitLogOffset: number,
  storeTimestamp: number, sysFlag: number, totalSize: number, bornHost: Uint8Array, storeHost: Uint8Array,
): number {
  const body = message.body;
  let at = position;
  writeInt32BE(target, at, totalSize);
  writeInt32BE(target, at + 4, MESSAGE_MAGIC_CODE);
  writeInt32BE(target, at + 8, bodyCrc(body));
  writeInt32BE(target, at + 12, message.queueId);
  writeInt32BE(target, at + 16, message.flag);
  writeLongBE(target, at + 20, queueOffset);
  writeLongBE(target, at + 28, commitLogOffset);
  writeInt32BE(target, at + 36, sysFlag);
  writeLongBE(target, at + 40, message.bornTimestamp);
  target.set(bornHost, at + 48);
  at += 48 + bornHost.length;
  writeLongBE(target, at, storeTimestamp);
  target.set(storeHost, at + 8);
  at += 8 + storeHost.length;
  writeInt32BE(target, at, message.reconsumeTimes);
  writeLongBE(target, at + 4, message.preparedTransactionOffset);
  writeInt32BE(target, at + 12, body.length);
  target.set(body, at + 16);
  return at + 16 + body.length;
}

/**
 * A record sized but not yet encoded: the commit log's put path plans every record of an
 * append (to check limits and find room), then writes the topic and the properties text
 * straight into the record, with no intermediate byte arrays. Mutable so the commit log can
 * reuse one per record slot; planRecord fills every field.
 */
export class RecordPlan {
  propertiesText = "";
  topicLength = 0;
  propertiesLength = 0;
  bornHost: Uint8Array = NO_BYTES;
  storeHost: Uint8Array = NO_BYTES;
  /** sysFlag with the v6 host bits matching the hosts. */
  sysFlag = 0;
  totalSize = 0;
}

const NO_BYTES = new Uint8Array(0);

/** Sizes `message`'s record into `plan`; throws MessageCodecError BAD_FIELD for a bad host. */
export function planRecord(message: MessageExtBrokerInner, plan: RecordPlan): RecordPlan {
  const born = sharedHostBytes(message.bornHost);
  const store = sharedHostBytes(message.storeHost);
  let sysFlag = message.sysFlag & ~(MessageSysFlag.BORNHOST_V6_FLAG | MessageSysFlag.STOREHOSTADDRESS_V6_FLAG);
  if (born.ipv6) sysFlag |= MessageSysFlag.BORNHOST_V6_FLAG;
  if (store.ipv6) sysFlag |= MessageSysFlag.STOREHOSTADDRESS_V6_FLAG;
  plan.propertiesText = messageProperties2String(message.properties);
  plan.topicLength = utf8Length(message.topic);
  plan.propertiesLength = utf8Length(plan.propertiesText);
  plan.bornHost = born.bytes;
  plan.storeHost = store.bytes;
  plan.sysFlag = sysFlag;
  plan.totalSize = calMsgLength(sysFlag, message.body.length, plan.topicLength, plan.propertiesLength);
  return plan;
}

/**
 * Writes the record `plan` sized (planRecord of this very message) into `target` at
 * `position`. The caller checked the topic and properties limits. Same bytes as writeRecordAt.
 */
export function writePlannedRecordAt(
  target: Uint8Array, position: number, message: MessageExtBrokerInner, queueOffset: number, commitLogOffset: number,
  storeTimestamp: number, plan: RecordPlan,
): void {
  assert(plan.topicLength <= TOPIC_BYTES_MAX, "topic fits in one length byte");
  assert(plan.propertiesLength <= PROPERTIES_BYTES_MAX, "properties fit in a short");
  assert(position + plan.totalSize <= target.length, "record fits in target");
  let at = writeHeadAndBody(
    target, position, message, queueOffset, commitLogOffset, storeTimestamp, plan.sysFlag, plan.totalSize, plan.bornHost, plan.storeHost,
  );
  target[at] = plan.topicLength;
  writeUtf8(target, at + 1, message.topic, plan.topicLength);
  at += 1 + plan.topicLength;
  target[at] = plan.propertiesLength >> 8;
  target[at + 1] = plan.propertiesLength;
  writeUtf8(target, at + 2, plan.propertiesText, plan.propertiesLength);
  at += 2 + plan.propertiesLength;
  assert(at - position === plan.totalSize, "encoded size equals TOTALSIZE");
}

/** Encodes one record into a new buffer. */
export function encodeMessageRecord(fields: StoredMessageFields): Uint8Array {
  const plan = planRecord(fields, new RecordPlan());
  if (plan.topicLength > TOPIC_BYTES_MAX) {
    throw new MessageCodecError("BAD_FIELD", `topic of ${plan.topicLength} bytes > ${TOPIC_BYTES_MAX}`);
  }
  if (plan.propertiesLength > PROPERTIES_BYTES_MAX) {
    throw new MessageCodecError("BAD_FIELD", `properties of ${plan.propertiesLength} bytes > ${PROPERTIES_BYTES_MAX}`);
  }
  const record = new Uint8Array(plan.totalSize);
  writePlannedRecordAt(record, 0, fields, fields.queueOffset, fields.commitLogOffset, fields.storeTimestamp, plan);
  return record;
}

/**
 * KEYS and UNIQ_KEY of a message, the strings the index stores (without the topic#). Repeats
 * are dropped (RocketMQ indexes "a a" twice and returns the message twice).
 */
export function indexKeysOf(properties: ReadonlyMap<string, string>): string[] {
  const keys: string[] = [];
  const uniq = properties.get(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
  if (uniq !== undefined && uniq.length > 0) keys.push(uniq);
  const userKeys = properties.get(MessageConst.KEYS);
  if (userKeys !== undefined) {
    for (const key of userKeys.split(MessageConst.KEY_SEPARATOR)) if (key.length > 0 && !keys.includes(key)) keys.push(key);
  }
  return keys;
}
