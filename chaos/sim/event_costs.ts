// Opt-in attribution of a run's CPU to kinds of simulated events (`bench-sim --by-event`), the
// question a CPU profile answers badly: system code runs in promise continuations, so a profile
// spreads one delivery's cost over the codec, the processor and the microtask pump. Here the
// world marks each event's start; the CPU between two starts (the event and every microtask
// it queued) is booked to the first event's label.
//
// Labels: a timer is named by its node and the first frame outside the simulator that created
// it (so "broker-a every 100 ms HAService.start" says which service ticks); a delivery by its
// route, the listener's port, and for RocketMQ remoting the request code of the frame it opens.
// Invariants: nothing here feeds the run (labels are computed only when costs are collected and
// never reach the trace or a node), so a run with costs has the same traceHash as one without.
import { assert } from "../../system/stdx/index.ts";

export interface EventCostRow {
  label: string;
  events: number;
  cpuUs: number;
}

export class EventCosts {
  private readonly byLabel = new Map<string, EventCostRow>();
  private currentLabel: string | undefined;
  private startedUs = 0;
  /** CPU spent labelling during the current event: not the event's own cost. */
  private labellingUs = 0;

  /** cpuUs reads the process's CPU time in µs (host.ts hostCpuMs × 1000 in a bench). */
  constructor(private readonly cpuUs: () => number) {}

  /** An event starts: the previous one, with the microtasks it queued, is over. */
  begin(label: string): void {
    const nowUs = this.cpuUs();
    this.book(nowUs);
    this.currentLabel = label;
    this.startedUs = nowUs;
  }

  /** The run paused or ended: the last event is over. */
  end(): void {
    this.book(this.cpuUs());
    this.currentLabel = undefined;
  }

  /** Computes a label without booking its cost to the running event (stack capture is dear). */
  label(compute: () => string): string {
    const startUs = this.cpuUs();
    const label = compute();
    this.labellingUs += this.cpuUs() - startUs;
    return label;
  }

  /** Rows by CPU spent, most first. */
  rows(): EventCostRow[] {
    return [...this.byLabel.values()].sort((left, right) => right.cpuUs - left.cpuUs || left.label.localeCompare(right.label));
  }

  private book(nowUs: number): void {
    const label = this.currentLabel;
    const spentUs = Math.max(0, nowUs - this.startedUs - this.labellingUs);
    this.labellingUs = 0;
    if (label === undefined) return;
    assert(nowUs >= this.startedUs, "CPU time never goes back");
    const row = this.byLabel.get(label);
    if (row === undefined) this.byLabel.set(label, { label, events: 1, cpuUs: spentUs });
    else {
      row.events++;
      row.cpuUs += spentUs;
    }
  }
}

/** Node names lose a trailing instance number, so "consumer-1" and "consumer-2" share a row. */
function roleOf(nodeName: string): string {
  return nodeName.replace(/-\d+$/, "");
}

/** The caller's stack, a few frames deep (enough to get out of the simulator). */
export function shortStack(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 10;
  const stack = new Error().stack;
  Error.stackTraceLimit = limit;
  return stack;
}

/** "broker-a every 100 ms HAService.start": the node's role and who armed the timer. */
export function timerLabel(nodeName: string, repeatMs: number, stack: string | undefined): string {
  const frames = (stack ?? "").split("\n").slice(1).map((line) => line.trim());
  const creator = frames.find((line) => !line.includes("/chaos/sim/") && !line.includes("node:"));
  const site = creator === undefined ? "?" : creator.replace(/^at /, "").replace(/ \(.*$/, "");
  return `${roleOf(nodeName)} ${repeatMs > 0 ? `every ${repeatMs} ms` : "once"} ${site}`;
}

const codePattern = /"code":(-?\d+)/;
const flagPattern = /"flag":(\d+)/;

/**
 * "net producer->broker-a:10911 code 310": the route and what the segment opens with. JSON
 * remoting headers carry `"code":N` near the start (a response has flag bit 0 set); anything
 * else is named by its size.
 */
export function segmentLabel(fromNode: string, toNode: string, port: number, bytes: Uint8Array | null): string {
  const route = `net ${roleOf(fromNode)}->${roleOf(toNode)}:${port}`;
  if (bytes === null) return `${route} fin/rst`;
  const head = String.fromCharCode(...bytes.subarray(0, Math.min(bytes.length, 320)));
  const code = codePattern.exec(head);
  if (code === null) return `${route} ${bytes.length < 64 ? "small" : "data"}`;
  const flag = Number(flagPattern.exec(head)?.[1] ?? "0");
  return `${route} ${(flag & 1) === 1 ? "response" : "request"} code ${code[1]}`;
}
