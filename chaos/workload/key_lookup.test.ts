import { test } from "node:test";
import assert from "node:assert/strict";
import { lookupSample, lookupsPerProducerMax } from "./key_lookup.ts";

test("a producer looks up everything it stored up to the cap, else an even spread plus its newest", () => {
  const few = Array.from({ length: lookupsPerProducerMax }, (_, index) => index);
  assert.deepEqual(lookupSample(few), few);
  const many = Array.from({ length: 1000 }, (_, index) => index);
  const picked = lookupSample(many);
  assert.equal(picked.length, lookupsPerProducerMax);
  assert.equal(new Set(picked).size, picked.length, "no message twice");
  assert.equal(picked[0], 0, "the oldest is looked up");
  assert.deepEqual(picked.slice(-30), many.slice(-30), "the newest 30 always");
  const spread = picked.slice(0, -30);
  assert.ok(spread.every((value, index) => index === 0 || value > spread[index - 1]!), "in store order");
  assert.ok(spread.at(-1)! >= 950, "the spread reaches the end of the older messages");
  assert.deepEqual(lookupSample([], 10, 3), []);
});
