// A deterministic Env for store tests: a manual clock and timer queue (advance(ms) fires due
// timers in time order), a MemoryDisk, a seeded xorshift Random and a log that keeps lines.
// Network is absent (the store never uses it).

import type { Clock, Env, Log, LogFields, Net, Random, TimerHandle, Timers } from "../../env/env.ts";
import { MemoryDisk } from "./memory_disk.ts";

interface Task {
  id: number;
  dueMs: number;
  intervalMs: number | undefined;
  callback: () => void;
}

export class ManualTime implements Clock, Timers {
  private now: number;
  private monotonic = 0;
  private nextId = 1;
  private tasks = new Map<number, Task>();

  constructor(startMs = 1_704_110_400_000 /* 2024-01-01T12:00:00Z */) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  monotonicMs(): number {
    return this.monotonic;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.tasks.set(id, { id, dueMs: this.monotonic + Math.max(0, delayMs), intervalMs: undefined, callback });
    return { timerId: id };
  }

  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    const id = this.nextId++;
    this.tasks.set(id, { id, dueMs: this.monotonic + intervalMs, intervalMs: Math.max(1, intervalMs), callback });
    return { timerId: id };
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.tasks.delete(handle.timerId);
  }

  pendingTimers(): number {
    return this.tasks.size;
  }

  /** Moves time forward by ms, firing due timers in order (wall clock moves with it). */
  advance(ms: number): void {
    const target = this.monotonic + ms;
    for (;;) {
      let next: Task | undefined;
      for (const task of this.tasks.values()) if (task.dueMs <= target && (next === undefined || task.dueMs < next.dueMs)) next = task;
      if (next === undefined) break;
      this.now += next.dueMs - this.monotonic;
      this.monotonic = next.dueMs;
      if (next.intervalMs === undefined) this.tasks.delete(next.id);
      else next.dueMs += next.intervalMs;
      next.callback();
    }
    this.now += target - this.monotonic;
    this.monotonic = target;
  }

  /** Jumps the wall clock only (clock skew, or days passing for retention tests). */
  skewWallClock(ms: number): void {
    this.now += ms;
  }
}

class SeededRandom implements Random {
  constructor(private state: number) {}
  nextU32(): number {
    let x = this.state | 0 || 1;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x;
    return x >>> 0;
  }
  intBetween(minInclusive: number, maxInclusive: number): number {
    return minInclusive + (this.nextU32() % (maxInclusive - minInclusive + 1));
  }
  chance(numerator: number, denominator: number): boolean {
    return this.nextU32() % denominator < numerator;
  }
  bytes(sizeBytes: number): Uint8Array {
    const bytes = new Uint8Array(sizeBytes);
    for (let index = 0; index < sizeBytes; index++) bytes[index] = this.nextU32() & 0xff;
    return bytes;
  }
}

export class MemoryLog implements Log {
  constructor(readonly lines: string[] = [], private readonly bindings: LogFields = {}) {}
  private add(level: string, message: string, fields?: LogFields): void {
    this.lines.push(`${level} ${message} ${JSON.stringify({ ...this.bindings, ...fields })}`);
    if (this.lines.length > 10_000) this.lines.splice(0, 5_000);
  }
  debug(message: string, fields?: LogFields): void { this.add("debug", message, fields); }
  info(message: string, fields?: LogFields): void { this.add("info", message, fields); }
  warn(message: string, fields?: LogFields): void { this.add("warn", message, fields); }
  error(message: string, fields?: LogFields): void { this.add("error", message, fields); }
  child(bindings: LogFields): Log { return new MemoryLog(this.lines, { ...this.bindings, ...bindings }); }
}

const noNet: Net = {
  listen: () => Promise.reject(new Error("no network in store tests")),
  connect: () => Promise.reject(new Error("no network in store tests")),
};

export interface TestEnv extends Env {
  readonly time: ManualTime;
  readonly memoryDisk: MemoryDisk;
  readonly memoryLog: MemoryLog;
}

export function createTestEnv(options: { disk?: MemoryDisk; time?: ManualTime; seed?: number } = {}): TestEnv {
  const time = options.time ?? new ManualTime();
  const disk = options.disk ?? new MemoryDisk();
  const log = new MemoryLog();
  return {
    nodeName: "store-test", clock: time, timers: time, random: new SeededRandom(options.seed ?? 42), net: noNet,
    disk, log, time, memoryDisk: disk, memoryLog: log,
  };
}
