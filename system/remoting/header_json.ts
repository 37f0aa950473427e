// The JSON header (serialize type 0), as Java's fastjson writes it: fields in alphabetical
// order, null remark omitted, extFields omitted when empty, "serializeTypeCurrentRPC":"JSON".
// Decoding is lenient the way Java is: unknown fields are ignored, extFields values that
// arrive as JSON numbers/booleans (ali-ons sends `"d":4`, `"k":false`) become their Java
// toString form, null values are dropped. Anything structurally wrong is a RemotingDecodeError.
//
// Hot path (every frame of every connection goes through here): the header text is built by
// plain concatenation around precomputed constant fragments (no parts array, no join), and
// JSON.stringify runs only on the caller's strings (extFields, language, remark) so escaping is
// exactly JSON.stringify's. Decoding reads an ASCII header as latin1 (one native call, ~10x
// cheaper than UTF-8 decoding), then header_json_scan.ts's scanner builds the fields straight
// from the text; only headers it does not take go through JSON.parse, which keeps the parsed
// extFields object as is when every value is already a string instead of copying it.
import { Buffer, isAscii } from "node:buffer";
import { scanJsonHeader } from "./header_json_scan.ts";
import { RemotingDecodeError } from "./remoting_errors.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { fromUtf8 } from "./remoting_command.ts";

export type HeaderFields = Omit<RemotingCommand, "body" | "serializeType">;

/** The header as text; opaque and flag are passed apart so a channel need not copy the command. */
export function jsonHeaderText(command: HeaderFields, opaque: number, flag: number): string {
  let text = `{"code":${command.code}`;
  if (hasOwnKey(command.extFields)) text += `,"extFields":${JSON.stringify(command.extFields)}`;
  text += `,"flag":${flag},"language":${command.language === "JAVA" ? '"JAVA"' : JSON.stringify(command.language)}`;
  text += `,"opaque":${opaque}`;
  if (command.remark !== undefined) text += `,"remark":${JSON.stringify(command.remark)}`;
  return `${text},"serializeTypeCurrentRPC":"JSON","version":${command.version}}`;
}

/** Object.keys(record).length > 0 without building the array. */
function hasOwnKey(record: Readonly<Record<string, string>>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true;
  return false;
}

/**
 * Buffer's native latin1 decoder called on any Uint8Array (it takes every ArrayBufferView):
 * no Buffer view object per frame, no toString(encoding) dispatch.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

export function decodeJsonHeader(bytes: Uint8Array): HeaderFields {
  const text = isAscii(bytes) ? latin1Slice.call(bytes, 0, bytes.length) : fromUtf8(bytes);
  return scanJsonHeader(text) ?? decodeJsonHeaderParsed(text);
}

/** The general decoder (JSON.parse), for every header the scanner does not take. */
export function decodeJsonHeaderParsed(text: string): HeaderFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RemotingDecodeError(`malformed JSON header: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new RemotingDecodeError("malformed JSON header: not a JSON object");
  }
  const header = parsed as Record<string, unknown>;
  const fields: HeaderFields = {
    code: readInt32(header, "code", undefined),
    language: readLanguage(header["language"]),
    version: readInt32(header, "version", 0),
    opaque: readInt32(header, "opaque", 0),
    flag: readInt32(header, "flag", 0),
    extFields: readExtFields(header["extFields"]),
  };
  const remark = header["remark"];
  if (typeof remark === "string") fields.remark = remark;
  else if (remark !== undefined && remark !== null) {
    throw new RemotingDecodeError("malformed JSON header: remark is not a string");
  }
  return fields;
}

function readInt32(header: Record<string, unknown>, name: string, fallback: number | undefined): number {
  const value = header[name];
  // What every Java and mqlab peer sends: a JSON integer.
  if (typeof value === "number" && value === (value | 0)) return value;
  if (value === undefined || value === null) {
    if (fallback === undefined) throw new RemotingDecodeError(`malformed JSON header: missing ${name}`);
    return fallback;
  }
  const number = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number !== (number | 0)) {
    throw new RemotingDecodeError(`malformed JSON header: ${name} is not a 32-bit integer`);
  }
  return number;
}

function readLanguage(value: unknown): string {
  if (value === undefined || value === null) return "JAVA";
  if (typeof value !== "string") throw new RemotingDecodeError("malformed JSON header: language is not a string");
  return value;
}

function scalarText(raw: unknown): string {
  if (typeof raw === "string") return raw;
  if (typeof raw === "number" || typeof raw === "boolean" || typeof raw === "bigint") return String(raw);
  return JSON.stringify(raw);
}

/** Java reads extFields as HashMap<String,String>: scalar values become their toString. */
function readExtFields(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new RemotingDecodeError("malformed JSON header: extFields is not an object");
  }
  const parsed = value as Record<string, unknown>;
  // JSON.parse made a fresh plain object whose keys (even "__proto__") are own data
  // properties; when all values are strings it already is the extFields we want.
  let allStrings = true;
  for (const key in parsed) {
    if (typeof parsed[key] !== "string") {
      allStrings = false;
      break;
    }
  }
  if (allStrings) return parsed as Record<string, string>;
  const extFields: Record<string, string> = {};
  for (const [key, raw] of Object.entries(parsed)) {
    if (raw === null || raw === undefined) continue;
    const text = scalarText(raw);
    // defineProperty keeps a key named "__proto__" an ordinary own property.
    Object.defineProperty(extFields, key, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return extFields;
}
