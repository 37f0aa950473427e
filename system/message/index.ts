// Public API of system/message: the message model and every codec the broker, the store and
// the clients share (stored records, properties, msgIds, batch bodies, compression, names).

export * from "./message_const.ts";
export { MessageCodecError } from "./errors.ts";
export type { MessageCodecErrorCode } from "./errors.ts";
export { javaStringHashCode, tagsString2tagsCode, indexKeyHash } from "./java_hash.ts";
export {
  messageProperties2String, string2messageProperties, propertiesProblem, propertiesToBytes,
  propertiesFromBytes, utf8Bytes, utf8Text,
} from "./properties.ts";
export { readInt32BE, readUint32BE, writeInt32BE, readSafeLongBE, writeLongBE } from "./big_endian.ts";
export { hostToBytes, hostFromBytes } from "./host.ts";
export type { HostBytes } from "./host.ts";
export {
  bytesToHex, hexToBytes, createOffsetMsgId, createOffsetMsgIdFromHostBytes, parseOffsetMsgId,
  UniqIdGenerator, parseUniqId,
} from "./msg_id.ts";
export type { OffsetMsgId, UniqIdGeneratorOptions, UniqIdParts } from "./msg_id.ts";
export {
  bodyCrc, calMsgLength, encodeParts, writeRecord, writeRecordAt, encodeMessageRecord, indexKeysOf,
  TOPIC_BYTES_MAX, PROPERTIES_BYTES_MAX, RECORD_FIXED_SIZE_BYTES,
} from "./message_record.ts";
export type { MessageExtBrokerInner, StoredMessageFields, MessageExt, EncodedParts } from "./message_record.ts";
export {
  decodeMessageRecord, decodeMessageRecords, iterateMessageRecords, checkRecordFrame,
} from "./message_record_decode.ts";
export type { DecodeOptions } from "./message_record_decode.ts";
export { encodeBatch, decodeBatch } from "./batch_codec.ts";
export type { BatchMessage } from "./batch_codec.ts";
export {
  compressBody, inflateBody, maybeCompressBody, COMPRESS_BODY_THRESHOLD_BYTES_DEFAULT,
  COMPRESS_LEVEL_DEFAULT,
} from "./compression.ts";
export { validateTopic, validateGroup, TOPIC_NAME_LENGTH_MAX, GROUP_NAME_LENGTH_MAX } from "./validators.ts";
export {
  civilFromMs, msFromCivil, utcMonthStartMs, utcNextMonthStartMs, compactUtcTimestamp, utcHourOfDay,
} from "./civil_time.ts";
export type { CivilTime } from "./civil_time.ts";
