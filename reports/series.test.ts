import { test } from "node:test";
import assert from "node:assert/strict";
import type { HistoryEvent } from "../chaos/history/types.ts";
import { bucketize } from "./series.ts";

const deliver = (timeMs: number, messageId: string, result: "success" | "retry", reconsumeTimes = 0): HistoryEvent => ({
  type: "deliver", op: "consume", timeMs, process: "consumer-G-1", group: "G", messageId, topic: "T", queue: "broker-a:0",
  queueOffset: 0, reconsumeTimes, result,
});

test("delayed deliveries and DLQ moves get their own series; a DLQ move sits at the last failed delivery", () => {
  const history: HistoryEvent[] = [
    { type: "invoke", op: "send", opId: 1, timeMs: 0, process: "producer-1", topic: "T", messageId: "d", sendMode: "sync", delayLevel: 2 },
    { type: "invoke", op: "send", opId: 2, timeMs: 0, process: "producer-1", topic: "T", messageId: "p", sendMode: "sync" },
    deliver(1_500, "p", "retry"),
    deliver(5_200, "d", "success"),
    deliver(11_500, "p", "retry", 1),
    deliver(12_500, "p", "retry", 2),
    { type: "dlq", timeMs: 60_000, process: "consumer-G-1", group: "G", messageId: "p", queue: "broker-a:0", queueOffset: 0, reconsumeTimes: 3 },
  ];
  const series = bucketize(history, 0, 60_000);
  assert.equal(series.bucketMs, 1000);
  assert.equal(series.delayed[5], 1);
  assert.equal(series.delayed.reduce((sum, value) => sum + value, 0), 1);
  assert.equal(series.deadLettered[12], 1);
  assert.equal(series.deadLettered.reduce((sum, value) => sum + value, 0), 1);
  assert.equal(series.retried.reduce((sum, value) => sum + value, 0), 3);
});
