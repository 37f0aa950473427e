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
}
