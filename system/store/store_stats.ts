// Store counters and TPS samples for runtime info (RocketMQ's StoreStatsService, reduced).
// Samples are taken once per second by the store's timer; at most 601 are kept.

const SAMPLES_MAX = 601;

export class StoreStats {
  putMessageTimesTotal = 0;
  putMessageSizeTotal = 0;
  putMessageFailedTimes = 0;
  getMessageTimesTotalFound = 0;
  getMessageTimesTotalMiss = 0;
  getMessageTransferedMsgCount = 0;
  private samples: { atMs: number; puts: number; gets: number }[] = [];

  sample(atMs: number): void {
    this.samples.push({ atMs, puts: this.putMessageTimesTotal, gets: this.getMessageTransferedMsgCount });
    if (this.samples.length > SAMPLES_MAX) this.samples.shift();
  }

  /** Per-second rate over the last windowS seconds of samples ("0.00" without samples). */
  tps(windowS: number, field: "puts" | "gets"): string {
    const last = this.samples.at(-1);
    if (last === undefined) return "0.00";
    const first = this.samples[Math.max(0, this.samples.length - 1 - windowS)]!;
    const spanMs = last.atMs - first.atMs;
    return spanMs <= 0 ? "0.00" : (((last[field] - first[field]) * 1000) / spanMs).toFixed(2);
  }

  /** The counters as RocketMQ's runtime info names them. */
  runtimeInfo(): Map<string, string> {
    return new Map([
      ["putMessageTimesTotal", String(this.putMessageTimesTotal)],
      ["putMessageSizeTotal", String(this.putMessageSizeTotal)],
      ["putMessageFailedTimes", String(this.putMessageFailedTimes)],
      ["putTps", `${this.tps(10, "puts")} ${this.tps(60, "puts")} ${this.tps(600, "puts")}`],
      ["getTransferedTps", `${this.tps(10, "gets")} ${this.tps(60, "gets")} ${this.tps(600, "gets")}`],
      ["getMessageTimesTotalFound", String(this.getMessageTimesTotalFound)],
      ["getMessageTimesTotalMiss", String(this.getMessageTimesTotalMiss)],
      ["getMessageTransferedMsgCount", String(this.getMessageTransferedMsgCount)],
      ["pageCacheLockTimeMills", "0"],
    ]);
  }
}
