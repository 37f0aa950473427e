// Timers and clock of one node incarnation, on virtual time.
//
// Timers are owned by the incarnation: a crash cancels them all, a paused node's due
// timers run on resume (late, in due order), and every firing goes through the node's
// thread. Delays follow Node's rules (below 1 ms, NaN or above 2^31-1 ms become 1 ms), so
// a zero-delay loop still advances virtual time. An interval re-arms from the moment it
// fires, as Node's does.
import type { Clock, TimerHandle, Timers } from "../../system/env/index.ts";
import { msToUs, type NodeThread, type SimCore } from "./core.ts";
import type { SimEvent } from "./event_queue.ts";
import { shortStack, timerLabel } from "./event_costs.ts";
import { TraceKind } from "./trace.ts";

const timeoutMaxMs = 2 ** 31 - 1;

class SimTimer implements TimerHandle {
  event: SimEvent | undefined;
  /** The world event's action and the thread's callback, built once: an interval re-arms with them. */
  due: () => void = noop;
  fire: () => void = noop;
  /** Its event label while event costs are collected. */
  label: string | undefined = undefined;
  constructor(
    readonly timerId: number,
    readonly callback: () => void,
    /** 0 for a one-shot timer. */
    readonly repeatUs: number,
  ) {}
}

function noop(): void {}

function delayUs(delayMs: number): number {
  const ms = Number.isFinite(delayMs) && delayMs >= 1 && delayMs <= timeoutMaxMs ? delayMs : 1;
  return msToUs(ms);
}

export class SimTimers implements Timers {
  private readonly live = new Map<number, SimTimer>();
  private timerIdNext = 1;

  constructor(
    private readonly core: SimCore,
    private readonly thread: NodeThread,
  ) {}

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.add(callback, delayMs, false);
  }

  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    return this.add(callback, intervalMs, true);
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    const timer = this.live.get(handle.timerId);
    if (timer === undefined || timer !== handle) return;
    this.live.delete(timer.timerId);
    if (timer.event !== undefined) this.core.cancel(timer.event);
  }

  /** The incarnation died: no timer of it fires again. */
  killAll(): void {
    for (const timer of this.live.values()) if (timer.event !== undefined) this.core.cancel(timer.event);
    this.live.clear();
  }

  get liveCount(): number {
    return this.live.size;
  }

  private add(callback: () => void, delayMs: number, repeat: boolean): TimerHandle {
    const timer = new SimTimer(this.timerIdNext++, callback, repeat ? delayUs(delayMs) : 0);
    // A dead incarnation's zombie code gets a handle that never fires.
    if (!this.thread.alive()) return timer;
    this.live.set(timer.timerId, timer);
    // Closures stored as properties, never bound to a const: under tsx (esbuild keepNames) a
    // const-bound closure is named with a defineProperty, ~0.5 µs, and a timer is armed per RPC.
    timer.fire = () => this.fire(timer);
    timer.due = () => this.thread.post(timer.fire);
    const costs = this.core.eventCosts;
    if (costs !== undefined) timer.label = costs.label(() => timerLabel(this.thread.nodeName, timer.repeatUs / 1000, shortStack()));
    this.arm(timer, delayUs(delayMs));
    return timer;
  }

  private arm(timer: SimTimer, afterUs: number): void {
    timer.event = this.core.at(this.core.nowUs + afterUs, timer.due);
    timer.event.label = timer.label;
  }

  private fire(timer: SimTimer): void {
    if (this.live.get(timer.timerId) !== timer) return;
    this.core.trace(TraceKind.timerFire, this.thread.nodeIndex, timer.timerId, this.thread.incarnation);
    if (timer.repeatUs > 0) this.arm(timer, timer.repeatUs);
    else this.live.delete(timer.timerId);
    timer.callback();
  }
}

/** Wall clock = epoch + virtual time + the node's skew; monotonic = virtual time. */
export class SimClock implements Clock {
  constructor(
    private readonly core: SimCore,
    private readonly skewMs: () => number,
  ) {}

  nowMs(): number {
    return this.core.startEpochMs + Math.floor(this.core.nowUs / 1000) + this.skewMs();
  }

  monotonicMs(): number {
    return this.core.nowUs / 1000;
  }
}
