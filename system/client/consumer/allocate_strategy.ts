// Queue allocation strategies for clustering consumers (RocketMQ's AllocateMessageQueueStrategy).
// Every consumer of a group runs the same pure function over the same sorted queue list and
// sorted consumer-id list, and keeps only its own share; the shares of all consumers form an
// exact partition of the queues as long as they all see the same inputs.
// - averagely: contiguous blocks; the first (queues mod consumers) consumers get one extra.
// - averagelyByCircle: queue i goes to consumer i mod n.
// - consistentHash: MD5 ring with virtual nodes "clientId-i", queue key = MessageQueue.toString().
// Invariant: a consumer not in cidAll gets nothing (Java's AbstractAllocateMessageQueueStrategy.check).
import { createHash } from "node:crypto";
import { assert } from "../../stdx/assert.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { compareJavaStrings, messageQueueToString } from "../message_queue.ts";

export interface AllocateMessageQueueStrategy {
  readonly name: string;
  /** mqAll and cidAll sorted as RebalanceImpl sorts them; returns currentCID's queues. */
  allocate(consumerGroup: string, currentCID: string, mqAll: readonly MessageQueue[], cidAll: readonly string[]): MessageQueue[];
}

function participates(currentCID: string, mqAll: readonly MessageQueue[], cidAll: readonly string[]): boolean {
  assert(currentCID.length > 0, "currentCID is empty");
  return mqAll.length > 0 && cidAll.includes(currentCID);
}

export const allocateAveragely: AllocateMessageQueueStrategy = {
  name: "AVG",
  allocate(_group, currentCID, mqAll, cidAll) {
    if (!participates(currentCID, mqAll, cidAll)) return [];
    const index = cidAll.indexOf(currentCID);
    const mod = mqAll.length % cidAll.length;
    const averageSize = mqAll.length <= cidAll.length
      ? 1
      : mod > 0 && index < mod ? Math.floor(mqAll.length / cidAll.length) + 1 : Math.floor(mqAll.length / cidAll.length);
    const startIndex = mod > 0 && index < mod ? index * averageSize : index * averageSize + mod;
    const range = Math.min(averageSize, mqAll.length - startIndex);
    const result: MessageQueue[] = [];
    for (let i = 0; i < range; i++) result.push(mqAll[(startIndex + i) % mqAll.length]!);
    return result;
  },
};

export const allocateAveragelyByCircle: AllocateMessageQueueStrategy = {
  name: "AVG_BY_CIRCLE",
  allocate(_group, currentCID, mqAll, cidAll) {
    if (!participates(currentCID, mqAll, cidAll)) return [];
    const index = cidAll.indexOf(currentCID);
    const result: MessageQueue[] = [];
    for (let i = index; i < mqAll.length; i += cidAll.length) result.push(mqAll[i]!);
    return result;
  },
};

/** ConsistentHashRouter's MD5Hash: the first 4 digest bytes as an unsigned number. */
/**
 * md5 of ring keys already seen. A consumer rebalances every 20 s (and on every membership
 * change) and rebuilds the ring from the same client ids and queue names each time; hashing
 * them again was most of an idle rebalance. Bounded: cleared when full, so a churning cluster
 * only loses hits, never grows the map.
 */
const ringHashMemo = new Map<string, number>();
const ringHashMemoMax = 4096;

export function md5RingHash(key: string): number {
  const known = ringHashMemo.get(key);
  if (known !== undefined) return known;
  const digest = createHash("md5").update(key, "utf8").digest();
  const value = digest.readUInt32BE(0);
  if (ringHashMemo.size >= ringHashMemoMax) ringHashMemo.clear();
  ringHashMemo.set(key, value);
  return value;
}

/** A sorted hash ring (Java's TreeMap<Long, VirtualNode>): later puts of a hash replace earlier ones. */
export class ConsistentHashRing {
  private readonly nodeByHash = new Map<number, string>();
  private sortedHashes: number[] = [];

  constructor(nodes: readonly string[], virtualNodeCount: number, private readonly hash = md5RingHash) {
    assert(Number.isInteger(virtualNodeCount) && virtualNodeCount >= 0, "illegal virtual node count");
    for (const node of nodes) {
      for (let replica = 0; replica < virtualNodeCount; replica++) this.nodeByHash.set(hash(`${node}-${replica}`), node);
    }
    this.sortedHashes = [...this.nodeByHash.keys()].sort((a, b) => a - b);
  }

  /** The node owning key: the first ring point at or after hash(key), wrapping around. */
  route(key: string): string | undefined {
    if (this.sortedHashes.length === 0) return undefined;
    const target = this.hash(key);
    let low = 0;
    let high = this.sortedHashes.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.sortedHashes[middle]! < target) low = middle + 1;
      else high = middle;
    }
    const point = low < this.sortedHashes.length ? this.sortedHashes[low]! : this.sortedHashes[0]!;
    return this.nodeByHash.get(point);
  }
}

export function allocateConsistentHash(virtualNodeCount = 10): AllocateMessageQueueStrategy {
  assert(virtualNodeCount >= 0, "illegal virtualNodeCnt");
  return {
    name: "CONSISTENT_HASH",
    allocate(_group, currentCID, mqAll, cidAll) {
      if (!participates(currentCID, mqAll, cidAll)) return [];
      const ring = new ConsistentHashRing(cidAll, virtualNodeCount);
      return mqAll.filter((mq) => ring.route(messageQueueToString(mq)) === currentCID);
    },
  };
}

export type AllocateStrategyName = "AVG" | "AVG_BY_CIRCLE" | "CONSISTENT_HASH";

export function allocateStrategyByName(name: AllocateStrategyName): AllocateMessageQueueStrategy {
  switch (name) {
    case "AVG":
      return allocateAveragely;
    case "AVG_BY_CIRCLE":
      return allocateAveragelyByCircle;
    case "CONSISTENT_HASH":
      return allocateConsistentHash();
  }
}

/** Sorts client ids the way RebalanceImpl does (Collections.sort over Strings). */
export function sortClientIds(cidAll: readonly string[]): string[] {
  return [...cidAll].sort(compareJavaStrings);
}
