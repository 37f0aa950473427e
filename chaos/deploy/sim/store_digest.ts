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

/** What the digest needs of a disk: the sim disk's lab-side readers. */
export interface DiskReader {
  readFile(path: string): Uint8Array | undefined;
  list(path: string): string[];
}

export interface CommitLogExtent {
  minPhysicalOffset: number;
  maxPhysicalOffset: number;
  segments: { baseOffset: number; bytes: Uint8Array }[];
}

export function commitLogExtent(disk: DiskReader, commitLogDir: string): CommitLogExtent {
  const names = disk.list(commitLogDir).filter((name) => /^\d{20}$/.test(name)).sort();
  const segments: CommitLogExtent["segments"] = [];
  for (const name of names) {
    const bytes = disk.readFile(`${commitLogDir}/${name}`);
    if (bytes !== undefined) segments.push({ baseOffset: Number(name), bytes });
  }
  const minPhysicalOffset = segments[0]?.baseOffset ?? 0;
  let maxPhysicalOffset = minPhysicalOffset;
  walk: for (const segment of segments) {
    if (segment.baseOffset !== maxPhysicalOffset && segment !== segments[0]) break;
    const view = new DataView(segment.bytes.buffer, segment.bytes.byteOffset, segment.bytes.byteLength);
    let position = 0;
    while (position + 8 <= segment.bytes.length) {
      const size = view.getInt32(position);
      const magic = view.getInt32(position + 4);
      if (magic === BLANK_MAGIC_CODE) {
        // The filler writes only its 8-byte header and declares the segment's remaining length;
        // the rest reads as zeros (and HA ships it as zeros), so the digest pads it the same way.
        const end = position + Math.max(size, 8);
        if (segment.bytes.length < end) {
          const padded = new Uint8Array(end);
          padded.set(segment.bytes);
          segment.bytes = padded;
        }
        maxPhysicalOffset = segment.baseOffset + end;
        continue walk;
      }
      if (size <= 0 || magic !== MESSAGE_MAGIC_CODE || position + size > segment.bytes.length) break walk;
      position += size;
      maxPhysicalOffset = segment.baseOffset + position;
    }
    // A segment filled exactly by records goes on into the next one; anything else ends the log.
    if (position !== segment.bytes.length) break;
  }
  return { minPhysicalOffset, maxPhysicalOffset, segments };
}

/** sha256 of [min, max) and of [min, offset) for each asked offset inside the range. */
export function digestExtent(extent: CommitLogExtent, prefixOffsets: readonly number[]): { sha256: string; prefixSha256: Record<string, string> } {
  const hash = createHash("sha256");
  const wanted = [...new Set(prefixOffsets)].filter((offset) => offset >= extent.minPhysicalOffset && offset <= extent.maxPhysicalOffset).sort((left, right) => left - right);
  const prefixSha256: Record<string, string> = {};
  let fed = extent.minPhysicalOffset;
  const feedTo = (target: number, into: Hash): void => {
    for (const segment of extent.segments) {
      const start = Math.max(fed, segment.baseOffset);
      const end = Math.min(target, segment.baseOffset + segment.bytes.length);
      if (start < end) into.update(segment.bytes.subarray(start - segment.baseOffset, end - segment.baseOffset));
    }
    fed = Math.max(fed, target);
  };
  for (const offset of wanted) {
    feedTo(offset, hash);
    prefixSha256[String(offset)] = hash.copy().digest("hex");
  }
  feedTo(extent.maxPhysicalOffset, hash);
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
    for (const segment of extent.segments) {
      const from = Math.max(start, segment.baseOffset);
      const to = Math.min(end, segment.baseOffset + segment.bytes.length);
      if (from < to) hash.update(segment.bytes.subarray(from - segment.baseOffset, to - segment.baseOffset));
    }
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
    return event;
  });
}
