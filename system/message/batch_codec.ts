// The SEND_BATCH_MESSAGE body: concatenated per-message records
//   [TOTALSIZE 4][MAGIC 4 (0)][BODYCRC 4 (0)][FLAG 4][body length 4 + body][props length 2 + props]
// [MessageDecoder.encodeMessage / decodeMessages]. Topic, queue and sysFlag come from the
// request header; each message gets its own queue offset when stored.

import { MessageCodecError } from "./errors.ts";
import { PROPERTIES_BYTES_MAX } from "./message_record.ts";
import { propertiesFromBytes, propertiesToBytes } from "./properties.ts";

export interface BatchMessage {
  flag: number;
  body: Uint8Array;
  properties: Map<string, string>;
}

const BATCH_FIXED_BYTES = 4 + 4 + 4 + 4 + 4 + 2;

export function encodeBatch(messages: readonly BatchMessage[]): Uint8Array {
  const encoded = messages.map((message) => {
    const properties = propertiesToBytes(message.properties);
    if (properties.length > PROPERTIES_BYTES_MAX) {
      throw new MessageCodecError("BAD_FIELD", `batch message properties of ${properties.length} bytes`);
    }
    return { message, properties, size: BATCH_FIXED_BYTES + message.body.length + properties.length };
  });
  const out = new Uint8Array(encoded.reduce((sum, item) => sum + item.size, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const { message, properties, size } of encoded) {
    view.setInt32(at, size, false);
    view.setInt32(at + 4, 0, false);
    view.setInt32(at + 8, 0, false);
    view.setInt32(at + 12, message.flag, false);
    view.setInt32(at + 16, message.body.length, false);
    out.set(message.body, at + 20);
    view.setInt16(at + 20 + message.body.length, properties.length, false);
    out.set(properties, at + 22 + message.body.length);
    at += size;
  }
  return out;
}

/** Decodes a batch body; throws MessageCodecError on truncated or inconsistent input. */
export function decodeBatch(bytes: Uint8Array): BatchMessage[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages: BatchMessage[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < BATCH_FIXED_BYTES) {
      throw new MessageCodecError("TRUNCATED", "batch record header cut short", at);
    }
    const size = view.getInt32(at, false);
    const flag = view.getInt32(at + 12, false);
    const bodyLength = view.getInt32(at + 16, false);
    if (size < BATCH_FIXED_BYTES || bodyLength < 0 || bodyLength > size - BATCH_FIXED_BYTES) {
      throw new MessageCodecError("BAD_SIZE", `batch record size ${size}, body ${bodyLength}`, at);
    }
    if (size > bytes.length - at) throw new MessageCodecError("TRUNCATED", "batch record cut short", at);
    const propertiesLength = view.getInt16(at + 20 + bodyLength, false);
    if (propertiesLength < 0 || BATCH_FIXED_BYTES + bodyLength + propertiesLength !== size) {
      throw new MessageCodecError("BAD_SIZE", `batch record fields disagree with size ${size}`, at);
    }
    const body = bytes.slice(at + 20, at + 20 + bodyLength);
    const propertiesStart = at + 22 + bodyLength;
    const properties = propertiesFromBytes(bytes.subarray(propertiesStart, propertiesStart + propertiesLength));
    messages.push({ flag, body, properties });
    at += size;
  }
  return messages;
}
