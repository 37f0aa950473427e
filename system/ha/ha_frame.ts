// The HA wire format (remoting-protocol.md (g); RocketMQ 4.x HAConnection/HAClient), as pure
// push-style codecs, separate from sockets:
//
//   slave → master   [maxPhyOffset: int64 BE]                       8 bytes, repeated
//   master → slave   [phyOffset: int64 BE][bodySize: int32 BE][body] bodySize 0 = heartbeat
//
// The master reads only the last complete 8-byte group of what arrived (groups are aligned to
// the start of the stream), so a slave that wrote several reports in a row is read as its
// newest. Offsets are non-negative safe integers; anything else is a typed decode error.
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

function readOffset(view: DataView, at: number, what: string): number {
  const value = view.getBigInt64(at, false);
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new HAFrameError(`${what} ${value} is out of range`);
  return Number(value);
}

export function encodeOffsetReport(offset: number): Uint8Array {
  checkOffset(offset, "reported offset");
  const bytes = new Uint8Array(REPORT_SIZE_BYTES);
  new DataView(bytes.buffer).setBigInt64(0, BigInt(offset), false);
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
    const group = new Uint8Array(REPORT_SIZE_BYTES);
    const lastStart = lastEnd - REPORT_SIZE_BYTES;
    for (let index = 0; index < REPORT_SIZE_BYTES; index++) {
      const at = lastStart + index;
      group[index] = at < this.partialLength ? this.partial[at]! : chunk[at - this.partialLength]!;
    }
    const rest = chunk.subarray(lastEnd - this.partialLength);
    assert(rest.length < REPORT_SIZE_BYTES, "what remains is a partial report");
    this.partial.set(rest, 0);
    this.partialLength = rest.length;
    return readOffset(new DataView(group.buffer), 0, "reported offset");
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
  checkOffset(phyOffset, "transfer offset");
  assert(Number.isInteger(bodySizeBytes) && bodySizeBytes >= 0 && bodySizeBytes <= TRANSFER_BODY_BYTES_MAX, `body size ${bodySizeBytes} out of range`);
  const bytes = new Uint8Array(TRANSFER_HEADER_SIZE_BYTES);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, BigInt(phyOffset), false);
  view.setInt32(8, bodySizeBytes, false);
  return bytes;
}

/** One write per frame: header and body together (the sim delivers a write as one segment). */
export function encodeTransferFrame(phyOffset: number, body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(TRANSFER_HEADER_SIZE_BYTES + body.length);
  frame.set(encodeTransferHeader(phyOffset, body.length), 0);
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
        const view = new DataView(head.buffer, head.byteOffset, head.length);
        const phyOffset = readOffset(view, 0, "transfer offset");
        const bodySizeBytes = view.getInt32(8, false);
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
