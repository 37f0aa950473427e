// Message ids.
// - Offset msgId (what the broker returns and MessageExt.msgId is): store host bytes (IPv4 4 +
//   port 4, or IPv6 16 + port 4) + 8-byte commit-log offset, as upper-case hex: 32 or 56 chars.
// - UNIQ_KEY (client-side id): client IPv4 (4) + pid (2) + a per-process int (4, Java's
//   class-loader hashCode; here a random int) + ms since the start of the current UTC month (4)
//   + counter (2), as 32 upper-case hex chars. Time and randomness come from the caller.

import { Buffer } from "node:buffer";
import type { Clock, Random } from "../env/env.ts";
import { assert } from "../stdx/assert.ts";
import { utcMonthStartMs, utcNextMonthStartMs } from "./civil_time.ts";
import { MessageCodecError } from "./errors.ts";
import { hostFromBytes, hostToBytes } from "./host.ts";

const HEX = "0123456789ABCDEF";
/** Upper-case hex of every byte value (a msgId is formatted for every stored and pulled message). */
const HEX_PAIRS: readonly string[] = Array.from({ length: 256 }, (_, byte) => HEX[byte >> 4]! + HEX[byte & 0xf]!);

export function bytesToHex(bytes: Uint8Array): string {
  let text = "";
  for (let index = 0; index < bytes.length; index++) text += HEX_PAIRS[bytes[index]!]!;
  return text;
}

/** 8 upper-case hex digits of an unsigned 32-bit value. */
function uint32Hex(value: number): string {
  return HEX_PAIRS[value >>> 24]! + HEX_PAIRS[(value >>> 16) & 0xff]! + HEX_PAIRS[(value >>> 8) & 0xff]! + HEX_PAIRS[value & 0xff]!;
}

/** Character codes of HEX. */
const HEX_CODES: Uint8Array = Uint8Array.from(HEX, (char) => char.charCodeAt(0));
/** Where an offset msgId's characters are written (56 at most) before they become its string. */
const msgIdChars = Buffer.allocUnsafeSlow(56);
/** Buffer's native latin1 decoder: one flat string from the bytes, no Buffer view per call. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

function writeByteHex(target: Uint8Array, at: number, byte: number): void {
  target[at] = HEX_CODES[byte >> 4]!;
  target[at + 1] = HEX_CODES[byte & 0xf]!;
}

/** Writes 8 upper-case hex digits of an unsigned 32-bit value at `at`. */
function writeUint32Hex(target: Uint8Array, at: number, value: number): void {
  writeByteHex(target, at, value >>> 24);
  writeByteHex(target, at + 2, (value >>> 16) & 0xff);
  writeByteHex(target, at + 4, (value >>> 8) & 0xff);
  writeByteHex(target, at + 6, value & 0xff);
}

/** Parses hex (either case); throws MessageCodecError BAD_HEX on odd length or bad digits. */
export function hexToBytes(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new MessageCodecError("BAD_HEX", `not an even-length hex string: ${JSON.stringify(text)}`);
  }
  const bytes = new Uint8Array(text.length / 2);
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = parseInt(text.substring(index * 2, index * 2 + 2), 16);
  }
  return bytes;
}

/** Offset msgId of a record stored at commitLogOffset on storeHost ("ip:port"). */
export function createOffsetMsgId(storeHost: string, commitLogOffset: number): string {
  return createOffsetMsgIdFromHostBytes(hostToBytes(storeHost).bytes, commitLogOffset);
}

/** Same as createOffsetMsgId with the host already in record form (8 or 20 bytes). */
export function createOffsetMsgIdFromHostBytes(hostBytes: Uint8Array, commitLogOffset: number): string {
  assert(hostBytes.length === 8 || hostBytes.length === 20, "host bytes are 8 or 20");
  assert(Number.isSafeInteger(commitLogOffset) && commitLogOffset >= 0, "offset is a safe integer");
  // The offset as two big-endian halves (it is ≥ 0 and below 2^53).
  const high = Math.floor(commitLogOffset / 0x1_0000_0000);
  // Written as bytes and decoded once: one flat string. Concatenating the pairs built a rope
  // of ~20 pieces that every later reader (the send response's header writer, JSON.stringify)
  // had to flatten first, once per stored message.
  const hostLength = hostBytes.length;
  for (let index = 0; index < hostLength; index++) writeByteHex(msgIdChars, 2 * index, hostBytes[index]!);
  writeUint32Hex(msgIdChars, 2 * hostLength, high);
  writeUint32Hex(msgIdChars, 2 * hostLength + 8, commitLogOffset - high * 0x1_0000_0000);
  return latin1Slice.call(msgIdChars, 0, 2 * hostLength + 16);
}

