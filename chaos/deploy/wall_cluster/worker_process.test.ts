import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryHistory } from "../../history/types.ts";
import { formatControlLine, formatHistoryLine, WorkerHistoryBridge } from "../worker_protocol.ts";
import { NodeLedger } from "./node_ledger.ts";
import { RunClock } from "./run_clock.ts";
import { childEnv, producerStopTimeoutMs, routeWorkerLine } from "./worker_process.ts";

test("a worker's lines: history to the bridge, a failure to a note, garbage to the log", () => {
  const history = new MemoryHistory();
  const ledger = new NodeLedger(history, new RunClock());
  const bridge = new WorkerHistoryBridge(history);
  const route = (line: string): string => routeWorkerLine(line, "producer-1#1", "producer-1", bridge, ledger).kind;
  const invoke = { type: "invoke", op: "send", opId: 7, timeMs: 5, process: "producer-1", messageId: "m1", topic: "T", sendMode: "sync" } as const;
  assert.equal(route(formatHistoryLine(invoke).trimEnd()), "history");
  assert.equal(route(formatControlLine({ event: "failed", error: "boom\nstack" }).trimEnd()), "control");
  assert.equal(route("@@history {not json"), "log");
  assert.equal(route("plain output"), "log");
  assert.deepEqual(history.events[0], { ...invoke, opId: 1 });
  assert.equal(history.events[1]?.type === "note" ? history.events[1].text : "", "worker failed: boom");
  assert.equal(history.events.length, 2);
});

test("children get this environment without node:test's variables; producers get three send timeouts to stop", () => {
  process.env.NODE_TEST_CONTEXT_PROBE = "x";
  const env = childEnv({ MQLAB_NODE: "producer-1" });
  assert.equal(env.MQLAB_NODE, "producer-1");
  assert.equal(env.NODE_TEST_CONTEXT_PROBE, undefined);
  delete process.env.NODE_TEST_CONTEXT_PROBE;
  assert.equal(producerStopTimeoutMs(3_000), 14_000);
});
