// Run time for the wall-clock deployers (process, container, external): milliseconds since the
// run started, and waiting until a run time. The simulator has its own virtual clock.
import { setTimeout as sleep } from "node:timers/promises";

export function runNowMs(runStartEpochMs: number): number {
  return Date.now() - runStartEpochMs;
}

/** Waits until run time `ms` (at once if it has passed). */
export async function waitForRunTime(runStartEpochMs: number, ms: number): Promise<void> {
  const waitMs = ms - runNowMs(runStartEpochMs);
  if (waitMs > 0) await sleep(waitMs);
}
