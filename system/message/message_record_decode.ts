// Decoding of v4 stored-message records (layout in message_record.ts). Every read is bounds
// checked, so garbage yields a MessageCodecError: TRUNCATED when the input ends before the
// record does, BAD_MAGIC, BAD_SIZE when TOTALSIZE disagrees with the fields, BAD_FIELD for an
// impossible length or offset, BAD_CRC (only when asked to check) and BAD_BODY (inflate).

import { Buffer } from "node:buffer";
import { readSafeLongBE } from "./big_endian.ts";
import { inflateBody } from "./compression.ts";
import { MessageCodecError } from "./errors.ts";
import { hostFromBytes } from "./host.ts";
import { MESSAGE_MAGIC_CODE, MessageConst, MessageSysFlag } from "./message_const.ts";
import type { MessageExt } from "./message_record.ts";
import { RECORD_FIXED_SIZE_BYTES, TOPIC_BYTES_MAX, bodyCrc } from "./message_record.ts";
import { createOffsetMsgIdFromHostBytes } from "./msg_id.ts";
import { propertiesFromBytes, utf8Text } from "./properties.ts";

export interface DecodeOptions {
  /** Verify BODYCRC against the body (default false, like a pull). */
  readonly checkCRC?: boolean;
  /** Inflate the body when sysFlag marks it compressed (default false). */
  readonly inflateBody?: boolean;
  /** Read the body at all (default true); false leaves an empty body (dispatch, recovery). */
  readonly readBody?: boolean;
}

/** A bounds-checked big-endian reader over one record. */
class RecordReader {
  at = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly view: DataView,
    private readonly start: number,
    private readonly size: number,
  ) {}

  private need(count: number): number {
    if (this.at + count > this.size) {
      throw new MessageCodecError("BAD_SIZE", `field at ${this.at} runs past TOTALSIZE ${this.size}`, this.start);
    }
    const at = this.at;
    this.at += count;
    return at;
  }

  int(): number { return this.view.getInt32(this.need(4), false); }
  short(): number { return this.view.getInt16(this.need(2), false); }
  byte(): number { return this.view.getUint8(this.need(1)); }
  long(name: string): number {
    const at = this.need(8);
    // Two int32 halves, no BigInt: a record has five longs and pulls decode every record.
    const value = readSafeLongBE(this.bytes, this.start + at);
    if (value === undefined) {
      const big = this.view.getBigInt64(at, false);
      throw new MessageCodecError("BAD_FIELD", `${name} ${big} is not a safe integer`, this.start);
    }
    return value;
  }
  bytesView(count: number): Uint8Array {
    if (count < 0) throw new MessageCodecError("BAD_FIELD", `negative length ${count}`, this.start);
    const at = this.need(count);
    return this.bytes.subarray(this.start + at, this.start + at + count);
  }
}

/** Reads TOTALSIZE at position after checking magic and bounds; returns the record size. */
export function checkRecordFrame(bytes: Uint8Array, position: number): number {
  if (position < 0 || bytes.length - position < 8) {
    throw new MessageCodecError("TRUNCATED", "fewer than 8 bytes left for a record header", position);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + position, 8);
  const totalSize = view.getInt32(0, false);
  const magic = view.getInt32(4, false);
  if (magic !== MESSAGE_MAGIC_CODE) {
    throw new MessageCodecError("BAD_MAGIC", `magic 0x${(magic >>> 0).toString(16)}`, position);
  }
  if (totalSize < RECORD_FIXED_SIZE_BYTES) {
    throw new MessageCodecError("BAD_SIZE", `TOTALSIZE ${totalSize} below the minimum`, position);
  }
  if (totalSize > bytes.length - position) {
    throw new MessageCodecError("TRUNCATED", `record of ${totalSize} bytes, ${bytes.length - position} left`, position);
  }
  return totalSize;
}

/** Decodes the record starting at `position`. */
export function decodeMessageRecord(bytes: Uint8Array, position = 0, options: DecodeOptions = {}): MessageExt {
  const totalSize = checkRecordFrame(bytes, position);
  const view = new DataView(bytes.buffer, bytes.byteOffset + position, totalSize);
  const reader = new RecordReader(bytes, view, position, totalSize);
  reader.at = 8;
  const bodyCRC = reader.int();
  const queueId = reader.int();
  const flag = reader.int();
  const queueOffset = reader.long("QUEUEOFFSET");
  const commitLogOffset = reader.long("PHYSICALOFFSET");
  if (commitLogOffset < 0) throw new MessageCodecError("BAD_FIELD", "negative PHYSICALOFFSET", position);
  const sysFlag = reader.int();
  const bornTimestamp = reader.long("BORNTIMESTAMP");
  const bornHostBytes = reader.bytesView((sysFlag & MessageSysFlag.BORNHOST_V6_FLAG) === 0 ? 8 : 20);
  const storeTimestamp = reader.long("STORETIMESTAMP");
  const storeHostBytes = reader.bytesView((sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG) === 0 ? 8 : 20);
  const reconsumeTimes = reader.int();
  const preparedTransactionOffset = reader.long("PREPARED TX OFFSET");
  const storedBody = reader.bytesView(reader.int());
  const topicLength = reader.byte();
  if (topicLength > TOPIC_BYTES_MAX) throw new MessageCodecError("BAD_FIELD", "topic length > 127", position);
  const topic = utf8Text(reader.bytesView(topicLength));
  const properties = propertiesFromBytes(reader.bytesView(reader.short()));
  if (reader.at !== totalSize) {
    throw new MessageCodecError("BAD_SIZE", `fields end at ${reader.at}, TOTALSIZE ${totalSize}`, position);
  }
  if (options.checkCRC === true && bodyCrc(storedBody) !== bodyCRC) {
    throw new MessageCodecError("BAD_CRC", `body CRC ${bodyCrc(storedBody)} != stored ${bodyCRC}`, position);
  }
  let body: Uint8Array = options.readBody === false ? new Uint8Array(0) : copyPooled(storedBody);
  if (options.readBody !== false && options.inflateBody === true && (sysFlag & MessageSysFlag.COMPRESSED_FLAG) !== 0) {
    body = inflateBody(storedBody);
  }
  return {
    topic, queueId, flag, body, properties, sysFlag, bornTimestamp,
    bornHost: hostFromBytes(bornHostBytes),
    storeHost: hostFromBytes(storeHostBytes),
    reconsumeTimes, preparedTransactionOffset, queueOffset, commitLogOffset, storeTimestamp,
    tags: properties.get(MessageConst.TAGS),
    keys: properties.get(MessageConst.KEYS),
    storeSize: totalSize,
    bodyCRC,
    msgId: createOffsetMsgIdFromHostBytes(storeHostBytes, commitLogOffset),
  };
}

/**
 * A copy of a body in Node's Buffer pool (a view into a shared slab for small bodies, as
 * remoting's decoded bodies are): slice() gave every decoded message body an off-heap backing
 * store of its own, one per message consumed.
 */
function copyPooled(bytes: Uint8Array): Uint8Array {
  const copy = Buffer.allocUnsafe(bytes.length);
  copy.set(bytes);
  return new Uint8Array(copy.buffer, copy.byteOffset, copy.length);
}

/** All records of a pull or query body; a plain loop (no generator): every pull decodes one. */
export function decodeMessageRecords(bytes: Uint8Array, options: DecodeOptions = {}): MessageExt[] {
  const messages: MessageExt[] = [];
  for (let position = 0; position < bytes.length;) {
    const message = decodeMessageRecord(bytes, position, options);
    position += message.storeSize;
    messages.push(message);
  }
  return messages;
}
