// The commit log's next queue offset per (topic, queueId) [CommitLog.topicQueueTable].
// Keyed topic → queueId → next offset, so a put looks its queue up without building a
// "topic-queueId" string (one per message before). An append takes offsets tentatively
// (begin, take…, commit): nothing changes in the table until commit, so a refused or failed
// append leaves it untouched, and the records of one append to one queue get consecutive offsets.
// Invariant: offsets are non-negative integers; take() returns each staged queue's next offset
// once per record and commit() stores the staged ends.

import { assert } from "../stdx/assert.ts";

export class QueueOffsetTable {
  private readonly topics = new Map<string, Map<number, number>>();
  /**
   * Staged by the open append: per touched queue, its map, id and next offset (parallel arrays,
   * slots [0, stagedCount) in use; reused rather than truncated: setting an array's length
   * showed in profiles).
   */
  private readonly stagedMaps: (Map<number, number> | undefined)[] = [];
  private readonly stagedIds: number[] = [];
  private readonly stagedNext: number[] = [];
  private stagedCount = 0;

  get(topic: string, queueId: number): number {
    return this.topics.get(topic)?.get(queueId) ?? 0;
  }

  set(topic: string, queueId: number, offset: number): void {
    assert(Number.isSafeInteger(offset) && offset >= 0, "queue offsets are non-negative integers");
    this.queuesOf(topic).set(queueId, offset);
  }

  /** Forgets every queue of `topic` (DELETE_TOPIC_IN_BROKER). */
  removeTopic(topic: string): void {
    this.topics.delete(topic);
  }

  /** Starts an append: drops whatever an append that threw left staged. */
  begin(): void {
    for (let index = 0; index < this.stagedCount; index++) this.stagedMaps[index] = undefined;
    this.stagedCount = 0;
  }

  /** The queue offset of the next record of this append in (topic, queueId). */
  take(topic: string, queueId: number): number {
    const queues = this.queuesOf(topic);
    for (let index = 0; index < this.stagedCount; index++) {
      if (this.stagedMaps[index] === queues && this.stagedIds[index] === queueId) return this.stagedNext[index]!++;
    }
    const offset = queues.get(queueId) ?? 0;
    const slot = this.stagedCount++;
    this.stagedMaps[slot] = queues;
    this.stagedIds[slot] = queueId;
    this.stagedNext[slot] = offset + 1;
    return offset;
  }

  /** Stores what this append took; the table now continues after its records. */
  commit(): void {
    for (let index = 0; index < this.stagedCount; index++) this.stagedMaps[index]!.set(this.stagedIds[index]!, this.stagedNext[index]!);
    this.begin();
  }

  private queuesOf(topic: string): Map<number, number> {
    let queues = this.topics.get(topic);
    if (queues === undefined) {
      queues = new Map();
      this.topics.set(topic, queues);
    }
    return queues;
  }
}
