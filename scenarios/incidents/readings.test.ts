import { test } from "node:test";
import assert from "node:assert/strict";
import type { HistoryEvent } from "../../chaos/history/types.ts";
import { phaseScenarioName } from "../../chaos/incident_types.ts";
import { incident } from "./broker-crash-stale-routes/index.ts";
import { coveredMs, doubleHeldSpans, duplicatedSentSince, failedAttempts, faultTimes, sendOps } from "./readings.ts";

const send = (opId: number, timeMs: number, messageId: string): HistoryEvent => ({ type: "invoke", op: "send", opId, timeMs, process: "producer-1", topic: "T", messageId, sendMode: "sync" });
const deliver = (timeMs: number, process: string, messageId: string): HistoryEvent => ({
  type: "deliver", op: "consume", timeMs, process, group: "G", messageId, topic: "T", queue: "broker-a:0", queueOffset: 0, reconsumeTimes: 0, result: "success",
});
const holds = (timeMs: number, process: string, queues: string[]): HistoryEvent => ({ type: "rebalance", timeMs, process, group: "G", topic: "T", queues });

test("sends join their outcome; failed attempts count retries of acked sends and every attempt of the rest", () => {
  const ops = sendOps([
    send(1, 10, "m1"), { type: "ok", op: "send", opId: 1, timeMs: 12, process: "producer-1", messageId: "m1", queue: "broker-b:1", attempts: 2 },
    send(2, 20, "m2"), { type: "fail", op: "send", opId: 2, timeMs: 25, process: "producer-1", messageId: "m2", error: "RemotingConnectError: x", attempts: 3 },
    send(3, 30, "m3"),
  ]);
  assert.deepEqual(ops.map((op) => [op.outcome, op.attempts, failedAttempts(op)]), [["ok", 2, 1], ["fail", 3, 3], ["pending", 1, 1]]);
  assert.equal(ops[0]?.queue, "broker-b:1");
  assert.equal(ops[1]?.error, "RemotingConnectError: x");
});

test("queues held by two consumers at once become spans; their union is counted once", () => {
  const history = [holds(0, "c1", ["q0", "q1"]), holds(5, "c2", ["q1"]), holds(8, "c1", ["q0"]), holds(10, "c2", ["q0", "q1"]), holds(12, "c1", [])];
  const spans = doubleHeldSpans(history, "G", "T", 20);
  assert.deepEqual(spans.map((span) => [span.startMs, span.endMs]), [[5, 8], [10, 12]]);
  assert.equal(coveredMs([...spans, { startMs: 6, endMs: 11, label: "" }]), 7);
});

test("duplicates count only messages sent since a time; fault times come from the nemesis", () => {
  const history: HistoryEvent[] = [
    send(1, 1, "old"), send(2, 50, "new"), deliver(2, "c1", "old"), deliver(3, "c2", "old"), deliver(51, "c1", "new"), deliver(52, "c2", "new"),
    { type: "nemesis", timeMs: 40, phase: "inject", faultIndex: 0, kind: "crash", target: "broker-a" },
    { type: "nemesis", timeMs: 60, phase: "heal", faultIndex: 0, kind: "crash", target: "broker-a" },
  ];
  assert.equal(duplicatedSentSince(history, "G", 40), 1);
  assert.equal(duplicatedSentSince(history, "G", 0), 2);
  assert.deepEqual(faultTimes(history, 0), { injectMs: 40, healMs: 60 });
  assert.deepEqual(faultTimes(history, 1), {});
});

test("broker-crash-stale-routes: with latency fault avoidance, picks of the dead broker while the live one is marked slow are not stale routes", () => {
  // broker-a crashes at 21 s; one fast refusal at 21.2 s; broker-b answers once in 682 ms at
  // 27.1 s; then every send fails on broker-a until 35 s (both brokers marked: the fastest wins).
  const history: HistoryEvent[] = [
    { type: "nemesis", timeMs: 21_000, phase: "inject", faultIndex: 0, kind: "crash", target: "broker-a" },
    { type: "nemesis", timeMs: 38_000, phase: "heal", faultIndex: 0, kind: "crash", target: "broker-a" },
    send(1, 21_200, "m1"),
    { type: "attempt", op: "send", opId: 1, timeMs: 21_202, process: "producer-1", broker: "broker-a", queue: "broker-a:0", outcome: "error", errorName: "RemotingConnectError", latencyMs: 2 },
    { type: "ok", op: "send", opId: 1, timeMs: 21_210, process: "producer-1", messageId: "m1", queue: "broker-b:0", attempts: 2 },
    send(2, 27_096, "m2"),
    { type: "attempt", op: "send", opId: 2, timeMs: 27_096, process: "producer-1", broker: "broker-b", queue: "broker-b:1", outcome: "ok", latencyMs: 682 },
    { type: "ok", op: "send", opId: 2, timeMs: 27_778, process: "producer-1", messageId: "m2", queue: "broker-b:1", attempts: 1 },
  ];
  for (let index = 0; index < 8; index++) {
    const opId = 3 + index;
    const atMs = 28_000 + index * 1_000;
    history.push(send(opId, atMs, `f${index}`),
      { type: "attempt", op: "send", opId, timeMs: atMs, process: "producer-1", broker: "broker-a", queue: "broker-a:1", outcome: "error", errorName: "RemotingConnectError", latencyMs: 1 },
      { type: "fail", op: "send", opId, timeMs: atMs + 3, process: "producer-1", messageId: `f${index}`, error: "RemotingConnectError: x", attempts: 3 });
  }
  const reading = (phase: "broken" | "fixed"): boolean =>
    incident.symptom({ result: { scenario: phaseScenarioName(incident, phase) } as never, history }).present;
  assert.equal(reading("fixed"), false);
  // Without avoidance nothing marks broker-b: picks of broker-a 14 s after the crash are stale routes.
  assert.equal(reading("broken"), true);
});
