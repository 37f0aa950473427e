// Consume-queue and index flushing plus the checkpoint (RocketMQ's FlushConsumeQueueService):
// every flushIntervalConsumeQueue ms, fsync consume-queue segments with at least
// flushConsumeQueueLeastPages dirty pages; every flushConsumeQueueThoroughInterval ms (and at
// shutdown) fsync everything — queues, index, commit log — and then write the checkpoint.
// The index writes its slots and header only here (and at seal and shutdown): its mark is the
// dispatch offset sampled in the same turn as IndexService.persist(), so it covers exactly the
// snapshot that went to disk, usually more than the logics offset taken before the queue fsyncs.
// Invariant: the checkpoint's logics/index offsets are only raised after the fsyncs that make
// every record below them durable in the queues and the index (entries, slots and header).

import type { Env } from "../env/env.ts";
import type { ConsumeQueueTable } from "./consume_queue_table.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { CommitLogFlusher } from "./flush_service.ts";
import type { IndexService } from "./index_service.ts";
import type { StoreCheckpoint } from "./store_checkpoint.ts";
import type { StoreConfig } from "./store_config.ts";
import { probe } from "../env/probe.ts";

export class LogicsFlusher {
  private running = false;
  private lastThoroughMs = 0;

  constructor(
    private readonly env: Env,
    private readonly config: StoreConfig,
    private readonly parts: {
      queues: ConsumeQueueTable;
      index: IndexService | undefined;
      dispatcher: Dispatcher;
      commitLogFlusher: CommitLogFlusher;
      checkpoint: StoreCheckpoint;
    },
  ) {}

  start(): void {
    this.lastThoroughMs = this.env.clock.monotonicMs();
  }

  /** One round; `thoroughNow` forces the full flush and checkpoint (shutdown). */
  async flush(thoroughNow: boolean): Promise<void> {
    if (this.running && !thoroughNow) return;
    this.running = true;
    try {
      const nowMs = this.env.clock.monotonicMs();
      const thorough = thoroughNow || nowMs - this.lastThoroughMs >= this.config.flushConsumeQueueThoroughInterval;
      if (thorough) this.lastThoroughMs = nowMs;
      const { queues, index, dispatcher, commitLogFlusher, checkpoint } = this.parts;
      const coveredOffset = dispatcher.reputFromOffset;
      const coveredTimestamp = dispatcher.lastDispatchedTimestamp;
      const leastPages = thorough ? 0 : this.config.flushConsumeQueueLeastPages;
      // Only queues with something to fsync (most are clean in most rounds).
      const dirty = queues.all().filter((queue) => queue.queue.files.some((file) => file.isAbleToFlush(leastPages)));
      await Promise.all(dirty.map((queue) => queue.queue.flush(leastPages)));
      if (!thorough) return;
      // No await between the sample and persist(): every record below indexOffset is persisted.
      const indexOffset = dispatcher.reputFromOffset;
      const indexTimestamp = dispatcher.lastDispatchedTimestamp;
      index?.persist();
      await index?.flush();
      await commitLogFlusher.flushOnce(0);
      checkpoint.logicsOffset = coveredOffset;
      checkpoint.indexOffset = indexOffset;
      checkpoint.logicsMsgTimestamp = coveredTimestamp;
      checkpoint.indexMsgTimestamp = indexTimestamp;
      await checkpoint.flush();
      probe(this.env, "store.checkpoint.written");
    } catch (error) {
      this.env.log.error("consume queue flush failed", { error: String(error) });
    } finally {
      this.running = false;
    }
  }
}
