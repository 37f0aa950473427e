// Replica consistency, recording side (sim deployer only): after the run drains, read each
// broker's commit log straight from its simulated disk (the page-cache view the broker itself
// would read) and describe it as a StoreDigestEvent — the physical range [min, max) and
// sha256 digests — so the replica checker can compare a slave with its master's prefix
// without trusting the system under test. The range ends after the last whole record: records
// are walked from each segment's start ([totalSize 4][magic 4]...); a BLANK record fills a
// segment's tail (the walk moves on to the next segment, and the blank bytes count, since HA
// replicates them too); a zero size, an unknown magic or a record running past the segment
// ends the log (a torn or never-written tail). Segments are named by their 20-digit base
// offset under <storePathRootDir>/commitlog, as system/store's MappedFileQueue names them.
import { createHash, type Hash } from "node:crypto";
import type { StoreDigestEvent } from "../../history/types.ts";
import { BLANK_MAGIC_CODE, MESSAGE_MAGIC_CODE } from "../../../system/message/index.ts";
import { auditConsumeQueues } from "./consume_queue_audit.ts";

/** A file's bytes as the digest reads them (the sim disk's page-cache content). */
export interface FileBytes {
  readonly sizeBytes: number;
  /** Copies up to lengthBytes from position into target at targetOffset; returns the count (short at the end). */
  readInto(position: number, target: Uint8Array, targetOffset: number, lengthBytes: number): number;
}

/** What the digest needs of a disk: the sim disk's lab-side readers. */
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

/**
 * Segments are read through one reused window, never copied whole: a fresh buffer the size of
 * a commit log costs a page fault per 4 KiB, which made this the battery's largest lab cost.
 */
const windowBytes = new Uint8Array(64 * 1024);
const headerBytes = new Uint8Array(8);
const headerView = new DataView(headerBytes.buffer);

/** Reads [from, to) of a segment (zeros past its file's end) into the window, piece by piece. */
function feedSegment(segment: CommitLogSegment, from: number, to: number, into: Hash): void {
  for (let position = from; position < to;) {
    const lengthBytes = Math.min(windowBytes.length, to - position);
    const copied = segment.file.readInto(position, windowBytes, 0, lengthBytes);
    if (copied < lengthBytes) windowBytes.fill(0, copied, lengthBytes);
    into.update(windowBytes.subarray(0, lengthBytes));
    position += lengthBytes;
  }
}

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

/** Feeds every segment's part of [from, to) to the hash, segment by segment. */
function feedRange(extent: CommitLogExtent, from: number, to: number, into: Hash): void {
  for (const segment of extent.segments) {
    const start = Math.max(from, segment.baseOffset);
    const end = Math.min(to, segment.baseOffset + segment.sizeBytes);
    if (start < end) feedSegment(segment, start - segment.baseOffset, end - segment.baseOffset, into);
  }
}

/** sha256 of [min, max) and of [min, offset) for each asked offset inside the range. */
export function digestExtent(extent: CommitLogExtent, prefixOffsets: readonly number[]): { sha256: string; prefixSha256: Record<string, string> } {
  const hash = createHash("sha256");
  const wanted = [...new Set(prefixOffsets)].filter((offset) => offset >= extent.minPhysicalOffset && offset <= extent.maxPhysicalOffset).sort((left, right) => left - right);
  const prefixSha256: Record<string, string> = {};
  let fed = extent.minPhysicalOffset;
  for (const offset of wanted) {
    feedRange(extent, fed, offset, hash);
    fed = Math.max(fed, offset);
    prefixSha256[String(offset)] = hash.copy().digest("hex");
  }
  feedRange(extent, fed, extent.maxPhysicalOffset, hash);
  return { sha256: hash.digest("hex"), prefixSha256 };
}

/** 1 MiB chunks: a 1 GiB log costs 1024 digests (~66 KB of history). */
export const digestChunkSizeBytes = 1024 * 1024;

/** sha256 of each chunk of [min, max), chunks aligned to min. */
export function chunkDigests(extent: CommitLogExtent, chunkSizeBytes: number): string[] {
  const digests: string[] = [];
  for (let start = extent.minPhysicalOffset; start < extent.maxPhysicalOffset; start += chunkSizeBytes) {
    const end = Math.min(extent.maxPhysicalOffset, start + chunkSizeBytes);
    const hash = createHash("sha256");
    feedRange(extent, start, end, hash);
    digests.push(hash.digest("hex"));
  }
  return digests;
}

export interface DigestedBroker {
  node: string;
  brokerName: string;
  role: "master" | "slave";
  disk: DiskReader;
  commitLogDir: string;
  /** Set for a broker running at the end: its consume queues are audited against its log. */
  consumeQueueDir?: string;
}

/**
 * One event per broker: masters carry prefix digests at each slave's end; slaves carry one at
 * their master's end, so a slave ahead of its master (the 4.9.7 power-loss divergence) can be
 * told from a slave with different bytes.
 */
export function storeDigestEvents(brokers: readonly DigestedBroker[], timeMs: number): StoreDigestEvent[] {
  const extents = new Map(brokers.map((broker) => [broker.node, commitLogExtent(broker.disk, broker.commitLogDir)]));
  return brokers.map((broker): StoreDigestEvent => {
    const extent = extents.get(broker.node)!;
    const peers = brokers.filter((other) => other.brokerName === broker.brokerName && other.role !== broker.role);
    const offsets = peers.map((peer) => extents.get(peer.node)?.maxPhysicalOffset ?? 0);
    const { sha256, prefixSha256 } = digestExtent(extent, offsets);
    const event: StoreDigestEvent = {
      type: "store-digest", timeMs, node: broker.node, brokerName: broker.brokerName, role: broker.role,
      minPhysicalOffset: extent.minPhysicalOffset, maxPhysicalOffset: extent.maxPhysicalOffset, sha256,
    };
    if (Object.keys(prefixSha256).length > 0) event.prefixSha256 = prefixSha256;
    event.chunkSha256 = chunkDigests(extent, digestChunkSizeBytes);
    event.chunkSizeBytes = digestChunkSizeBytes;
    if (broker.consumeQueueDir !== undefined) event.consumeQueueAudit = auditConsumeQueues(broker.disk, broker.consumeQueueDir, extent);
    return event;
  });
}
