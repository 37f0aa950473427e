// The simulator's event queue: a binary min-heap ordered by (virtual time µs, sequence).
//
// Invariants: the sequence number is unique and strictly increasing in insertion order, so
// two events at the same virtual time run in the order they were scheduled: one seed gives
// one order. Cancelled events stay in the heap (lazy deletion) and are skipped when popped;
// when they outnumber live ones (and there are more than compactMin of them) the heap is
// rebuilt, so cancelled RPC timeouts cannot make it grow without bound. compactMin is small
// on purpose: a steady cluster keeps ~90 live events beside ~350 cancelled ones (cleared
// request timeouts, long-poll holds), and every push and pop paid for the dead depth.
import { assert } from "../../system/stdx/index.ts";

export class SimEvent {
  cancelled = false;
  /** Popped from the queue (it ran): cancelling it now is a no-op. */
  popped = false;
  /** What kind of event this is, set only while event costs are collected (event_costs.ts). */
  label: string | undefined = undefined;
  constructor(
    readonly timeUs: number,
    readonly seq: number,
    readonly run: () => void,
  ) {}
}

/** Fewest cancelled events worth a rebuild (a rebuild is O(heap), paid once per as many cancels). */
const compactMin = 64;

function before(a: SimEvent, b: SimEvent): boolean {
  return a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.seq < b.seq);
}

export class EventQueue {
  private heap: SimEvent[] = [];
  private seqNext = 0;
  private cancelledCount = 0;

  /** Live (not cancelled) events. */
  get size(): number {
    return this.heap.length - this.cancelledCount;
  }

  push(timeUs: number, run: () => void): SimEvent {
    assert(Number.isFinite(timeUs) && timeUs >= 0, "event time must be finite and >= 0");
    const event = new SimEvent(timeUs, this.seqNext++, run);
    this.heap.push(event);
    this.siftUp(this.heap.length - 1);
    return event;
  }

  /** Cancelling an event that already ran or was cancelled is a no-op. */
  cancel(event: SimEvent): void {
    if (event.cancelled || event.popped) return;
    event.cancelled = true;
    this.cancelledCount++;
    if (this.cancelledCount > compactMin && this.cancelledCount * 2 > this.heap.length) this.compact();
  }

  /** The earliest live event, without removing it. */
  peek(): SimEvent | undefined {
    this.dropCancelledTop();
    return this.heap[0];
  }

  /** Removes and returns the earliest live event. */
  pop(): SimEvent | undefined {
    this.dropCancelledTop();
    const top = this.heap[0];
    if (top === undefined) return undefined;
    this.removeTop();
    top.popped = true;
    return top;
  }

  private dropCancelledTop(): void {
    for (let top = this.heap[0]; top !== undefined && top.cancelled; top = this.heap[0]) {
      this.removeTop();
      this.cancelledCount--;
    }
    assert(this.cancelledCount >= 0);
  }

  private removeTop(): void {
    const last = this.heap.pop();
    assert(last !== undefined);
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private compact(): void {
    this.heap = this.heap.filter((event) => !event.cancelled);
    this.cancelledCount = 0;
    for (let index = (this.heap.length >> 1) - 1; index >= 0; index--) this.siftDown(index);
  }

  private siftUp(start: number): void {
    const heap = this.heap;
    const event = heap[start]!;
    let index = start;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!before(event, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = event;
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const length = heap.length;
    const event = heap[start]!;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, event)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = event;
  }
}
