// All consume queues of a store, by topic and queue id; loaded from consumequeue/<topic>/<id>/.

import { posix } from "node:path";
import type { Env } from "../env/env.ts";
import { ConsumeQueue } from "./consume_queue.ts";
import type { StoreConfig } from "./store_config.ts";

export class ConsumeQueueTable {
  readonly topics = new Map<string, Map<number, ConsumeQueue>>();

  constructor(private readonly env: Env, private readonly config: StoreConfig) {}

  load(): boolean {
    const root = this.config.storePathConsumeQueue;
    for (const topic of this.env.disk.list(root)) {
      for (const queueName of this.env.disk.list(posix.join(root, topic))) {
        if (!/^\d+$/.test(queueName)) continue;
        const queue = this.findOrCreate(topic, Number(queueName));
        // A consume queue is derived from the commit log: a gap is repaired by re-dispatch (recovery.ts).
        if (!queue.queue.load({ dropFromGap: true })) return false;
      }
    }
    return true;
  }

  find(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.topics.get(topic)?.get(queueId);
  }

  findOrCreate(topic: string, queueId: number): ConsumeQueue {
    let queues = this.topics.get(topic);
    if (queues === undefined) {
      queues = new Map();
      this.topics.set(topic, queues);
    }
    let queue = queues.get(queueId);
    if (queue === undefined) {
      queue = new ConsumeQueue(this.env, topic, queueId, this.config.storePathConsumeQueue, this.config.mappedFileSizeConsumeQueue);
      queues.set(queueId, queue);
    }
    return queue;
  }

  all(): ConsumeQueue[] {
    return [...this.topics.values()].flatMap((queues) => [...queues.values()]);
  }

  /** Removes a topic's queues and their files. */
  destroyTopic(topic: string): void {
    for (const queue of this.topics.get(topic)?.values() ?? []) queue.destroy();
    this.topics.delete(topic);
    this.env.disk.remove(posix.join(this.config.storePathConsumeQueue, topic));
  }

  close(): void {
    for (const queue of this.all()) queue.queue.close();
  }
}
