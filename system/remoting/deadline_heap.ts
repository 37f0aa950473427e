// A binary min-heap of items with deadlines, ordered by (deadlineMs, seq), where every item
// knows its own slot so it can leave in O(log n) when it settles before its deadline. The
// channel keeps its pending requests here and arms one timer for the earliest deadline instead
// of one timer per request.
// Invariants: an item is in at most one heap; `heapIndex` is its slot while in the heap and -1
// otherwise; `seq` values are unique, so the order is total and expiry order is insertion
// order among equal deadlines (as separate timers of equal delay fire).
import { assert } from "../stdx/assert.ts";

export interface DeadlineItem {
  readonly deadlineMs: number;
  readonly seq: number;
  heapIndex: number;
}

function before(a: DeadlineItem, b: DeadlineItem): boolean {
  return a.deadlineMs < b.deadlineMs || (a.deadlineMs === b.deadlineMs && a.seq < b.seq);
}

export class DeadlineHeap<T extends DeadlineItem> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The item with the earliest deadline, or undefined when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    assert(item.heapIndex === -1, "item is already in a heap");
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  /** Removes the item (a no-op when it is not in the heap). */
  remove(item: T): void {
    const index = item.heapIndex;
    if (index === -1) return;
    assert(this.items[index] === item, "item's slot holds another item");
    const last = this.items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    this.items[index] = last;
    last.heapIndex = index;
    this.down(index);
    this.up(last.heapIndex);
  }

  /** Removes and returns the earliest item if its deadline is at or before nowMs. */
  popDue(nowMs: number): T | undefined {
    const first = this.items[0];
    if (first === undefined || first.deadlineMs > nowMs) return undefined;
    this.remove(first);
    return first;
  }

  /** Empties the heap and returns its items (any order). */
  drain(): T[] {
    const all = this.items.splice(0);
    for (const item of all) item.heapIndex = -1;
    return all;
  }

  private up(index: number): void {
    const items = this.items;
    const item = items[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex]!;
      if (!before(item, parent)) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  private down(index: number): void {
    const items = this.items;
    const item = items[index]!;
    const count = items.length;
    for (;;) {
      const leftIndex = 2 * index + 1;
      if (leftIndex >= count) break;
      const rightIndex = leftIndex + 1;
      const childIndex = rightIndex < count && before(items[rightIndex]!, items[leftIndex]!) ? rightIndex : leftIndex;
      const child = items[childIndex]!;
      if (!before(child, item)) break;
      items[index] = child;
      child.heapIndex = index;
      index = childIndex;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
