// Big-endian integer reads and writes straight on a Uint8Array, for the record, consume-queue
// and index hot paths (several per message). Why not DataView + BigInt: a DataView is an
// object per buffer, and every 8-byte field went through a BigInt allocation both ways; these
// split a long into two int32 halves instead. Callers check bounds first (the typed array
// would silently read undefined/ignore writes past its end, so they assert or pre-check).
// Longs are JS numbers: exact for safe integers, which offsets and ms timestamps stay within.
import { assert } from "../stdx/assert.ts";

const TWO_POW_32 = 0x1_0000_0000;
/** A long whose high int32 lies in [-2^21, 2^21) is a safe integer, except -2^53 exactly. */
const SAFE_HIGH_LIMIT = 0x20_0000;

export function readInt32BE(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}

export function readUint32BE(bytes: Uint8Array, at: number): number {
  return readInt32BE(bytes, at) >>> 0;
}

export function writeInt32BE(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

/** The 8-byte big-endian long at `at` when it is a safe integer, else undefined. */
export function readSafeLongBE(bytes: Uint8Array, at: number): number | undefined {
  const high = readInt32BE(bytes, at);
  const low = readUint32BE(bytes, at + 4);
  if (high >= SAFE_HIGH_LIMIT || high < -SAFE_HIGH_LIMIT || (high === -SAFE_HIGH_LIMIT && low === 0)) return undefined;
  return high * TWO_POW_32 + low;
}

/** Writes a safe integer as an 8-byte big-endian two's-complement long. */
export function writeLongBE(bytes: Uint8Array, at: number, value: number): void {
  assert(Number.isSafeInteger(value), "long fields are safe integers");
  const high = Math.floor(value / TWO_POW_32);
  writeInt32BE(bytes, at, high);
  writeInt32BE(bytes, at + 4, value - high * TWO_POW_32);
}
