// Commit-log flushing (RocketMQ's GroupCommitService and FlushRealTimeService), driven by
// env.timers and fsync completions only.
// - SYNC_FLUSH = group commit: a put registers (nextOffset, waiter); one fsync round covers
//   every append made before it started, and all waiters it covers resolve together. Waiters
//   arriving during a round are covered by the next one. syncFlushTimeout → timed out.
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
  timer: TimerHandle;
}

export class CommitLogFlusher {
  private waiters: FlushWaiter[] = [];
  private roundRunning = false;
  private kickPending = false;
  private interval: TimerHandle | undefined;
  private lastThoroughMs = 0;
  flushedOffset = 0;

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
    for (const waiter of this.waiters) {
      probe(this.env, "store.flush.waiters-failed-on-stop");
      this.env.timers.clear(waiter.timer);
      waiter.resolve(false);
    }
    this.waiters = [];
  }

  /** Resolves true once everything below nextOffset is fsynced, false after syncFlushTimeout. */
  waitForFlush(nextOffset: number): Promise<boolean> {
    if (nextOffset <= this.flushedOffset) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: FlushWaiter = {
        nextOffset, resolve,
        timer: this.env.timers.setTimeout(() => {
          this.waiters = this.waiters.filter((item) => item !== waiter);
          resolve(false);
        }, this.config.syncFlushTimeout),
      };
      this.waiters.push(waiter);
      this.kick();
    });
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
    const target = this.commitLog.maxOffset();
    const timestamp = this.commitLog.lastAppendTimestamp;
    await this.commitLog.queue.flush(leastPages);
    const flushed = this.commitLog.queue.flushedOffset();
    if (flushed <= this.flushedOffset) return;
    this.flushedOffset = flushed;
    this.onFlushed(flushed, flushed >= target ? timestamp : 0);
    const covered = this.waiters.filter((waiter) => waiter.nextOffset <= flushed);
    this.waiters = this.waiters.filter((waiter) => waiter.nextOffset > flushed);
    for (const waiter of covered) {
      probe(this.env, "store.flush.group-commit-wait");
      this.env.timers.clear(waiter.timer);
      waiter.resolve(true);
    }
  }

  /** Flushes everything written (shutdown). */
  async flushAll(): Promise<void> {
    await this.flushOnce(0);
  }
}
