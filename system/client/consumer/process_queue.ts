// ProcessQueue: the client-side buffer of one assigned queue (RocketMQ's ProcessQueue). Pulled
// messages wait here, sorted by queue offset, until the listener has consumed them.
// Invariants:
// - the offset a consumer may commit is the smallest offset still buffered or in flight, or
//   (when nothing is) one past the largest offset ever buffered: never past an unconsumed message;
// - msgCount / msgSizeBytes always equal what is buffered (including orderly in-flight messages);
// - once dropped, a queue never becomes undropped (a new ProcessQueue is made instead).
import type { Clock } from "../../env/env.ts";
import { assert } from "../../stdx/assert.ts";
import type { ClientMessageExt } from "../message.ts";

/** Java: rocketmq.client.pull.pullMaxIdleTime (120 s). */
export const PULL_MAX_IDLE_TIME_MS_DEFAULT = 120_000;
/** Java: rocketmq.client.rebalance.lockMaxLiveTime (30 s). */
export const REBALANCE_LOCK_MAX_LIVE_TIME_MS = 30_000;

export class ProcessQueue {
  /** Buffered, not yet handed to an orderly listener; offset → message. */
  private readonly msgTree = new Map<number, ClientMessageExt>();
  /** Keys of msgTree, ascending; kept incrementally (pulls arrive mostly in order). */
  private readonly sortedOffsets: number[] = [];
  /** Orderly: taken by the listener, not yet committed. */
  private readonly consumingOrderly = new Map<number, ClientMessageExt>();
  private queueOffsetMax = -1;
  msgCount = 0;
  msgSizeBytes = 0;
  /** A consume request is scheduled or running for this queue (orderly dispatch). */
  consuming = false;
  dropped = false;
  locked = false;
  lastPullMs: number;
  lastConsumeMs: number;
  lastLockMs: number;
  tryUnlockTimes = 0;

  constructor(private readonly clock: Clock) {
    this.lastPullMs = clock.monotonicMs();
    this.lastConsumeMs = this.lastPullMs;
    this.lastLockMs = this.lastPullMs;
  }

  isPullExpired(maxIdleMs = PULL_MAX_IDLE_TIME_MS_DEFAULT): boolean {
    return this.clock.monotonicMs() - this.lastPullMs > maxIdleMs;
  }

  isLockExpired(maxLiveMs = REBALANCE_LOCK_MAX_LIVE_TIME_MS): boolean {
    return this.clock.monotonicMs() - this.lastLockMs > maxLiveMs;
  }

  /** Adds pulled messages; true when a consume request must be dispatched (orderly). */
  putMessage(messages: readonly ClientMessageExt[]): boolean {
    for (const message of messages) {
      if (this.msgTree.has(message.queueOffset) || this.consumingOrderly.has(message.queueOffset)) continue;
      this.msgTree.set(message.queueOffset, message);
      this.insertOffset(message.queueOffset);
      this.msgCount++;
      this.msgSizeBytes += message.body.length;
      this.queueOffsetMax = Math.max(this.queueOffsetMax, message.queueOffset);
    }
    if (this.msgTree.size > 0 && !this.consuming) {
      this.consuming = true;
      return true;
    }
    return false;
  }

  /** Span between the smallest and the largest buffered offset (flow control). */
  maxSpan(): number {
    const offsets = this.offsets();
    return offsets.length === 0 ? 0 : offsets[offsets.length - 1]! - offsets[0]!;
  }

  /**
   * Removes consumed messages (concurrent mode) and returns the offset that may be committed:
   * the smallest offset still buffered, else queueOffsetMax + 1; -1 when nothing was buffered.
   */
  removeMessage(messages: readonly ClientMessageExt[]): number {
    if (this.msgTree.size === 0) return -1;
    for (const message of messages) {
      const removed = this.msgTree.get(message.queueOffset);
      if (removed === undefined) continue;
      this.msgTree.delete(message.queueOffset);
      this.removeOffset(message.queueOffset);
      this.msgCount--;
      this.msgSizeBytes -= removed.body.length;
    }
    this.lastConsumeMs = this.clock.monotonicMs();
    const offsets = this.offsets();
    const result = offsets.length > 0 ? offsets[0]! : this.queueOffsetMax + 1;
    assert(this.msgCount >= 0 && this.msgSizeBytes >= 0, "process queue counters never go negative");
    return result;
  }

  /** Orderly: moves up to batchSize of the smallest offsets into the consuming set. */
  takeMessages(batchSize: number): ClientMessageExt[] {
    assert(batchSize > 0, "batchSize must be positive");
    const taken: ClientMessageExt[] = [];
    for (const offset of this.sortedOffsets.splice(0, batchSize)) {
      const message = this.msgTree.get(offset)!;
      this.msgTree.delete(offset);
      this.consumingOrderly.set(offset, message);
      taken.push(message);
    }
    if (taken.length === 0) this.consuming = false;
    this.lastConsumeMs = this.clock.monotonicMs();
    return taken;
  }

  /** Orderly: the taken messages are done; returns the next offset to commit, or -1. */
  commit(): number {
    if (this.consumingOrderly.size === 0) return -1;
    const maxOffset = Math.max(...this.consumingOrderly.keys());
    for (const message of this.consumingOrderly.values()) {
      this.msgCount--;
      this.msgSizeBytes -= message.body.length;
    }
    this.consumingOrderly.clear();
    return maxOffset + 1;
  }

  /** Orderly: put taken messages back to be consumed again (SUSPEND_CURRENT_QUEUE_A_MOMENT). */
  makeMessageToConsumeAgain(messages: readonly ClientMessageExt[]): void {
    for (const message of messages) {
      if (!this.consumingOrderly.delete(message.queueOffset)) continue;
      this.msgTree.set(message.queueOffset, message);
      this.insertOffset(message.queueOffset);
    }
  }

  hasTempMessage(): boolean {
    return this.msgTree.size > 0;
  }

  /** The buffered message with the smallest offset (consume-timeout scan). */
  firstMessage(): ClientMessageExt | undefined {
    const offsets = this.offsets();
    return offsets.length === 0 ? undefined : this.msgTree.get(offsets[0]!);
  }

  bufferedOffsets(): number[] {
    return [...this.offsets()];
  }

  /** Drops everything buffered (queue removed). */
  clear(): void {
    this.msgTree.clear();
    this.consumingOrderly.clear();
    this.sortedOffsets.length = 0;
    this.msgCount = 0;
    this.msgSizeBytes = 0;
  }

  private offsets(): readonly number[] {
    return this.sortedOffsets;
  }

  /** Index of the first offset >= target. */
  private lowerBound(target: number): number {
    let low = 0;
    let high = this.sortedOffsets.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.sortedOffsets[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private insertOffset(offset: number): void {
    const last = this.sortedOffsets[this.sortedOffsets.length - 1];
    if (last === undefined || offset > last) this.sortedOffsets.push(offset);
    else this.sortedOffsets.splice(this.lowerBound(offset), 0, offset);
  }

  private removeOffset(offset: number): void {
    const index = this.lowerBound(offset);
    assert(this.sortedOffsets[index] === offset, "removed offset was buffered");
    this.sortedOffsets.splice(index, 1);
  }
}
