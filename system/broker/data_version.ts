// DataVersion of a config table (topics, subscription groups): wall-clock timestamp of the last
// change plus a counter that only grows. The NameServer compares it to decide whether a
// broker's registration changed anything; slaves compare it to skip unchanged syncs.
import type { Clock } from "../env/env.ts";
import { assert } from "../stdx/assert.ts";

export interface DataVersionJson {
  timestamp: number;
  counter: number;
}

export class DataVersion {
  private timestampMs: number;
  private counterValue = 0;

  constructor(private readonly clock: Clock) {
    this.timestampMs = clock.nowMs();
  }

  get timestamp(): number {
    return this.timestampMs;
  }

  get counter(): number {
    return this.counterValue;
  }

  nextVersion(): void {
    this.timestampMs = this.clock.nowMs();
    this.counterValue += 1;
  }

  assignNewOne(other: DataVersionJson): void {
    assert(Number.isSafeInteger(other.counter) && other.counter >= 0, "dataVersion counter is a non-negative integer");
    this.timestampMs = other.timestamp;
    this.counterValue = other.counter;
  }

  equals(other: DataVersionJson): boolean {
    return this.timestampMs === other.timestamp && this.counterValue === other.counter;
  }

  toJSON(): DataVersionJson {
    return { counter: this.counterValue, timestamp: this.timestampMs };
  }
}

/** Reads a DataVersion JSON object leniently (fastjson writes `counter` as a number). */
export function parseDataVersion(value: unknown): DataVersionJson | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const timestamp = Number(record["timestamp"]);
  const counter = Number(record["counter"]);
  if (!Number.isSafeInteger(timestamp) || !Number.isSafeInteger(counter) || counter < 0) return undefined;
  return { timestamp, counter };
}
