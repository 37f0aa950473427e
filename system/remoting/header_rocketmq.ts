// The ROCKETMQ binary header (serialize type 1), RocketMQSerializable in Java:
//   code int16 | language int8 | version int16 | opaque int32 | flag int32      (13 bytes)
//   remark: int32 length (0 = null) + UTF-8                                      (4 + r)
//   extFields: int32 total length m, then [int16 key length, key, int32 value length, value]*
// Fixed part = 21 bytes. Java writes an empty remark as length 0, so "" reads back as absent.
// Every length is checked against the bytes that remain: bad input is a RemotingDecodeError.
//
// Hot path (mqlab's own clients may use this type for every request): the header is written
// straight into the frame's buffer, size first. Header strings are short and nearly always
// ASCII, and a native call per string (Buffer.write, TextEncoder.encode, TextDecoder.decode)
// costs more than the string: ASCII strings are measured and copied by a JS loop, anything
// else goes through Buffer's UTF-8. Decoding reads the header as one latin1 string and cuts
// each ASCII field out of it; a field with a non-ASCII byte is decoded as UTF-8 on its own.
import { Buffer } from "node:buffer";
import { assert } from "../stdx/assert.ts";
import type { HeaderFields } from "./header_json.ts";
import { languageCodeOf, languageNameOf } from "./remoting_command.ts";
import { RemotingDecodeError } from "./remoting_errors.ts";

export const ROCKETMQ_HEADER_FIXED_SIZE_BYTES = 21;

/** What the header needs from a command: opaque and flag are passed apart (see writeFrame). */
type HeaderSource = Pick<HeaderFields, "code" | "language" | "version" | "remark" | "extFields">;

/** UTF-8 size of `text`: its length when ASCII (the usual case, no native call). */
function utf8Size(text: string): number {
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) >= 0x80) return Buffer.byteLength(text, "utf8");
  }
  return text.length;
}

/** Writes `text` as UTF-8 at `at`; returns its size. */
function writeText(target: Buffer, at: number, text: string): number {
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x80) return target.write(text, at, "utf8");
    target[at + index] = code;
  }
  return length;
}

function writeInt32(target: Buffer, at: number, value: number): void {
  target[at] = value >>> 24;
  target[at + 1] = value >>> 16;
  target[at + 2] = value >>> 8;
  target[at + 3] = value;
}

function writeInt16(target: Buffer, at: number, value: number): void {
  target[at] = value >>> 8;
  target[at + 1] = value;
}

/** The encoded header's size in bytes. */
export function rocketmqHeaderSize(command: HeaderSource): number {
  let size = ROCKETMQ_HEADER_FIXED_SIZE_BYTES;
  if (command.remark !== undefined) size += utf8Size(command.remark);
  const extFields = command.extFields;
  for (const key in extFields) {
    if (!Object.hasOwn(extFields, key)) continue;
    size += 6 + utf8Size(key) + utf8Size(extFields[key]!);
  }
  return size;
}

/**
 * Writes the header at `at` in `target` (exactly `sizeBytes` = rocketmqHeaderSize(command)
 * bytes, every one of them: the target may be unzeroed pooled memory).
 */
export function writeRocketmqHeader(
  target: Buffer, at: number, sizeBytes: number, command: HeaderSource, opaque: number, flag: number,
): void {
  assert(command.code === (command.code << 16) >> 16, `code ${command.code} does not fit int16`);
  assert(command.version === (command.version << 16) >> 16, `version ${command.version} does not fit int16`);
  writeInt16(target, at, command.code);
  target[at + 2] = languageCodeOf(command.language);
  writeInt16(target, at + 3, command.version);
  writeInt32(target, at + 5, opaque);
  writeInt32(target, at + 9, flag);
  let position = at + 13;
  const remarkSize = command.remark === undefined ? 0 : writeText(target, position + 4, command.remark);
  writeInt32(target, position, remarkSize);
  position += 4 + remarkSize;
  const extStart = position;
  position += 4;
  const extFields = command.extFields;
  for (const key in extFields) {
    if (!Object.hasOwn(extFields, key)) continue;
    const keySize = writeText(target, position + 2, key);
    assert(keySize <= 0x7fff, "extFields key longer than 32767 bytes");
    writeInt16(target, position, keySize);
    position += 2 + keySize;
    const valueSize = writeText(target, position + 4, extFields[key]!);
    writeInt32(target, position, valueSize);
    position += 4 + valueSize;
  }
  writeInt32(target, extStart, position - extStart - 4);
  assert(position - at === sizeBytes, "ROCKETMQ header size mismatch");
}

