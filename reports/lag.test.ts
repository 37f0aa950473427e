import { test } from "node:test";
import assert from "node:assert/strict";
import type { HistoryEvent } from "../chaos/history/types.ts";
import { groupLags } from "./lag.ts";

const invoke = (messageId: string, timeMs: number, delayLevel?: number): HistoryEvent =>
  ({ type: "invoke", op: "send", opId: 0, timeMs, process: "producer-1", topic: "T", messageId, sendMode: "sync", ...(delayLevel === undefined ? {} : { delayLevel }) });
const ok = (messageId: string, timeMs: number): HistoryEvent => ({ type: "ok", op: "send", opId: 0, timeMs, process: "producer-1", messageId }) as unknown as HistoryEvent;
const deliver = (group: string, messageId: string, timeMs: number, result: "success" | "retry" = "success"): HistoryEvent =>
  ({ type: "deliver", op: "consume", timeMs, process: `consumer-${group}-1`, group, messageId, topic: "T", queue: "broker-a:0", queueOffset: 0, reconsumeTimes: 0, result });

test("lag rises while a group falls behind and returns to zero when it catches up", () => {
  const history = [
    invoke("m1", 0), ok("m1", 100), invoke("m2", 200), ok("m2", 300), invoke("m3", 300), ok("m3", 400),
    deliver("G", "m1", 2_500), deliver("G", "m2", 2_600), deliver("G", "m3", 4_100),
  ];
  const [lag] = groupLags(history, 0, 1000, 6);
  assert.ok(lag !== undefined);
  assert.deepEqual([...lag.lag], [3, 3, 1, 1, 0, 0]);
  assert.equal(lag.maxLag, 3);
  assert.equal(lag.maxLagAtMs, 0);
  assert.equal(lag.caughtUpAtMs, 4000);
});

test("retries, delayed messages, unacked and never-received messages are not lag; groups are separate", () => {
  const history = [
    invoke("m1", 0), ok("m1", 100), invoke("late", 0, 3), ok("late", 100), invoke("unacked", 0), invoke("lost", 0), ok("lost", 100),
    deliver("A", "m1", 1_500, "retry"), deliver("A", "m1", 2_500), deliver("A", "late", 9_000), deliver("A", "unacked", 1_000),
    deliver("B", "m1", 500),
  ];
  const lags = groupLags(history, 0, 1000, 4);
  assert.deepEqual(lags.map((entry) => entry.group), ["A", "B"]);
  assert.deepEqual([...lags[0]!.lag], [1, 1, 0, 0]);
  assert.deepEqual([...lags[1]!.lag], [0, 0, 0, 0]);
  assert.equal(lags[1]!.caughtUpAtMs, null);
});
