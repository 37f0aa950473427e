// Walks the records of one commit-log segment in bounded chunks (never the whole segment in
// memory): recovery validates the tail with it and the reput path dispatches raw bytes with it.

import { assert } from "../stdx/assert.ts";
import type { DelayLevelTable, DispatchRequest } from "./dispatch_request.ts";
import { checkRecordAt } from "./dispatch_request.ts";
import type { MappedFile } from "./mapped_file.ts";

const WALK_CHUNK_BYTES = 1024 * 1024;

export interface WalkStop {
  /** Relative position where the walk stopped (next record boundary to look at). */
  position: number;
  /** blank = end-of-file filler found; end = no valid record; limit = reached `limit`; visitor = told to stop. */
  stop: "blank" | "end" | "limit" | "visitor";
  /** For stop "end": the record may still be completed by more bytes. */
  incomplete: boolean;
  reason: string;
}

/**
 * Walks from `position` up to `limit` (relative), validating each record; onMessage returns
 * false to stop before advancing past the record.
 */
export function walkSegment(
  file: MappedFile, position: number, limit: number, checkCRC: boolean, levels: DelayLevelTable,
  onMessage: (request: DispatchRequest) => boolean,
): WalkStop {
  assert(limit <= file.fileSize, "walk stays inside the segment");
  let chunkStart = position;
  let chunk: Uint8Array = new Uint8Array(0);
  let at = position;
  while (at < limit) {
    const wanted = Math.min(limit - at, Math.max(8, recordSizeHint(chunk, at - chunkStart)));
    if (chunkStart + chunk.length < limit && chunk.length - (at - chunkStart) < wanted) {
      // Refill so the chunk holds the whole record (a garbage size is capped by `limit`).
      chunkStart = at;
      chunk = file.readPhysical(at, Math.min(limit - at, Math.max(WALK_CHUNK_BYTES, wanted)));
    }
    const check = checkRecordAt(chunk, at - chunkStart, file.fileFromOffset + chunkStart, checkCRC, levels);
    if (check.kind === "blank") return { position: at, stop: "blank", incomplete: false, reason: "blank" };
    if (check.kind === "end") return { position: at, stop: "end", incomplete: check.incomplete, reason: check.reason };
    if (!onMessage(check.request)) return { position: at, stop: "visitor", incomplete: false, reason: "visitor" };
    at += check.request.msgSize;
  }
  return { position: at, stop: "limit", incomplete: false, reason: "limit" };
}

function recordSizeHint(chunk: Uint8Array, at: number): number {
  if (chunk.length - at < 4) return 0;
  return new DataView(chunk.buffer, chunk.byteOffset + at, 4).getInt32(0, false);
}
