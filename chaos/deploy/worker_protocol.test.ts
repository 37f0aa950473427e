import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryHistory } from "../history/types.ts";
import { WorkerHistoryBridge, workerSpecs } from "./worker_protocol.ts";
import { rocketmqIntervals } from "../scenario.ts";

test("the bridge gives invokes run-wide ids and carries them to outcomes and attempts of the same incarnation", () => {
  const history = new MemoryHistory();
  history.nextOpId();
  history.nextOpId();
  const bridge = new WorkerHistoryBridge(history);
  bridge.accept("p1#1", { type: "invoke", op: "send", opId: 1, timeMs: 0, process: "producer-1", topic: "T", messageId: "m", sendMode: "sync" });
  bridge.accept("p1#1", { type: "attempt", op: "send", opId: 1, timeMs: 1, process: "producer-1", broker: "broker-a", queue: "broker-a:0", outcome: "ok", latencyMs: 1 });
  bridge.accept("p1#1", { type: "ok", op: "send", opId: 1, timeMs: 1, process: "producer-1", messageId: "m", queue: "broker-a:0", queueOffset: 0 });
  bridge.accept("p1#2", { type: "attempt", op: "send", opId: 1, timeMs: 2, process: "producer-1", broker: "broker-a", queue: "broker-a:0", outcome: "error", latencyMs: 1 });
  const [invoke, attempt, ok, orphan] = history.events;
  assert.equal(invoke?.type === "invoke" ? invoke.opId : undefined, 3);
  assert.equal(attempt?.type === "attempt" ? attempt.opId : undefined, 3);
  assert.equal(ok?.type === "ok" ? ok.opId : undefined, 3);
  // An attempt whose invoke this incarnation never sent keeps no (wrong) id.
  assert.ok(orphan?.type === "attempt" && orphan.opId === undefined);
});

test("a scaling group gets nodes for its largest size", () => {
  const specs = workerSpecs({
    namesrvAddr: "x:9876", runStartEpochMs: 0, seed: 1, intervals: rocketmqIntervals,
    workload: { topics: [], producers: [], consumers: [{ group: "G", topic: "T", count: 1, scale: [{ atMs: 10_000, count: 3 }] }] },
  });
  assert.deepEqual(specs.map((spec) => `${spec.node}/${spec.index}`), ["consumer-G-1/1", "consumer-G-2/2", "consumer-G-3/3"]);
});
