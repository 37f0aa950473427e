// The broker's send thread pool and its queue, with BrokerFastFailure's flow control
// [broker/.../latency/BrokerFastFailure.java, BrokerController.sendThreadPoolQueue,
// NettyRemotingAbstract.processRequestCommand, SendMessageProcessor.rejectRequest].
// A send request waits in a FIFO queue (at most sendThreadPoolQueueCapacity, else
// "[OVERLOAD]") until one of sendMessageThreadPoolNums workers takes it. A worker holds the
// commit-log lock for putMessageLockHoldMs (mqlab's stand-in for a page-cache stall; 0 in
// production use) and then starts the processor; the flush/replication wait runs outside the
// worker, as 4.9.x's asyncPutMessage does. While the queue is not empty a 10 ms sweep runs:
// while the lock has been held longer than osPageCacheBusyTimeOutMills it answers the head with
// "[PCBUSY_CLEAN_QUEUE]"; then every head request that waited at least
// waitTimeMillsInSendQueue is answered "[TIMEOUT_CLEAN_QUEUE]". A request arriving while the
// lock is busy that way is refused at once with "[REJECTREQUEST]". All SYSTEM_BUSY (2).
// Invariants: every submitted request is answered exactly once; queue length ≤ capacity;
// busy workers ≤ threads; time and timers come from the Env only.
import type { Env, Log, TimerHandle } from "../../env/env.ts";
import { probe } from "../../env/probe.ts";
import { createResponse, ResponseCode } from "../../remoting/index.ts";
import type { RemotingCommand } from "../../remoting/index.ts";
import { assert } from "../../stdx/assert.ts";

export const FAST_FAILURE_SWEEP_MS = 10;
/** isOSPageCacheBusy ignores absurd lock times (a clock jump), as RocketMQ does (10 000 000 ms). */
const LOCK_TIME_SANE_MAX_MS = 10_000_000;

export interface SendQueueOptions {
  threads: number;
  capacity: number;
  waitTimeMillsInSendQueue: number;
  osPageCacheBusyTimeOutMills: number;
  brokerFastFailureEnable: boolean;
  putMessageLockHoldMs: number;
}

type Run = () => Promise<RemotingCommand | undefined>;

interface Task {
  readonly request: RemotingCommand;
  readonly createdMs: number;
  readonly run: Run;
  readonly settle: (response: RemotingCommand | undefined) => void;
}

export interface SendQueueStats {
  queued: number;
  busyWorkers: number;
  timeoutCleaned: number;
  pageCacheCleaned: number;
  rejected: number;
  overloaded: number;
}

export class SendQueue {
  private readonly queue: Task[] = [];
  private busyWorkers = 0;
  private lockBeginMs = 0;
  private sweepTimer: TimerHandle | undefined;
  private readonly counts = { timeoutCleaned: 0, pageCacheCleaned: 0, rejected: 0, overloaded: 0 };

  constructor(private readonly env: Env, private readonly log: Log, private options: SendQueueOptions) {
    assert(options.threads >= 1, "at least one send worker");
    assert(options.capacity >= 1, "the send queue holds at least one request");
  }

  /** A runtime change (RocketMQ updates these with UPDATE_BROKER_CONFIG); applies to later work. */
  updateOptions(change: Partial<SendQueueOptions>): void {
    const next = { ...this.options, ...change };
    assert(next.threads >= 1 && next.capacity >= 1, "send queue options stay positive");
    this.options = next;
  }

  /**
   * True when a send arriving now would start at once: no flow-control refusal, nobody queued
   * ahead, a worker free and no lock hold to wait out. submit() would then run it synchronously
   * anyway, so the caller may run the processor itself and skip the queue's task and its
   * promises (four promises and their microtask hops per published message).
   */
  runsAtOnce(): boolean {
    return this.queue.length === 0 && this.busyWorkers < this.options.threads && this.options.putMessageLockHoldMs === 0
      && !this.isOSPageCacheBusy();
  }

