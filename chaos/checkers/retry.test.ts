import { test } from "node:test";
import assert from "node:assert/strict";
import type { ConsumerGroupSpec } from "../scenario.ts";
import type { CheckContext } from "./context.ts";
import type { RetryEvidence } from "./retry.ts";
import { checkRetry } from "./retry.ts";
import { HistoryBuilder, resentRetryCopyThenPowerLoss, testContext } from "./testing/history_builder.ts";

const group = (extra: Partial<ConsumerGroupSpec> = {}): ConsumerGroupSpec => ({ group: "G", topic: "T", count: 1, ...extra });
const kinds = (evidence: unknown): string[] => (evidence as RetryEvidence).violations.items.map((entry) => `${entry.kind}:${entry.id}`);

test("failures retried after levels 3, 4, 5 (10 s, 30 s, 1 m), then success: passes", () => {
  const events = new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 100, result: "retry" })
    .deliver({ id: "m", at: 10_200, reconsume: 1, result: "retry" })
    .deliver({ id: "m", at: 40_300, reconsume: 2, result: "retry" })
    .deliver({ id: "m", at: 100_400, reconsume: 3 }).build();
  const result = checkRetry(events, testContext({ endMs: 200_000 }));
  assert.equal(result.verdict, "pass", result.summary);
  assert.deepEqual((result.evidence as RetryEvidence).groups[0], { group: "G", maxReconsumeTimes: 16, failures: 3, retries: 3, dlq: 0, dlqRead: false });
});

test("a retry before its level's delay fails, naming the message and the level", () => {
  const events = new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 100, result: "retry" })
    .deliver({ id: "m", at: 10_200, reconsume: 1, result: "retry" })
    .deliver({ id: "m", at: 20_300, reconsume: 2 }).build();
  const result = checkRetry(events, testContext({ endMs: 200_000 }));
  assert.deepEqual(kinds(result.evidence), ["early-retry:m"]);
  assert.match(result.summary, /level 4 asks 30\.0 s/);
});

test("a retry copy stored back later than failure + delay + slack in a calm span fails; a fault or rebalance in between excuses it", () => {
  // Level 3 (10 s) after a failure at 100 ms: due at 10.1 s, judged late when stored back after 13.1 s.
  const late = (storedMs: number, deliveredMs = storedMs + 5_000): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 100, result: "retry" }).deliver({ id: "m", at: deliveredMs, reconsume: 1, extra: { storeTimeMs: storedMs } });
  assert.equal(checkRetry(late(13_000).build(), testContext({ endMs: 200_000 })).verdict, "pass");
  // A consumer that reads a copy stored on time late (a backlog) is not judged here.
  assert.equal(checkRetry(late(10_100, 60_000).build(), testContext({ endMs: 200_000 })).verdict, "pass");
  const result = checkRetry(late(30_100).build(), testContext({ endMs: 200_000 }));
  assert.deepEqual(kinds(result.evidence), ["late-retry:m"]);
  assert.match(result.summary, /stored back at 30\.1 s, 20\.0 s after it was due: failed at 100 ms, level 3 asks 10\.0 s/);
  assert.equal(checkRetry(late(30_100).fault(12_000, 20_000, "crash", "broker-a").build(), testContext({ endMs: 200_000 })).verdict, "pass");
  const moved = late(30_100).join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0"]).join(15_000, "consumer-G-2")
    .rebalance(15_000, "consumer-G-2", ["broker-a:0"]).rebalance(15_000, "consumer-G-1", []).build();
  assert.equal(checkRetry(moved, testContext({ endMs: 200_000 })).verdict, "pass");
});

test("a failure never retried fails; near the end it is not judged", () => {
  const events = new HistoryBuilder().send({ id: "m", at: 0 }).deliver({ id: "m", at: 100, result: "retry" }).build();
  assert.deepEqual(kinds(checkRetry(events, testContext({ endMs: 200_000 })).evidence), ["missing-retry:m"]);
  const near = checkRetry(events, testContext({ endMs: 20_000 }));
  assert.equal(near.verdict, "pass");
  assert.equal((near.evidence as RetryEvidence).notJudgedNearEnd, 1);
});

test("DLQ exactly past maxReconsumeTimes, and never delivered after", () => {
  const context = testContext({ groups: [group({ maxReconsumeTimes: 1, readDlq: true })], endMs: 200_000 });
  const base = (): HistoryBuilder => new HistoryBuilder().send({ id: "p", at: 0 })
    .deliver({ id: "p", at: 100, result: "retry" })
    .deliver({ id: "p", at: 10_200, reconsume: 1, result: "retry" });
  const dlq = { type: "dlq" as const, timeMs: 150_000, process: "consumer-G-1", group: "G", messageId: "p", queue: "broker-a:0", queueOffset: 0, reconsumeTimes: 1 };
  assert.equal(checkRetry(base().raw(dlq).build(), context).verdict, "pass");
  assert.deepEqual(kinds(checkRetry(base().build(), context).evidence), ["missing-from-dlq:p"]);
  assert.deepEqual(kinds(checkRetry(base().raw(dlq).deliver({ id: "p", at: 60_000, reconsume: 2 }).build(), context).evidence), ["delivered-after-dlq:p"]);
  const early = new HistoryBuilder().send({ id: "p", at: 0 }).deliver({ id: "p", at: 100, result: "retry" }).deliver({ id: "p", at: 10_200, reconsume: 1 }).raw(dlq).build();
  assert.deepEqual(kinds(checkRetry(early, context).evidence), ["dlq-too-early:p"]);
});

test("a message that succeeded comes back as a retry: fails unless a fault explains it", () => {
  const events = new HistoryBuilder().send({ id: "m", at: 0 }).deliver({ id: "m", at: 100 }).deliver({ id: "m", at: 10_200, reconsume: 1 });
  assert.deepEqual(kinds(checkRetry(events.build(), testContext({ endMs: 200_000 })).evidence), ["retried-after-success:m"]);
  const explained = events.fault(5_000, 8_000, "crash", "broker-a").build();
  assert.equal(checkRetry(explained, testContext({ endMs: 200_000 })).verdict, "pass");
});

