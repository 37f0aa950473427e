import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { activitySchedule, consumerNodeCount } from "./consumer_schedule.ts";
import type { ConsumerGroupSpec } from "../scenario.ts";

const group = (extra: Partial<ConsumerGroupSpec>): ConsumerGroupSpec => ({ group: "G", topic: "T", count: 2, ...extra });

test("a scaling group has nodes for its largest size; the highest-numbered ones come and go", () => {
  const scaling = group({ scale: [{ atMs: 60_000, count: 4 }, { atMs: 120_000, count: 1 }] });
  assert.equal(consumerNodeCount(scaling), 4);
  assert.deepEqual(activitySchedule(scaling, 1), [{ atMs: 0, active: true }]);
  assert.deepEqual(activitySchedule(scaling, 2), [{ atMs: 0, active: true }, { atMs: 120_000, active: false }]);
  assert.deepEqual(activitySchedule(scaling, 4), [{ atMs: 60_000, active: true }, { atMs: 120_000, active: false }]);
});

test("a late group starts at startAtMs; scale steps before it set its starting size", () => {
  const late = group({ count: 1, startAtMs: 90_000, scale: [{ atMs: 30_000, count: 2 }] });
  assert.deepEqual(activitySchedule(late, 1), [{ atMs: 90_000, active: true }]);
  assert.deepEqual(activitySchedule(late, 2), [{ atMs: 90_000, active: true }]);
});

test("every node's changes alternate start/stop in time order, and the active count follows the steps", () => {
  const steps = fc.array(fc.record({ atMs: fc.integer({ min: 1, max: 100_000 }), count: fc.integer({ min: 0, max: 5 }) }), { maxLength: 5 });
  fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), steps, (count, scale) => {
    const spec = group({ count, scale });
    const nodes = consumerNodeCount(spec);
    for (let index = 1; index <= nodes; index++) {
      const changes = activitySchedule(spec, index);
      changes.forEach((change, at) => {
        assert.equal(change.active, at % 2 === 0);
        if (at > 0) assert.ok(change.atMs >= changes[at - 1]!.atMs);
      });
    }
    // After the last step, exactly the last step's count of nodes is active.
    const sorted = [...scale].sort((a, b) => a.atMs - b.atMs);
    const finalSize = sorted.length === 0 ? count : sorted[sorted.length - 1]!.count;
    const activeAtEnd = Array.from({ length: nodes }, (_, i) => activitySchedule(spec, i + 1).at(-1)?.active === true).filter(Boolean).length;
    assert.equal(activeAtEnd, Math.min(finalSize, nodes));
  }));
});
