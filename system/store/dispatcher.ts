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
//
// Appended requests are dispatched in runs (a turn's puts, see put_batch.ts): one consume-queue
// write per queue and one index batch per run, then the arrival listeners in log order. A run
// is contiguous in the commit log and at most DISPATCH_RUN_MAX records long.

import type { Env } from "../env/env.ts";
import { DiskError, } from "../env/env.ts";
import { MessageSysFlag, transactionType } from "../message/index.ts";
import type { CommitLog } from "./commit_log.ts";
import type { ConsumeQueue } from "./consume_queue.ts";
import type { ConsumeQueueTable } from "./consume_queue_table.ts";
import { assert } from "../stdx/assert.ts";
import { checkRecordAt } from "./dispatch_request.ts";
import type { DelayLevelTable, DispatchRequest } from "./dispatch_request.ts";
import type { IndexService } from "./index_service.ts";
import { walkSegment } from "./record_walk.ts";
import type { MessageArrivingListener } from "./status.ts";
import { probe } from "../env/probe.ts";

/** Records per dispatched run: bounds the staging buffers of the queues and the index. */
const DISPATCH_RUN_MAX = 4096;

function writesQueue(sysFlag: number): boolean {
  const type = transactionType(sysFlag);
  return type === MessageSysFlag.TRANSACTION_NOT_TYPE || type === MessageSysFlag.TRANSACTION_COMMIT_TYPE;
}

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
  /** Queues staged by the run being dispatched (reused). */
  private readonly stagedQueues: ConsumeQueue[] = [];
  /** Per record of the run being dispatched: 1 when its unit is new (reused). */
  private arrivedFlags = new Uint8Array(256);
  private runActive = false;
  /** Where the last failed dispatch began (its retry begins there too), until one succeeds. */
  private failedAtOffset: number | undefined = undefined;

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
    let index = 0;
    while (index < requests.length) {
      if (requests[index]!.commitLogOffset !== this.reputFromOffset) {
        // Behind (a failed dispatch) or a segment roll between two records: the raw walk.
        this.reput();
        return;
      }
      const runEnd = this.contiguousRunEnd(requests, index, this.commitLog.maxOffset());
      if (!this.dispatchRun(requests, index, runEnd)) return;
      index = runEnd;
    }
  }

  /** End (exclusive) of the contiguous run of requests from `start` that ends by `endOffset`. */
  private contiguousRunEnd(requests: readonly DispatchRequest[], start: number, endOffset: number): number {
    let next = requests[start]!.commitLogOffset;
    let index = start;
    const limit = Math.min(requests.length, start + DISPATCH_RUN_MAX);
    while (index < limit) {
      const request = requests[index]!;
      if (request.commitLogOffset !== next || next + request.msgSize > endOffset) break;
      next += request.msgSize;
      index++;
    }
    return index;
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
      const runEnd = this.contiguousRunEnd(this.pending, this.pendingHead, end);
      if (!this.dispatchRun(this.pending, this.pendingHead, runEnd)) break;
      this.pendingHead = runEnd;
    }
    if (this.pendingHead === this.pending.length) this.dropPending();
    else if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
    if (this.pendingCount === 0 && this.reputFromOffset < end) this.reput();
  }

  /**
   * A slave appended `bytes` (HA) at startOffset: dispatches the records that start in them
   * from the bytes in hand, then reput() for anything else. Same records and checks as reput()
   * alone, without reading back from the disk what was just written (one read and copy per
   * frame). Only when dispatch is caught up to startOffset and nothing is held back.
   */
  reputAppended(startOffset: number, bytes: Uint8Array): void {
    if (this.endLimit === undefined && this.pendingCount === 0 && this.reputFromOffset === startOffset
      && startOffset >= this.commitLog.minOffset()) {
      const boundBytes = Math.min(bytes.length, this.commitLog.rollNextFile(startOffset) - startOffset,
        this.commitLog.maxOffset() - startOffset);
      const view = boundBytes === bytes.length ? bytes : bytes.subarray(0, boundBytes);
      let position = 0;
      while (position < boundBytes) {
        const check = checkRecordAt(view, position, startOffset, false, this.levels);
        // A blank, a partial or a bad record: reput() finds it again and handles it.
        if (check.kind !== "message") break;
        assert(check.request.commitLogOffset === this.reputFromOffset, "in-hand dispatch follows reputFromOffset");
        if (!this.dispatchOne(check.request, true)) return;
        position += check.request.msgSize;
      }
    }
    this.reput();
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

  /**
   * Dispatches requests[start, end) (contiguous, from reputFromOffset): stages every unit, writes
   * each queue's run once, indexes the run in one batch, then notifies arrivals in log order.
   * False on a disk error: reputFromOffset stays at the run's start and the raw walk retries
   * (queue units and index entries already written are skipped as duplicates).
   */
  private dispatchRun(requests: readonly DispatchRequest[], start: number, end: number): boolean {
    assert(end > start && requests[start]!.commitLogOffset === this.reputFromOffset, "a run starts at reputFromOffset");
    if (this.arrivedFlags.length < end - start) this.arrivedFlags = new Uint8Array(Math.max(end - start, this.arrivedFlags.length * 2));
    // A listener that leads back here (a put it makes, drained at once) gets its own flags.
    const arrived = this.runActive ? new Uint8Array(end - start) : this.arrivedFlags;
    this.runActive = true;
    try {
      return this.dispatchRunWith(requests, start, end, arrived);
    } finally {
      this.runActive = arrived === this.arrivedFlags ? false : this.runActive;
    }
  }

  private dispatchRunWith(requests: readonly DispatchRequest[], start: number, end: number, arrived: Uint8Array): boolean {
    const staged = this.stagedQueues;
    const retrying = this.failedAtOffset === requests[start]!.commitLogOffset;
    try {
      for (let index = start; index < end; index++) {
        const request = requests[index]!;
        arrived[index - start] = 0;
        if (!writesQueue(request.sysFlag)) continue;
        const queue = this.queues.findOrCreate(request.topic, request.queueId);
        if (!queue.hasStaged()) staged.push(queue);
        const fresh = queue.stage(request.commitLogOffset, request.msgSize, request.tagsCode, request.consumeQueueOffset);
        // A retry finds the units a failed attempt wrote before its error as duplicates; nobody
        // was told of them yet (arrivals follow a whole run), so they arrive now.
        if (fresh || retrying) arrived[index - start] = 1;
      }
      for (const queue of staged) queue.writeStaged();
      this.index?.buildIndexBatch(requests, start, end);
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      probe(this.env, "store.dispatch.retry");
      this.env.log.error("dispatch failed; will retry", { offset: requests[start]!.commitLogOffset, code: error.code });
      this.failedAtOffset = requests[start]!.commitLogOffset;
      return false;
    } finally {
      for (const queue of staged) queue.dropStaged();
      staged.length = 0;
    }
    this.failedAtOffset = undefined;
    const last = requests[end - 1]!;
    this.reputFromOffset = last.commitLogOffset + last.msgSize;
    this.lastDispatchedTimestamp = last.storeTimestamp;
    for (let index = start; index < end; index++) {
      if (arrived[index - start] === 0) continue;
      const request = requests[index]!;
      this.internalListener?.(request.topic, request.queueId, request.consumeQueueOffset + 1, request.tagsCode);
      this.listener?.(request.topic, request.queueId, request.consumeQueueOffset + 1, request.tagsCode);
    }
    return true;
  }

  /** Puts one record in its consume queue and the index; false on a disk error (retry later). */
  private dispatchOne(request: DispatchRequest, notify: boolean): boolean {
    try {
      const type = transactionType(request.sysFlag);
      let arrived = false;
      if (type === MessageSysFlag.TRANSACTION_NOT_TYPE || type === MessageSysFlag.TRANSACTION_COMMIT_TYPE) {
        const queue = this.queues.findOrCreate(request.topic, request.queueId);
        const fresh = queue.put({ commitLogOffset: request.commitLogOffset, size: request.msgSize, tagsCode: request.tagsCode },
          request.consumeQueueOffset);
        // As in dispatchRunWith: a unit written before a failed index write arrives on the retry.
        arrived = fresh || this.failedAtOffset === request.commitLogOffset;
      }
      this.index?.buildIndex(request);
      this.failedAtOffset = undefined;
      this.reputFromOffset = request.commitLogOffset + request.msgSize;
      this.lastDispatchedTimestamp = request.storeTimestamp;
      if (arrived) this.internalListener?.(request.topic, request.queueId, request.consumeQueueOffset + 1, request.tagsCode);
      if (arrived && notify) this.listener?.(request.topic, request.queueId, request.consumeQueueOffset + 1, request.tagsCode);
      return true;
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      probe(this.env, "store.dispatch.retry");
      this.env.log.error("dispatch failed; will retry", { offset: request.commitLogOffset, code: error.code });
      this.failedAtOffset = request.commitLogOffset;
      return false;
    }
  }
}
