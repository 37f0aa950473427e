// The HA wire format (remoting-protocol.md (g); RocketMQ 4.x HAConnection/HAClient), as pure
// push-style codecs, separate from sockets:
//
//   slave → master   [maxPhyOffset: int64 BE]                       8 bytes, repeated
//   master → slave   [phyOffset: int64 BE][bodySize: int32 BE][body] bodySize 0 = heartbeat
//
// The master reads only the last complete 8-byte group of what arrived (groups are aligned to
// the start of the stream), so a slave that wrote several reports in a row is read as its
// newest. Offsets are non-negative safe integers; anything else is a typed decode error.
// Per-message hot path (one frame and one report per put under SYNC_MASTER): longs are read and
// written as two int32 halves (message/big_endian.ts), never through BigInt, and a frame is one
// allocation with its header written in place.
import { readInt32BE, readSafeLongBE, writeInt32BE, writeLongBE } from "../message/index.ts";
import { assert } from "../stdx/assert.ts";
import { REPORT_SIZE_BYTES, TRANSFER_BODY_BYTES_MAX, TRANSFER_HEADER_SIZE_BYTES } from "./ha_constants.ts";

export class HAFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HAFrameError";
  }
}

function checkOffset(offset: number, what: string): void {
  assert(Number.isSafeInteger(offset) && offset >= 0, `${what} must be a non-negative safe integer (got ${offset})`);
}

/** The big-endian long at `at` of `bytes` as an offset; HAFrameError when negative or unsafe. */
function readOffset(bytes: Uint8Array, at: number, what: string): number {
  const value = readSafeLongBE(bytes, at);
  if (value !== undefined && value >= 0) return value;
  const big = new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigInt64(0, false);
  throw new HAFrameError(`${what} ${big} is out of range`);
}

export function encodeOffsetReport(offset: number): Uint8Array {
  checkOffset(offset, "reported offset");
  const bytes = new Uint8Array(REPORT_SIZE_BYTES);
  writeLongBE(bytes, 0, offset);
  return bytes;
}

/** Master side: turns the slave's byte stream into its newest complete report. */
export class OffsetReportReader {
  private readonly partial = new Uint8Array(REPORT_SIZE_BYTES);
  private partialLength = 0;

  /** The last complete report that this chunk finished, or undefined (throws HAFrameError). */
  push(chunk: Uint8Array): number | undefined {
    assert(this.partialLength < REPORT_SIZE_BYTES, "a partial report is shorter than a report");
    const total = this.partialLength + chunk.length;
    const complete = Math.floor(total / REPORT_SIZE_BYTES);
    if (complete === 0) {
      this.partial.set(chunk, this.partialLength);
      this.partialLength = total;
      return undefined;
    }
    // The last complete group ends at byte complete*8 of (partial + chunk).
    const lastEnd = complete * REPORT_SIZE_BYTES;
    const lastStart = lastEnd - REPORT_SIZE_BYTES;
    let report: number;
    if (lastStart >= this.partialLength) {
      // The usual case: the whole group is in this chunk (read in place).
      report = readOffset(chunk, lastStart - this.partialLength, "reported offset");
    } else {
      // The group starts in the held-back bytes: complete it there (partial is 8 bytes long).
      this.partial.set(chunk.subarray(0, lastEnd - this.partialLength), this.partialLength);
      report = readOffset(this.partial, 0, "reported offset");
    }
    const rest = chunk.subarray(lastEnd - this.partialLength);
    assert(rest.length < REPORT_SIZE_BYTES, "what remains is a partial report");
    this.partial.set(rest, 0);
    this.partialLength = rest.length;
    return report;
  }

  /** Bytes of an unfinished report held back. */
  get pendingBytes(): number {
    return this.partialLength;
  }
}

export interface TransferFrame {
  phyOffset: number;
  /** Empty for a heartbeat. */
  body: Uint8Array;
}

export function encodeTransferHeader(phyOffset: number, bodySizeBytes: number): Uint8Array {
  const bytes = new Uint8Array(TRANSFER_HEADER_SIZE_BYTES);
  writeTransferHeaderAt(bytes, phyOffset, bodySizeBytes);
  return bytes;
}

/**
 * Writes a transfer header at the start of `frame` (whose body, bodySizeBytes long, follows):
 * the master reads the commit-log bytes straight into a frame buffer (no header of its own).
 */
export function writeTransferHeaderAt(frame: Uint8Array, phyOffset: number, bodySizeBytes: number): void {
  checkOffset(phyOffset, "transfer offset");
  assert(Number.isInteger(bodySizeBytes) && bodySizeBytes >= 0 && bodySizeBytes <= TRANSFER_BODY_BYTES_MAX, `body size ${bodySizeBytes} out of range`);
  assert(frame.length >= TRANSFER_HEADER_SIZE_BYTES, "a frame holds its header");
  writeLongBE(frame, 0, phyOffset);
  writeInt32BE(frame, 8, bodySizeBytes);
}

/** One write per frame: header and body together (the sim delivers a write as one segment). */
export function encodeTransferFrame(phyOffset: number, body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(TRANSFER_HEADER_SIZE_BYTES + body.length);
  writeTransferHeaderAt(frame, phyOffset, body.length);
  frame.set(body, TRANSFER_HEADER_SIZE_BYTES);
  return frame;
}

/** Slave side: accepts any chunking, emits whole frames in order. */
export class TransferFrameDecoder {
  private chunks: Uint8Array[] = [];
  private bufferedBytes = 0;
  private header: { phyOffset: number; bodySizeBytes: number } | undefined;

  /**
   * Feeds bytes; calls onFrame for every complete frame. onFrame returns false to stop (the
   * caller is closing the connection); push then returns false. Throws HAFrameError.
   */
  push(chunk: Uint8Array, onFrame: (frame: TransferFrame) => boolean): boolean {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
    }
    for (;;) {
      if (this.header === undefined) {
        if (this.bufferedBytes < TRANSFER_HEADER_SIZE_BYTES) return true;
        const head = this.take(TRANSFER_HEADER_SIZE_BYTES);
        const phyOffset = readOffset(head, 0, "transfer offset");
        const bodySizeBytes = readInt32BE(head, 8);
        if (bodySizeBytes < 0 || bodySizeBytes > TRANSFER_BODY_BYTES_MAX) throw new HAFrameError(`transfer body size ${bodySizeBytes} out of range`);
        this.header = { phyOffset, bodySizeBytes };
      }
      if (this.bufferedBytes < this.header.bodySizeBytes) return true;
      const frame = { phyOffset: this.header.phyOffset, body: this.take(this.header.bodySizeBytes) };
      this.header = undefined;
      if (!onFrame(frame)) return false;
    }
  }

  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  /** Removes and returns the first `count` buffered bytes. */
  private take(count: number): Uint8Array {
    assert(count <= this.bufferedBytes, "take only what is buffered");
    const first = this.chunks[0];
    if (first !== undefined && first.length >= count) {
      const out = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      this.bufferedBytes -= count;
      return out;
    }
    const out = new Uint8Array(count);
    let at = 0;
    while (at < count) {
      const next = this.chunks[0]!;
      const used = Math.min(next.length, count - at);
      out.set(next.subarray(0, used), at);
      at += used;
      if (used === next.length) this.chunks.shift();
      else this.chunks[0] = next.subarray(used);
    }
    this.bufferedBytes -= count;
    return out;
  }
}
