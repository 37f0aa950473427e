import { test } from "node:test";
import assert from "node:assert/strict";
import { QueueLabels } from "./queue_label.ts";

test("a queue label is broker:queueId, and one string per queue is handed out again", () => {
  const labels = new QueueLabels();
  const first = labels.of("broker-a", 3);
  assert.equal(first, "broker-a:3");
  assert.equal(labels.of("broker-a", 3), first);
  assert.equal(labels.of("broker-b", 3), "broker-b:3");
  assert.equal(labels.of("broker-a", 0), "broker-a:0");
  // Ids outside the kept range are still labelled the same way.
  assert.equal(labels.of("broker-a", -1), "broker-a:-1");
  assert.equal(labels.of("broker-a", 5000), "broker-a:5000");
});
