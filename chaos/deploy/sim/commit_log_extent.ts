// A broker's commit log as read from its simulated disk (the page-cache view the broker itself
// would read), for the lab's store evidence (store_digest.ts, consume_queue_audit.ts). The range
// ends after the last whole record: records are walked from each segment's start
// ([totalSize 4][magic 4]...); a BLANK record fills a segment's tail (the walk moves on to the
// next segment, and the blank bytes count, since HA replicates them too); a zero size, an
// unknown magic or a record running past the segment ends the log (a torn or never-written
// tail). Segments are named by their 20-digit base offset under <storePathRootDir>/commitlog, as
// system/store's MappedFileQueue names them.
import { BLANK_MAGIC_CODE, MESSAGE_MAGIC_CODE } from "../../../system/message/index.ts";

/** A file's bytes as the lab reads them (the sim disk's page-cache content). */
export interface FileBytes {
  readonly sizeBytes: number;
  /** Copies up to lengthBytes from position into target at targetOffset; returns the count (short at the end). */
  readInto(position: number, target: Uint8Array, targetOffset: number, lengthBytes: number): number;
}

/** What the lab needs of a disk: the sim disk's lab-side readers. */
export interface DiskReader {
  fileContent(path: string): FileBytes | undefined;
  list(path: string): string[];
}

export interface CommitLogSegment {
  baseOffset: number;
  file: FileBytes;
  /** The file's size, or more when a BLANK filler declares zeros past its end (read as zeros). */
  sizeBytes: number;
}

export interface CommitLogExtent {
  minPhysicalOffset: number;
  maxPhysicalOffset: number;
  segments: CommitLogSegment[];
}

const headerBytes = new Uint8Array(8);
const headerView = new DataView(headerBytes.buffer);

export function commitLogExtent(disk: DiskReader, commitLogDir: string): CommitLogExtent {
  const names = disk.list(commitLogDir).filter((name) => /^\d{20}$/.test(name)).sort();
  const segments: CommitLogSegment[] = [];
  for (const name of names) {
    const file = disk.fileContent(`${commitLogDir}/${name}`);
    if (file !== undefined) segments.push({ baseOffset: Number(name), file, sizeBytes: file.sizeBytes });
  }
  const minPhysicalOffset = segments[0]?.baseOffset ?? 0;
  let maxPhysicalOffset = minPhysicalOffset;
  walk: for (const segment of segments) {
    if (segment.baseOffset !== maxPhysicalOffset && segment !== segments[0]) break;
    let position = 0;
    while (position + 8 <= segment.sizeBytes) {
      segment.file.readInto(position, headerBytes, 0, 8);
      const size = headerView.getInt32(0);
      const magic = headerView.getInt32(4);
      if (magic === BLANK_MAGIC_CODE) {
        // The filler writes only its 8-byte header and declares the segment's remaining length;
        // the rest reads as zeros (and HA ships it as zeros), so the digest pads it the same way.
        const end = position + Math.max(size, 8);
        segment.sizeBytes = Math.max(segment.sizeBytes, end);
        maxPhysicalOffset = segment.baseOffset + end;
        continue walk;
      }
      if (size <= 0 || magic !== MESSAGE_MAGIC_CODE || position + size > segment.sizeBytes) break walk;
      position += size;
      maxPhysicalOffset = segment.baseOffset + position;
    }
    // A segment filled exactly by records goes on into the next one; anything else ends the log.
    if (position !== segment.sizeBytes) break;
  }
  return { minPhysicalOffset, maxPhysicalOffset, segments };
}
