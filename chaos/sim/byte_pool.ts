// Cheap private copies of small byte arrays, for bytes the simulator must own (a write()
// whose caller may reuse its buffer before the bytes are delivered).
//
// Why: a fresh Uint8Array above 64 bytes gets its own off-heap backing store, about 0.5 µs
// each, which made copying dominate a busy simulation. Like Node's Buffer pool, small copies
// are carved out of a shared 64 KiB slab instead (about 0.05 µs). A copy is a view with a
// non-zero byteOffset into a slab that stays alive while any view of it does: code that
// ignores byteOffset is broken on real sockets too (Node's Buffers are pooled the same way).
import { assert } from "../../system/stdx/index.ts";

const slabSizeBytes = 64 * 1024;
const pooledSizeMax = 4 * 1024;

let slab = new Uint8Array(slabSizeBytes);
let slabUsedBytes = 0;

export function copyBytes(data: Uint8Array): Uint8Array {
  if (data.length > pooledSizeMax) return data.slice();
  if (slabUsedBytes + data.length > slabSizeBytes) {
    slab = new Uint8Array(slabSizeBytes);
    slabUsedBytes = 0;
  }
  const start = slabUsedBytes;
  slab.set(data, start);
  // Keep every copy 8-byte aligned, as Node's pool does.
  slabUsedBytes = (start + data.length + 7) & ~7;
  const copy = slab.subarray(start, start + data.length);
  assert(copy.length === data.length);
  return copy;
}