  /** Queues one send; resolves with the processor's response or a SYSTEM_BUSY one. */
  submit(request: RemotingCommand, run: Run): Promise<RemotingCommand | undefined> {
    if (this.isOSPageCacheBusy()) {
      this.counts.rejected += 1;
      probe(this.env, "broker.flow.page-cache-busy");
      return Promise.resolve(busy(request, "[REJECTREQUEST]system busy, start flow control for a while"));
    }
    if (this.queue.length >= this.options.capacity) {
      this.counts.overloaded += 1;
      return Promise.resolve(busy(request, "[OVERLOAD]system busy, start flow control for a while"));
    }
    return new Promise((resolve) => {
      this.queue.push({ request, createdMs: this.env.clock.nowMs(), run, settle: resolve });
      this.drain();
    });
  }

  /** DefaultMessageStore.isOSPageCacheBusy: the commit-log lock held too long right now. */
  isOSPageCacheBusy(): boolean {
    if (this.lockBeginMs === 0) return false;
    const heldMs = this.env.clock.nowMs() - this.lockBeginMs;
    return heldMs < LOCK_TIME_SANE_MAX_MS && heldMs > this.options.osPageCacheBusyTimeOutMills;
  }

  stats(): SendQueueStats {
    return { queued: this.queue.length, busyWorkers: this.busyWorkers, ...this.counts };
  }

  /** Answers everything still queued (shutdown) and stops the sweep. */
  shutdown(): void {
    this.stopSweep();
    for (const task of this.queue.splice(0)) task.settle(busy(task.request, "[SHUTDOWN]broker is shutting down"));
  }

  private drain(): void {
    while (this.busyWorkers < this.options.threads && this.queue.length > 0) {
      const task = this.queue.shift()!;
      this.busyWorkers += 1;
      void this.work(task);
    }
    assert(this.busyWorkers <= this.options.threads, "busy workers within the pool");
    if (this.queue.length > 0 && this.options.brokerFastFailureEnable) this.startSweep();
    else this.stopSweep();
  }

  private async work(task: Task): Promise<void> {
    const holdMs = this.options.putMessageLockHoldMs;
    if (holdMs > 0) {
      this.lockBeginMs = this.env.clock.nowMs();
      await new Promise<void>((resolve) => this.env.timers.setTimeout(resolve, holdMs));
      this.lockBeginMs = 0;
    }
    let result: Promise<RemotingCommand | undefined>;
    try {
      result = task.run();
    } catch (error) {
      result = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.busyWorkers -= 1;
    this.drain();
    result.then(task.settle, (error: unknown) => {
      this.log.warn("send processor failed", { error: error instanceof Error ? error.message : String(error) });
      task.settle(createResponse(task.request, ResponseCode.SYSTEM_ERROR, error instanceof Error ? error.message : String(error)));
    });
  }

  /** BrokerFastFailure.cleanExpiredRequest. */
  private sweep(): void {
    while (this.isOSPageCacheBusy() && this.queue.length > 0) {
      const task = this.queue.shift()!;
      this.counts.pageCacheCleaned += 1;
      probe(this.env, "broker.flow.page-cache-busy");
      const behindMs = this.env.clock.nowMs() - task.createdMs;
      task.settle(busy(task.request, `[PCBUSY_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: ${behindMs}ms, size of queue: ${this.queue.length}`));
    }
    for (;;) {
      const head = this.queue[0];
      if (head === undefined) break;
      const behindMs = this.env.clock.nowMs() - head.createdMs;
      if (behindMs < this.options.waitTimeMillsInSendQueue) break;
      this.queue.shift();
      this.counts.timeoutCleaned += 1;
      probe(this.env, "broker.flow.timeout-clean-queue");
      head.settle(busy(head.request, `[TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: ${behindMs}ms, size of queue: ${this.queue.length}`));
    }
    if (this.queue.length === 0) this.stopSweep();
  }

  private startSweep(): void {
    if (this.sweepTimer !== undefined) return;
    this.sweepTimer = this.env.timers.setInterval(() => this.sweep(), FAST_FAILURE_SWEEP_MS);
  }

  private stopSweep(): void {
    if (this.sweepTimer === undefined) return;
    this.env.timers.clear(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}

function busy(request: RemotingCommand, remark: string): RemotingCommand {
  return createResponse(request, ResponseCode.SYSTEM_BUSY, remark);
}
