// Store counters and TPS samples for runtime info (RocketMQ's StoreStatsService, reduced).
// Samples are taken once per second by the store's timer; at most 601 are kept, in a ring of
// preallocated arrays (a sample a second for the store's whole life: no object per sample and
// no shift of a 601-element array).

const SAMPLES_MAX = 601;

export class StoreStats {
  putMessageTimesTotal = 0;
  putMessageSizeTotal = 0;
  putMessageFailedTimes = 0;
  getMessageTimesTotalFound = 0;
  getMessageTimesTotalMiss = 0;
  getMessageTransferedMsgCount = 0;
  private readonly sampleAtMs = new Float64Array(SAMPLES_MAX);
  private readonly samplePuts = new Float64Array(SAMPLES_MAX);
  private readonly sampleGets = new Float64Array(SAMPLES_MAX);
  /** Samples ever taken; the newest is at (sampleCount - 1) % SAMPLES_MAX. */
  private sampleCount = 0;

  sample(atMs: number): void {
    const slot = this.sampleCount % SAMPLES_MAX;
    this.sampleAtMs[slot] = atMs;
    this.samplePuts[slot] = this.putMessageTimesTotal;
    this.sampleGets[slot] = this.getMessageTransferedMsgCount;
    this.sampleCount++;
  }

  /** Per-second rate over the last windowS seconds of samples ("0.00" without samples). */
  tps(windowS: number, field: "puts" | "gets"): string {
    if (this.sampleCount === 0) return "0.00";
    const kept = Math.min(this.sampleCount, SAMPLES_MAX);
    // Positions among the kept samples, oldest = 0, as in a list of at most SAMPLES_MAX.
    const lastSlot = (this.sampleCount - 1) % SAMPLES_MAX;
    const firstSlot = (this.sampleCount - kept + Math.max(0, kept - 1 - windowS)) % SAMPLES_MAX;
    const values = field === "puts" ? this.samplePuts : this.sampleGets;
    const spanMs = this.sampleAtMs[lastSlot]! - this.sampleAtMs[firstSlot]!;
    return spanMs <= 0 ? "0.00" : (((values[lastSlot]! - values[firstSlot]!) * 1000) / spanMs).toFixed(2);
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
