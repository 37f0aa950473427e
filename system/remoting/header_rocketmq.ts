// The ROCKETMQ binary header (serialize type 1), RocketMQSerializable in Java:
//   code int16 | language int8 | version int16 | opaque int32 | flag int32      (13 bytes)
//   remark: int32 length (0 = null) + UTF-8                                      (4 + r)
//   extFields: int32 total length m, then [int16 key length, key, int32 value length, value]*
// Fixed part = 21 bytes. Java writes an empty remark as length 0, so "" reads back as absent.
// Every length is checked against the bytes that remain: bad input is a RemotingDecodeError.
import { assert } from "../stdx/assert.ts";
import type { HeaderFields } from "./header_json.ts";
import { fromUtf8, languageCodeOf, languageNameOf, utf8 } from "./remoting_command.ts";
import { RemotingDecodeError } from "./remoting_errors.ts";

export const ROCKETMQ_HEADER_FIXED_SIZE_BYTES = 21;

export function encodeRocketmqHeader(command: HeaderFields): Uint8Array {
  assert(command.code === (command.code << 16) >> 16, `code ${command.code} does not fit int16`);
  assert(command.version === (command.version << 16) >> 16, `version ${command.version} does not fit int16`);
  const remark = command.remark !== undefined && command.remark.length > 0 ? utf8(command.remark) : undefined;
  const entries = Object.entries(command.extFields).map(([key, value]) => [utf8(key), utf8(value)] as const);
  const extSize = entries.reduce((sum, [key, value]) => sum + 2 + key.length + 4 + value.length, 0);
  const size = ROCKETMQ_HEADER_FIXED_SIZE_BYTES + (remark?.length ?? 0) + extSize;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let position = 0;
  view.setInt16(position, command.code, false);
  view.setInt8(position + 2, languageCodeOf(command.language));
  view.setInt16(position + 3, command.version, false);
  view.setInt32(position + 5, command.opaque, false);
  view.setInt32(position + 9, command.flag, false);
  position = 13;
  view.setInt32(position, remark?.length ?? 0, false);
  position += 4;
  if (remark) {
    bytes.set(remark, position);
    position += remark.length;
  }
  view.setInt32(position, extSize, false);
  position += 4;
  for (const [key, value] of entries) {
    assert(key.length <= 0x7fff, "extFields key longer than 32767 bytes");
    view.setInt16(position, key.length, false);
    bytes.set(key, position + 2);
    position += 2 + key.length;
    view.setInt32(position, value.length, false);
    bytes.set(value, position + 4);
    position += 4 + value.length;
  }
  assert(position === size, "ROCKETMQ header size mismatch");
  return bytes;
}

export function decodeRocketmqHeader(bytes: Uint8Array): HeaderFields {
  if (bytes.length < ROCKETMQ_HEADER_FIXED_SIZE_BYTES) {
    throw new RemotingDecodeError(
      `ROCKETMQ header too short: ${bytes.length} bytes < ${ROCKETMQ_HEADER_FIXED_SIZE_BYTES}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: HeaderFields = {
    code: view.getInt16(0, false),
    language: languageNameOf(view.getInt8(2)),
    version: view.getInt16(3, false),
    opaque: view.getInt32(5, false),
    flag: view.getInt32(9, false),
    extFields: {},
  };
  const reader = { position: 13 };
  const remark = readString(bytes, view, reader, 4, "remark");
  if (remark !== undefined) fields.remark = remark;
  const extSize = readLength(view, reader, 4, bytes.length, "extFields");
  const extEnd = reader.position + extSize;
  while (reader.position < extEnd) {
    const key = readString(bytes, view, reader, 2, "extFields key", extEnd) ?? "";
    const value = readString(bytes, view, reader, 4, "extFields value", extEnd) ?? "";
    Object.defineProperty(fields.extFields, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return fields;
}

function readLength(
  view: DataView,
  reader: { position: number },
  width: 2 | 4,
  limit: number,
  what: string,
): number {
  if (reader.position + width > limit) {
    throw new RemotingDecodeError(`ROCKETMQ header truncated reading ${what} length`);
  }
  const length = width === 2 ? view.getInt16(reader.position, false) : view.getInt32(reader.position, false);
  reader.position += width;
  if (length < 0 || reader.position + length > limit) {
    throw new RemotingDecodeError(`ROCKETMQ header: ${what} length ${length} exceeds the header`);
  }
  return length;
}

function readString(
  bytes: Uint8Array,
  view: DataView,
  reader: { position: number },
  width: 2 | 4,
  what: string,
  limit = bytes.length,
): string | undefined {
  const length = readLength(view, reader, width, limit, what);
  if (length === 0) return undefined;
  const text = fromUtf8(bytes.subarray(reader.position, reader.position + length));
  reader.position += length;
  return text;
}
