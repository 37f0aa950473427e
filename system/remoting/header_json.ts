// The JSON header (serialize type 0), as Java's fastjson writes it: fields in alphabetical
// order, null remark omitted, extFields omitted when empty, "serializeTypeCurrentRPC":"JSON".
// Decoding is lenient the way Java is: unknown fields are ignored, extFields values that
// arrive as JSON numbers/booleans (ali-ons sends `"d":4`, `"k":false`) become their Java
// toString form, null values are dropped. Anything structurally wrong is a RemotingDecodeError.
import { RemotingDecodeError } from "./remoting_errors.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { fromUtf8, utf8 } from "./remoting_command.ts";

export type HeaderFields = Omit<RemotingCommand, "body" | "serializeType">;

export function encodeJsonHeader(command: HeaderFields): Uint8Array {
  const parts: string[] = [`"code":${command.code}`];
  if (Object.keys(command.extFields).length > 0) {
    parts.push(`"extFields":${JSON.stringify(command.extFields)}`);
  }
  parts.push(`"flag":${command.flag}`);
  parts.push(`"language":${JSON.stringify(command.language)}`);
  parts.push(`"opaque":${command.opaque}`);
  if (command.remark !== undefined) parts.push(`"remark":${JSON.stringify(command.remark)}`);
  parts.push(`"serializeTypeCurrentRPC":"JSON"`);
  parts.push(`"version":${command.version}`);
  return utf8(`{${parts.join(",")}}`);
}

export function decodeJsonHeader(bytes: Uint8Array): HeaderFields {
  const text = fromUtf8(bytes);
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
  const extFields: Record<string, string> = {};
  if (value === undefined || value === null) return extFields;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new RemotingDecodeError("malformed JSON header: extFields is not an object");
  }
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (raw === null || raw === undefined) continue;
    const text = scalarText(raw);
    // defineProperty keeps a key named "__proto__" an ordinary own property.
    Object.defineProperty(extFields, key, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return extFields;
}
