// Frame encoding and decoding of one RemotingCommand (layout in docs remoting-protocol.md (a)):
//   [int32 length = 4 + headerLength + bodyLength]
//   [int32: high byte serialize type (0 JSON, 1 ROCKETMQ), low 24 bits headerLength]
//   [header][body]
// decodeFramePayload takes the bytes after the length field (what FrameDecoder emits).
//
// Hot path: a frame is written in one pass into one buffer (the JSON header — as bytes when every
// string in it is plain, else as text — or the ROCKETMQ header straight into the frame, no
// intermediate header bytes). Channels use the pooled variant: a fresh
// Uint8Array above 64 bytes gets its own off-heap backing store (~0.3 µs, more than the rest of
// the encoding), while Node's Buffer pool carves small ones out of a shared slab (~0.03 µs).
// The pool never hands out the same bytes twice, so a frame stays intact after write()
// returns, as a socket needs.
import { Buffer } from "node:buffer";
import { assert } from "../stdx/assert.ts";
import { decodeJsonHeader, jsonHeaderText } from "./header_json.ts";
import { sendResponseHeaderSize, writeSendResponseHeader } from "./header_json_send_response.ts";
import { writeJsonHeaderAscii } from "./header_json_write.ts";
import { decodeRocketmqHeader, rocketmqHeaderSize, writeRocketmqHeader } from "./header_rocketmq.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { FLAG_RESPONSE, SerializeType } from "./remoting_command.ts";
import { RemotingDecodeError } from "./remoting_errors.ts";

export const HEADER_LENGTH_MAX = 0xffffff;

/** Where a frame's bytes come from: own memory, or Node's pool (see the file comment). */
type Allocate = (sizeBytes: number) => Buffer;

const allocateOwn: Allocate = (sizeBytes) => Buffer.allocUnsafeSlow(sizeBytes);
const allocatePooled: Allocate = (sizeBytes) => Buffer.allocUnsafe(sizeBytes);

/** Where a request's JSON header is written before its frame is allocated (headers that do not fit go the text way). */
const scratch = Buffer.allocUnsafeSlow(64 * 1024);

/** The whole frame, length field included, in a buffer of its own (byteOffset 0). */
export function encodeFrame(command: RemotingCommand): Uint8Array {
  return writeFrame(command, command.opaque, command.flag, command.serializeType, allocateOwn);
}

/**
 * The frame of `command` with the given opaque, flag and serialize type (a channel stamps them
 * without copying the command), in pooled memory: a view that may share its ArrayBuffer with
 * other frames.
 */
export function encodeFramePooled(
  command: RemotingCommand, opaque: number, flag: number, serializeType: SerializeType = command.serializeType,
): Uint8Array {
  return writeFrame(command, opaque, flag, serializeType, allocatePooled);
}

