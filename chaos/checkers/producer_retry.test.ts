// A producer retry's two stored copies explain a duplicate only when the send's attempts show
// them: two different queues, each attempted, one attempt failed at the client (or was answered
// with a status other than SEND_OK); or two records of one queue that one send attempted twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { DuplicatesEvidence } from "./duplicates.ts";
import { checkDuplicates } from "./duplicates.ts";
import type { SendAttemptEvent } from "../history/types.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

function attempt(at: number, queue: string, outcome: "ok" | "error"): SendAttemptEvent {
  return {
    type: "attempt", op: "send", opId: 1, timeMs: at, process: "producer-1", broker: queue.split(":")[0]!, queue, outcome,
    ...(outcome === "error" ? { errorName: "RemotingTimeoutError" } : {}), latencyMs: 3_000,
  };
}

// Seed 3 of probe/2m-2s-sync/slow-slave: the attempt on broker-a waited for a slow slave, timed
// out at the client at 3 s but was stored; the retry on broker-b was stored too.
function retried(attempts: SendAttemptEvent[], secondQueue = "broker-a:3"): HistoryBuilder {
  const builder = new HistoryBuilder().send({ id: "m", at: 0, queue: "broker-b:0", outcome: "unknown", outcomeAt: 3_001 });
  for (const event of attempts) builder.raw(event);
  return builder.deliver({ id: "m", at: 3_001, queue: "broker-b:0", process: "consumer-G-2" })
    .deliver({ id: "m", at: 60_000, queue: secondQueue, process: "consumer-G-1" });
}

