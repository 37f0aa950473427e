import { test } from "node:test";
import assert from "node:assert/strict";
import { orderKeyHash as workloadHash } from "../workload/message_identity.ts";
import type { ShardingEvidence } from "./sharding.ts";
import { checkSharding, orderKeyHash, selectedQueue } from "./sharding.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

test("the checker's hash is the workload selector's", () => {
  for (const key of ["k0", "k1", "order-17", "", "zzzzzzzzzzzzzzzzzzzz"]) assert.equal(orderKeyHash(key), workloadHash(key));
  assert.equal(selectedQueue("k1", ["broker-b", "broker-a"], 2), ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"][orderKeyHash("k1") % 4]);
});

test("keyed sends on the selector's queue pass; one off it fails naming the key and both queues", () => {
  const both = ["broker-a", "broker-b"];
  const right = selectedQueue("k1", both, 2) ?? "";
  const wrong = ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"].find((queue) => queue !== right) ?? "";
  const good = new HistoryBuilder()
    .send({ id: "a", at: 0, key: "k1", seq: 0, queue: right, offset: 0 })
    .send({ id: "b", at: 10, key: "k1", seq: 1, queue: right, offset: 1 }).build();
  assert.equal(checkSharding(good, testContext()).verdict, "pass");
  const bad = new HistoryBuilder()
    .send({ id: "a", at: 0, key: "k1", seq: 0, queue: right, offset: 0 })
    .send({ id: "b", at: 10, key: "k1", seq: 1, queue: wrong, offset: 0 }).build();
  const result = checkSharding(bad, testContext());
  assert.equal(result.verdict, "fail");
  const entry = (result.evidence as ShardingEvidence).misrouted.items[0];
  assert.deepEqual([entry?.id, entry?.key, entry?.queue, entry?.expected], ["b", "k1", wrong, [right]]);
});

test("route events: the key follows the producer's writable brokers; a fault window excuses without them", () => {
  const onlyB = selectedQueue("k1", ["broker-b"], 2) ?? "";
  const history = new HistoryBuilder()
    .raw({ type: "route", timeMs: 0, process: "producer-1", topic: "T", writableBrokers: ["broker-a", "broker-b"], readableBrokers: ["broker-a", "broker-b"] })
    .raw({ type: "route", timeMs: 50, process: "producer-1", topic: "T", writableBrokers: ["broker-b"], readableBrokers: ["broker-b"] })
    .send({ id: "x", at: 60, key: "k1", seq: 0, queue: onlyB, offset: 0 }).build();
  assert.equal(checkSharding(history, testContext()).verdict, "pass");
  const noRoutes = new HistoryBuilder().fault(40, 200, "crash", "broker-a")
    .send({ id: "x", at: 60, key: "k1", seq: 0, queue: onlyB === selectedQueue("k1", ["broker-a", "broker-b"], 2) ? "broker-a:0" : onlyB, offset: 0 }).build();
  const excused = checkSharding(noRoutes, testContext());
  assert.equal(excused.verdict, "pass");
  assert.equal((excused.evidence as ShardingEvidence).excused, 1);
});