/** One-character strings for single-byte ASCII keys. */
const ASCII_CHARS: readonly string[] = Array.from({ length: 0x80 }, (_, code) => String.fromCharCode(code));

export function decodeRocketmqHeader(bytes: Uint8Array): HeaderFields {
  if (bytes.length < ROCKETMQ_HEADER_FIXED_SIZE_BYTES) {
    throw new RemotingDecodeError(
      `ROCKETMQ header too short: ${bytes.length} bytes < ${ROCKETMQ_HEADER_FIXED_SIZE_BYTES}`,
    );
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const strings: StringSource = { buffer, latin1: buffer.toString("latin1") };
  const fields: HeaderFields = {
    code: buffer.readInt16BE(0),
    language: languageNameOf(buffer.readInt8(2)),
    version: buffer.readInt16BE(3),
    opaque: buffer.readInt32BE(5),
    flag: buffer.readInt32BE(9),
    extFields: {},
  };
  const reader = { position: 13 };
  const remark = readString(strings, reader, 4, "remark");
  if (remark !== undefined) fields.remark = remark;
  const extSize = readLength(buffer, reader, 4, buffer.length, "extFields");
  const extEnd = reader.position + extSize;
  const extFields = fields.extFields;
  while (reader.position < extEnd) {
    const key = readString(strings, reader, 2, "extFields key", extEnd) ?? "";
    const value = readString(strings, reader, 4, "extFields value", extEnd) ?? "";
    if (key === "__proto__") {
      // defineProperty keeps it an ordinary own property instead of setting the prototype.
      Object.defineProperty(extFields, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      extFields[key] = value;
    }
  }
  assert(reader.position === extEnd, "extFields end where their length says");
  return fields;
}

function readLength(
  buffer: Buffer,
  reader: { position: number },
  width: 2 | 4,
  limit: number,
  what: string,
): number {
  if (reader.position + width > limit) {
    throw new RemotingDecodeError(`ROCKETMQ header truncated reading ${what} length`);
  }
  const length = width === 2 ? buffer.readInt16BE(reader.position) : buffer.readInt32BE(reader.position);
  reader.position += width;
  if (length < 0 || reader.position + length > limit) {
    throw new RemotingDecodeError(`ROCKETMQ header: ${what} length ${length} exceeds the header`);
  }
  return length;
}

/** The header's bytes, and the same bytes as one string, a character per byte. */
interface StringSource {
  readonly buffer: Buffer;
  readonly latin1: string;
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; index++) if (bytes[index]! >= 0x80) return false;
  return true;
}

function readString(
  source: StringSource,
  reader: { position: number },
  width: 2 | 4,
  what: string,
  limit = source.buffer.length,
): string | undefined {
  const length = readLength(source.buffer, reader, width, limit, what);
  if (length === 0) return undefined;
  const start = reader.position;
  reader.position += length;
  const first = source.buffer[start]!;
  if (length === 1 && first < 0x80) return ASCII_CHARS[first];
  // ASCII text is the same in latin1 and UTF-8: cut it out of the one string.
  if (isAscii(source.buffer, start, start + length)) return source.latin1.slice(start, start + length);
  return source.buffer.toString("utf8", start, start + length);
}
