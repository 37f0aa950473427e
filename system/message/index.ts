// Public API of system/message: the message model and every codec the broker, the store and
// the clients share (stored records, properties, msgIds, batch bodies, compression, names).

export * from "./message_const.ts";
export { MessageCodecError } from "./errors.ts";
export { javaStringHashCode, tagsString2tagsCode, indexKeyHash } from "./java_hash.ts";
export { messageProperties2String, string2messageProperties, utf8Bytes, utf8Text } from "./properties.ts";
export { readInt32BE, writeInt32BE, readSafeLongBE, writeLongBE } from "./big_endian.ts";
export { createOffsetMsgId, createOffsetMsgIdFromHostBytes, parseOffsetMsgId } from "./msg_id.ts";
export {
  encodeMessageRecord, indexKeysOf, planRecord, RecordPlan, writePlannedRecordAt, TOPIC_BYTES_MAX, PROPERTIES_BYTES_MAX,
} from "./message_record.ts";
export type { MessageExtBrokerInner, MessageExt } from "./message_record.ts";
export { decodeMessageRecord, decodeMessageRecords } from "./message_record_decode.ts";
export { encodeBatch, decodeBatch } from "./batch_codec.ts";
export { validateTopic } from "./validators.ts";
export { compactUtcTimestamp, utcHourOfDay } from "./civil_time.ts";
