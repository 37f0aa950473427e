// gcTotals on Node 24's --trace-gc lines, and on text around them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gcTotals } from "./trace_gc.ts";

test("scavenges and mark-compacts are counted with their pauses; other lines are ignored", () => {
  const text = [
    "The broker[broker-a, 127.0.0.1:10911] boot success. serializeType=JSON",
    "[32192:0x18813000]      292 ms: Scavenge 4.9 (6.0) -> 4.5 (7.0) MB, pooled: 0 MB, 16.66 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ",
    "[32192:0x18813000]      343 ms: Scavenge 5.2 (7.2) -> 5.2 (9.7) MB, pooled: 0 MB, 0.34 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ",
    "[32295:0x221be000]     4053 ms: Mark-Compact 53.8 (109.5) -> 15.8 (81.7) MB, pooled: 14 MB, 24.21 / 0.00 ms  (+ 14.6 ms in 20 steps since start of marking, biggest step 12.7 ms, walltime since start of marking 65 ms) (average mu = 0.990, current mu = 0.990) finalize incremental marking via task; GC in old space requested",
    "",
  ].join("\n");
  const totals = gcTotals(text);
  assert.equal(totals.scavenges, 2);
  assert.ok(Math.abs(totals.scavengeMs - 17.0) < 1e-9);
  assert.equal(totals.markCompacts, 1);
  assert.ok(Math.abs(totals.markCompactMs - 24.21) < 1e-9);
});

test("no GC lines: zeros", () => {
  assert.deepEqual(gcTotals("hello\nworld"), { scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0 });
});
