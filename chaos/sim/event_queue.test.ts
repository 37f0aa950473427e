// The event queue against a sorted-list model: pops come out in (time, insertion) order,
// cancelled events never come out, and size counts live events, whatever the interleaving
// of pushes, pops and cancels (including cancels of events that already ran).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { EventQueue, type SimEvent } from "./event_queue.ts";

type Op = { kind: "push"; timeUs: number } | { kind: "pop" } | { kind: "cancel"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("push" as const), timeUs: fc.nat(50) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("pop" as const) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }), weight: 2 },
);

test("EventQueue pops in (time, sequence) order and honours cancellation", () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 200, maxLength: 3000 }), (ops) => {
      const queue = new EventQueue();
      const everything: { event: SimEvent; id: number }[] = [];
      let model: { timeUs: number; id: number; event: SimEvent }[] = [];
      for (const op of ops) {
        if (op.kind === "push") {
          const id = everything.length;
          const event = queue.push(op.timeUs, () => id);
          everything.push({ event, id });
          model.push({ timeUs: op.timeUs, id, event });
          model.sort((a, b) => a.timeUs - b.timeUs || a.id - b.id);
        } else if (op.kind === "pop") {
          const popped = queue.pop();
          const expected = model.shift();
          assert.equal(popped, expected?.event);
        } else if (everything.length > 0) {
          const target = everything[op.pick % everything.length]!;
          queue.cancel(target.event);
          model = model.filter((entry) => entry.event !== target.event);
        }
        assert.equal(queue.size, model.length);
      }
    }),
    { numRuns: 200 },
  );
});

test("EventQueue compacts when cancelled events pile up, keeping order", () => {
  const queue = new EventQueue();
  const events = Array.from({ length: 5000 }, (_, index) => queue.push((index * 7919) % 1000, () => index));
  events.forEach((event, index) => index % 5 !== 0 && queue.cancel(event));
  assert.equal(queue.size, 1000);
  let last = { timeUs: -1, seq: -1 };
  for (let event = queue.pop(); event !== undefined; event = queue.pop()) {
    assert.ok(!event.cancelled);
    assert.ok(event.timeUs > last.timeUs || (event.timeUs === last.timeUs && event.seq > last.seq));
    last = event;
  }
  assert.equal(queue.size, 0);
});
