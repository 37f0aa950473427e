import { test } from "node:test";
import assert from "node:assert/strict";
import { checkConsumerProgress } from "./consumer_progress.ts";
import type { ProgressViolation } from "./consumer_progress.ts";
import type { ProgressEvent } from "../history/types.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

// testContext: offsetPersistMs 5 s, so a queue is quiet 7 s after its last send or delivery.
const queryAt = 60_000;

/** testContext's topic T: 2 queues on each master. */
const allQueues = ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"];

/**
 * m-0..m-2 stored at broker-a:0 offsets 0..2 and read by G at ~1 s; the answer as given, its
 * other queues empty (unless `listOnly`).
 */
function history(given: ProgressEvent["queues"], options: { error?: string; member?: boolean; lateMs?: number; listOnly?: boolean } = {}): HistoryBuilder {
  const rows = options.listOnly === true ? given
    : [...given, ...allQueues.filter((queue) => !given.some((row) => row.queue === queue)).map((queue) => ({ queue, brokerOffset: 0, consumerOffset: 0 }))];
  const builder = new HistoryBuilder().join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0"])
    .sends("m-", 3, { from: 100 }).deliverAll(["m-0", "m-1", "m-2"], 1_000);
  if (options.member === false) builder.leave(30_000, "consumer-G-1");
  if (options.lateMs !== undefined) builder.send({ id: "late", at: options.lateMs, queue: "broker-a:0", offset: 3 });
  return builder.raw({
    type: "progress", timeMs: queryAt, process: "consumer-G-1", group: "G", topic: "T", queues: rows,
    ...(options.error === undefined ? {} : { error: options.error }),
  });
}

const violations = (result: ReturnType<typeof checkConsumerProgress>): ProgressViolation[] =>
  (result.evidence as { violations: { items: ProgressViolation[] } }).violations.items;

test("a drained queue at lag 0 passes; lag left on a quiet queue fails, naming the queue", () => {
  const drained = checkConsumerProgress(history([{ queue: "broker-a:0", brokerOffset: 3, consumerOffset: 3 }]).build(), testContext());
  assert.equal(drained.verdict, "pass", drained.summary);
  assert.match(drained.summary, /4 queues in 1 consumerProgress answer agree with the history \(4 drained to lag 0\)/);
  const lagging = checkConsumerProgress(history([{ queue: "broker-a:0", brokerOffset: 3, consumerOffset: 1 }]).build(), testContext());
  assert.equal(lagging.verdict, "fail");
  assert.deepEqual(violations(lagging).map((entry) => [entry.queue, entry.rule]), [["broker-a:0", "drained"]]);
  assert.match(lagging.summary, /G on broker-a:0 \(drained\): broker offset 3, consumer offset 1; .*lag 2/);
});

test("lag is not judged on a queue that was busy before the query, or read after it, or without the querying member", () => {
  const rows = [{ queue: "broker-a:0", brokerOffset: 4, consumerOffset: 3 }];
  // An acked send 3 s before the query: inside offsetPersistMs + 2 s.
  assert.equal(checkConsumerProgress(history(rows, { lateMs: queryAt - 3_000 }).build(), testContext()).verdict, "pass");
  // The same send 10 s before: the group had time to read and commit it.
  assert.equal(checkConsumerProgress(history(rows, { lateMs: queryAt - 10_000 }).build(), testContext()).verdict, "fail");
  const readLater = history(rows, { lateMs: queryAt - 10_000 }).deliver({ id: "late", at: queryAt + 500 }).build();
  assert.equal(checkConsumerProgress(readLater, testContext()).verdict, "pass");
  assert.equal(checkConsumerProgress(history([{ queue: "broker-a:0", brokerOffset: 3, consumerOffset: 0 }], { member: false }).build(), testContext()).verdict, "pass");
});

test("the committed offset never passes the queue's end, and the end is past every offset read", () => {
  const past = checkConsumerProgress(history([{ queue: "broker-a:0", brokerOffset: 3, consumerOffset: 5 }], { member: false }).build(), testContext());
  assert.deepEqual(violations(past).map((entry) => entry.rule), ["within the queue"]);
  const short = checkConsumerProgress(history([{ queue: "broker-a:0", brokerOffset: 2, consumerOffset: 2 }]).build(), testContext());
  assert.deepEqual(violations(short).map((entry) => entry.rule), ["stored"]);
  assert.match(short.summary, /a consumer read offset 2 from this queue/);
});

test("every queue of the topic on every master is listed", () => {
  // testContext: topic T with 2 queues on each of broker-a and broker-b.
  const rows = allQueues.map((queue) => ({ queue, brokerOffset: queue === "broker-a:0" ? 3 : 0, consumerOffset: queue === "broker-a:0" ? 3 : 0 }));
  assert.equal(checkConsumerProgress(history(rows, { listOnly: true }).build(), testContext()).verdict, "pass");
  const missing = checkConsumerProgress(history(rows.slice(0, 3), { listOnly: true }).build(), testContext());
  assert.deepEqual(violations(missing).map((entry) => [entry.queue, entry.rule]), [["broker-b:1", "listed"]]);
  assert.match(missing.summary, /G on broker-b:1 \(listed\): the topic has 2 queues on each master; the answer lacks this one\./);
});

test("a master's power loss or a failed query judges nothing; no query says so", () => {
  const lost = history([{ queue: "broker-a:0", brokerOffset: 1, consumerOffset: 0 }]).fault(20_000, 25_000, "power-loss", "broker-a").build();
  const result = checkConsumerProgress(lost, testContext());
  assert.equal(result.verdict, "pass", result.summary);
  assert.match(result.summary, /2 on a master whose store a power loss or forced clean may have cut/);
  const failed = checkConsumerProgress(history([], { error: "RemotingTimeoutError" }).build(), testContext());
  assert.equal(failed.verdict, "pass");
  assert.match(failed.summary, /1 consumerProgress query got no answer/);
  assert.match(checkConsumerProgress(new HistoryBuilder().build(), testContext()).summary, /No consumerProgress queries/);
});

test("a transactional topic's lag is not judged: a check may commit into it at any time", () => {
  const context = testContext();
  const transactional = { ...context, workload: { ...context.workload, producers: [{ count: 1, topic: "T", ratePerSecond: 1, transactional: { rollbackPercent: 0, unknownPercent: 50 } }] } };
  assert.equal(checkConsumerProgress(history([{ queue: "broker-a:0", brokerOffset: 4, consumerOffset: 3 }]).build(), transactional).verdict, "pass");
});