test("a failed send-back's local retry dropped by a queue move: the new holder's re-read at the same level answers it", () => {
  // The failure at 4 s inside a disk-full window; consumer-G-5 loses broker-a:0 at 5 s, before
  // its local retry (5 s later) runs; consumer-G-1 re-reads the same record at level 0.
  const rebalance = (timeMs: number, queues: string[]) => ({ type: "rebalance" as const, timeMs, process: "consumer-G-5", group: "G", topic: "T", queues });
  const build = (options: { fault?: boolean; movedAtMs?: number; rereadStartMs?: number; rereadProcess?: string; rereadOffset?: number }): ReturnType<HistoryBuilder["build"]> => {
    const builder = new HistoryBuilder().send({ id: "m", at: 0 })
      .deliver({ id: "m", at: 4_000, result: "retry", process: "consumer-G-5", extra: { startMs: 3_990, storeTimeMs: 1 } })
      .raw(rebalance(options.movedAtMs ?? 5_000, ["broker-a:1"]))
      .deliver({ id: "m", at: 6_000, process: options.rereadProcess ?? "consumer-G-1", offset: options.rereadOffset, extra: { startMs: options.rereadStartMs ?? 6_000, storeTimeMs: 1 } });
    if (options.fault !== false) builder.fault(3_900, 20_000, "disk-full", "broker-a");
    return builder.build();
  };
  const context = testContext({ endMs: 200_000 });
  assert.deepEqual(kinds(checkRetry(build({}), context).evidence), []);
  // Without a fault the send-back succeeds: the %RETRY% copy is owed.
  assert.deepEqual(kinds(checkRetry(build({ fault: false }), context).evidence), ["missing-retry:m"]);
  // The queue moved only after the local retry was due: that retry should have run.
  assert.deepEqual(kinds(checkRetry(build({ movedAtMs: 9_100 }), context).evidence), ["missing-retry:m"]);
  // The new holder may take the queue a moment before the old one lets go (seed 2 run 1364):
  // a read after the failure counts; the failing consumer's own read counts only once the
  // queue had left it.
  assert.deepEqual(kinds(checkRetry(build({ rereadStartMs: 4_500 }), context).evidence), []);
  assert.deepEqual(kinds(checkRetry(build({ rereadStartMs: 5_500, rereadProcess: "consumer-G-5" }), context).evidence), []);
  assert.deepEqual(kinds(checkRetry(build({ rereadStartMs: 4_500, rereadProcess: "consumer-G-5" }), context).evidence), ["missing-retry:m"]);
  // Another record at the same level is not a re-read of this one.
  assert.deepEqual(kinds(checkRetry(build({ rereadOffset: 7 }), context).evidence), ["missing-retry:m"]);
});

test("inside a fault window an early retry is the client's local fallback (send-back failed), not a violation", () => {
  const events = new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 100, result: "retry" }).deliver({ id: "m", at: 5_200, reconsume: 1 });
  assert.deepEqual(kinds(checkRetry(events.build(), testContext({ endMs: 200_000 })).evidence), ["early-retry:m"]);
  assert.equal(checkRetry(events.fault(50, 3_000, "crash", "broker-a").build(), testContext({ endMs: 200_000 })).verdict, "pass");
});

test("a missing retry is excused only when a forced clean on its broker's full disk deleted the copy", () => {
  const failedThenGone = (): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 7_000, result: "retry" }).fault(8_000, 11_000, "disk-full", "broker-a");
  const digest = (minPhysicalOffset: number) => ({
    type: "store-digest" as const, timeMs: 90_000, node: "broker-a", brokerName: "broker-a", role: "master" as const,
    minPhysicalOffset, maxPhysicalOffset: minPhysicalOffset + 100, sha256: "", chunkSha256: [], chunkSizeBytes: 1_048_576,
  });
  const cleaned = checkRetry([...failedThenGone().build(), digest(65_536)], testContext({ endMs: 200_000 }));
  assert.equal(cleaned.verdict, "pass", cleaned.summary);
  assert.equal((cleaned.evidence as RetryEvidence).excusedByForcedClean, 1);
  assert.match(cleaned.summary, /1 whose copy a forced clean on a full disk deleted/);
  // The store kept every file: the retry copy should have come back.
  assert.deepEqual(kinds(checkRetry([...failedThenGone().build(), digest(0)], testContext({ endMs: 200_000 })).evidence), ["missing-retry:m"]);
});

test("a copy the client re-sent to another broker is excused by a forced clean there, not on the queue's broker (battery seed 14 run 13)", () => {
  // m failed on broker-a at 10.06 s; the send-back failed and the client re-sent the copy to
  // broker-b:0 at 10.12 s; broker-b's disk filled from 14 s to 25 s and its store lost old files.
  const history = (cleanedNode: "broker-a" | "broker-b", minPhysicalOffset: number) => [
    ...new HistoryBuilder().send({ id: "m", at: 10_000, queue: "broker-a:2" })
      .deliver({ id: "m", at: 10_061, result: "retry" })
      .resend({ id: "m", at: 10_122, startAt: 10_121, queue: "broker-b:0", offset: 24 })
      .fault(14_000, 25_000, "disk-full", cleanedNode).build(),
    {
      type: "store-digest" as const, timeMs: 80_000, node: cleanedNode, brokerName: cleanedNode, role: "master" as const,
      minPhysicalOffset, maxPhysicalOffset: minPhysicalOffset + 100, sha256: "", chunkSha256: [], chunkSizeBytes: 1_048_576,
    },
  ];
  const context = testContext({ endMs: 80_000 });
  const cleaned = checkRetry(history("broker-b", 65_536), context);
  assert.equal(cleaned.verdict, "pass", cleaned.summary);
  assert.equal((cleaned.evidence as RetryEvidence).excusedByForcedClean, 1);
  // broker-b kept its files: the re-sent copy should have come back.
  assert.deepEqual(kinds(checkRetry(history("broker-b", 0), context).evidence), ["missing-retry:m"]);
  // A forced clean on the failure's own broker says nothing about a copy stored on broker-b.
  assert.deepEqual(kinds(checkRetry(history("broker-a", 65_536), context).evidence), ["missing-retry:m"]);
});

test("two failures at one level (a replayed copy failed again) pair with their retries in order", () => {
  const events = new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 11_000, result: "retry" })
    .deliver({ id: "m", at: 19_000, result: "retry" })
    .deliver({ id: "m", at: 21_100, reconsume: 1 })
    .deliver({ id: "m", at: 29_100, reconsume: 1 }).build();
  const result = checkRetry(events, testContext({ endMs: 200_000 }));
  assert.deepEqual(kinds(result.evidence).filter((kind) => kind.startsWith("early-retry")), []);
});

test("a failure whose queue moved while it ran is not sent back: the new holder's overlapping success answers it", () => {
  const moved = new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 4_000, result: "retry", process: "consumer-G-5", extra: { startMs: 10 } })
    .deliver({ id: "m", at: 5_000, process: "consumer-G-1", extra: { startMs: 1_000 } }).build();
  assert.deepEqual(kinds(checkRetry(moved, testContext({ endMs: 200_000 })).evidence), []);
  // A success that started only after the failure ended does not answer it.
  const after = new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 4_000, result: "retry", process: "consumer-G-5", extra: { startMs: 10 } })
    .deliver({ id: "m", at: 5_000, process: "consumer-G-1", extra: { startMs: 4_500 } }).build();
  assert.deepEqual(kinds(checkRetry(after, testContext({ endMs: 200_000 })).evidence), ["missing-retry:m"]);
});

