// A manual clock for unit tests of time-dependent client logic (no timers involved).
import type { Clock } from "../../env/env.ts";

export class FakeClock implements Clock {
  constructor(public wallMs = 1_700_000_000_000, public monoMs = 0) {}
  nowMs(): number {
    return this.wallMs;
  }
  monotonicMs(): number {
    return this.monoMs;
  }
  advance(ms: number): void {
    this.wallMs += ms;
    this.monoMs += ms;
  }
}
