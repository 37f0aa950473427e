// Dispatch (RocketMQ's ReputMessageService + CommitLogDispatcher chain): brings consume queues
// and the index up to the commit log. Appends on a master dispatch the requests built at append
// time; anything else (slave HA bytes, recovery, a retry after a disk error) walks raw
// commit-log bytes from reputFromOffset.
// Invariant: every record below reputFromOffset is in its consume queue and the index;
// reputFromOffset only stops early on an incomplete record or a disk error (retried later).
//
// Visibility bound (apache/rocketmq#8239, PR #8240): when `endLimit` is set (the store sets it
// while running unless readUnCommitted), nothing at or beyond it is dispatched, so consumers
// (pulls, long-poll wake-ups, max offsets) see only what the configuration calls durable.
// Appended requests beyond the bound wait in `pending`, in log order, and catchUp() dispatches
// them when the bound advances (a flush round, a slave ack). A pending request whose offset no
// longer matches reputFromOffset (a segment's blank tail, a raw walk that got there first) is
// resolved by the raw walk, which honours the same bound.

import type { Env } from "../env/env.ts";
import { DiskError, } from "../env/env.ts";
import { MessageSysFlag, transactionType } from "../message/index.ts";
import type { CommitLog } from "./commit_log.ts";
import type { ConsumeQueueTable } from "./consume_queue_table.ts";
import type { DelayLevelTable, DispatchRequest } from "./dispatch_request.ts";
import type { IndexService } from "./index_service.ts";
import { walkSegment } from "./record_walk.ts";
import type { MessageArrivingListener } from "./status.ts";
import { probe } from "../env/probe.ts";

export class Dispatcher {
  reputFromOffset = 0;
  /** Store timestamp of the newest dispatched record. */
  lastDispatchedTimestamp = 0;
  listener: MessageArrivingListener | undefined;
  /** The store's own arrival hook (delayed delivery), called before the broker's listener. */
  internalListener: MessageArrivingListener | undefined;
  /** Commit-log offset nothing may be dispatched beyond (undefined = the commit-log end). */
  endLimit: (() => number) | undefined;
  /** Appended requests held back by endLimit, in log order, consumed from pendingHead. */
  private pending: DispatchRequest[] = [];
  private pendingHead = 0;

  /** Retention deleted the commit log below minOffset: nothing there is left to dispatch. */
  skipDeletedPrefix(minOffset: number): void {
    if (this.reputFromOffset < minOffset) this.reputFromOffset = minOffset;
  }

  constructor(
    private readonly env: Env,
    private readonly commitLog: CommitLog,
    private readonly queues: ConsumeQueueTable,
    private readonly index: IndexService | undefined,
    private readonly levels: DelayLevelTable,
  ) {}

  /** Dispatches records appended just now (falls back to the raw walk when behind). */
  dispatchAppended(requests: readonly DispatchRequest[]): void {
    if (this.endLimit !== undefined) {
      for (const request of requests) this.pending.push(request);
      this.catchUp();
      return;
    }
    if (requests[0]?.commitLogOffset !== this.reputFromOffset) {
      this.reput();
      return;
    }
    for (const request of requests) {
      if (!this.dispatchOne(request, true)) return;
    }
  }

  /** The offset dispatch may reach now: the commit-log end, or less under endLimit. */
  endOffset(): number {
    const end = this.commitLog.maxOffset();
    return this.endLimit === undefined ? end : Math.min(end, this.endLimit());
  }

  /** Records appended but not yet dispatched because of endLimit. */
  get pendingCount(): number {
    return this.pending.length - this.pendingHead;
  }

  /** Forgets held-back requests (the commit log was cut under them); the raw walk redoes them. */
  dropPending(): void {
    this.pending = [];
    this.pendingHead = 0;
  }

  /**
   * Dispatches what the bound now allows: held-back appended requests first (no re-decode),
   * the raw walk for anything else. Called when the bound advances and by the retry timer.
   */
  catchUp(): void {
    const end = this.endOffset();
    while (this.pendingHead < this.pending.length) {
      const request = this.pending[this.pendingHead]!;
      if (request.commitLogOffset < this.reputFromOffset) {
        this.pendingHead++;
        continue;
      }
      if (request.commitLogOffset + request.msgSize > end) break;
      if (request.commitLogOffset > this.reputFromOffset) {
        this.reput();
        if (this.reputFromOffset < request.commitLogOffset) break;
        continue;
      }
      if (!this.dispatchOne(request, true)) break;
      this.pendingHead++;
    }
    if (this.pendingHead === this.pending.length) this.dropPending();
    else if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
    if (this.pendingCount === 0 && this.reputFromOffset < end) this.reput();
  }

  /** Dispatches every complete record between reputFromOffset and endOffset(). */
  reput(notify = true): void {
    const queue = this.commitLog.queue;
    const end = this.endOffset();
    while (this.reputFromOffset < end) {
      if (this.reputFromOffset < this.commitLog.minOffset()) this.reputFromOffset = this.commitLog.minOffset();
      const file = queue.findByOffset(this.reputFromOffset);
      if (file === undefined) return;
      let failed = false;
      const limit = Math.min(file.wrotePosition, end - file.fileFromOffset);
      const stop = walkSegment(file, this.reputFromOffset - file.fileFromOffset, limit, false, this.levels, (request) => {
        failed = !this.dispatchOne(request, notify);
        return !failed;
      });
      if (failed) return;
      if (stop.stop === "blank" || (stop.stop === "limit" && limit === file.wrotePosition && file.isFull())) {
        this.reputFromOffset = file.fileFromOffset + file.fileSize;
        continue;
      }
      if (stop.stop === "end" && !stop.incomplete) {
        this.env.log.error("reput stopped at a bad record", { offset: file.fileFromOffset + stop.position, reason: stop.reason });
      }
      return;
    }
  }

  /** Puts one record in its consume queue and the index; false on a disk error (retry later). */
  private dispatchOne(request: DispatchRequest, notify: boolean): boolean {
    try {
      const type = transactionType(request.sysFlag);
      let arrived = false;
      if (type === MessageSysFlag.TRANSACTION_NOT_TYPE || type === MessageSysFlag.TRANSACTION_COMMIT_TYPE) {
        const queue = this.queues.findOrCreate(request.topic, request.queueId);
        arrived = queue.put({ commitLogOffset: request.commitLogOffset, size: request.msgSize, tagsCode: request.tagsCode },
          request.consumeQueueOffset);
      }
      this.index?.buildIndex(request);
      this.reputFromOffset = request.commitLogOffset + request.msgSize;
      this.lastDispatchedTimestamp = request.storeTimestamp;
      if (arrived) this.internalListener?.(request.topic, request.queueId, request.consumeQueueOffset + 1, request.tagsCode);
      if (arrived && notify) this.listener?.(request.topic, request.queueId, request.consumeQueueOffset + 1, request.tagsCode);
      return true;
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      probe(this.env, "store.dispatch.retry");
      this.env.log.error("dispatch failed; will retry", { offset: request.commitLogOffset, code: error.code });
      return false;
    }
  }
}