test("a missing retry whose copy the client re-sent after a failed send-back is judged where the re-send stored it", () => {
  // The re-sent copy sat on broker-b, which lost power 4.2 s later inside its flush window.
  const context = testContext({ endMs: 200_000 });
  assert.equal(checkRetry(resentRetryCopyThenPowerLoss(), context).verdict, "pass");
  // The copy was not on the failed delivery's queue's master: its power loss explains nothing,
  // though without the re-send (the broker's own send-back stored the copy there) it would.
  assert.deepEqual(kinds(checkRetry(resentRetryCopyThenPowerLoss({ lossOn: "broker-a" }), context).evidence), ["missing-retry:m"]);
  const brokerSendBack = resentRetryCopyThenPowerLoss({ lossOn: "broker-a" }).filter((event) => event.type !== "retry-resend");
  assert.equal(checkRetry(brokerSendBack, context).verdict, "pass");
  // broker-b lost power only after the copy's flush window.
  assert.deepEqual(kinds(checkRetry(resentRetryCopyThenPowerLoss({ lossAtMs: 20_202 + 10_501 }), context).evidence), ["missing-retry:m"]);
});

// Orderly: failures are retried in place (reconsumeTimes counted by the client) until
// maxReconsumeTimes, then the message goes to the DLQ and its queue moves on.
const orderlyDlq = { type: "dlq" as const, timeMs: 150_000, process: "consumer-G-1", group: "G", messageId: "p", queueOffset: 0, queue: "broker-a:0", reconsumeTimes: 2 };
const orderlyFailures = (upTo: number): HistoryBuilder => {
  const builder = new HistoryBuilder().send({ id: "p", at: 0 });
  for (let reconsume = 0; reconsume <= upTo; reconsume++) builder.deliver({ id: "p", at: 100 + reconsume * 1_000, reconsume, result: "retry", extra: { lockHeld: true } });
  return builder;
};

test("orderly: failed in place up to maxReconsumeTimes, then dead-lettered and never seen again: passes", () => {
  const context = testContext({ groups: [group({ orderly: true, maxReconsumeTimes: 2, poisonPercent: 2 })], endMs: 200_000 });
  const result = checkRetry(orderlyFailures(2).raw(orderlyDlq).build(), context);
  assert.equal(result.verdict, "pass", result.summary);
  assert.deepEqual((result.evidence as RetryEvidence).groups[0], { group: "G", maxReconsumeTimes: 2, failures: 3, retries: 2, dlq: 1, dlqRead: true });
});

test("orderly: one more local attempt past maxReconsumeTimes fails as delivered-after-dlq", () => {
  const context = testContext({ groups: [group({ orderly: true, maxReconsumeTimes: 2, poisonPercent: 2 })], endMs: 200_000 });
  assert.deepEqual(kinds(checkRetry(orderlyFailures(3).raw(orderlyDlq).build(), context).evidence), ["delivered-after-dlq:p"]);
});

test("orderly: the local attempt past maxReconsumeTimes is 4.9.x's when the queue's broker was refusing sends (SYSTEM_BUSY) at the DLQ point", () => {
  // Seed 3 swarm run 166: flow control refused the send-back and its re-send; checkReconsumeTimes
  // then suspends and consumes the message once more in place with reconsumeTimes + 1.
  const context = testContext({ groups: [group({ orderly: true, maxReconsumeTimes: 2, poisonPercent: 2 })], endMs: 200_000 });
  const busy = (timeMs: number, broker: string) => ({ type: "attempt" as const, op: "send" as const, timeMs, process: "producer-2", broker,
    queue: `${broker}:1`, outcome: "error" as const, errorName: "MQBrokerError", responseCode: 2, latencyMs: 1 });
  assert.deepEqual(kinds(checkRetry(orderlyFailures(3).raw(busy(2_400, "broker-a")).raw(orderlyDlq).build(), context).evidence), []);
  // Busy elsewhere, or long before: no excuse.
  assert.deepEqual(kinds(checkRetry(orderlyFailures(3).raw(busy(2_400, "broker-b")).raw(orderlyDlq).build(), context).evidence), ["delivered-after-dlq:p"]);
  assert.deepEqual(kinds(checkRetry(orderlyFailures(3).raw(busy(500, "broker-a")).raw(orderlyDlq).build(), context).evidence), ["delivered-after-dlq:p"]);
});

test("orderly: a dead letter missing, or one before maxReconsumeTimes, fails; the unlimited default never dead-letters", () => {
  const context = testContext({ groups: [group({ orderly: true, maxReconsumeTimes: 2, poisonPercent: 2 })], endMs: 200_000 });
  assert.deepEqual(kinds(checkRetry(orderlyFailures(2).build(), context).evidence), ["missing-from-dlq:p"]);
  assert.deepEqual(kinds(checkRetry(orderlyFailures(1).raw(orderlyDlq).build(), context).evidence), ["dlq-too-early:p"]);
  const unlimited = testContext({ groups: [group({ orderly: true, readDlq: true })], endMs: 200_000 });
  assert.equal(checkRetry(orderlyFailures(20).build(), unlimited).verdict, "pass");
  assert.deepEqual(kinds(checkRetry(orderlyFailures(20).raw(orderlyDlq).build(), unlimited).evidence), ["dlq-too-early:p"]);
});

test("orderly: a new holder re-reading the dead-lettered message at reconsumeTimes 0 is excused only by a window", () => {
  const context = testContext({ groups: [group({ orderly: true, maxReconsumeTimes: 2, poisonPercent: 2 })], endMs: 200_000 });
  const reRead = (): HistoryBuilder => orderlyFailures(2).raw(orderlyDlq).deliver({ id: "p", at: 4_000, process: "consumer-G-2", result: "retry", extra: { lockHeld: true } });
  // No fault, no move: the committed offset was past the message, so nothing may read it again.
  assert.deepEqual(kinds(checkRetry(reRead().build(), context).evidence), ["delivered-after-dlq:p"]);
  // consumer-G-1 crashed before its offset past the message was committed: the re-read is by design.
  assert.equal(checkRetry(reRead().fault(2_500, 3_000, "crash", "consumer-G-1").build(), context).verdict, "pass");
  // A fault does not excuse the same process consuming the message once more past the DLQ
  // point at a count other than the failed send-back's r + 1.
  const again = orderlyFailures(2).raw(orderlyDlq).deliver({ id: "p", at: 4_000, reconsume: 4, result: "retry", extra: { lockHeld: true } })
    .fault(2_500, 3_000, "crash", "broker-b").build();
  assert.deepEqual(kinds(checkRetry(again, context).evidence), ["delivered-after-dlq:p"]);
});