test("a retry after a timed-out attempt that was stored explains the second copy's delivery", () => {
  const events = retried([attempt(3_000, "broker-a:3", "error"), attempt(3_001, "broker-b:0", "error")]).build();
  const result = checkDuplicates(events, testContext());
  assert.equal(result.verdict, "pass", result.summary);
  const entry = (result.evidence as DuplicatesEvidence).attributed.items[0];
  assert.match(entry?.explainedBy ?? "", /producer retry: the attempt on broker-a:3 failed at the client \(RemotingTimeoutError\) yet was stored; the send's attempt on broker-b:0 stored another copy/);
});

test("without a failed attempt on each copy's queue, a duplicate from two queues stays unexplained", () => {
  // Only one attempt, and it succeeded: a second copy elsewhere is not the producer's doing.
  const single = retried([attempt(1, "broker-b:0", "ok")]).build();
  assert.equal(checkDuplicates(single, testContext()).verdict, "fail");
  // The second copy comes from a queue no attempt went to.
  const elsewhere = retried([attempt(3_000, "broker-a:3", "error"), attempt(3_001, "broker-b:0", "error")], "broker-a:1").build();
  assert.equal(checkDuplicates(elsewhere, testContext()).verdict, "fail");
  // Both deliveries from one queue: a consumer-side replay, which a producer retry cannot explain.
  const sameQueue = retried([attempt(3_000, "broker-a:3", "error"), attempt(3_001, "broker-b:0", "error")], "broker-b:0").build();
  assert.equal(checkDuplicates(sameQueue, testContext()).verdict, "fail");
});

test("two answered attempts of one send: the first stored with a non-OK status, retried elsewhere, explain the copies", () => {
  const events = retried([attempt(21, "broker-a:3", "ok"), attempt(24, "broker-b:0", "ok")]).build();
  const result = checkDuplicates(events, testContext());
  assert.equal(result.verdict, "pass", result.summary);
  const entry = (result.evidence as DuplicatesEvidence).attributed.items[0];
  assert.match(entry?.explainedBy ?? "", /stored with a status other than SEND_OK and retryAnotherBrokerWhenNotStoreOK stored another copy on broker-b:0/);
  // Answered attempts of two different sends explain nothing.
  const twoSends = retried([attempt(21, "broker-a:3", "ok"), { ...attempt(24, "broker-b:0", "ok"), opId: 2 }]).build();
  assert.equal(checkDuplicates(twoSends, testContext()).verdict, "fail");
});

test("a producer-retry copy that failed and came back from %RETRY% stands for its own queue", () => {
  // Attempt on broker-a:3 timed out but was stored; the copy on broker-b:0 failed, its retry copy
  // succeeded from %RETRY% (broker-b's retry queue), and the broker-a:3 copy succeeded later.
  const events = new HistoryBuilder().send({ id: "m", at: 0, queue: "broker-b:0", outcome: "unknown", outcomeAt: 3_001 })
    .raw(attempt(3_000, "broker-a:3", "error")).raw(attempt(3_001, "broker-b:0", "error"))
    .deliver({ id: "m", at: 3_010, queue: "broker-b:0", result: "retry", process: "consumer-G-2" })
    .deliver({ id: "m", at: 13_010, reconsume: 1, queue: "broker-b:1", offset: 7, process: "consumer-G-2" })
    .deliver({ id: "m", at: 13_020, queue: "broker-a:3", process: "consumer-G-1" }).build();
  const result = checkDuplicates(events, testContext());
  assert.equal(result.verdict, "pass", result.summary);
  assert.match((result.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /producer retry/);
});

test("a failed delivery never settled holds the committed offset: the next holder's replay from it is explained", () => {
  // consumer-G-1 failed m-1 (its send-back failed, no retry copy), went on consuming m-2..m-3,
  // then stopped; consumer-G-2 re-read from m-1.
  const events = new HistoryBuilder().sends("m-", 4, { from: 0, everyMs: 100, queues: ["broker-a:2"] })
    .deliver({ id: "m-1", at: 1_000, queue: "broker-a:2", offset: 1, result: "retry", process: "consumer-G-1" })
    .deliver({ id: "m-2", at: 1_100, queue: "broker-a:2", offset: 2, process: "consumer-G-1" })
    .deliver({ id: "m-3", at: 1_200, queue: "broker-a:2", offset: 3, process: "consumer-G-1" })
    .deliver({ id: "m-1", at: 9_000, queue: "broker-a:2", offset: 1, process: "consumer-G-2" })
    .deliver({ id: "m-2", at: 9_001, queue: "broker-a:2", offset: 2, process: "consumer-G-2" })
    .deliver({ id: "m-3", at: 9_002, queue: "broker-a:2", offset: 3, process: "consumer-G-2" }).build();
  const result = checkDuplicates(events, testContext());
  assert.equal(result.verdict, "pass", result.summary);
  assert.match((result.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /held offset: consumer-G-1 failed broker-a:2@1/);
});

test("one send attempting the same queue twice (retries alternate between two brokers) explains two records of that queue, not a re-read", () => {
  // Seed 4 swarm run 860: attempts on a:5, b:0, a:0, b:0, ... each stored SLAVE_NOT_AVAILABLE;
  // consumer-3 read the message from b:0 at offsets 414 and 415.
  const twice = (offsets: [number, number], attempts: SendAttemptEvent[]): HistoryBuilder => {
    const builder = new HistoryBuilder().send({ id: "m", at: 0, queue: "broker-b:0", status: "SLAVE_NOT_AVAILABLE" });
    for (const event of attempts) builder.raw(event);
    return builder.deliver({ id: "m", at: 10_000, queue: "broker-b:0", offset: offsets[0] }).deliver({ id: "m", at: 10_020, queue: "broker-b:0", offset: offsets[1] });
  };
  const alternating = [attempt(21, "broker-a:5", "ok"), attempt(22, "broker-b:0", "ok"), attempt(44, "broker-a:0", "ok"), attempt(46, "broker-b:0", "ok")];
  const result = checkDuplicates(twice([414, 415], alternating).build(), testContext());
  assert.equal(result.verdict, "pass", result.summary);
  assert.match((result.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /one send attempted broker-b:0 2 times/);
  // One attempt on the queue: two records of it are not the producer's doing.
  assert.equal(checkDuplicates(twice([414, 415], alternating.slice(0, 3)).build(), testContext()).verdict, "fail");
  // The same record read twice is a re-read, which the attempts cannot explain.
  assert.equal(checkDuplicates(twice([414, 414], alternating).build(), testContext()).verdict, "fail");
});

test("a batch's attempts (recorded under its first message's op) explain every member's two copies (seed 11 swarm run 439)", () => {
  // A 3-message batch timed out on broker-a:2 (slow disk) and was stored; the retry stored it on
  // broker-a:3 too. The attempts carry op 1, the batch's first message.
  const batch = (batchId: string | undefined): HistoryBuilder => {
    const builder = new HistoryBuilder();
    for (const id of ["m0", "m1", "m2"]) {
      builder.send({ id, at: 0, queue: "broker-a:2", outcome: "unknown", outcomeAt: 1_001, ...(batchId === undefined ? {} : { batchId }) });
    }
    builder.raw({ ...attempt(1_000, "broker-a:2", "error"), opId: 1 }).raw({ ...attempt(1_001, "broker-a:3", "error"), opId: 1 });
    for (const id of ["m0", "m1", "m2"]) {
      builder.deliver({ id, at: 12_000, queue: "broker-a:2" }).deliver({ id, at: 12_000, queue: "broker-a:3" });
    }
    return builder;
  };
  const result = checkDuplicates(batch("b1").build(), testContext());
  assert.equal(result.verdict, "pass", result.summary);
  assert.equal((result.evidence as DuplicatesEvidence).attributed.items.length, 3);
  // Three single sends with attempts only on the first: the others' copies stay unexplained.
  assert.match(checkDuplicates(batch(undefined).build(), testContext()).summary, /2 duplicates no fault or rebalance explains/);
});
