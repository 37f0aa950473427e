import { test } from "node:test";
import assert from "node:assert/strict";
import type { ClientMessageExt } from "../../system/client/index.ts";
import { pullPlacementProblem } from "./consumer_node.ts";

const mq = { topic: "T", brokerName: "broker-a", queueId: 1 };
const record = (queueOffset: number, overrides: Partial<ClientMessageExt> = {}): ClientMessageExt =>
  ({ topic: "T", queueId: 1, queueOffset, ...overrides }) as ClientMessageExt;

test("a pull's records of its queue, increasing, inside [requestOffset, nextBeginOffset): no problem (skipped units too)", () => {
  assert.equal(pullPlacementProblem(mq, 10, 14, [record(10), record(11), record(13)]), undefined);
  assert.equal(pullPlacementProblem(mq, 10, 10, []), undefined);
});

test("a record past nextBeginOffset, before the request, repeated, or of another queue or topic is named", () => {
  // A unit kept past the commit log's end points at the record that later took its place.
  assert.match(pullPlacementProblem(mq, 10, 11, [record(11)])!, /offset 11 after 9/);
  assert.match(pullPlacementProblem(mq, 10, 12, [record(9)])!, /offset 9 after 9/);
  assert.match(pullPlacementProblem(mq, 10, 12, [record(10), record(10)])!, /offset 10 after 10/);
  assert.match(pullPlacementProblem(mq, 10, 12, [record(10, { queueId: 2 })])!, /T queue 2 at 10/);
  assert.match(pullPlacementProblem(mq, 10, 12, [record(10, { topic: "U" })])!, /U queue 1 at 10/);
});