test("two stored copies of a message (a late-answered send-back plus the client's re-send) failing at the DLQ point are no return from the DLQ; the same copy again is", () => {
  const context = testContext({ groups: [group({ maxReconsumeTimes: 1 })], endMs: 200_000 });
  const dlq = (offset: number) => ({ type: "dlq" as const, timeMs: 150_000, process: "consumer-G-1", group: "G", messageId: "p", queue: "broker-a:0", queueOffset: offset, reconsumeTimes: 1 });
  const copies = (secondQueueOffset: number): HistoryBuilder => new HistoryBuilder().send({ id: "p", at: 0 })
    .deliver({ id: "p", at: 100, result: "retry" })
    .deliver({ id: "p", at: 10_200, reconsume: 1, result: "retry", queue: "broker-a:0", offset: 7 })
    .deliver({ id: "p", at: 10_201, reconsume: 1, result: "retry", queue: "broker-a:0", offset: secondQueueOffset })
    .raw(dlq(0)).raw(dlq(1));
  const parallel = checkRetry(copies(8).build(), context);
  assert.equal(parallel.verdict, "pass", parallel.summary);
  assert.deepEqual(kinds(checkRetry(copies(7).build(), context).evidence), ["delivered-after-dlq:p"]);
});

test("a failure at maxReconsumeTimes − 1 whose send-back the client re-sent goes to the DLQ at once (4.9.x counts the re-sent copy's r + 1)", () => {
  const context = testContext({ groups: [group({ maxReconsumeTimes: 2 })], endMs: 200_000 });
  const dlq = { type: "dlq" as const, timeMs: 150_000, process: "consumer-G-1", group: "G", messageId: "p", queue: "broker-b:0", queueOffset: 0, reconsumeTimes: 2 };
  const base = (): HistoryBuilder => new HistoryBuilder().send({ id: "p", at: 0 })
    .deliver({ id: "p", at: 100, result: "retry" }).deliver({ id: "p", at: 10_200, reconsume: 1, result: "retry" });
  const resent = checkRetry(base().resend({ id: "p", at: 10_230, reconsume: 1 }).raw(dlq).build(), context);
  assert.equal(resent.verdict, "pass", resent.summary);
  // Without the re-send the broker took the send-back: a retry at reconsumeTimes 2 was due, and
  // a dead letter without a failure at 2 came too early.
  assert.deepEqual(kinds(checkRetry(base().raw(dlq).build(), context).evidence), ["missing-retry:p", "dlq-too-early:p"]);
  // A re-send below max − 1 is an ordinary retry copy: its retry is still due.
  assert.deepEqual(kinds(checkRetry(new HistoryBuilder().send({ id: "p", at: 0 }).deliver({ id: "p", at: 100, result: "retry" })
    .resend({ id: "p", at: 130 }).build(), context).evidence), ["missing-retry:p"]);
});

test("a failure whose local retry an expire scan sent back, failing, re-sent at r + 2: at max 2 it went to the DLQ (seed 6 swarm run 923)", () => {
  // Failed at 0 (100 ms); the send-back failed, so the client counted 1 and parked a local
  // retry; the expire scan sent the record back first, failed again, and re-sent it with 2.
  const context = testContext({ groups: [group({ maxReconsumeTimes: 2 })], endMs: 200_000 });
  const history = (reconsume: number, fromOffset?: number) => {
    const builder = new HistoryBuilder().send({ id: "p", at: 0 }).deliver({ id: "p", at: 100, result: "retry" })
      .resend({ id: "p", at: 3_150, reconsume });
    const events = builder.build();
    return fromOffset === undefined ? events : events.map((event) => event.type === "retry-resend" ? { ...event, fromQueueOffset: fromOffset } : event);
  };
  const result = checkRetry(history(1), context);
  assert.equal(result.verdict, "pass", result.summary);
  // The re-send of another record (another queue offset) says nothing about this failure.
  assert.deepEqual(kinds(checkRetry(history(1, 9), context).evidence), ["missing-retry:p"]);
  // With maxReconsumeTimes 3 the re-sent copy (count 2) is an ordinary retry copy: a retry is due.
  assert.deepEqual(kinds(checkRetry(history(1), testContext({ groups: [group({ maxReconsumeTimes: 3 })], endMs: 200_000 })).evidence), ["missing-retry:p"]);
});

test("a forward clock skew on a master holds a level's later retry copies behind the skewed ones (seed 6 swarm run 1035)", () => {
  // broker-b ran 8 s ahead from 12 s to 15 s: a's copy, sent back at 13 s, is due by broker-b's
  // clock at 31 s; b failed at 19 s (due 29 s) and its copy waits in the level's queue behind a's.
  const skew = (target: string, offsetMs: number) => [{ atMs: 12_000, healAtMs: 15_000, fault: { kind: "clock-skew" as const, target, offsetMs } }];
  const history = (storedMs: number, target = "broker-b") => new HistoryBuilder()
    .send({ id: "a", at: 0, queue: "broker-b:0", offset: 0 }).send({ id: "b", at: 1, queue: "broker-b:0", offset: 1 })
    .fault(12_000, 15_000, "clock-skew", target)
    .deliver({ id: "a", at: 13_000, result: "retry" }).deliver({ id: "b", at: 19_000, result: "retry" })
    .deliver({ id: "a", at: 31_100, reconsume: 1, extra: { storeTimeMs: 31_000 } })
    .deliver({ id: "b", at: storedMs + 100, reconsume: 1, extra: { storeTimeMs: storedMs } }).build();
  // Short intervals: a fault window settles 3 s after its heal, before b's failure.
  const context = (target: string, offsetMs = 8_000) => {
    const base = testContext({ endMs: 200_000, faults: skew(target, offsetMs) });
    return { ...base, intervals: { ...base.intervals, rebalanceMs: 1_000, offsetPersistMs: 1_000 } };
  };
  const held = checkRetry(history(32_200), context("broker-b"));
  assert.equal(held.verdict, "pass", held.summary);
  // Not held: past heal + offset + delay (+ slack), a skew on the other master, a backward skew.
  assert.deepEqual(kinds(checkRetry(history(37_000), context("broker-b")).evidence), ["late-retry:b"]);
  assert.deepEqual(kinds(checkRetry(history(32_200, "broker-a"), context("broker-a")).evidence), ["late-retry:b"]);
  assert.deepEqual(kinds(checkRetry(history(32_200), context("broker-b", -8_000)).evidence), ["late-retry:b"]);
});

