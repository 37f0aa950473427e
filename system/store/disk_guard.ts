// Disk space guard: refuses writes while the commit-log disk is more than
// diskMaxUsedSpaceRatio percent used, or after an ENOSPC until space has been freed.
// Checks env.disk.space() at most once per checkIntervalMs (monotonic), so puts stay cheap.

import type { Env } from "../env/env.ts";
import type { StoreConfig } from "./store_config.ts";
import { probe } from "../env/probe.ts";

export class DiskGuard {
  private full = false;
  private freeBytesAtError: number | undefined;
  private lastCheckMs = Number.NEGATIVE_INFINITY;
  /** Used space of the commit-log disk in percent, from the last check. */
  usedPercent = 0;

  constructor(private readonly env: Env, private readonly config: StoreConfig, private readonly checkIntervalMs = 1000) {}

  /** True while writes must be refused. */
  isFull(): boolean {
    const nowMs = this.env.clock.monotonicMs();
    if (nowMs - this.lastCheckMs >= this.checkIntervalMs) this.check();
    return this.full;
  }

  check(): void {
    this.lastCheckMs = this.env.clock.monotonicMs();
    let space: { totalBytes: number; freeBytes: number };
    try {
      space = this.env.disk.space(this.config.storePathCommitLog);
    } catch (error) {
      this.env.log.warn("disk space check failed", { error: String(error) });
      return;
    }
    this.usedPercent = space.totalBytes <= 0 ? 100 : ((space.totalBytes - space.freeBytes) * 100) / space.totalBytes;
    if (this.freeBytesAtError !== undefined && space.freeBytes > this.freeBytesAtError) this.freeBytesAtError = undefined;
    const wasFull = this.full;
    this.full = this.usedPercent > this.config.diskMaxUsedSpaceRatio || this.freeBytesAtError !== undefined;
    if (this.full !== wasFull) {
      probe(this.env, this.full ? "store.disk.guard-full" : "store.disk.guard-ok-again");
      this.env.log.warn(this.full ? "disk full: refusing writes" : "disk space ok again", { usedPercent: this.usedPercent });
    }
  }

  /** A write failed with ENOSPC: refuse writes until free space grows. */
  markFull(): void {
    let free: number;
    try {
      free = this.env.disk.space(this.config.storePathCommitLog).freeBytes;
    } catch {
      free = 0;
    }
    this.freeBytesAtError = free;
    this.full = true;
    this.lastCheckMs = this.env.clock.monotonicMs();
  }

  isOverRatio(): boolean {
    return this.usedPercent > this.config.diskMaxUsedSpaceRatio;
  }
}