export interface OffsetMsgId {
  /** "ip:port" of the storing broker. */
  readonly storeHost: string;
  readonly commitLogOffset: number;
}

/** Parses an offset msgId (32 or 56 hex chars); throws MessageCodecError when malformed. */
export function parseOffsetMsgId(msgId: string): OffsetMsgId {
  if (msgId.length !== 32 && msgId.length !== 56) {
    throw new MessageCodecError("BAD_HEX", `offset msgId has ${msgId.length} chars, want 32 or 56`);
  }
  const bytes = hexToBytes(msgId);
  const hostLength = bytes.length - 8;
  const offset = new DataView(bytes.buffer).getBigInt64(hostLength, false);
  if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MessageCodecError("BAD_FIELD", `offset msgId offset ${offset} out of range`);
  }
  return { storeHost: hostFromBytes(bytes.subarray(0, hostLength)), commitLogOffset: Number(offset) };
}

export interface UniqIdGeneratorOptions {
  /** Client IPv4 address ("a.b.c.d"). */
  readonly clientIp: string;
  /** Process-like id; only the low 16 bits are used. */
  readonly pid: number;
  readonly clock: Clock;
  readonly random: Random;
}

/** Generates UNIQ_KEY ids like MessageClientIDSetter.createUniqID. */
export class UniqIdGenerator {
  private readonly prefix: string;
  private readonly clock: Clock;
  private monthStartMs = 0;
  private nextMonthStartMs = 0;
  private counter = 0;

  constructor(options: UniqIdGeneratorOptions) {
    const fixed = new Uint8Array(10);
    fixed.set(hostToBytes(`${options.clientIp}:0`).bytes.subarray(0, 4), 0);
    const view = new DataView(fixed.buffer);
    view.setUint16(4, options.pid & 0xffff, false);
    view.setUint32(6, options.random.nextU32(), false);
    this.prefix = bytesToHex(fixed);
    this.clock = options.clock;
  }

  next(): string {
    const nowMs = this.clock.nowMs();
    if (nowMs >= this.nextMonthStartMs || nowMs < this.monthStartMs) {
      this.monthStartMs = utcMonthStartMs(nowMs);
      this.nextMonthStartMs = utcNextMonthStartMs(nowMs);
    }
    // The 6-byte tail (int32 ms since the month start, uint16 counter) straight to hex: an id
    // is made for every message sent.
    const sinceMonthMs = (nowMs - this.monthStartMs) | 0;
    const counter = this.counter & 0xffff;
    this.counter = (this.counter + 1) & 0xffff;
    return this.prefix + uint32Hex(sinceMonthMs) + HEX_PAIRS[counter >>> 8]! + HEX_PAIRS[counter & 0xff]!;
  }
}

export interface UniqIdParts {
  readonly clientIp: string;
  readonly pid: number;
  /** Milliseconds since the start of the month in which the id was made. */
  readonly msSinceMonthStart: number;
  readonly counter: number;
}

/** Splits a 32-char UNIQ_KEY into its parts; throws MessageCodecError when malformed. */
export function parseUniqId(uniqId: string): UniqIdParts {
  if (uniqId.length !== 32) throw new MessageCodecError("BAD_HEX", "UNIQ_KEY must have 32 hex chars");
  const bytes = hexToBytes(uniqId);
  const view = new DataView(bytes.buffer);
  return {
    clientIp: `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`,
    pid: view.getUint16(4, false),
    msSinceMonthStart: view.getInt32(10, false),
    counter: view.getUint16(14, false),
  };
}