test("a queue that left its consumer while the listener ran drops the result: the new holder's re-read at the same level is no missing retry", () => {
  const context = testContext({ groups: [group({ count: 2 })], endMs: 200_000 });
  const moved = (movedMs: number): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 0 })
    .rebalance(10, "consumer-G-1", ["broker-a:0"])
    .deliver({ id: "m", at: 14_035, result: "retry", extra: { startMs: 14_015, storeTimeMs: 0 } })
    .rebalance(movedMs, "consumer-G-1", [])
    .deliver({ id: "m", at: 15_021, process: "consumer-G-2", extra: { startMs: 15_001, storeTimeMs: 0 } });
  const dropped = checkRetry(moved(14_018).build(), context);
  assert.equal(dropped.verdict, "pass", dropped.summary);
  // The queue left after the listener returned: the result counted, a retry was due.
  assert.deepEqual(kinds(checkRetry(moved(14_036 + 5_000).build(), context).evidence), ["missing-retry:m"]);
});

test("a queue that left its consumer while the listener ran and came back: the same consumer's re-read at the same level is no missing retry", () => {
  const context = testContext({ groups: [group({ count: 2 })], endMs: 200_000 });
  // Seed 1 swarm run 1427: consumer-1 was out of its own allocation for half a second.
  const history = (leftMs: number): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 0 })
    .rebalance(10, "consumer-G-1", ["broker-a:0"])
    .deliver({ id: "m", at: 18_132, result: "retry", extra: { startMs: 14_132, storeTimeMs: 0 } })
    .rebalance(leftMs, "consumer-G-1", [])
    .rebalance(leftMs + 504, "consumer-G-1", ["broker-a:0"])
    .deliver({ id: "m", at: 26_132, extra: { startMs: 22_132, storeTimeMs: 0 } });
  const verdict = checkRetry(history(16_726).build(), context);
  assert.equal(verdict.verdict, "pass", verdict.summary);
  // The queue left after the listener returned: the result counted and a retry copy was due;
  // the consumer's own re-read at the same level does not stand for it.
  assert.deepEqual(kinds(checkRetry(history(18_200).build(), context).evidence), ["missing-retry:m"]);
});

test("a process queue replaced in place (pull expired) while the listener ran: the same consumer's second hand-out is no missing retry (seed 6 swarm run 790)", () => {
  const context = testContext({ groups: [group({ count: 2 })], endMs: 200_000 });
  // Handed out at 14.1 s (a 4 s listener), the queue replaced at 16.0 s, handed out again at 16.0 s.
  const history = (replacedMs: number, againStartMs = 16_025): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 0 })
    .rebalance(10, "consumer-G-1", ["broker-a:0"])
    .deliver({ id: "m", at: 18_076, result: "retry", extra: { startMs: 14_076, storeTimeMs: 0 } })
    .rebalance(replacedMs, "consumer-G-1", ["broker-a:0"])
    .deliver({ id: "m", at: againStartMs + 4_000, extra: { startMs: againStartMs, storeTimeMs: 0 } });
  const verdict = checkRetry(history(16_018).build(), context);
  assert.equal(verdict.verdict, "pass", verdict.summary);
  // Replaced after the listener returned: the result counted and a retry copy was due.
  assert.deepEqual(kinds(checkRetry(history(18_100, 18_105).build(), context).evidence), ["missing-retry:m"]);
  // A second hand-out after the first listener returned is no sign of a replaced process queue.
  assert.deepEqual(kinds(checkRetry(history(16_018, 18_200).build(), context).evidence), ["missing-retry:m"]);
});

test("a failure waiting for its local retry when its process queue was replaced in place: a re-read at the same level is no missing retry (seed 8 swarm run 1370)", () => {
  const context = testContext({ groups: [group({ count: 2 })], endMs: 200_000 });
  // consumer-G-1 failed m at 10.1 s under a slow disk (its send-back refused: a local retry due at
  // 15.1 s); its process queues were replaced at 14.0 s and m was read again at the same level.
  const history = (reReader: string, reReadMs: number, replacedSet = true): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 0 })
    .fault(9_000, 12_000, "slow-disk", "broker-a")
    .rebalance(10, "consumer-G-1", ["broker-a:0", "broker-a:1"])
    .deliver({ id: "m", at: 10_076, result: "retry", extra: { startMs: 10_076, storeTimeMs: 0 } })
    .rebalance(14_010, "consumer-G-1", replacedSet ? ["broker-a:0", "broker-a:1"] : ["broker-a:0", "broker-a:1", "broker-a:2"])
    .deliver({ id: "m", at: reReadMs, process: reReader, extra: { startMs: reReadMs, storeTimeMs: 0 } });
  for (const [reReader, replacedSet] of [["consumer-G-1", false], ["consumer-G-1", true], ["consumer-G-2", true]] as const) {
    const verdict = checkRetry(history(reReader, 14_008, replacedSet).build(), context);
    assert.equal(verdict.verdict, "pass", `${reReader}: ${verdict.summary}`);
  }
  // Another consumer's re-read without the failing one's queues replaced: its local retry was due.
  assert.deepEqual(kinds(checkRetry(history("consumer-G-2", 14_008, false).build(), context).evidence), ["missing-retry:m"]);
  // A re-read after the local retry would have run says nothing about it.
  assert.deepEqual(kinds(checkRetry(history("consumer-G-1", 16_000).build(), context).evidence), ["missing-retry:m"]);
});

test("a replacement named by a round that also moved another queue drops the local retry: another holder's earlier re-read answers it (seed 1 swarm run 741 of the tried tag-subscription draw)", () => {
  const context = testContext({ groups: [group({ count: 2 })], endMs: 200_000 });
  // During a partition both consumers held broker-a:0: consumer-G-2 read m successfully at 22.3 s;
  // consumer-G-1 had failed m at 14.0 s, its send-backs hung until 29.2 s (local retry due 34.2 s),
  // and its expired process queue was replaced in the round that also gave up broker-a:1.
  const history = (replaced: boolean): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 10_000 })
    .fault(12_000, 27_000, "partition-halves", "cluster")
    .rebalance(10, "consumer-G-1", ["broker-a:0", "broker-a:1"])
    .deliver({ id: "m", at: 14_018, result: "retry", extra: { startMs: 14_018, storeTimeMs: 10_000 } })
    .deliver({ id: "m", at: 22_265, process: "consumer-G-2", extra: { startMs: 22_265, storeTimeMs: 10_000 } })
    .raw({ type: "rebalance", timeMs: 29_171, process: "consumer-G-1", group: "G", topic: "T", queues: ["broker-a:0"], ...(replaced ? { replaced: ["broker-a:0"] } : {}) })
    .raw({ type: "local-retry", timeMs: 29_173, process: "consumer-G-1", group: "G", topic: "T", queue: "broker-a:0", messages: [{ messageId: "m", queueOffset: 0, reconsumeTimes: 1 }], dueMs: 34_173 });
  const result = checkRetry(history(true).build(), context);
  assert.equal(result.verdict, "pass", result.summary);
  // The same snapshot without `replaced` only says broker-a:1 left: the local retry was due.
  assert.deepEqual(kinds(checkRetry(history(false).build(), context).evidence), ["missing-retry:m"]);
});

