// GroupTransferService [store/.../ha/HAService.java]: SYNC_MASTER puts wait here until a slave
// has acknowledged every byte below the end of their message, or until slaveTimeout passes.
// Waits are queued in put order, so end offsets and deadlines are both non-decreasing: an ack
// releases a prefix and one timer (for the oldest deadline) suffices. Waits live in an array
// consumed from `head` (released waits are below head).
// The timer is lazy: it stays armed when the last wait is released (a put per message armed
// and cancelled one timer each) and, when it fires early, expires nothing and re-arms for the
// oldest deadline. So at most one timer per slaveTimeout under steady traffic, and every wait
// still times out at its own deadline (timerDueMs <= the oldest pending deadline, always).
// Invariant: every wait resolves exactly once (PUT_OK, FLUSH_SLAVE_TIMEOUT, or at shutdown
// FLUSH_SLAVE_TIMEOUT).
import type { Env, TimerHandle } from "../env/env.ts";
import { assert } from "../stdx/assert.ts";
import { REPLICATION_WAITERS_MAX } from "./ha_constants.ts";
import { probe } from "../env/probe.ts";

export type ReplicaStatus = "PUT_OK" | "FLUSH_SLAVE_TIMEOUT";

interface Waiter {
  endOffset: number;
  deadlineMs: number;
  resolve: (status: ReplicaStatus) => void;
}

export class GroupTransferService {
  private readonly waiters: Waiter[] = [];
  private head = 0;
  private timer: TimerHandle | undefined;
  private timerDueMs = Number.POSITIVE_INFINITY;
  private ackOffset = 0;
  private stopped = false;

  constructor(private readonly env: Env, private readonly timeoutMs: number) {
    assert(Number.isInteger(timeoutMs) && timeoutMs >= 0, `slaveTimeout ${timeoutMs} must be a non-negative integer`);
  }

  get pending(): number {
    return this.waiters.length - this.head;
  }

  /** Resolves PUT_OK once notifyTransferSome reports ≥ endOffset, else FLUSH_SLAVE_TIMEOUT. */
  wait(endOffset: number): Promise<ReplicaStatus> {
    assert(Number.isSafeInteger(endOffset) && endOffset > 0, "a message ends after offset 0");
    if (this.ackOffset >= endOffset) return Promise.resolve("PUT_OK");
    if (this.stopped || this.pending >= REPLICATION_WAITERS_MAX) return Promise.resolve("FLUSH_SLAVE_TIMEOUT");
    const deadlineMs = this.env.clock.monotonicMs() + this.timeoutMs;
    const last = this.pending > 0 ? this.waiters[this.waiters.length - 1] : undefined;
    // The store calls the waiter synchronously after each append, so waits arrive in log order.
    if (last !== undefined) assert(last.endOffset <= endOffset && last.deadlineMs <= deadlineMs, "waits are queued in log order");
    return new Promise((resolve) => {
      this.waiters.push({ endOffset, deadlineMs, resolve });
      this.armTimer();
    });
  }

  /** A slave acknowledged everything below `offset` (RocketMQ's push2SlaveMaxOffset). */
  notifyTransferSome(offset: number): void {
    if (offset <= this.ackOffset) return;
    this.ackOffset = offset;
    while (this.head < this.waiters.length && this.waiters[this.head]!.endOffset <= offset) {
      probe(this.env, "ha.sync-master.acked");
      this.waiters[this.head]!.resolve("PUT_OK");
      this.head++;
    }
    this.compact();
  }

  /** Answers every pending wait FLUSH_SLAVE_TIMEOUT and refuses new ones. */
  shutdown(): void {
    this.stopped = true;
    this.env.timers.clear(this.timer);
    this.timer = undefined;
    for (let index = this.head; index < this.waiters.length; index++) this.waiters[index]!.resolve("FLUSH_SLAVE_TIMEOUT");
    this.waiters.length = 0;
    this.head = 0;
  }

  private expire(): void {
    this.timer = undefined;
    this.timerDueMs = Number.POSITIVE_INFINITY;
    const nowMs = this.env.clock.monotonicMs();
    while (this.head < this.waiters.length && this.waiters[this.head]!.deadlineMs <= nowMs) {
      probe(this.env, "ha.sync-master.timeout");
      this.waiters[this.head]!.resolve("FLUSH_SLAVE_TIMEOUT");
      this.head++;
    }
    this.compact();
    this.armTimer();
  }

  /** Reclaims the array once it is mostly consumed (the timer stays: see the header). */
  private compact(): void {
    if (this.head === this.waiters.length) {
      this.waiters.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters.splice(0, this.head);
      this.head = 0;
    }
  }

  private armTimer(): void {
    const first = this.waiters[this.head];
    if (first === undefined || this.stopped) return;
    // An armed timer due no later than the oldest deadline will expire it or re-arm for it.
    if (this.timer !== undefined && this.timerDueMs <= first.deadlineMs) return;
    this.env.timers.clear(this.timer);
    this.timerDueMs = first.deadlineMs;
    this.timer = this.env.timers.setTimeout(() => this.expire(), Math.max(0, first.deadlineMs - this.env.clock.monotonicMs()));
  }
}
