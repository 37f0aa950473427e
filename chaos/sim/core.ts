// The small surface the simulator's parts (nodes, network, disks) need from the world:
// virtual time, scheduling world events, the trace, and node-error reporting. Kept as an
// interface so net.ts, disk.ts and node.ts never import world.ts (no cycles).
import type { EventCosts } from "./event_costs.ts";
import type { SimEvent } from "./event_queue.ts";
import type { TraceKindCode } from "./trace.ts";

/** Index 0 in trace records and node tables is the world itself. */
export const worldNodeIndex = 0;

export interface SimCore {
  /** Virtual time in microseconds since the start of the run. */
  readonly nowUs: number;
  readonly seed: number;
  readonly startEpochMs: number;
  /** Schedules a world event (runs regardless of any node's state). */
  at(timeUs: number, run: () => void): SimEvent;
  cancel(event: SimEvent): void;
  trace(kind: TraceKindCode, nodeIndex: number, a: number, b: number, payload?: Uint8Array): void;
  /** Set when the run books CPU per kind of event: schedulers then label their events. */
  readonly eventCosts: EventCosts | undefined;
  /** A node's code threw synchronously from a callback the simulator invoked. */
  nodeError(nodeName: string, error: unknown): void;
}

/** Milliseconds (possibly fractional) to whole microseconds. */
export function msToUs(ms: number): number {
  return Math.round(ms * 1000);
}

/**
 * One incarnation of a node, as seen by the parts that call back into its code. Every
 * callback into system code goes through post(), which is where crashes and pauses bite:
 * a dead incarnation's callbacks are dropped, a paused one's are queued until resume.
 */
export interface NodeThread {
  readonly nodeIndex: number;
  readonly nodeName: string;
  readonly incarnation: number;
  /** True while this incarnation's process is alive (paused counts as alive). */
  alive(): boolean;
  /** Runs fn on the node's thread now: deferred while paused, dropped once dead. */
  post(fn: () => void): void;
}
