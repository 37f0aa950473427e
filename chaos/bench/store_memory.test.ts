// parseMemoryReport accepts what sampleMemory produces and names what is wrong otherwise.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMemoryReport, rssAboveEmpty, sampleLines, sampleMemory } from "./store_memory.ts";
import type { MemoryReport } from "./store_memory.ts";

function report(): MemoryReport {
  const empty = sampleMemory("empty");
  const written = { ...sampleMemory("written"), rssMiB: empty.rssMiB + 12.5 };
  return { bench: "store-memory", nodeArgs: ["--max-semi-space-size=4"], messageCount: 10, writeMsgsPerS: 1, samples: [empty, written] };
}

test("a report round-trips through its JSON line, and RSS is measured from the empty store", () => {
  const original = report();
  const parsed = parseMemoryReport(`noise\n${JSON.stringify(original)}\nmore noise`);
  assert.deepEqual(parsed, original);
  assert.deepEqual(rssAboveEmpty(parsed), { empty: 0, written: 12.5 });
  const lines = sampleLines(parsed.samples[1]!, 12.5);
  assert.ok(lines.includes("million.written.rss_above_empty 12.50 MiB"));
  assert.ok(lines.some((line) => line.startsWith("million.written.new_space ")));
});

test("malformed reports are rejected with the reason", () => {
  assert.throws(() => parseMemoryReport("nothing here"), /no store-memory JSON line/);
  const noEmpty = { ...report(), samples: report().samples.slice(1) };
  assert.throws(() => parseMemoryReport(JSON.stringify(noEmpty)), /without the empty sample/);
  const badNumber = report();
  (badNumber.samples[0] as unknown as Record<string, unknown>)["rssMiB"] = "12";
  assert.throws(() => parseMemoryReport(JSON.stringify(badNumber)), /sample empty: rssMiB is not a number/);
});