/** Fills every byte of the frame (the allocators do not zero memory). */
function writeFrame(
  command: RemotingCommand, opaque: number, flag: number, serializeType: SerializeType, allocate: Allocate,
): Uint8Array {
  const body = command.body;
  const bodySizeBytes = body?.length ?? 0;
  let frame: Buffer;
  let headerLength: number;
  if (serializeType === SerializeType.ROCKETMQ) {
    headerLength = rocketmqHeaderSize(command);
    assert(headerLength <= HEADER_LENGTH_MAX, "header longer than 24 bits");
    frame = allocate(8 + headerLength + bodySizeBytes);
    writeRocketmqHeader(frame, 8, headerLength, command, opaque, flag);
  } else if ((flag & FLAG_RESPONSE) === 0 && (headerLength = writeJsonHeaderAscii(scratch, 0, scratch.length, command, opaque, flag)) >= 0) {
    // A request: written byte by byte, no header string (header_json_write.ts), into scratch
    // memory, then copied once its size is known. Measured on the send path: a producer's CPU
    // per message dropped by about a fifth this way. Responses do not take it: short ones were
    // cheaper the text way below (JSON.stringify does the extFields natively), and a stored
    // send's response has a writer of its own (next branch).
    frame = allocate(8 + headerLength + bodySizeBytes);
    scratch.copy(frame, 8, 0, headerLength);
  } else if ((flag & FLAG_RESPONSE) !== 0 && (headerLength = sendResponseHeaderSize(command, opaque, flag)) >= 0
    && writeSendResponseHeader(frame = allocate(8 + headerLength + bodySizeBytes), 8, command, opaque, flag) >= 0) {
    // A stored send's response (one per published message): its fixed shape is written
    // straight into the frame (header_json_send_response.ts). A string that needs escaping
    // (never in the broker's) leaves that frame unused and takes the text way.
  } else {
    const text = jsonHeaderText(command, opaque, flag);
    headerLength = Buffer.byteLength(text, "utf8");
    assert(headerLength <= HEADER_LENGTH_MAX, "header longer than 24 bits");
    frame = allocate(8 + headerLength + bodySizeBytes);
    // As many bytes as characters: all ASCII, which latin1 writes as a plain copy.
    const written = headerLength === text.length ? frame.write(text, 8, headerLength, "latin1") : frame.write(text, 8, headerLength, "utf8");
    assert(written === headerLength, "header text fills exactly its byte length");
  }
  writeInt32(frame, 0, 4 + headerLength + bodySizeBytes);
  writeInt32(frame, 4, (serializeType << 24) | headerLength);
  if (body !== undefined) frame.set(body, 8 + headerLength);
  // A plain Uint8Array, not a Buffer (whose slice() would not copy).
  return new Uint8Array(frame.buffer, frame.byteOffset, frame.length);
}

function writeInt32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

/** Big-endian int32 at `at` (the caller checked the bounds). */
export function readInt32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}

/** The serialize type in a header-length word; throws for unknown ones. */
export function serializeTypeOf(word: number): SerializeType {
  const type = (word >>> 24) & 0xff;
  if (type !== SerializeType.JSON && type !== SerializeType.ROCKETMQ) {
    throw new RemotingDecodeError(`unknown serialize type ${type} in header length word`);
  }
  return type;
}

/**
 * Decodes the bytes after the length field: header-length word, header, body. By default the
 * command never aliases `payload` (the body is copied), so the caller may reuse those bytes;
 * a caller that hands over a buffer of its own (`owned`) gets a body that is a view into it,
 * which saves copying large pull responses that arrived in several chunks.
 */
export function decodeFramePayload(payload: Uint8Array, owned = false): RemotingCommand {
  if (payload.length < 4) {
    throw new RemotingDecodeError(`frame too short: ${payload.length} bytes after the length field`);
  }
  const word = readInt32(payload, 0);
  const serializeType = serializeTypeOf(word);
  const headerLength = word & 0xffffff;
  if (headerLength === 0 || 4 + headerLength > payload.length) {
    throw new RemotingDecodeError(
      `invalid header length ${headerLength} for a frame of ${payload.length} bytes`,
    );
  }
  const headerBytes = payload.subarray(4, 4 + headerLength);
  const command = (serializeType === SerializeType.ROCKETMQ ? decodeRocketmqHeader(headerBytes) : decodeJsonHeader(headerBytes)) as RemotingCommand;
  command.serializeType = serializeType;
  if (payload.length > 4 + headerLength) command.body = owned ? payload.subarray(4 + headerLength) : copyBody(payload.subarray(4 + headerLength));
  return command;
}

/**
 * A copy of `bytes` in pooled memory (Node's Buffer pool for small sizes, see the file comment):
 * Uint8Array.slice gives every body its own ArrayBuffer, an off-heap allocation per request
 * that also counts against V8's external memory and brings GCs on. The copy is a plain
 * Uint8Array view (byteOffset maybe ≠ 0, as the owned path's bodies always are).
 */
function copyBody(bytes: Uint8Array): Uint8Array {
  const copy = allocatePooled(bytes.length);
  copy.set(bytes);
  return new Uint8Array(copy.buffer, copy.byteOffset, copy.length);
}
