// DeadlineHeap against a sorted-array model: any mix of pushes, removals and due pops gives the
// items in (deadline, seq) order and keeps every item's slot right.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DeadlineHeap } from "./deadline_heap.ts";
import type { DeadlineItem } from "./deadline_heap.ts";

type Op = { kind: "push"; deadlineMs: number } | { kind: "remove"; pick: number } | { kind: "popDue"; nowMs: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("push" as const), deadlineMs: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("popDue" as const), nowMs: fc.integer({ min: 0, max: 50 }) }),
);

function byDeadline(a: DeadlineItem, b: DeadlineItem): number {
  return a.deadlineMs - b.deadlineMs || a.seq - b.seq;
}

test("deadline heap matches a sorted model under pushes, removals and due pops", () => {
  fc.assert(fc.property(fc.array(arbOp, { maxLength: 200 }), (ops) => {
    const heap = new DeadlineHeap<DeadlineItem>();
    let model: DeadlineItem[] = [];
    let seq = 0;
    for (const op of ops) {
      if (op.kind === "push") {
        const item = { deadlineMs: op.deadlineMs, seq: seq++, heapIndex: -1 };
        heap.push(item);
        model.push(item);
      } else if (op.kind === "remove") {
        if (model.length === 0) continue;
        const item = model[op.pick % model.length]!;
        heap.remove(item);
        assert.equal(item.heapIndex, -1);
        heap.remove(item);
        model = model.filter((other) => other !== item);
      } else {
        model.sort(byDeadline);
        const expected = model[0] !== undefined && model[0].deadlineMs <= op.nowMs ? model.shift() : undefined;
        assert.equal(heap.popDue(op.nowMs), expected);
      }
      model.sort(byDeadline);
      assert.equal(heap.size, model.length);
      assert.equal(heap.peek(), model[0]);
    }
    const drained = heap.drain();
    assert.equal(heap.size, 0);
    assert.deepEqual(new Set(drained), new Set(model));
    for (const item of drained) assert.equal(item.heapIndex, -1);
  }), { numRuns: 300 });
});

test("equal deadlines come out in push order", () => {
  const heap = new DeadlineHeap<DeadlineItem>();
  const items = [0, 1, 2, 3, 4].map((seq) => ({ deadlineMs: 7, seq, heapIndex: -1 }));
  for (const item of [...items].reverse()) heap.push(item);
  const out: number[] = [];
  for (let item = heap.popDue(7); item !== undefined; item = heap.popDue(7)) out.push(item.seq);
  assert.deepEqual(out, [0, 1, 2, 3, 4]);
  assert.equal(heap.popDue(100), undefined);
});