test("a replacement is dated by its drop, not by the round's later report (seed 1 swarm run 741 of the tried tag-subscription draw)", () => {
  const context = testContext({ groups: [group({ count: 2 })], endMs: 200_000 });
  // consumer-G-1 failed m at 14.1 s, its local retry parked at 22.1 s (due 27.1 s); consumer-G-2
  // read m at 22.1 s; consumer-G-1's expired process queue was dropped at 27.0 s, but the round
  // reported only at 29.2 s, once the offset persist to the hung broker gave up (the run's
  // broker-b:1 and broker-b:3, dropped at 28.0 s, reported at 29.2 s).
  const history = (replacedAtMs: number | undefined): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 10_000 })
    .fault(12_000, 27_000, "partition-halves", "cluster")
    .rebalance(10, "consumer-G-1", ["broker-a:0", "broker-a:1"])
    .deliver({ id: "m", at: 14_140, result: "retry", extra: { startMs: 14_140, storeTimeMs: 10_000 } })
    .raw({ type: "local-retry", timeMs: 22_140, process: "consumer-G-1", group: "G", topic: "T", queue: "broker-a:0", messages: [{ messageId: "m", queueOffset: 0, reconsumeTimes: 1 }], dueMs: 27_140 })
    .deliver({ id: "m", at: 26_091, process: "consumer-G-2", extra: { startMs: 22_091, storeTimeMs: 10_000 } })
    .raw({ type: "rebalance", timeMs: 29_174, process: "consumer-G-1", group: "G", topic: "T", queues: ["broker-a:0", "broker-a:1"], replaced: ["broker-a:0"], ...(replacedAtMs === undefined ? {} : { replacedAtMs }) });
  const result = checkRetry(history(27_004).build(), context);
  assert.equal(result.verdict, "pass", result.summary);
  // Dated by the report, the replacement came after the local retry was due.
  assert.deepEqual(kinds(checkRetry(history(undefined).build(), context).evidence), ["missing-retry:m"]);
});

test("a re-read by the replaced process queue after its first pull failed and waited its retry delay answers the dropped local retry (seed 19 swarm run 1322)", () => {
  const context = testContext({ groups: [group({ count: 2 })], endMs: 200_000 });
  // consumer-G-1 failed m at 23.0 s (send-back refused: the local retry parked at 29.3 s, due at
  // 34.3 s); its queues were replaced at 29.0 s, the new process queue's pull failed at once and
  // retried 3 s later, reading m again at the same level at 32.0 s.
  const history = (pullError: boolean): HistoryBuilder => {
    const builder = new HistoryBuilder().send({ id: "m", at: 11_000 })
      .rebalance(10, "consumer-G-1", ["broker-a:0"])
      .deliver({ id: "m", at: 23_015, result: "retry", extra: { startMs: 23_015, storeTimeMs: 11_000 } })
      .rebalance(29_001, "consumer-G-1", ["broker-a:0"])
      .raw({ type: "local-retry", timeMs: 29_322, process: "consumer-G-1", group: "G", topic: "T", queue: "broker-a:0", messages: [{ messageId: "m", queueOffset: 0, reconsumeTimes: 1 }], dueMs: 34_322 });
    if (pullError) builder.raw({ type: "pull-error", timeMs: 29_001, process: "consumer-G-1", group: "G", topic: "T", queue: "broker-a:0", requestOffset: 0, error: "SUBSCRIPTION_NOT_LATEST", retryInMs: 3_000 });
    return builder.deliver({ id: "m", at: 32_002, extra: { startMs: 32_002, storeTimeMs: 11_000 } });
  };
  const result = checkRetry(history(true).build(), context);
  assert.equal(result.verdict, "pass", result.summary);
  // Without the failed pull nothing explains a re-read 3 s after the pass: the local retry was due.
  assert.deepEqual(kinds(checkRetry(history(false).build(), context).evidence), ["missing-retry:m"]);
});

test("a local retry parked late (the batch's send-backs outlasted a pause) is dropped by a replacement before it runs: a re-read at the same level answers it (seed 11 swarm run 1440)", () => {
  const context = testContext({ groups: [group({ count: 2 })], endMs: 200_000 });
  // consumer-G-1 failed m at 18.0 s; the batch's send-backs were refused one after another until
  // the consumer paused at 20 s; on resume (29 s) its pull-expired process queue was replaced
  // (29.006 s) and m read again at level 0 (29.025 s); the loop ended and parked m's local retry
  // at 29.114 s, due 34.114 s, when its process queue was long dropped.
  const history = (options: { parkedMs?: number; reReadMs?: number; replacedMs?: number }): HistoryBuilder => {
    const builder = new HistoryBuilder().send({ id: "m", at: 0 })
      .rebalance(10, "consumer-G-1", ["broker-a:0"])
      .deliver({ id: "m", at: 18_046, result: "retry", extra: { startMs: 18_046, storeTimeMs: 0 } })
      .node(20_000, "consumer-G-1", "pause").node(29_000, "consumer-G-1", "resume")
      .rebalance(options.replacedMs ?? 29_006, "consumer-G-1", ["broker-a:0"])
      .deliver({ id: "m", at: options.reReadMs ?? 29_025, extra: { startMs: options.reReadMs ?? 29_025, storeTimeMs: 0 } });
    if (options.parkedMs === undefined) return builder;
    return builder.raw({
      type: "local-retry", timeMs: options.parkedMs, process: "consumer-G-1", group: "G", topic: "T", queue: "broker-a:0",
      messages: [{ messageId: "m", queueOffset: 0, reconsumeTimes: 1 }], dueMs: options.parkedMs + 5_000,
    });
  };
  const parked = checkRetry(history({ parkedMs: 29_114 }).build(), context);
  assert.equal(parked.verdict, "pass", parked.summary);
  // Without the park event the retry is taken as due 5 s after the failure, long before the replacement.
  assert.deepEqual(kinds(checkRetry(history({}).build(), context).evidence), ["missing-retry:m"]);
  // Parked at 19 s (due 24 s), the timer fires at the resume (29 s): a replacement after it ran says nothing.
  assert.deepEqual(kinds(checkRetry(history({ parkedMs: 19_000, replacedMs: 29_500, reReadMs: 29_510 }).build(), context).evidence), ["missing-retry:m"]);
  // A re-read after the parked retry ran does not stand for it.
  assert.deepEqual(kinds(checkRetry(history({ parkedMs: 29_114, replacedMs: 34_200, reReadMs: 34_210 }).build(), context).evidence), ["missing-retry:m"]);
});

