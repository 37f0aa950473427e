// Fast path of the JSON header encoder: writes the header's bytes straight into the frame, the
// same bytes header_json.ts's jsonHeaderText gives as UTF-8, for the headers nearly every
// command has: every string (extFields keys and values, language, remark) ASCII, escaped here
// exactly as JSON.stringify escapes ASCII (\" \\ \b \f \n \r \t, other control characters
// as \u00xx: a send's properties are separated by 0x01 and 0x02), and code/flag/opaque/version
// int32. jsonHeaderPlainSize returns -1 for anything else (non-ASCII text, other numbers), and
// the caller then encodes the text way.
// Why: the text way builds a ~300-character string out of a dozen pieces, flattens it, measures
// it and has it UTF-8 encoded by a native call, and all of that is garbage a moment later; on a
// send (request and response) that was a large part of what the JSON header costs over the
// binary ROCKETMQ one. header_json_write.test.ts checks the bytes equal the text way's.
import { assert } from "../stdx/assert.ts";
import type { HeaderFields } from "./header_json.ts";

/** What the header needs from a command: opaque and flag are passed apart (see writeFrame). */
type HeaderSource = Pick<HeaderFields, "code" | "language" | "version" | "remark" | "extFields">;

const CODE = '{"code":';
const EXT_FIELDS = ',"extFields":{';
const FLAG = ',"flag":';
const LANGUAGE = ',"language":';
const OPAQUE = ',"opaque":';
const REMARK = ',"remark":';
const VERSION = ',"serializeTypeCurrentRPC":"JSON","version":';
/** The constant fragments every header has: CODE, FLAG, LANGUAGE, OPAQUE, VERSION and the closing brace. */
const FIXED_SIZE_BYTES = CODE.length + FLAG.length + LANGUAGE.length + OPAQUE.length + VERSION.length + 1;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Bytes JSON.stringify writes for each ASCII character: 1, or 2 for the short escapes (\" \\
 * \b \f \n \r \t), or 6 for the other control characters (\u00xx).
 */
const ESCAPED_SIZE: Uint8Array = Uint8Array.from({ length: 0x80 }, (_, code) => {
  if (code === QUOTE || code === BACKSLASH || code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return 2;
  return code < 0x20 ? 6 : 1;
});
/** The letter of a two-byte escape, by character code (0: not one). */
const SHORT_ESCAPE: Uint8Array = Uint8Array.from({ length: 0x80 }, (_, code) => {
  switch (code) {
    case QUOTE: return QUOTE;
    case BACKSLASH: return BACKSLASH;
    case 0x08: return 0x62; // b
    case 0x09: return 0x74; // t
    case 0x0a: return 0x6e; // n
    case 0x0c: return 0x66; // f
    case 0x0d: return 0x72; // r
    default: return 0;
  }
});
const HEX_DIGITS = "0123456789abcdef";

/** The JSON string's size in bytes, quotes included, when `text` is ASCII; -1 otherwise. */
function asciiStringSize(text: string): number {
  const length = text.length;
  let size = length + 2;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x80) return -1;
    size += ESCAPED_SIZE[code]! - 1;
  }
  return size;
}

/** Decimal digits (and sign) of an int32; -1 for any other number (the text way writes those). */
function int32Size(value: number): number {
  if (value !== (value | 0)) return -1;
  return value < 0 ? 1 + digitCount(-value) : digitCount(value);
}

/** Decimal digits of a non-negative integer (2^31 included: the magnitude of int32's minimum). */
function digitCount(value: number): number {
  let count = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) count++;
  return count;
}

/**
 * The header's size in bytes when every string in it is plain and every number an int32;
 * -1 otherwise (then encode the text way).
 */
