// Frame encoding and decoding of one RemotingCommand (layout in docs remoting-protocol.md (a)):
//   [int32 length = 4 + headerLength + bodyLength]
//   [int32: high byte serialize type (0 JSON, 1 ROCKETMQ), low 24 bits headerLength]
//   [header][body]
// decodeFramePayload takes the bytes after the length field (what FrameDecoder emits).
import { assert } from "../stdx/assert.ts";
import { decodeJsonHeader, encodeJsonHeader } from "./header_json.ts";
import type { HeaderFields } from "./header_json.ts";
import { decodeRocketmqHeader, encodeRocketmqHeader } from "./header_rocketmq.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { SerializeType } from "./remoting_command.ts";
import { RemotingDecodeError } from "./remoting_errors.ts";

export const HEADER_LENGTH_MAX = 0xffffff;

export function encodeHeader(command: RemotingCommand): Uint8Array {
  const fields: HeaderFields = {
    code: command.code,
    language: command.language,
    version: command.version,
    opaque: command.opaque,
    flag: command.flag,
    extFields: command.extFields,
  };
  if (command.remark !== undefined) fields.remark = command.remark;
  return command.serializeType === SerializeType.ROCKETMQ ? encodeRocketmqHeader(fields) : encodeJsonHeader(fields);
}

/** The whole frame, length field included. */
export function encodeFrame(command: RemotingCommand): Uint8Array {
  const header = encodeHeader(command);
  assert(header.length <= HEADER_LENGTH_MAX, "header longer than 24 bits");
  const bodySizeBytes = command.body?.length ?? 0;
  const frame = new Uint8Array(8 + header.length + bodySizeBytes);
  const view = new DataView(frame.buffer);
  view.setInt32(0, 4 + header.length + bodySizeBytes, false);
  view.setUint32(4, ((command.serializeType << 24) | header.length) >>> 0, false);
  frame.set(header, 8);
  if (command.body) frame.set(command.body, 8 + header.length);
  return frame;
}

/** Splits the 32-bit header-length word; rejects unknown serialize types. */
export function splitHeaderWord(word: number): { serializeType: SerializeType; headerLength: number } {
  const type = (word >>> 24) & 0xff;
  if (type !== SerializeType.JSON && type !== SerializeType.ROCKETMQ) {
    throw new RemotingDecodeError(`unknown serialize type ${type} in header length word`);
  }
  return { serializeType: type, headerLength: word & 0xffffff };
}

/** Decodes the bytes after the length field: header-length word, header, body. */
export function decodeFramePayload(payload: Uint8Array): RemotingCommand {
  if (payload.length < 4) {
    throw new RemotingDecodeError(`frame too short: ${payload.length} bytes after the length field`);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const { serializeType, headerLength } = splitHeaderWord(view.getUint32(0, false));
  if (headerLength === 0 || 4 + headerLength > payload.length) {
    throw new RemotingDecodeError(
      `invalid header length ${headerLength} for a frame of ${payload.length} bytes`,
    );
  }
  const headerBytes = payload.subarray(4, 4 + headerLength);
  const fields = serializeType === SerializeType.ROCKETMQ ? decodeRocketmqHeader(headerBytes) : decodeJsonHeader(headerBytes);
  const command: RemotingCommand = { ...fields, serializeType };
  if (payload.length > 4 + headerLength) command.body = payload.slice(4 + headerLength);
  return command;
}
