import { test } from "node:test";
import assert from "node:assert/strict";
import { partitionCuts } from "./partition_shapes.ts";

const nodes = ["a", "b", "c", "d", "e"];
const connected = (cuts: [string, string][], x: string, y: string): boolean =>
  x === y || !cuts.some(([a, b]) => (a === x && b === y) || (a === y && b === x));

test("isolate cuts one node from all others", () => {
  const cuts = partitionCuts("isolate", nodes, "c");
  assert.equal(cuts.length, 4);
  assert.ok(!connected(cuts, "c", "a") && connected(cuts, "a", "b"));
  assert.throws(() => partitionCuts("isolate", nodes, "z"), /known target/);
});

test("halves and bridge", () => {
  const halves = partitionCuts("halves", nodes, undefined);
  assert.ok(!connected(halves, "a", "e") && connected(halves, "a", "c"));
  const bridge = partitionCuts("bridge", nodes, "c");
  assert.ok(connected(bridge, "c", "a") && connected(bridge, "c", "e") && !connected(bridge, "a", "e"));
});

test("majorities ring: every node sees a majority and views differ", () => {
  for (const count of [3, 5, 7, 9]) {
    const names = Array.from({ length: count }, (_, i) => `n${i}`);
    const cuts = partitionCuts("majorities-ring", names, undefined);
    const views = names.map((x) => names.filter((y) => connected(cuts, x, y)).join(","));
    for (const view of views) assert.ok(view.split(",").length > count / 2, `view ${view} of ${count}`);
    if (count >= 5) assert.equal(new Set(views).size, count);
  }
});
