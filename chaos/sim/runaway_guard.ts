// RunawayGuard: bounds how many events one simulated second may hold. A real run processes a
// few thousand events per simulated second (tens of thousands in a busy benchmark); a loop
// that reschedules itself at the same virtual instant never lets time advance, so without a
// bound it runs until the host runs out of memory. Over the budget the world fails the run
// with a RunawayError naming the top event sources (trace kind and node) of that second, so a
// lab run ends as an `error` verdict instead of hanging.
// Invariant: counting never changes the run (no events, no trace records, no randomness).
// Limit: it counts simulator events; a spin made only of promise continuations inside one
// event never returns to the world and is not seen here.

/** Far above any real run (bench-sim's busiest workloads stay well under 10^5 per second). */
export const eventsPerSimSecondMaxDefault = 2_000_000;
const usPerSecond = 1_000_000;
const kindSlots = 64;

export class RunawayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunawayError";
  }
}

export class RunawayGuard {
  private windowSecond = -1;
  private events = 0;
  /**
   * Trace records of the current second by nodeIndex * kindSlots + kind, and the keys counted
   * since the second began (to clear and to rank them): a plain array indexed by key, since
   * every trace record passes here and a Map's get and set cost several times an array slot.
   */
  private readonly sources: number[] = [];
  private readonly sourceKeys: number[] = [];

  constructor(readonly eventsPerSimSecondMax: number) {}

  /** Counts one event at virtual time timeUs; true once the second holds more than the budget. */
  countEvent(timeUs: number): boolean {
    const second = Math.floor(timeUs / usPerSecond);
    if (second !== this.windowSecond) {
      this.windowSecond = second;
      this.events = 0;
      for (const key of this.sourceKeys) this.sources[key] = 0;
      this.sourceKeys.length = 0;
    }
    this.events++;
    return this.events > this.eventsPerSimSecondMax;
  }

  /** Counts one trace record (what the events of this second did, and on which node). */
  countTrace(kind: number, nodeIndex: number): void {
    const key = nodeIndex * kindSlots + kind;
    // Grown densely with zeros (a write far past the end would make the array a dictionary).
    while (this.sources.length <= key) this.sources.push(0);
    const count = this.sources[key]!;
    if (count === 0) this.sourceKeys.push(key);
    this.sources[key] = count + 1;
  }

  /** The error for a tripped guard; names sources with the names the caller resolves. */
  error(nameOfNode: (nodeIndex: number) => string, nameOfKind: (kind: number) => string): RunawayError {
    const top = this.sourceKeys.map((key): [number, number] => [key, this.sources[key]!]).sort((left, right) => right[1] - left[1] || left[0] - right[0]).slice(0, 5);
    const described = top.map(([key, count]) => `${nameOfNode(Math.floor(key / kindSlots))} ${nameOfKind(key % kindSlots)} x${count}`);
    return new RunawayError(
      `runaway simulation: more than ${this.eventsPerSimSecondMax} events in simulated second ${this.windowSecond} ` +
      `(virtual time is not advancing); top sources: ${described.join(", ") || "none traced"}`,
    );
  }
}
