// Run time for the wall-clock deployers (process, container, external): milliseconds since the
// run started, and waiting until a run time. The simulator has its own virtual clock.
// Invariant: run time 0 is one epoch instant; the process deployer moves it once, when bring-up
// is done (so a scenario's times start with a ready cluster), before anything is recorded.
import { setTimeout as sleep } from "node:timers/promises";
import { assert } from "../../../system/stdx/index.ts";

export class RunClock {
  private startedEpochMs: number;
  private frozen = false;

  constructor(startEpochMs = Date.now()) {
    this.startedEpochMs = startEpochMs;
  }

  /** Epoch ms of run time 0 (workers compute their history times from it). */
  get startEpochMs(): number {
    return this.startedEpochMs;
  }

  /** Run time 0 is now. Allowed until the first run time is handed out to workers. */
  restartNow(): void {
    assert(!this.frozen, "run time 0 moved after workers were given it");
    this.startedEpochMs = Date.now();
  }

  /** Run time 0 no longer moves (workers now have it). */
  freeze(): number {
    this.frozen = true;
    return this.startedEpochMs;
  }

  nowMs(): number {
    return Date.now() - this.startedEpochMs;
  }

  /** Waits until run time `ms` (at once if it has passed). */
  async advanceTo(ms: number): Promise<void> {
    // Timers run on the monotonic clock and Date.now on the wall clock, in whole milliseconds:
    // a timer can fire a millisecond before the run time reads its target, so wait again.
    for (let waitMs = ms - this.nowMs(); waitMs > 0; waitMs = ms - this.nowMs()) await sleep(waitMs);
  }
}
