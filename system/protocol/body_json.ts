// Helpers for the JSON bodies: encode with fastjson's conventions, decode leniently the way
// Java readers do (unknown fields ignored, missing fields take the Java default) but strictly
// on types: a field of the wrong type is a BodyDecodeError naming the body and field.
import { fromUtf8, utf8 } from "../remoting/remoting_command.ts";
import { FastjsonParseError, parseFastjson, stringifyFastjson } from "./fastjson.ts";
import type { StringifyOptions } from "./fastjson.ts";

export type JsonObject = Record<string, unknown>;

export class BodyDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BodyDecodeError";
  }
}

export function encodeJsonBody(value: unknown, options: StringifyOptions = {}): Uint8Array {
  return utf8(stringifyFastjson(value, options));
}

/** Parses a body (standard JSON or fastjson) that must be a JSON object. */
export function parseJsonBody(body: Uint8Array | undefined, what: string): JsonObject {
  if (body === undefined || body.length === 0) throw new BodyDecodeError(`${what}: empty body`);
  let value: unknown;
  try {
    value = parseFastjson(fromUtf8(body));
  } catch (error) {
    if (error instanceof FastjsonParseError) throw new BodyDecodeError(`${what}: ${error.message}`, { cause: error });
    throw error;
  }
  return asObject(value, what);
}

export function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BodyDecodeError(`${what}: expected an object`);
  }
  return value as JsonObject;
}

function present(object: JsonObject, field: string): unknown {
  return Object.hasOwn(object, field) ? object[field] : undefined;
}

export function readString(object: JsonObject, field: string, what: string, fallback?: string): string {
  const value = present(object, field);
  if (value === undefined || value === null) {
    if (fallback === undefined) throw new BodyDecodeError(`${what}: missing ${field}`);
    return fallback;
  }
  if (typeof value !== "string") throw new BodyDecodeError(`${what}: ${field} is not a string`);
  return value;
}

export function readOptionalString(object: JsonObject, field: string, what: string): string | undefined {
  const value = present(object, field);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new BodyDecodeError(`${what}: ${field} is not a string`);
  return value;
}

/** Numbers; fastjson also accepts numeric strings for int/long fields. */
export function readNumber(object: JsonObject, field: string, what: string, fallback = 0): number {
  const value = present(object, field);
  if (value === undefined || value === null) return fallback;
  const number = typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number)) throw new BodyDecodeError(`${what}: ${field} is not a number`);
  return number;
}

export function readBoolean(object: JsonObject, field: string, what: string, fallback = false): boolean {
  const value = present(object, field);
  if (value === undefined || value === null) return fallback;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw new BodyDecodeError(`${what}: ${field} is not a boolean`);
}

export function readArray(object: JsonObject, field: string, what: string): unknown[] {
  const value = present(object, field);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BodyDecodeError(`${what}: ${field} is not an array`);
  return value;
}

export function readStringArray(object: JsonObject, field: string, what: string): string[] {
  return readArray(object, field, what).map((item) => {
    if (typeof item !== "string") throw new BodyDecodeError(`${what}: ${field} holds a non-string`);
    return item;
  });
}

/** A JSON object field read as a Map (Java Map<String, X>); absent → empty. */
export function readMap<T>(
  object: JsonObject,
  field: string,
  what: string,
  readValue: (value: unknown, key: string) => T,
): Map<string, T> {
  const value = present(object, field);
  const out = new Map<string, T>();
  if (value === undefined || value === null) return out;
  for (const [key, item] of Object.entries(asObject(value, `${what}.${field}`))) out.set(key, readValue(item, key));
  return out;
}

/** Object keys of fastjson Map<Object, X> arrive as their JSON text (see fastjson.ts). */
export function parseObjectKey(key: string, what: string): JsonObject {
  try {
    return asObject(JSON.parse(key), what);
  } catch (error) {
    if (error instanceof BodyDecodeError) throw error;
    throw new BodyDecodeError(`${what}: key ${JSON.stringify(key)} is not an object`, { cause: error });
  }
}
