// MessageQueue: (topic, brokerName, queueId), the unit of sending, pulling, offsets and
// rebalance. Ordering and toString follow Java's MessageQueue exactly, because allocation
// strategies sort queues and the consistent-hash strategy hashes toString().
// Invariant: a queue's key is unique for its (topic, brokerName, queueId).

import { messageQueueKey, type MessageQueue } from "../protocol/message_queue.ts";

/** Java String.compareTo: UTF-16 code unit order (what JS `<` does on strings). */
export function compareJavaStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** MessageQueue.toString (the consistent-hash strategy hashes this text). */
export function messageQueueToString(mq: MessageQueue): string {
  return `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`;
}

/** A map keyed by queue that keeps the queue objects. */
export class MessageQueueMap<V> {
  private readonly entries = new Map<string, { mq: MessageQueue; value: V }>();

  get size(): number {
    return this.entries.size;
  }
  get(mq: MessageQueue): V | undefined {
    return this.entries.get(messageQueueKey(mq))?.value;
  }
  has(mq: MessageQueue): boolean {
    return this.entries.has(messageQueueKey(mq));
  }
  set(mq: MessageQueue, value: V): void {
    const key = messageQueueKey(mq);
    const entry = this.entries.get(key);
    // In place when present (offsets and pull suggestions are set per pull): no entry object
    // per call, and a Map keeps an existing key's position either way.
    if (entry === undefined) this.entries.set(key, { mq, value });
    else {
      entry.mq = mq;
      entry.value = value;
    }
  }
  delete(mq: MessageQueue): boolean {
    return this.entries.delete(messageQueueKey(mq));
  }
  keys(): MessageQueue[] {
    return [...this.entries.values()].map((entry) => entry.mq);
  }
  values(): V[] {
    return [...this.entries.values()].map((entry) => entry.value);
  }
  entriesList(): [MessageQueue, V][] {
    return [...this.entries.values()].map((entry) => [entry.mq, entry.value]);
  }
  clear(): void {
    this.entries.clear();
  }
}
