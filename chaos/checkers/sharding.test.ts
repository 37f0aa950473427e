import { test } from "node:test";
import assert from "node:assert/strict";
import { orderKeyHash as workloadHash } from "../workload/message_identity.ts";
import type { ShardingEvidence } from "./sharding.ts";
import { checkSharding, orderKeyHash, selectedQueue } from "./sharding.ts";
import type { HistoryEvent } from "../history/types.ts";
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

test("the route in force at the invoke follows record order; a route change in flight accepts either view, one after the outcome does not", () => {
  const both = ["broker-a", "broker-b"];
  const key = ["k0", "k1", "k2", "k3", "k4", "k5"].find((candidate) => selectedQueue(candidate, ["broker-b"], 2) !== selectedQueue(candidate, both, 2)) ?? "";
  const oldQueue = selectedQueue(key, ["broker-b"], 2) ?? "";
  const route = (timeMs: number, writableBrokers: string[]): HistoryEvent =>
    ({ type: "route", timeMs, process: "producer-1", topic: "T", writableBrokers, readableBrokers: writableBrokers });
  const invoke: HistoryEvent = { type: "invoke", op: "send", opId: 1, timeMs: 100, process: "producer-1", topic: "T", messageId: "m", sendMode: "sync", orderKey: key, orderSeq: 0 };
  const ok = (timeMs: number): HistoryEvent => ({ type: "ok", op: "send", opId: 1, timeMs, process: "producer-1", messageId: "m", queue: oldQueue, queueOffset: 0, sendStatus: "SEND_OK" });
  const judge = (events: HistoryEvent[]): ReturnType<typeof checkSharding> => checkSharding([route(0, ["broker-b"]), ...events], testContext());
  // Same millisecond, route recorded after the invoke (the suite's case): the selector may have used [b].
  assert.equal(judge([invoke, route(100, both), ok(103)]).verdict, "pass");
  // Route recorded before the invoke (same millisecond): the publish info already had [a, b].
  const stale = judge([route(100, both), invoke, ok(103)]);
  assert.equal(stale.verdict, "fail", stale.summary);
  assert.deepEqual((stale.evidence as ShardingEvidence).misrouted.items[0]?.expected, [selectedQueue(key, both, 2)]);
  // A route change after the outcome excuses nothing.
  assert.equal(judge([route(90, both), invoke, ok(103), route(104, ["broker-b"])]).verdict, "fail");
});
