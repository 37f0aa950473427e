// Commit-log flushing (RocketMQ's GroupCommitService and FlushRealTimeService), driven by
// env.timers and fsync completions only.
// - SYNC_FLUSH = group commit: a put registers (nextOffset, waiter); one fsync round covers
//   every append made before it started, and all waiters it covers resolve together. Waiters
//   arriving during a round are covered by the next one. syncFlushTimeout → timed out; one
//   timer serves every waiter (deadlines follow arrival order), not one timer per put.
// - ASYNC_FLUSH: every flushIntervalCommitLog ms, fsync when at least flushCommitLogLeastPages
//   pages are dirty, or anything dirty once flushCommitLogThoroughInterval has passed.
// Invariant: at most one round runs at a time; flushedOffset only grows.

import type { Env, TimerHandle } from "../env/env.ts";
import type { CommitLog } from "./commit_log.ts";
import type { StoreConfig } from "./store_config.ts";
import { probe } from "../env/probe.ts";

interface FlushWaiter {
  nextOffset: number;
  resolve: (flushed: boolean) => void;
  /** Monotonic time after which the waiter gives up (FLUSH_DISK_TIMEOUT). */
  deadlineMs: number;
}

export class CommitLogFlusher {
  private waiters: FlushWaiter[] = [];
  /** The one timeout timer, armed for the oldest waiter's deadline while any waits. */
  private deadlineTimer: TimerHandle | undefined;
  private roundRunning = false;
  private kickPending = false;
  private interval: TimerHandle | undefined;
  private lastThoroughMs = 0;
  flushedOffset = 0;
  /** Runs first in every round: hands the turn's deferred appends to the OS (put_batch.ts). */
  beforeRound: () => void = () => undefined;

  constructor(
    private readonly env: Env,
    private readonly config: StoreConfig,
    private readonly commitLog: CommitLog,
    /** Called after each fsync round with the offset and store timestamp it covered. */
    private readonly onFlushed: (offset: number, storeTimestamp: number) => void,
  ) {}

  start(): void {
    this.flushedOffset = this.commitLog.maxOffset();
    this.lastThoroughMs = this.env.clock.monotonicMs();
    if (this.config.flushDiskType === "ASYNC_FLUSH") {
      this.interval = this.env.timers.setInterval(() => this.asyncTick(), this.config.flushIntervalCommitLog);
    }
  }

  stop(): void {
    this.env.timers.clear(this.interval);
    this.interval = undefined;
    this.env.timers.clear(this.deadlineTimer);
    this.deadlineTimer = undefined;
    for (const waiter of this.waiters) {
      probe(this.env, "store.flush.waiters-failed-on-stop");
      waiter.resolve(false);
    }
    this.waiters = [];
  }

  /** Waits registered and not yet resolved (the store registers one per batch of puts). */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves true once everything below nextOffset is fsynced, false after syncFlushTimeout. */
  waitForFlush(nextOffset: number): Promise<boolean> {
    if (nextOffset <= this.flushedOffset) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.waiters.push({ nextOffset, resolve, deadlineMs: this.env.clock.monotonicMs() + this.config.syncFlushTimeout });
      this.armDeadline();
      this.kick();
    });
  }

  private armDeadline(): void {
    const oldest = this.waiters[0];
    if (this.deadlineTimer !== undefined || oldest === undefined) return;
    const delayMs = Math.max(0, oldest.deadlineMs - this.env.clock.monotonicMs());
    this.deadlineTimer = this.env.timers.setTimeout(() => this.expireWaiters(), delayMs);
  }

  /** Times out every waiter past its deadline; re-arms for the next one. */
  private expireWaiters(): void {
    this.deadlineTimer = undefined;
    const nowMs = this.env.clock.monotonicMs();
    const waiting: FlushWaiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.deadlineMs <= nowMs) waiter.resolve(false);
      else waiting.push(waiter);
    }
    this.waiters = waiting;
    this.armDeadline();
  }

  /** Starts a flush round now (or right after the running one). */
  kick(): void {
    if (this.roundRunning) {
      this.kickPending = true;
      return;
    }
    void this.runRounds(0);
  }

  private asyncTick(): void {
    if (this.roundRunning) return;
    const nowMs = this.env.clock.monotonicMs();
    let leastPages = this.config.flushCommitLogLeastPages;
    if (nowMs >= this.lastThoroughMs + this.config.flushCommitLogThoroughInterval) {
      this.lastThoroughMs = nowMs;
      leastPages = 0;
      probe(this.env, "store.flush.thorough");
    }
    void this.runRounds(leastPages);
  }

  private async runRounds(leastPages: number): Promise<void> {
    this.roundRunning = true;
    try {
      do {
        this.kickPending = false;
        await this.flushOnce(leastPages);
        leastPages = 0;
      } while (this.kickPending || this.waiters.some((waiter) => waiter.nextOffset > this.flushedOffset));
    } catch (error) {
      probe(this.env, "store.flush.failed");
      this.env.log.error("commit log flush failed", { error: String(error) });
    } finally {
      this.roundRunning = false;
    }
  }

  /** One fsync round; returns after waiters it covers are resolved. */
  async flushOnce(leastPages: number): Promise<void> {
    this.beforeRound();
    const target = this.commitLog.maxOffset();
    const timestamp = this.commitLog.lastAppendTimestamp;
    await this.commitLog.queue.flush(leastPages);
    const flushed = this.commitLog.queue.flushedOffset();
    if (flushed <= this.flushedOffset) return;
    this.flushedOffset = flushed;
    this.onFlushed(flushed, flushed >= target ? timestamp : 0);
    const waiting: FlushWaiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.nextOffset > flushed) {
        waiting.push(waiter);
        continue;
      }
      probe(this.env, "store.flush.group-commit-wait");
      waiter.resolve(true);
    }
    this.waiters = waiting;
    if (waiting.length === 0) {
      this.env.timers.clear(this.deadlineTimer);
      this.deadlineTimer = undefined;
    }
  }

  /** Flushes everything written (shutdown). */
  async flushAll(): Promise<void> {
    await this.flushOnce(0);
  }
}