export function jsonHeaderPlainSize(command: HeaderSource, opaque: number, flag: number): number {
  const codeSize = int32Size(command.code);
  const flagSize = int32Size(flag);
  const opaqueSize = int32Size(opaque);
  const versionSize = int32Size(command.version);
  const languageSize = asciiStringSize(command.language);
  if (codeSize < 0 || flagSize < 0 || opaqueSize < 0 || versionSize < 0 || languageSize < 0) return -1;
  let size = FIXED_SIZE_BYTES + codeSize + flagSize + opaqueSize + versionSize + languageSize;
  if (command.remark !== undefined) {
    const remarkSize = asciiStringSize(command.remark);
    if (remarkSize < 0) return -1;
    size += REMARK.length + remarkSize;
  }
  const extFields = command.extFields;
  let fieldCount = 0;
  for (const key in extFields) {
    if (!Object.hasOwn(extFields, key)) continue;
    const keySize = asciiStringSize(key);
    const valueSize = asciiStringSize(extFields[key]!);
    if (keySize < 0 || valueSize < 0) return -1;
    // "key":"value", with a comma before every field but the first.
    size += keySize + 1 + valueSize;
    fieldCount++;
  }
  // The fields' commas and the closing brace: EXT_FIELDS + fields + (fieldCount - 1) + 1.
  if (fieldCount > 0) size += EXT_FIELDS.length + fieldCount;
  return size;
}

/** Copies an ASCII string byte for byte (a native call per short string costs more). */
function writeAscii(target: Uint8Array, at: number, text: string): number {
  const length = text.length;
  for (let index = 0; index < length; index++) target[at + index] = text.charCodeAt(index);
  return at + length;
}

/** Writes an ASCII string as JSON.stringify does (asciiStringSize said it is ASCII). */
function writeQuoted(target: Uint8Array, at: number, text: string): number {
  target[at++] = QUOTE;
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    const escapedSize = ESCAPED_SIZE[code]!;
    if (escapedSize === 1) {
      target[at++] = code;
    } else if (escapedSize === 2) {
      target[at] = BACKSLASH;
      target[at + 1] = SHORT_ESCAPE[code]!;
      at += 2;
    } else {
      at = writeAscii(target, at, "\\u00");
      target[at] = HEX_DIGITS.charCodeAt(code >>> 4);
      target[at + 1] = HEX_DIGITS.charCodeAt(code & 0xf);
      at += 2;
    }
  }
  target[at] = QUOTE;
  return at + 1;
}

/** Writes an int32 in decimal, as `${value}` does. */
function writeInt32(target: Uint8Array, at: number, value: number): number {
  if (value < 0) target[at++] = 0x2d;
  let rest = Math.abs(value);
  const end = at + digitCount(rest);
  for (let index = end - 1; index >= at; index--) {
    target[index] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return end;
}

/**
 * Writes the header at `at` (exactly `sizeBytes` = jsonHeaderPlainSize(...) bytes, which must be
 * ≥ 0: every byte is written, the target may be unzeroed pooled memory).
 */
export function writeJsonHeaderPlain(
  target: Uint8Array, at: number, sizeBytes: number, command: HeaderSource, opaque: number, flag: number,
): void {
  let position = writeInt32(target, writeAscii(target, at, CODE), command.code);
  const extFields = command.extFields;
  let first = true;
  for (const key in extFields) {
    if (!Object.hasOwn(extFields, key)) continue;
    if (first) {
      position = writeAscii(target, position, EXT_FIELDS);
      first = false;
    } else {
      target[position++] = 0x2c;
    }
    position = writeQuoted(target, position, key);
    target[position++] = 0x3a;
    position = writeQuoted(target, position, extFields[key]!);
  }
  if (!first) target[position++] = 0x7d;
  position = writeInt32(target, writeAscii(target, position, FLAG), flag);
  position = writeQuoted(target, writeAscii(target, position, LANGUAGE), command.language);
  position = writeInt32(target, writeAscii(target, position, OPAQUE), opaque);
  if (command.remark !== undefined) position = writeQuoted(target, writeAscii(target, position, REMARK), command.remark);
  position = writeInt32(target, writeAscii(target, position, VERSION), command.version);
  target[position++] = 0x7d;
  assert(position - at === sizeBytes, "JSON header size mismatch");
}
