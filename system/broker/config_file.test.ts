import { test } from "node:test";
import assert from "node:assert/strict";
import { VersionedTable } from "./config_file.ts";

interface Entry {
  name: string;
  size: number;
}

function entryFromJson(value: unknown, name: string): Entry {
  const record = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  return { name: typeof record["name"] === "string" ? record["name"] : name, size: Number(record["size"] ?? 1) };
}

function newTable(): VersionedTable<Entry> {
  const clock = { nowMs: () => 5_000, monotonicMs: () => 0 };
  return new VersionedTable(clock, { tableKey: "entryTable", fromJson: entryFromJson, nameOf: (entry) => entry.name });
}

test("merge puts entries under their own names over existing ones and takes a valid dataVersion", () => {
  const table = newTable();
  table.entries.set("kept", { name: "kept", size: 9 });
  table.entries.set("a", { name: "a", size: 9 });
  table.merge({ entryTable: { a: { size: 2 }, key: { name: "renamed", size: 3 } }, dataVersion: { counter: 4, timestamp: 77 } });
  assert.deepEqual([...table.entries], [["kept", { name: "kept", size: 9 }], ["a", { name: "a", size: 2 }], ["renamed", { name: "renamed", size: 3 }]]);
  assert.deepEqual(table.dataVersion.toJSON(), { counter: 4, timestamp: 77 });
  table.merge({ dataVersion: { counter: -1, timestamp: 1 } });
  assert.deepEqual(table.dataVersion.toJSON(), { counter: 4, timestamp: 77 }, "an invalid dataVersion is ignored");
  assert.equal(table.entries.size, 3);
});

test("replaceFromMaster skips an equal dataVersion and non-objects, and replaces otherwise", () => {
  const table = newTable();
  table.merge({ entryTable: { a: {} }, dataVersion: { counter: 1, timestamp: 10 } });
  assert.equal(table.replaceFromMaster("nope"), false);
  assert.equal(table.replaceFromMaster(null), false);
  assert.equal(table.replaceFromMaster({ entryTable: { b: {} }, dataVersion: { counter: 1, timestamp: 10 } }), false);
  assert.deepEqual([...table.entries.keys()], ["a"]);
  assert.equal(table.replaceFromMaster({ entryTable: { b: {} }, dataVersion: { counter: 2, timestamp: 10 } }), true);
  assert.deepEqual([...table.entries.keys()], ["b"]);
  assert.deepEqual(table.dataVersion.toJSON(), { counter: 2, timestamp: 10 });
  assert.equal(table.replaceFromMaster({ entryTable: { c: {} } }), true, "a body without dataVersion always replaces");
  assert.deepEqual([...table.entries.keys()], ["c"]);
});
