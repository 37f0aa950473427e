// Replica consistency, recording side (sim deployer only): after the run drains, read each
// broker's commit log straight from its simulated disk (the page-cache view the broker itself
// would read, commit_log_extent.ts) and describe it as a StoreDigestEvent — the physical range
// [min, max) and sha256 digests — so the replica checker can compare a slave with its master's
// prefix without trusting the system under test; a running broker's event also carries its
// consume-queue audit (consume_queue_audit.ts).
import { createHash, type Hash } from "node:crypto";
import type { StoreDigestEvent } from "../../history/types.ts";
import type { CommitLogExtent, CommitLogSegment, DiskReader } from "./commit_log_extent.ts";
import { commitLogExtent } from "./commit_log_extent.ts";
import { auditConsumeQueues } from "./consume_queue_audit.ts";

/**
 * Segments are read through one reused window, never copied whole: a fresh buffer the size of
 * a commit log costs a page fault per 4 KiB, which made this the battery's largest lab cost.
 */
const windowBytes = new Uint8Array(64 * 1024);

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