test("a failed local retry's copy comes back at the stored record's level + 1 (4.9.x counts from the commit log), not the local count + 1", () => {
  const context = testContext({ groups: [group()], endMs: 200_000 });
  const faults = [{ atMs: 18_000, healAtMs: 29_000, fault: { kind: "namesrv-all-down" as const } }];
  // Failure at 0 (send-back answered too late: local retry at 1 five seconds later, same record),
  // the local retry fails; the broker stored copies counted from the record: back at 1, 10 s later.
  const history = (copyMs: number): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 21_150 })
    .deliver({ id: "m", at: 21_179, result: "retry", offset: 14, extra: { storeTimeMs: 21_155 } })
    .deliver({ id: "m", at: 26_213, reconsume: 1, result: "retry", offset: 14, extra: { storeTimeMs: 21_155 } })
    .deliver({ id: "m", at: 31_207, reconsume: 1, queue: "broker-b:0", offset: 14, extra: { storeTimeMs: 31_185 } })
    .deliver({ id: "m", at: copyMs, reconsume: 1, queue: "broker-b:0", offset: 17, extra: { storeTimeMs: copyMs - 20 } });
  const result = checkRetry(history(36_239).build(), { ...context, faults });
  assert.equal(result.verdict, "pass", result.summary);
  // No copy after the record level's delay: the local retry's retry is missing.
  assert.deepEqual(kinds(checkRetry(history(33_000).build(), { ...context, faults }).evidence), ["missing-retry:m"]);
});

test("two stored copies of one message failing in one batch pair with their own local retries, in either order (seed 16 swarm run 1098)", () => {
  // A batch the producer sent three times stored m at offsets 171, 175 and 179; the consumer
  // failed the copies at 175 and 179 in one batch at 30.0 s, both send-backs failed, and the two
  // local retries ran 5 s later, 179's first. Neither is a send-back retry due 10 s later.
  const context = testContext({ groups: [group()], endMs: 200_000 });
  const history = (secondRetryOffset: number): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 26_600 })
    .deliver({ id: "m", at: 30_016, result: "retry", offset: 175, extra: { storeTimeMs: 26_656 } })
    .deliver({ id: "m", at: 30_016, result: "retry", offset: 179, extra: { storeTimeMs: 26_678 } })
    .deliver({ id: "m", at: 35_020, reconsume: 1, offset: 179, extra: { storeTimeMs: 26_678 } })
    .deliver({ id: "m", at: 35_024, reconsume: 1, offset: secondRetryOffset, extra: { storeTimeMs: secondRetryOffset === 175 ? 26_656 : 40_000 } });
  const result = checkRetry(history(175).build(), context);
  assert.equal(result.verdict, "pass", result.summary);
  // The 175 copy's retry is not its local retry (another record, 5 s after the failure): early.
  assert.deepEqual(kinds(checkRetry(history(180).build(), context).evidence), ["early-retry:m"]);
});

test("a local retry at maxReconsumeTimes of a record below it is not dead-lettered: the broker counts the record", () => {
  const context = testContext({ groups: [group({ maxReconsumeTimes: 1, readDlq: true })], endMs: 200_000 });
  const faults = [{ atMs: 0, healAtMs: 8_000, fault: { kind: "namesrv-all-down" as const } }];
  const history = new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 100, result: "retry", extra: { storeTimeMs: 1 } })
    .deliver({ id: "m", at: 5_100, reconsume: 1, result: "retry", extra: { storeTimeMs: 1 } })
    .deliver({ id: "m", at: 15_200, reconsume: 1, queue: "broker-b:0", offset: 3, extra: { storeTimeMs: 15_150 } }).build();
  const result = checkRetry(history, { ...context, faults });
  assert.equal(result.verdict, "pass", result.summary);
});

test("a retry late for a failed local retry is on time for the failure of that local retry's copy", () => {
  const context = testContext({ groups: [group()], endMs: 200_000 });
  // Failure at 0 (send-back refused: local retry at 1 five seconds later, same record); the local
  // retry fails, its copy comes back at 1 (the record's level + 1) 10 s later and fails; that
  // copy's retry at 2 comes 30 s after it — 40 s after the local retry's failure.
  const history = (retryStoreMs: number): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 25_076 })
    .deliver({ id: "m", at: 25_118, result: "retry", queue: "broker-a:1", offset: 2, extra: { storeTimeMs: 25_097 } })
    .deliver({ id: "m", at: 30_151, reconsume: 1, result: "retry", queue: "broker-a:1", offset: 2, extra: { storeTimeMs: 25_097 } })
    .deliver({ id: "m", at: 40_193, reconsume: 1, result: "retry", queue: "broker-a:0", offset: 0, extra: { storeTimeMs: 40_172 } })
    .deliver({ id: "m", at: retryStoreMs + 20, reconsume: 2, queue: "broker-a:0", offset: 2, extra: { storeTimeMs: retryStoreMs } });
  const result = checkRetry(history(70_213).build(), context);
  assert.equal(result.verdict, "pass", result.summary);
  // Ten seconds past the copy's failure + 30 s as well: late.
  assert.deepEqual(kinds(checkRetry(history(80_213).build(), context).evidence), ["late-retry:m"]);
});

test("a retry of one producer-retry copy after the other copy succeeded is that copy's retry, not a retry after success", () => {
  const context = testContext({ groups: [group()], endMs: 200_000 });
  // The send's first attempt (broker-a:2) timed out at the client yet was stored; its retry stored
  // a copy on broker-b:2. That copy failed, the other succeeded, then the failed copy's retry came.
  const history = (failedQueue: string): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 27_460, queue: "broker-b:2" })
    .deliver({ id: "m", at: 28_484, queue: failedQueue, result: "retry" })
    .deliver({ id: "m", at: 37_924, queue: "broker-a:2" })
    .deliver({ id: "m", at: 38_487, reconsume: 1, queue: "broker-b:0", offset: 86 });
  const result = checkRetry(history("broker-b:2").build(), context);
  assert.equal(result.verdict, "pass", result.summary);
  // One copy: the failure and the success on the same queue, then a retry: retried after success.
  assert.deepEqual(kinds(checkRetry(history("broker-a:2").build(), context).evidence), ["retried-after-success:m"]);
});

