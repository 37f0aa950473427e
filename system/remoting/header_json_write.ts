// Fast path of the JSON header encoder for requests: writes the header's bytes in one pass
// (command_codec.ts writes them into scratch memory and copies them into the frame), the same
// bytes header_json.ts's jsonHeaderText gives as UTF-8, for the headers nearly every command
// has: every string (extFields keys and values, language, remark) ASCII, escaped here exactly
// as JSON.stringify escapes ASCII (\" \\ \b \f \n \r \t, other control characters as
// \u00xx: a send's properties are separated by 0x01 and 0x02), and code/flag/opaque/version
// int32. writeJsonHeaderAscii returns -1 for anything else (non-ASCII text, other numbers, a
// header that might not fit), and the caller then encodes the text way.
// Why: the text way builds a ~300-character string out of a dozen pieces, flattens it, measures
// it and has it UTF-8 encoded by a native call, and all of that is garbage a moment later; on a
// producer's send requests that was a large part of what the JSON header costs over the binary
// ROCKETMQ one. header_json_write.test.ts checks the bytes equal the text way's.
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

/** Decimal digits of a non-negative integer (2^31 included: the magnitude of int32's minimum). */
function digitCount(value: number): number {
  let count = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) count++;
  return count;
}

/**
 * Room every write of the header's fixed parts (names, commas, numbers, braces) has once a
 * string's check passed: more than all of them together.
 */
const FIXED_PARTS_ROOM_BYTES = 256;

/** Copies an ASCII string byte for byte (a native call per short string costs more). */
function writeAscii(target: Uint8Array, at: number, text: string): number {
  const length = text.length;
  for (let index = 0; index < length; index++) target[at + index] = text.charCodeAt(index);
  return at + length;
}

/**
 * Writes a string as JSON.stringify does; -1 when a character is not ASCII, or when the string,
 * escaped at worst (6 bytes a character), and the fixed parts might not fit before `limit`.
 */
function writeQuoted(target: Uint8Array, at: number, limit: number, text: string): number {
  const length = text.length;
  if (at + 6 * length + 2 + FIXED_PARTS_ROOM_BYTES > limit) return -1;
  target[at++] = QUOTE;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x80) return -1;
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

/** Writes an int32 in decimal, as `${value}` does (the send response writer uses it too). */
export function writeInt32(target: Uint8Array, at: number, value: number): number {
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
 * Writes the header from `at` on and returns where it ends; -1 when a string in it is not
 * ASCII or a number not an int32 (then encode the text way), or when it might not fit before
 * `limit`. One pass: the caller writes into scratch memory and copies the bytes into the frame
 * once their count is known (cheaper than measuring every string first).
 */
export function writeJsonHeaderAscii(
  target: Uint8Array, at: number, limit: number, command: HeaderSource, opaque: number, flag: number,
): number {
  const { code, version, language, remark, extFields } = command;
  if (code !== (code | 0) || version !== (version | 0) || opaque !== (opaque | 0) || flag !== (flag | 0)) return -1;
  if (at + FIXED_PARTS_ROOM_BYTES > limit) return -1;
  let position = writeInt32(target, writeAscii(target, at, CODE), code);
  let first = true;
  for (const key in extFields) {
    if (!Object.hasOwn(extFields, key)) continue;
    if (first) {
      position = writeAscii(target, position, EXT_FIELDS);
      first = false;
    } else {
      target[position++] = 0x2c;
    }
    position = writeQuoted(target, position, limit, key);
    if (position < 0) return -1;
    target[position++] = 0x3a;
    position = writeQuoted(target, position, limit, extFields[key]!);
    if (position < 0) return -1;
  }
  if (!first) target[position++] = 0x7d;
  position = writeInt32(target, writeAscii(target, position, FLAG), flag);
  position = writeQuoted(target, writeAscii(target, position, LANGUAGE), limit, language);
  if (position < 0) return -1;
  position = writeInt32(target, writeAscii(target, position, OPAQUE), opaque);
  if (remark !== undefined) {
    position = writeQuoted(target, writeAscii(target, position, REMARK), limit, remark);
    if (position < 0) return -1;
  }
  position = writeInt32(target, writeAscii(target, position, VERSION), version);
  target[position++] = 0x7d;
  return position;
}
