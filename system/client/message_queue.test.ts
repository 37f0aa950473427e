import assert from "node:assert/strict";
import { test } from "node:test";
import { MessageQueueMap } from "./message_queue.ts";

test("MessageQueueMap: a set on a present queue updates it in place (position, latest queue object)", () => {
  const map = new MessageQueueMap<number>();
  const first = { topic: "T", brokerName: "b", queueId: 0 };
  map.set(first, 1);
  map.set({ topic: "T", brokerName: "b", queueId: 1 }, 2);
  const again = { topic: "T", brokerName: "b", queueId: 0 };
  map.set(again, 3);
  assert.equal(map.size, 2);
  assert.equal(map.get(first), 3);
  assert.deepEqual(map.values(), [3, 2]);
  assert.equal(map.keys()[0], again);
  const copy = map.entriesList();
  map.set(again, 4);
  assert.equal(copy[0]![1], 3, "listed entries are snapshots, not the live entry");
});
