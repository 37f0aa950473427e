// LocalFileOffsetStore (broadcasting): every consumer keeps its own offsets in
// <dir>/<clientId>/<group>/offsets.json through env.disk, written atomically (old or new content
// survives a crash). The file has Java's OffsetSerializeWrapper shape, as fastjson writes it:
// {"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5,...}}.
import type { Disk, Log } from "../../env/env.ts";

import { parseFastjson } from "../../protocol/fastjson.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { MessageQueueMap } from "../message_queue.ts";
import type { OffsetCommitListener, OffsetStore, ReadOffsetType } from "./offset_store.ts";
import { OFFSET_NONE, OffsetTable } from "./offset_store.ts";
import { errorText } from "../../stdx/error_text.ts";

export function localOffsetFilePath(dir: string, clientId: string, group: string): string {
  return `${dir}/${clientId.replace(/[:/\\]/g, "_")}/${group}/offsets.json`;
}

export function encodeOffsetFile(table: MessageQueueMap<number>): string {
  const entries = table.entriesList().map(([mq, offset]) =>
    `${JSON.stringify({ brokerName: mq.brokerName, queueId: mq.queueId, topic: mq.topic })}:${offset}`);
  return `{"offsetTable":{${entries.join(",")}}}`;
}

export function decodeOffsetFile(text: string): MessageQueueMap<number> {
  const parsed = parseFastjson(text) as { offsetTable?: Record<string, unknown> } | undefined;
  const table = new MessageQueueMap<number>();
  for (const [key, offset] of Object.entries(parsed?.offsetTable ?? {})) {
    const mq = JSON.parse(key) as MessageQueue;
    if (typeof offset === "number") table.set({ topic: mq.topic, brokerName: mq.brokerName, queueId: mq.queueId }, offset);
  }
  return table;
}

export class LocalFileOffsetStore implements OffsetStore {
  private readonly offsets = new OffsetTable();
  private readonly dir: string;

  constructor(
    private readonly disk: Disk,
    private readonly path: string,
    private readonly log: Log,
    private readonly onCommit: OffsetCommitListener = () => {},
  ) {
    this.dir = path.slice(0, path.lastIndexOf("/"));
  }

  async load(): Promise<void> {
    for (const [mq, offset] of this.readFile().entriesList()) this.offsets.update(mq, offset, false);
  }

  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    this.offsets.update(mq, offset, increaseOnly);
  }

  async readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number> {
    if (type !== "READ_FROM_STORE") {
      const memory = this.offsets.readMemory(mq);
      if (memory !== OFFSET_NONE || type === "READ_FROM_MEMORY") return memory;
    }
    const stored = this.readFile().get(mq);
    if (stored === undefined) return OFFSET_NONE;
    this.offsets.update(mq, stored, false);
    return stored;
  }

  // persistAll and persist update the file's entries and keep the rest, as RocketMQ 4.9.8 does
  // (apache/rocketmq#7740, PR #7745). Writing only the queues allocated at that moment dropped a
  // queue that the OFFSET_ILLEGAL fix had just removed: the rebalance re-added it, read no offset
  // from the file, started at 0, met OFFSET_ILLEGAL again and looped forever (battery seed 2 run
  // 1440, after a forced clean deleted the queue's head).
  async persistAll(mqs: readonly MessageQueue[]): Promise<void> {
    if (mqs.length === 0) return;
    const wanted = new MessageQueueMap<true>();
    for (const mq of mqs) wanted.set(mq, true);
    const updates = new MessageQueueMap<number>();
    for (const [mq, offset] of this.offsets.table.entriesList()) if (wanted.has(mq)) updates.set(mq, offset);
    await this.writeMerged(updates);
  }

  async persist(mq: MessageQueue): Promise<void> {
    const offset = this.offsets.readMemory(mq);
    if (offset === OFFSET_NONE) return;
    const updates = new MessageQueueMap<number>();
    updates.set(mq, offset);
    await this.writeMerged(updates);
  }

  removeOffset(_mq: MessageQueue): void {
    // Java keeps broadcasting offsets of removed queues (every consumer reads every queue).
  }

  cloneOffsetTable(topic?: string): MessageQueueMap<number> {
    return this.offsets.clone(topic);
  }

  private readFile(): MessageQueueMap<number> {
    const bytes = this.disk.readFile(this.path);
    if (bytes === undefined) return new MessageQueueMap<number>();
    try {
      return decodeOffsetFile(new TextDecoder().decode(bytes));
    } catch (error) {
      this.log.warn("local offset file unreadable, starting without it", { path: this.path, error: errorText(error) });
      return new MessageQueueMap<number>();
    }
  }

  /** Writes the file's table with `updates` applied; only the updated entries are commits. */
  private async writeMerged(updates: MessageQueueMap<number>): Promise<void> {
    const table = this.readFile();
    for (const [mq, offset] of updates.entriesList()) table.set(mq, offset);
    try {
      this.disk.mkdirs(this.dir);
      await this.disk.writeFileAtomic(this.path, new TextEncoder().encode(encodeOffsetFile(table)));
      for (const [mq, offset] of updates.entriesList()) this.onCommit(mq, offset, "persist");
    } catch (error) {
      this.log.warn("persisting local offsets failed", { path: this.path, error: errorText(error) });
    }
  }
}
