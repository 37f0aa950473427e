// The JSON header of a stored send's response, written straight into its frame: the bytes
// header_json.ts's jsonHeaderText gives, for the one shape the broker answers every stored
// message with — extFields exactly MSG_REGION, TRACE_ON, msgId, queueId, queueOffset in that
// order, no remark, every one of those values and the language printable ASCII without a quote
// or backslash (nothing to escape), code/flag/opaque/version int32. sendResponseHeaderSize
// returns -1 for any other shape, writeSendResponseHeader -1 when a string needs escaping
// (checked while copying it: one pass over the text), and the caller then encodes the header
// the general way.
// Why: that response goes out once per published message; the text way builds and stringifies
// it (JSON.stringify of the extFields, a dozen concatenations, a latin1 copy), while here its
// names are constant bytes and its size is known before the frame is allocated, so nothing is
// built and nothing copied twice. The constant stretches between the values (with the code,
// region, flag, language and version, the same on nearly every response) are kept as bytes and
// copied whole: 330 → 200 ns a header. header_json_send_response.test.ts checks the bytes equal the
// text way's.
import type { HeaderFields } from "./header_json.ts";
import { writeInt32 } from "./header_json_write.ts";

/** What the header needs from a command: opaque and flag are passed apart (see writeFrame). */
type HeaderSource = Pick<HeaderFields, "code" | "language" | "version" | "remark" | "extFields">;

/** The extFields keys, in the order the header has them (the order they were set). */
const KEYS = ["MSG_REGION", "TRACE_ON", "msgId", "queueId", "queueOffset"] as const;

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

// The constant text between the values, in order; the header's size and the stretches below
// are both built from these.
const CODE = '{"code":';
const MSG_REGION = ',"extFields":{"MSG_REGION":"';
const TRACE_ON = '","TRACE_ON":"';
const MSG_ID = '","msgId":"';
const QUEUE_ID = '","queueId":"';
const QUEUE_OFFSET = '","queueOffset":"';
const FLAG = '"},"flag":';
const LANGUAGE = ',"language":"';
const OPAQUE = '","opaque":';
const VERSION = ',"serializeTypeCurrentRPC":"JSON","version":';
const END = "}";

const QUEUE_ID_BYTES = asciiBytes(QUEUE_ID);
const QUEUE_OFFSET_BYTES = asciiBytes(QUEUE_OFFSET);

/** Bytes of every constant part together. */
const CONSTANT_BYTES = [CODE, MSG_REGION, TRACE_ON, MSG_ID, QUEUE_ID, QUEUE_OFFSET, FLAG, LANGUAGE, OPAQUE, VERSION, END]
  .reduce((sum, part) => sum + part.length, 0);

/** Characters of an int32 in decimal, as `${value}` writes it. */
function int32Size(value: number): number {
  let count = value < 0 ? 2 : 1;
  for (let rest = Math.abs(value); rest >= 10; rest = Math.floor(rest / 10)) count++;
  return count;
}

function isInt32(value: number): boolean {
  return value === (value | 0);
}

/**
 * The header's size in bytes when it has the stored send response's shape (file comment) and
 * its strings need no escaping, else -1; only exactly the five keys in order are taken (any
 * other key, missing or extra, declines). Escaping is checked by the writer.
 */
export function sendResponseHeaderSize(command: HeaderSource, opaque: number, flag: number): number {
  const { code, version, language, remark, extFields } = command;
  if (remark !== undefined || !isInt32(code) || !isInt32(version) || !isInt32(opaque) || !isInt32(flag)) return -1;
  let count = 0;
  let size = CONSTANT_BYTES + int32Size(code) + int32Size(flag) + int32Size(opaque) + int32Size(version) + language.length;
  for (const key in extFields) {
    if (count === KEYS.length || key !== KEYS[count] || !Object.hasOwn(extFields, key)) return -1;
    size += extFields[key]!.length;
    count++;
  }
  return count === KEYS.length ? size : -1;
}

