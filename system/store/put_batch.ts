// Per-turn batching of puts ("write-behind within the turn"). A put appends its records to the
// commit log's in-memory tail synchronously (offsets assigned, reads see the bytes) and joins
// the open batch; the first put of a batch schedules one drain as a microtask, so every put
// made in the same synchronous run (all the requests of one network chunk) shares it. The
// drain writes the commit-log tail (one write per segment), then dispatches the records that
// landed (consume queues and index, written in batches by the dispatcher) and only then
// resolves the batch: no put is acknowledged, and no consumer sees a record, before its bytes
// were handed to the OS. So ASYNC_FLUSH keeps its meaning (acked = in the page cache) and
// SYNC_FLUSH its (the flusher drains before each fsync round, so an fsync covers every byte
// appended before it started: group commit as GroupCommitService).
//
// Crash model: a process crash between an append and its drain loses the tail, which no one
// was told about (halt() drops it, as a killed process would). In the simulator a drain runs
// in the same event as its puts (microtasks drain between events), so a simulated crash never
// falls between them; in a real process it can, and then only unacknowledged puts are lost.
//
// A failed write (ENOSPC, EIO) cuts the log back to the first byte not written: the puts from
// there on fail with SERVICE_NOT_AVAILABLE and their queue offsets are given back; the puts
// before it in the batch stand (their bytes landed).

import { assert } from "../stdx/assert.ts";
import type { CommitLog } from "./commit_log.ts";
import type { DispatchRequest } from "./dispatch_request.ts";

/** One turn's puts; `failedFrom` is the commit-log offset from which its puts failed. */
export class PutBatch {
  readonly requests: DispatchRequest[] = [];
  failedFrom = Number.POSITIVE_INFINITY;
  failureReason = "";
  /** Where the last record of the batch ends (its puts set it before the drain). */
  endOffsetMax = 0;
  /**
   * SYNC_FLUSH: the one fsync wait every waiting put of the batch shares (to endOffsetMax),
   * made by the first of them. One waiter per batch instead of one per put: a put that waits
   * for its fsync keeps its promises alive across scavenges, and under load that promoted
   * enough of them to double the broker's GC.
   */
  flushed: Promise<boolean> | undefined;
  readonly done: Promise<void>;
  /** Set by the promise executor, which runs before the constructor returns. */
  resolve!: () => void;

  constructor() {
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  /** Why the put whose records start at `wroteOffset` failed, or undefined when it stands. */
  failureOf(wroteOffset: number): string | undefined {
    return wroteOffset >= this.failedFrom ? this.failureReason : undefined;
  }
}

export interface PutBatchParts {
  commitLog: CommitLog;
  /** Dispatches records whose bytes landed (consume queues, index, arrival listeners). */
  dispatch(requests: readonly DispatchRequest[]): void;
  /** A drain's write failed with this reason ("disk full" for ENOSPC). */
  onWriteFailed(reason: string): void;
}

export class PutBatcher {
  private open: PutBatch | undefined;
  private readonly drainTask = (): void => this.drainNow();

  constructor(private readonly parts: PutBatchParts) {}

  /** Joins the records just appended to this turn's batch; await its `done`. */
  join(requests: readonly DispatchRequest[]): PutBatch {
    let batch = this.open;
    if (batch === undefined) {
      batch = new PutBatch();
      this.open = batch;
      void Promise.resolve().then(this.drainTask);
    }
    for (const request of requests) batch.requests.push(request);
    return batch;
  }

  /** Writes, dispatches and resolves the open batch now (idempotent; flushes call it first). */
  drainNow(): void {
    const batch = this.open;
    const { commitLog } = this.parts;
    if (batch === undefined) {
      assert(!commitLog.hasPending(), "a deferred tail always belongs to an open batch");
      return;
    }
    this.open = undefined;
    const failure = commitLog.writePending();
    assert(!commitLog.hasPending(), "the drain wrote or dropped every tail");
    let landed: readonly DispatchRequest[] = batch.requests;
    if (failure !== undefined) {
      batch.failedFrom = failure.failedFrom;
      batch.failureReason = failure.reason;
      commitLog.rollBackQueueOffsets(batch.requests, failure.failedFrom);
      landed = batch.requests.filter((request) => request.commitLogOffset < failure.failedFrom);
      this.parts.onWriteFailed(failure.reason);
    }
    try {
      if (landed.length > 0) this.parts.dispatch(landed);
    } finally {
      batch.resolve();
    }
  }

  /** A crash (halt): the tail is dropped unwritten and the open batch's puts fail. */
  abandon(): void {
    const batch = this.open;
    this.open = undefined;
    this.parts.commitLog.dropPending();
    if (batch === undefined) return;
    this.parts.commitLog.rollBackQueueOffsets(batch.requests, Number.NEGATIVE_INFINITY);
    batch.failedFrom = Number.NEGATIVE_INFINITY;
    batch.failureReason = "message store halted";
    batch.resolve();
  }
}
