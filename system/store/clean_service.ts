// Retention (RocketMQ's CleanCommitLogService + CleanConsumeQueueService), every
// cleanResourceInterval ms: at a deleteWhen hour (UTC), when the disk is over
// diskMaxUsedSpaceRatio, or after a manual trigger, delete commit-log segments whose last
// store time is older than fileReservedTime hours — oldest first, never the newest segment,
// at most deleteFilesBatchMax per round; over diskSpaceCleanForciblyRatio the age rule is
// waived. Then drop consume-queue segments and index files wholly below the new minimum and
// correct the queues' min offsets.

import type { Env, TimerHandle } from "../env/env.ts";
import { utcHourOfDay } from "../message/index.ts";
import { storeTimestampAt } from "./get_message.ts";
import type { CommitLog } from "./commit_log.ts";
import type { ConsumeQueueTable } from "./consume_queue_table.ts";
import type { DiskGuard } from "./disk_guard.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { IndexService } from "./index_service.ts";
import { parseDeleteWhen } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";

const MANUAL_DELETE_ROUNDS = 20;

/** What retention needs of the store (DefaultMessageStore is one): the files it deletes and the dispatcher it tells. */
export interface RetentionStore {
  readonly commitLog: CommitLog;
  readonly consumeQueues: ConsumeQueueTable;
  readonly indexService: IndexService | undefined;
  readonly diskGuard: DiskGuard;
  readonly dispatcher: Pick<Dispatcher, "skipDeletedPrefix">;
}

export class CleanService {
  private timer: TimerHandle | undefined;
  private manualRounds = 0;
  private readonly deleteHours: number[];

  constructor(private readonly env: Env, private readonly config: StoreConfig, private readonly store: RetentionStore) {
    this.deleteHours = parseDeleteWhen(config.deleteWhen) ?? [4];
  }

  start(): void {
    this.timer = this.env.timers.setInterval(() => this.run(), this.config.cleanResourceInterval);
  }

  stop(): void {
    this.env.timers.clear(this.timer);
    this.timer = undefined;
  }

  triggerManually(): void {
    this.manualRounds = MANUAL_DELETE_ROUNDS;
  }

  /** One retention round; returns the number of commit-log segments deleted. */
  run(): number {
    const guard = this.store.diskGuard;
    guard.check();
    const nowMs = this.env.clock.nowMs();
    const timeUp = this.deleteHours.includes(utcHourOfDay(nowMs));
    const spaceFull = guard.isOverRatio();
    const manual = this.manualRounds > 0;
    if (manual) this.manualRounds--;
    let deleted = 0;
    if (timeUp || spaceFull || manual) {
      const forcibly = this.config.cleanFileForciblyEnable && guard.usedPercent > this.config.diskSpaceCleanForciblyRatio;
      deleted = this.deleteExpiredCommitLogFiles(nowMs, this.config.fileReservedTime * 3_600_000, forcibly);
    }
    this.deleteExpiredLogicFiles();
    if (deleted > 0) guard.check();
    return deleted;
  }

  /** Last store time of segment i: tracked at append, else the next segment's first record. */
  private lastModifiedMs(index: number): number {
    const files = this.store.commitLog.queue.files;
    const file = files[index]!;
    if (file.lastStoreTimestamp > 0) return file.lastStoreTimestamp;
    const next = files[index + 1];
    return next === undefined ? nowUnknown : (storeTimestampAt(this.store.commitLog, next.fileFromOffset) ?? nowUnknown);
  }

  deleteExpiredCommitLogFiles(nowMs: number, reservedMs: number, forcibly: boolean): number {
    const queue = this.store.commitLog.queue;
    let count = 0;
    while (count < this.config.deleteFilesBatchMax && queue.files.length > 1) {
      const lastModified = this.lastModifiedMs(0);
      if (!forcibly && !(lastModified !== nowUnknown && nowMs >= lastModified + reservedMs)) break;
      const [removed] = queue.deleteFirst(1);
      this.env.log.info("deleted expired commit log file", { path: removed?.path, lastModified });
      count++;
    }
    if (count > 0) this.store.dispatcher.skipDeletedPrefix(queue.minOffset());
    return count;
  }

  deleteExpiredLogicFiles(): void {
    const minPhyOffset = this.store.commitLog.minOffset();
    for (const consumeQueue of this.store.consumeQueues.all()) {
      consumeQueue.deleteExpiredFiles(minPhyOffset);
      consumeQueue.correctMinOffset(minPhyOffset);
    }
    this.store.indexService?.deleteExpiredFiles(minPhyOffset);
  }
}

/** Marker for "no store time known" (the segment is never treated as expired by age). */
const nowUnknown = -1;