test("a consumer that died before its send-back was answered leaves the message to the queue's next holder at the same count", () => {
  const context = testContext({ groups: [group()], endMs: 200_000 });
  const history = (died: boolean): HistoryBuilder => {
    const builder = new HistoryBuilder().send({ id: "m", at: 20_549, queue: "broker-b:3" })
      .deliver({ id: "m", at: 21_049, queue: "broker-b:3", offset: 50, result: "retry", process: "consumer-G-2", extra: { storeTimeMs: 20_550 } });
    if (died) builder.node(22_000, "consumer-G-2", "power-loss");
    return builder.deliver({ id: "m", at: 29_014, queue: "broker-b:3", offset: 50, process: "consumer-G-1", extra: { storeTimeMs: 20_550 } });
  };
  const result = checkRetry(history(true).build(), context);
  assert.equal(result.verdict, "pass", result.summary);
  assert.deepEqual(kinds(checkRetry(history(false).build(), context).evidence), ["missing-retry:m"]);
});

test("a consumer stopped cleanly while a failed message waited for its local retry leaves it to the next holder at the same count", () => {
  const context = testContext({ groups: [group()], endMs: 200_000 });
  const history = (stopMs: number): HistoryBuilder => new HistoryBuilder().send({ id: "m", at: 1_624, queue: "broker-a:2" })
    .deliver({ id: "m", at: 1_651, queue: "broker-a:2", offset: 3, result: "retry", process: "consumer-G-1", extra: { storeTimeMs: 1_644 } })
    .node(stopMs, "consumer-G-1", "stop")
    .deliver({ id: "m", at: 30_011, queue: "broker-a:2", offset: 3, process: "consumer-G-2", extra: { storeTimeMs: 1_644 } });
  assert.equal(checkRetry(history(6_003).build(), context).verdict, "pass");
  // Stopped long after the local retry was due: its retry should have come.
  assert.deepEqual(kinds(checkRetry(history(25_000).build(), context).evidence), ["missing-retry:m"]);
});

test("a failure waiting for its local retry, expired by the consume-timeout scan: the local retry's success and a copy one level above both come", () => {
  // Seed 3 swarm run 1104: the send-back failed (broker busy) at 19.2 s, the message waited 5 s
  // for its local retry with its first consume start, the 2 s consume timeout sent it back at 23.0 s.
  const history = new HistoryBuilder().send({ id: "m", at: 19_195 })
    .deliver({ id: "m", at: 19_219, result: "retry", extra: { startMs: 19_219, storeTimeMs: 19_216 } })
    .deliver({ id: "m", at: 24_230, reconsume: 1, extra: { startMs: 24_230, storeTimeMs: 19_216 } })
    .deliver({ id: "m", at: 53_022, reconsume: 2, queue: "broker-b:0", offset: 47, extra: { startMs: 53_022, storeTimeMs: 53_020 } })
    .build();
  const timedOut = checkRetry(history, testContext({ groups: [group({ consumeTimeoutMs: 2_000 })], endMs: 200_000 }));
  assert.equal(timedOut.verdict, "pass", timedOut.summary);
  // With a consume timeout longer than the wait, no scan could have sent it back.
  assert.deepEqual(kinds(checkRetry(history, testContext({ groups: [group({ consumeTimeoutMs: 10_000 })], endMs: 200_000 })).evidence), ["retried-after-success:m"]);
});

test("a failure waiting for its local retry, expired by the consume-timeout scan: the scan's copy is due a level's delay after the scan, not after the failure", () => {
  // Seed 4 swarm run 1049: m failed at 10.4 s and again (re-read after a power loss) at 27.0 s;
  // the busy broker refused the second send-back and re-send, so m waited for its local retry
  // (32.1 s) with its first consume start; the 2 s consume-timeout scan sent it back at 31.0 s
  // and the copy came 10 s later, 4.1 s after the failure's own due time. The first failure's
  // retry pairs with the local retry, the second with the scan's copy.
  const history = new HistoryBuilder().send({ id: "m", at: 10_301 })
    .deliver({ id: "m", at: 10_381, result: "retry", offset: 15, extra: { startMs: 10_381, storeTimeMs: 10_381 } })
    .fault(11_000, 15_000, "power-loss", "broker-a")
    .deliver({ id: "m", at: 15_003, offset: 15, process: "consumer-G-2", extra: { startMs: 15_003, storeTimeMs: 10_381 } })
    .deliver({ id: "m", at: 27_009, result: "retry", offset: 15, extra: { startMs: 27_009, storeTimeMs: 10_381 } })
    .deliver({ id: "m", at: 32_132, reconsume: 1, offset: 15, extra: { startMs: 32_132, storeTimeMs: 10_381 } })
    .deliver({ id: "m", at: 41_123, reconsume: 1, queue: "broker-a:1", offset: 28, extra: { startMs: 41_123, storeTimeMs: 41_123 } })
    .build();
  const faults = [{ atMs: 11_000, healAtMs: 15_000, fault: { kind: "power-loss" as const, target: "broker-a" } }];
  // The run's short intervals: the power loss's window (heal + settle) ends long before 27 s.
  const context = (consumeTimeoutMs: number): CheckContext => {
    const built = testContext({ groups: [group({ consumeTimeoutMs })], faults, endMs: 200_000 });
    built.intervals = { ...built.intervals, rebalanceMs: 1_000, offsetPersistMs: 3_000 };
    return built;
  };
  const scanned = checkRetry(history, context(2_000));
  assert.equal(scanned.verdict, "pass", scanned.summary);
  // With a consume timeout longer than the wait no scan could have sent it back: the copy is late.
  const late = checkRetry(history, context(10_000));
  assert.deepEqual(kinds(late.evidence), ["late-retry:m"], late.summary);
});

test("a retry paired with a later failure is not early when an earlier delivery at its level outlasted consumeTimeout (battery seed 25 run 1273)", () => {
  // m's listener ran 31.0–35.0 s (consumeTimeout 2 s): the expire scan sent it back from 33.0 s
  // on, level 3, due from 43.0 s. The record came again (a rebalance replay) and failed at 38.0 s;
  // the copy at 45.0 s is the scan's, not an early one of the 38.0 s failure's (due 48.0 s).
  const history = (firstListenerMs: number) => new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 31_000 + firstListenerMs, extra: { startMs: 31_000 } })
    .deliver({ id: "m", at: 38_000, result: "retry", extra: { startMs: 38_000 } })
    .deliver({ id: "m", at: 45_000, reconsume: 1, extra: { startMs: 45_000, storeTimeMs: 45_000 } })
    .deliver({ id: "m", at: 48_000, reconsume: 1, extra: { startMs: 48_000, storeTimeMs: 48_000 } }).build();
  const context = testContext({ groups: [group({ consumeTimeoutMs: 2_000 })], endMs: 200_000 });
  const scanned = checkRetry(history(4_000), context);
  assert.equal(scanned.verdict, "pass", scanned.summary);
  // A first listener within consumeTimeout was never scanned: the 45.0 s copy is early for 38.0 s.
  assert.ok(kinds(checkRetry(history(1_000), context).evidence).includes("early-retry:m"));
});
