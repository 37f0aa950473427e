// A FileBytes over bytes in memory, for the tests of the lab's disk readers (commit-log walk,
// digests, consume-queue audit).
import type { FileBytes } from "./commit_log_extent.ts";

export function fileBytes(bytes: Uint8Array): FileBytes {
  return {
    sizeBytes: bytes.length,
    readInto: (position, target, targetOffset, lengthBytes) => {
      const piece = bytes.subarray(position, position + lengthBytes);
      target.set(piece, targetOffset);
      return piece.length;
    },
  };
}
