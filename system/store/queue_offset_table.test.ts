import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import { QueueOffsetTable } from "./queue_offset_table.ts";

test("an append's offsets are consecutive per queue and land only on commit", () => {
  // Arrange
  const table = new QueueOffsetTable();
  table.set("T", 1, 5);
  // Act
  table.begin();
  const taken = [table.take("T", 1), table.take("T", 2), table.take("T", 1), table.take("U", 1)];
  // Assert
  assert.deepEqual(taken, [5, 0, 6, 0]);
  assert.equal(table.get("T", 1), 5, "nothing changes before commit");
  table.commit();
  assert.deepEqual([table.get("T", 1), table.get("T", 2), table.get("U", 1)], [7, 1, 1]);
});

test("an append abandoned before commit leaves the table as it was", () => {
  const table = new QueueOffsetTable();
  table.set("T", 0, 3);
  table.begin();
  assert.equal(table.take("T", 0), 3);
  table.begin();
  assert.equal(table.take("T", 0), 3, "a new append starts from the committed offset");
  table.commit();
  assert.equal(table.get("T", 0), 4);
});

test("removeTopic forgets exactly that topic (not a topic it prefixes)", () => {
  const table = new QueueOffsetTable();
  table.set("a", 0, 1);
  table.set("a-b", 0, 2);
  table.removeTopic("a");
  assert.equal(table.get("a", 0), 0);
  assert.equal(table.get("a-b", 0), 2);
});

test("property: matches a string-keyed model over any appends", () => {
  const append = fc.array(fc.record({ topic: fc.constantFrom("A", "B", "A-1"), queueId: fc.nat(3) }), { minLength: 1, maxLength: 6 });
  fc.assert(fc.property(fc.array(fc.record({ records: append, commit: fc.boolean() }), { maxLength: 20 }), (appends) => {
    const table = new QueueOffsetTable();
    const model = new Map<string, number>();
    for (const { records, commit } of appends) {
      table.begin();
      const staged = new Map(model);
      for (const { topic, queueId } of records) {
        const key = `${topic}\u0000${queueId}`;
        const expected = staged.get(key) ?? 0;
        assert.equal(table.take(topic, queueId), expected);
        staged.set(key, expected + 1);
      }
      if (!commit) continue;
      table.commit();
      for (const [key, value] of staged) model.set(key, value);
    }
    for (const [key, value] of model) {
      const [topic, queueId] = key.split("\u0000");
      assert.equal(table.get(topic!, Number(queueId)), value);
    }
  }));
});
