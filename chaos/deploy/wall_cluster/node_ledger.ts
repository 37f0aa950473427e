// The history records a wall-clock cluster writes about its nodes, in one place for every
// deployer: node life-cycle events (start, crash, restart, pause, resume, stop), notes (a node
// that exited on its own, a worker that failed), and the membership change of a consumer the
// deployer killed (it cannot say it left; the deployer saw it go). Times are run times.
import type { HistoryRecorder, NodeEvent } from "../../history/types.ts";
import type { RunClock } from "./run_clock.ts";

export class NodeLedger {
  constructor(
    readonly history: HistoryRecorder,
    private readonly clock: RunClock,
  ) {}

  node(node: string, event: NodeEvent["event"]): void {
    this.history.record({ type: "node", timeMs: this.clock.nowMs(), node, event });
  }

  note(process: string, text: string): void {
    this.history.record({ type: "note", timeMs: this.clock.nowMs(), process, text });
  }

  /** A consumer killed by a fault left its group (recorded after the kill, before the crash event). */
  left(process: string, group: string): void {
    this.history.record({ type: "membership", timeMs: this.clock.nowMs(), process, group, change: "leave" });
  }
}