function writeBytes(target: Uint8Array, at: number, bytes: Uint8Array): number {
  const length = bytes.length;
  for (let index = 0; index < length; index++) target[at + index] = bytes[index]!;
  return at + length;
}

/**
 * Copies a string byte for byte (a native call per short string costs more); -1 when a
 * character is one JSON.stringify would not write as it is (not printable ASCII, " or \).
 */
function writeAscii(target: Uint8Array, at: number, text: string): number {
  if (at < 0) return -1;
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return -1;
    target[at + index] = code;
  }
  return at + length;
}

/** Printable ASCII without a quote or backslash: a string JSON.stringify writes as it is. */
function isPlainAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

/**
 * A constant stretch of the header (its text depends on a few values that are the same for
 * nearly every response: code 0, the broker's region, flag, language, version), built once per
 * distinct values and copied with one set(): byte by byte, the constant parts were most of the
 * writer's time.
 */
class Stretch {
  private keyA: string | number | undefined;
  private keyB: string | number | undefined;
  private keyC: string | number | undefined;
  private bytes: Uint8Array | undefined;

  constructor(private readonly build: (a: string | number, b: string | number, c: string | number) => string) {}

  /** The stretch's bytes for these values; undefined when a string value needs escaping. */
  of(a: string | number, b: string | number, c: string | number): Uint8Array | undefined {
    if (this.bytes !== undefined && a === this.keyA && b === this.keyB && c === this.keyC) return this.bytes;
    if ((typeof a === "string" && !isPlainAscii(a)) || (typeof b === "string" && !isPlainAscii(b)) || (typeof c === "string" && !isPlainAscii(c))) {
      return undefined;
    }
    this.keyA = a;
    this.keyB = b;
    this.keyC = c;
    this.bytes = asciiBytes(this.build(a, b, c));
    return this.bytes;
  }
}

/** From the start to the msgId's value: by code, MSG_REGION and TRACE_ON. */
const HEAD = new Stretch((code, region, traceOn) => `${CODE}${code}${MSG_REGION}${region}${TRACE_ON}${traceOn}${MSG_ID}`);
/** From the end of queueOffset's value to the opaque: by flag and language. */
const MIDDLE = new Stretch((flag, language) => `${FLAG}${flag}${LANGUAGE}${language}${OPAQUE}`);
/** From the end of the opaque to the end: by version. */
const TAIL = new Stretch((version) => `${VERSION}${version}${END}`);

function copy(target: Uint8Array, at: number, bytes: Uint8Array): number {
  target.set(bytes, at);
  return at + bytes.length;
}

/**
 * Writes the header from `at` on (the caller allocated sendResponseHeaderSize bytes for it,
 * which must not have returned -1) and returns where it ends; -1 when a string in it needs
 * escaping (the bytes written so far are garbage then: encode the header the general way).
 */
export function writeSendResponseHeader(target: Uint8Array, at: number, command: HeaderSource, opaque: number, flag: number): number {
  const extFields = command.extFields;
  const head = HEAD.of(command.code, extFields["MSG_REGION"]!, extFields["TRACE_ON"]!);
  const middle = MIDDLE.of(flag, command.language, 0);
  const tail = TAIL.of(command.version, 0, 0);
  if (head === undefined || middle === undefined || tail === undefined) return -1;
  let position = writeAscii(target, copy(target, at, head), extFields["msgId"]!);
  if (position >= 0) position = writeAscii(target, writeBytes(target, position, QUEUE_ID_BYTES), extFields["queueId"]!);
  if (position >= 0) position = writeAscii(target, writeBytes(target, position, QUEUE_OFFSET_BYTES), extFields["queueOffset"]!);
  if (position < 0) return -1;
  position = writeInt32(target, copy(target, position, middle), opaque);
  return copy(target, position, tail);
}
