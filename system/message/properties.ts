// The properties string of a message: `key \x01 value \x02` per pair.
//
// Encoding writes a trailing \x02 after the last pair (RocketMQ ≤ 4.9.3 did; 4.9.4+ drops
// it); decoding accepts both. Decoding follows Java's string2messageProperties exactly:
// pairs with an empty key or an empty value are skipped, the first \x01 splits key from value.

import { Buffer } from "node:buffer";
import { assert } from "../stdx/assert.ts";
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from "./message_const.ts";

const utf8Decoder = new TextDecoder("utf-8");
const utf8Encoder = new TextEncoder();

/** Encodes properties as RocketMQ's properties string (with a trailing \x02). */
export function messageProperties2String(properties: ReadonlyMap<string, string>): string {
  let text = "";
  for (const [key, value] of properties) {
    text += key + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
  }
  return text;
}

/** Decodes a properties string; malformed pairs are skipped, as Java does. */
export function string2messageProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  let index = 0;
  while (index < text.length) {
    let end = text.indexOf(PROPERTY_SEPARATOR, index);
    if (end < 0) end = text.length;
    if (end - index >= 3) {
      const split = text.indexOf(NAME_VALUE_SEPARATOR, index);
      if (split > index && split < end - 1) {
        properties.set(text.substring(index, split), text.substring(split + 1, end));
      }
    }
    index = end + 1;
  }
  return properties;
}

/**
 * Why a properties map cannot round-trip through the string form, or null when it can:
 * keys must be non-empty without \x01/\x02, values non-empty without \x02.
 */
export function propertiesProblem(properties: ReadonlyMap<string, string>): string | null {
  for (const [key, value] of properties) {
    if (key.length === 0) return "empty property key";
    if (value.length === 0) return `empty value for property ${key}`;
    if (key.includes(NAME_VALUE_SEPARATOR) || key.includes(PROPERTY_SEPARATOR)) {
      return `property key ${JSON.stringify(key)} contains a separator`;
    }
    if (value.includes(PROPERTY_SEPARATOR)) return `value of property ${key} contains \\x02`;
  }
  return null;
}

export function propertiesToBytes(properties: ReadonlyMap<string, string>): Uint8Array {
  return utf8Bytes(messageProperties2String(properties));
}

export function propertiesFromBytes(bytes: Uint8Array): Map<string, string> {
  return string2messageProperties(utf8Decoder.decode(bytes));
}

/**
 * UTF-8 bytes of `text` (as TextEncoder writes them), in memory from Node's Buffer pool: these
 * are encoded for every stored message and copied into its record at once, and a fresh
 * Uint8Array above 64 bytes costs an off-heap allocation (~0.3 µs) where the pool costs ~0.03.
 * A plain Uint8Array view (byteOffset may be non-zero), not a Buffer.
 */
export function utf8Bytes(text: string): Uint8Array {
  const sizeBytes = Buffer.byteLength(text, "utf8");
  const bytes = Buffer.allocUnsafe(sizeBytes);
  bytes.write(text, 0, sizeBytes, "utf8");
  return new Uint8Array(bytes.buffer, bytes.byteOffset, sizeBytes);
}

/** Bytes of `text` in UTF-8 (a lone surrogate counts 3: it is written as U+FFFD). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * Writes the UTF-8 bytes of `text` (sizeBytes = utf8Length(text)) into target at `at`, the
 * bytes utf8Bytes would give. ASCII (sizeBytes equals the UTF-16 length only then) is copied
 * char by char: record topics and property strings are ASCII nearly always, and this needs
 * no view of the target and no intermediate bytes.
 */
export function writeUtf8(target: Uint8Array, at: number, text: string, sizeBytes: number): void {
  assert(at >= 0 && at + sizeBytes <= target.length, "the text fits in the target");
  if (sizeBytes === text.length) {
    for (let index = 0; index < sizeBytes; index++) target[at + index] = text.charCodeAt(index);
    return;
  }
  const { read, written } = utf8Encoder.encodeInto(text, target.subarray(at, at + sizeBytes));
  assert(read === text.length && written === sizeBytes, "sizeBytes is the text's UTF-8 length");
}

export function utf8Text(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}
