// Latency fault avoidance for sends (RocketMQ's MQFaultStrategy + LatencyFaultToleranceImpl):
// after each send the broker's latency maps to a "not available for" duration through two
// tables (latencyMax → notAvailableDuration); a failed send counts as 30 s latency (isolation).
// While a broker is not available, queue selection skips it if any other broker is available.
// Time comes from the caller's clock (Env), so the sim reproduces it.
import type { Clock } from "../../env/env.ts";
import { assert } from "../../stdx/assert.ts";

export const LATENCY_MAX_MS_DEFAULT: readonly number[] = [50, 100, 550, 1000, 2000, 3000, 15000];
export const NOT_AVAILABLE_DURATION_MS_DEFAULT: readonly number[] = [0, 0, 30000, 60000, 120000, 180000, 600000];
/** Latency charged to a broker when the send failed outright. */
export const ISOLATION_LATENCY_MS = 30_000;

interface FaultItem {
  readonly name: string;
  currentLatencyMs: number;
  /** Wall time from which the broker is available again. */
  startTimestampMs: number;
}

export class LatencyFaultTolerance {
  private readonly items = new Map<string, FaultItem>();
  private whichItemWorst = 0;

  constructor(
    private readonly clock: Clock,
    readonly latencyMaxMs: readonly number[] = LATENCY_MAX_MS_DEFAULT,
    readonly notAvailableDurationMs: readonly number[] = NOT_AVAILABLE_DURATION_MS_DEFAULT,
  ) {
    assert(latencyMaxMs.length === notAvailableDurationMs.length, "latency tables must have equal length");
  }

  /** computeNotAvailableDuration: the duration of the largest latency step reached. */
  notAvailableDurationFor(latencyMs: number): number {
    for (let i = this.latencyMaxMs.length - 1; i >= 0; i--) {
      if (latencyMs >= this.latencyMaxMs[i]!) return this.notAvailableDurationMs[i]!;
    }
    return 0;
  }

  /** Records one send's outcome; isolation = the send failed (counts as 30 s). */
  updateFaultItem(brokerName: string, latencyMs: number, isolation: boolean): void {
    const duration = this.notAvailableDurationFor(isolation ? ISOLATION_LATENCY_MS : latencyMs);
    const item = this.items.get(brokerName) ?? { name: brokerName, currentLatencyMs: 0, startTimestampMs: 0 };
    item.currentLatencyMs = latencyMs;
    item.startTimestampMs = this.clock.nowMs() + duration;
    this.items.set(brokerName, item);
  }

  isAvailable(brokerName: string): boolean {
    const item = this.items.get(brokerName);
    return item === undefined || this.itemAvailable(item);
  }

  remove(brokerName: string): void {
    this.items.delete(brokerName);
  }

  /** A broker to use when none is available: one of the better half (sorted as Java's FaultItem). */
  pickOneAtLeast(): string | undefined {
    const list = [...this.items.values()].sort((a, b) => this.compare(a, b));
    if (list.length === 0) return undefined;
    const half = Math.floor(list.length / 2);
    if (half <= 0) return list[0]!.name;
    this.whichItemWorst = (this.whichItemWorst + 1) | 0;
    return list[Math.abs(this.whichItemWorst) % half]!.name;
  }

  private itemAvailable(item: FaultItem): boolean {
    return this.clock.nowMs() - item.startTimestampMs >= 0;
  }

  private compare(a: FaultItem, b: FaultItem): number {
    const availableA = this.itemAvailable(a);
    const availableB = this.itemAvailable(b);
    if (availableA !== availableB) return availableA ? -1 : 1;
    if (a.currentLatencyMs !== b.currentLatencyMs) return a.currentLatencyMs - b.currentLatencyMs;
    return a.startTimestampMs - b.startTimestampMs;
  }
}
