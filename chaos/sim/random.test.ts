// Tests for the simulator's seeded random streams: the NoRegression snapshot for seed 42,
// stream independence, and the integer-only API's bounds.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { deriveRandom } from "./random.ts";

test("NoRegression: seed 42 gives the same first values forever", () => {
  // Arrange
  const random = deriveRandom(42, "node", "broker-a");
  // Act
  const u32s = Array.from({ length: 5 }, () => random.nextU32());
  const ints = Array.from({ length: 5 }, () => random.intBetween(1, 6));
  const chances = Array.from({ length: 8 }, () => random.chance(1, 3));
  const bytes = Array.from(random.bytes(6));
  // Assert: a change here breaks every recorded seed; only update it on purpose.
  assert.deepEqual({ u32s, ints, chances, bytes }, SNAPSHOT);
});

const SNAPSHOT = {
  u32s: [1988390837, 210017292, 3674267550, 3237056797, 2693664647],
  ints: [5, 1, 2, 4, 1],
  chances: [false, false, false, true, true, true, false, false],
  bytes: [40, 149, 252, 157, 92, 72],
};

test("a stream depends only on (seed, labels): adding another stream does not perturb it", () => {
  const first = deriveRandom(7, "node", "a");
  const expected = Array.from({ length: 20 }, () => first.nextU32());
  const other = deriveRandom(7, "node", "b");
  other.nextU32();
  const again = deriveRandom(7, "node", "a");
  assert.deepEqual(Array.from({ length: 20 }, () => again.nextU32()), expected);
  assert.notDeepEqual(Array.from({ length: 20 }, () => other.nextU32()), expected);
});

test("intBetween stays in bounds and chance respects 0 and 1", () => {
  fc.assert(
    fc.property(fc.integer(), fc.integer({ min: -1000, max: 1000 }), fc.nat(1000), (seed, low, span) => {
      const random = deriveRandom(seed, "p");
      const value = random.intBetween(low, low + span);
      assert.ok(value >= low && value <= low + span);
      assert.equal(random.chance(0, 5), false);
      assert.equal(random.chance(5, 5), true);
    }),
  );
});

test("intBetween covers the whole range", () => {
  const random = deriveRandom(1, "coverage");
  const seen = new Set<number>();
  for (let index = 0; index < 200; index++) seen.add(random.intBetween(0, 5));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5]);
});
