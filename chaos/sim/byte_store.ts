// Growable byte content of one simulated file, stored in chunks so a broker's
// gigabyte commit log never needs one huge contiguous array or a copy when it grows.
//
// Layout: byte i lives in chunks[floor(i / chunkSizeBytes)] at i % chunkSizeBytes. The first chunk
// is allocated small and doubles up to chunkSizeBytes, so small files stay small; bytes a
// chunk does not cover, and missing chunks (sparse files), read as zeros.
// Invariant: bytes at or beyond sizeBytes inside an allocated chunk are zero, so growing a
// file (write past the end, truncate up) reads back zeros without extra work.
import { assert } from "../../system/stdx/index.ts";

export const chunkSizeBytes = 64 * 1024;
const chunkMinBytes = 64;
/** Shared result of empty reads (a zero-length view cannot be written through). */
const empty = new Uint8Array(0);

export class ByteStore {
  private chunks: (Uint8Array | undefined)[] = [];
  private size = 0;

  get sizeBytes(): number {
    return this.size;
  }

  write(position: number, data: Uint8Array): void {
    assert(Number.isSafeInteger(position) && position >= 0, "write position must be >= 0");
    // POSIX: a zero-length pwrite does not extend the file.
    if (data.length === 0) return;
    const firstIndex = Math.floor(position / chunkSizeBytes);
    const firstOffset = position - firstIndex * chunkSizeBytes;
    if (firstOffset + data.length <= chunkSizeBytes) {
      // The common case (a record, a consume-queue unit, an index entry): one chunk, no view.
      this.ensureChunk(firstIndex, firstOffset + data.length).set(data, firstOffset);
    } else {
      let done = 0;
      while (done < data.length) {
        const at = position + done;
        const chunkIndex = Math.floor(at / chunkSizeBytes);
        const offset = at - chunkIndex * chunkSizeBytes;
        const count = Math.min(chunkSizeBytes - offset, data.length - done);
        const chunk = this.ensureChunk(chunkIndex, offset + count);
        chunk.set(data.subarray(done, done + count), offset);
        done += count;
      }
    }
    this.size = Math.max(this.size, position + data.length);
  }

  /** A copy of up to lengthBytes from position, shorter at the end of the content. */
  read(position: number, lengthBytes: number): Uint8Array {
    assert(Number.isSafeInteger(position) && position >= 0, "read position must be >= 0");
    assert(Number.isSafeInteger(lengthBytes) && lengthBytes >= 0, "read length must be >= 0");
    const end = Math.min(this.size, position + lengthBytes);
    if (end <= position) return empty;
    const out = new Uint8Array(end - position);
    this.readInto(position, out, 0, out.length);
    return out;
  }

  /** Copies up to lengthBytes from position into target at targetOffset; returns the count. */
  readInto(position: number, target: Uint8Array, targetOffset: number, lengthBytes: number): number {
    assert(Number.isSafeInteger(position) && position >= 0, "read position must be >= 0");
    const total = Math.max(0, Math.min(this.size, position + lengthBytes) - position);
    assert(targetOffset >= 0 && targetOffset + total <= target.length, "read target too small");
    let done = 0;
    while (done < total) {
      const at = position + done;
      const chunkIndex = Math.floor(at / chunkSizeBytes);
      const offset = at - chunkIndex * chunkSizeBytes;
      const count = Math.min(chunkSizeBytes - offset, total - done);
      const chunk = this.chunks[chunkIndex];
      // Bytes a chunk does not cover read as zeros; target may hold old data, so clear them.
      const available = chunk === undefined ? 0 : Math.max(0, Math.min(count, chunk.length - offset));
      if (available > 0) target.set(available === chunk!.length && offset === 0 ? chunk! : chunk!.subarray(offset, offset + available), targetOffset + done);
      if (available < count) target.fill(0, targetOffset + done + available, targetOffset + done + count);
      done += count;
    }
    return total;
  }

  truncate(sizeBytes: number): void {
    assert(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0, "truncate size must be >= 0");
    if (sizeBytes < this.size) {
      const keepChunks = Math.ceil(sizeBytes / chunkSizeBytes);
      this.chunks.length = Math.min(this.chunks.length, keepChunks);
      const last = this.chunks[keepChunks - 1];
      const offset = sizeBytes - (keepChunks - 1) * chunkSizeBytes;
      // Keep the zero-beyond-size invariant for the partly cut chunk.
      if (last !== undefined && offset < last.length) last.fill(0, offset);
    }
    this.size = sizeBytes;
  }

  private ensureChunk(chunkIndex: number, minLengthBytes: number): Uint8Array {
    assert(minLengthBytes <= chunkSizeBytes);
    const chunk = this.chunks[chunkIndex];
    if (chunk !== undefined && chunk.length >= minLengthBytes) return chunk;
    // Small files stay small: the first chunk grows by doubling up to chunkSizeBytes. A file
    // that reaches a second chunk is a big one (commit log, consume queue, index): its later
    // chunks are allocated whole at once, since every fresh off-heap buffer costs page faults
    // (about 30 µs per page on the shared CI VMs) and doubling would fault each chunk twice.
    let capacity = chunk === undefined ? chunkMinBytes : chunk.length;
    if (chunkIndex > 0) capacity = chunkSizeBytes;
    while (capacity < minLengthBytes) capacity *= 2;
    const grown = new Uint8Array(Math.min(capacity, chunkSizeBytes));
    if (chunk !== undefined) grown.set(chunk);
    while (this.chunks.length < chunkIndex) this.chunks.push(undefined);
    this.chunks[chunkIndex] = grown;
    return grown;
  }
}
