// Faults that set a node's state rather than add a rule: clock skew, a slow disk, a full disk,
// disk I/O errors. The swarm draws faults independently, so two of one kind on one node may
// overlap, and the heal of one must not undo the other, as a plain reset to the healthy state
// would (battery seed 12 run 1190: a disk-full fault of 12–17 s healed at 17 s while another
// held 15–25 s, and broker-a's disk had room again from 17 s on). Each (kind, node) keeps its
// active faults, and the node's state is theirs together: the largest slow factor, full while
// any disk-full fault holds, the I/O errors and the clock skew of the latest one still active;
// with none left, the healthy state.
import type { Fault } from "../../faults/types.ts";

type StateFault = Extract<Fault, { kind: "clock-skew" | "slow-disk" | "disk-full" | "disk-error" }>;
type IoErrors = Extract<Fault, { kind: "disk-error" }>["errors"] | "none";

/** What applying a node's state takes; each is called with the state that now holds. */
export interface StateFaultTarget {
  setClockSkewMs(node: string, skewMs: number): void;
  setSlowFactor(node: string, factor: number): void;
  setFull(node: string, full: boolean): void;
  setIoErrors(node: string, errors: IoErrors): void;
}

export class StateFaults {
  /** Per kind and node, the active faults by fault index, in inject order. */
  private readonly active = new Map<string, Map<number, StateFault>>();

  constructor(private readonly target: StateFaultTarget) {}

  inject(fault: StateFault, faultIndex: number): void {
    const key = `${fault.kind}\u0000${fault.target}`;
    const faults = this.active.get(key) ?? new Map<number, StateFault>();
    this.active.set(key, faults);
    const wasFull = fault.kind === "disk-full" && faults.size > 0;
    faults.set(faultIndex, fault);
    // A second disk-full fault leaves the disk as the first made it (full since then).
    if (!wasFull) this.apply(fault.kind, fault.target, [...faults.values()]);
  }

  heal(fault: StateFault, faultIndex: number): void {
    const key = `${fault.kind}\u0000${fault.target}`;
    const faults = this.active.get(key);
    if (faults === undefined || !faults.delete(faultIndex)) return;
    if (faults.size === 0) this.active.delete(key);
    // Another disk-full fault still holds: the disk stays full.
    if (fault.kind === "disk-full" && faults.size > 0) return;
    this.apply(fault.kind, fault.target, [...faults.values()]);
  }

  private apply(kind: StateFault["kind"], node: string, faults: readonly StateFault[]): void {
    const latest = faults.at(-1);
    switch (kind) {
      case "clock-skew":
        this.target.setClockSkewMs(node, latest?.kind === "clock-skew" ? latest.offsetMs : 0);
        return;
      case "slow-disk":
        this.target.setSlowFactor(node, faults.length === 0 ? 1 : Math.max(...faults.map((fault) => (fault.kind === "slow-disk" ? fault.factor : 1))));
        return;
      case "disk-full":
        this.target.setFull(node, faults.length > 0);
        return;
      case "disk-error":
        this.target.setIoErrors(node, latest?.kind === "disk-error" ? latest.errors : "none");
        return;
    }
  }
}
