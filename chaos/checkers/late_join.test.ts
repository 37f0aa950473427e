import { test } from "node:test";
import assert from "node:assert/strict";
import type { ConsumerGroupSpec } from "../scenario.ts";
import type { LateJoinEvidence } from "./late_join.ts";
import { checkLateJoin } from "./late_join.ts";
import { HistoryBuilder, lostOffsetsAfterCrash, testContext, topologyFacts } from "./testing/history_builder.ts";

const late = (consumeFromWhere: ConsumerGroupSpec["consumeFromWhere"], extra: Partial<ConsumerGroupSpec> = {}): ConsumerGroupSpec =>
  ({ group: "L", topic: "T", count: 1, startAtMs: 50_000, consumeFromWhere, ...extra });
/** m-0..m-3 stored before L joins at 50 s, m-4..m-5 after. */
const stored = (): HistoryBuilder => new HistoryBuilder().sends("m-", 4, { from: 0, everyMs: 1000 })
  .send({ id: "m-4", at: 60_000, offset: 4 }).send({ id: "m-5", at: 61_000, offset: 5 })
  .join(50_000, "consumer-L-1", "L").rebalance(50_100, "consumer-L-1", ["broker-a:0"], "L");
const kinds = (evidence: unknown): string[] => (evidence as LateJoinEvidence).violations.items.map((entry) => `${entry.kind}:${entry.id}`);

test("young queue rule: a LAST_OFFSET group joining a queue whose min offset is 0 starts at 0", () => {
  const context = testContext({ groups: [late("CONSUME_FROM_LAST_OFFSET")] });
  const all = stored().deliverAll(["m-0", "m-1", "m-2", "m-3"], 51_000, { group: "L" }).deliverAll(["m-4", "m-5"], 10, { group: "L" }).build();
  const result = checkLateJoin(all, context);
  assert.equal(result.verdict, "pass", result.summary);
  assert.match((result.evidence as LateJoinEvidence).starts.items[0]?.rule ?? "", /young queue/);
  // Starting at the max offset skips what the young-queue rule says it must read.
  const fromMax = stored().deliverAll(["m-4", "m-5"], 10, { group: "L" }).build();
  assert.deepEqual(kinds(checkLateJoin(fromMax, context).evidence), ["skipped:m-0", "skipped:m-1", "skipped:m-2", "skipped:m-3"]);
});

test("old queues: LAST_OFFSET starts at the max offset at the join; replaying older messages fails", () => {
  const context = testContext({ groups: [late("CONSUME_FROM_LAST_OFFSET")] });
  const fromMax = stored().deliverAll(["m-4", "m-5"], 10, { group: "L" }).build();
  const result = checkLateJoin(fromMax, context, { youngQueues: false });
  assert.equal(result.verdict, "pass", result.summary);
  assert.equal((result.evidence as LateJoinEvidence).starts.items[0]?.expectedStart, 4);
  const replay = stored().deliverAll(["m-2", "m-3", "m-4", "m-5"], 60_000, { group: "L" }).build();
  const failed = checkLateJoin(replay, context, { youngQueues: false });
  assert.deepEqual(kinds(failed.evidence), ["replayed:m-2", "replayed:m-3"]);
  assert.match(failed.summary, /m-2 @2 on broker-a:0 replayed by L \(expected start 4/);
});

test("old queues: FIRST_OFFSET reads everything; TIMESTAMP starts at the first message at/after the timestamp", () => {
  const first = testContext({ groups: [late("CONSUME_FROM_FIRST_OFFSET")] });
  const partial = stored().deliverAll(["m-1", "m-2", "m-3", "m-4", "m-5"], 60_000, { group: "L" }).build();
  assert.deepEqual(kinds(checkLateJoin(partial, first, { youngQueues: false }).evidence), ["skipped:m-0"]);
  const timestamp = testContext({ groups: [late("CONSUME_FROM_TIMESTAMP", { consumeTimestampMs: 2_000 })] });
  const fromTwo = stored().deliverAll(["m-2", "m-3", "m-4", "m-5"], 60_000, { group: "L" }).build();
  assert.equal(checkLateJoin(fromTwo, timestamp, { youngQueues: false }).verdict, "pass");
  assert.deepEqual(kinds(checkLateJoin(partial, timestamp, { youngQueues: false }).evidence), ["replayed:m-1"]);
});

test("old queues: TIMESTAMP starts at the message stored nearest the timestamp, the earlier one when it is closer (4.9.x getOffsetInQueueByTime)", () => {
  // m-2 stored at 2000-2002 ms, m-3 at 3000-3002 ms: 2100 ms is nearest m-2, 2900 ms nearest m-3.
  const at = (timestampMs: number): ReturnType<typeof testContext> => testContext({ groups: [late("CONSUME_FROM_TIMESTAMP", { consumeTimestampMs: timestampMs })] });
  const from = (ids: string[]): ReturnType<HistoryBuilder["build"]> => stored().deliverAll(ids, 60_000, { group: "L" }).build();
  assert.equal(checkLateJoin(from(["m-2", "m-3", "m-4", "m-5"]), at(2_100), { youngQueues: false }).verdict, "pass");
  assert.deepEqual(kinds(checkLateJoin(from(["m-3", "m-4", "m-5"]), at(2_100), { youngQueues: false }).evidence), ["skipped:m-2"]);
  assert.deepEqual(kinds(checkLateJoin(from(["m-1", "m-2", "m-3", "m-4", "m-5"]), at(2_100), { youngQueues: false }).evidence), ["replayed:m-1"]);
  assert.equal(checkLateJoin(from(["m-3", "m-4", "m-5"]), at(2_900), { youngQueues: false }).verdict, "pass");
  assert.deepEqual(kinds(checkLateJoin(from(["m-2", "m-3", "m-4", "m-5"]), at(2_900), { youngQueues: false }).evidence), ["replayed:m-2"]);
  // Halfway (2501 ms: m-2 499-501 ms away, m-3 499-501 ms): store times cannot tell, either start passes.
  assert.equal(checkLateJoin(from(["m-2", "m-3", "m-4", "m-5"]), at(2_501), { youngQueues: false }).verdict, "pass");
  assert.equal(checkLateJoin(from(["m-3", "m-4", "m-5"]), at(2_501), { youngQueues: false }).verdict, "pass");
  assert.deepEqual(kinds(checkLateJoin(from(["m-1", "m-2", "m-3", "m-4", "m-5"]), at(2_501), { youngQueues: false }).evidence), ["replayed:m-1"]);
});

/** m-0..m-3 with 1 KiB bodies before L joins at 50 s, m-4..m-5 after: 4 × (91 + 1 + 1024) = 4464 stored bytes at least. */
const storedKiB = (): HistoryBuilder => {
  const builder = new HistoryBuilder();
  for (let index = 0; index < 4; index++) builder.send({ id: `m-${String(index)}`, at: index * 1000, offset: index, bodySizeBytes: 1024 });
  return builder.send({ id: "m-4", at: 60_000, offset: 4, bodySizeBytes: 1024 }).send({ id: "m-5", at: 61_000, offset: 5, bodySizeBytes: 1024 })
    .join(50_000, "consumer-L-1", "L").rebalance(50_100, "consumer-L-1", ["broker-a:0"], "L");
};
const withMemory = (totalPhysicalMemoryBytes: number): ReturnType<typeof testContext> => {
  const context = testContext({ groups: [late("CONSUME_FROM_LAST_OFFSET")] });
  context.brokerConfig = { totalPhysicalMemoryBytes: String(totalPhysicalMemoryBytes) };
  return context;
};

test("youngness from the run: offset 0 out of memory (commit log grew past 40 % of memory) makes LAST_OFFSET start at the max offset", () => {
  const old = withMemory(10_000); // budget 4000 < 4464 stored at least
  const fromMax = storedKiB().deliverAll(["m-4", "m-5"], 10, { group: "L" }).build();
  const healthy = checkLateJoin(fromMax, old);
  assert.equal(healthy.verdict, "pass", healthy.summary);
  const start = (healthy.evidence as LateJoinEvidence).starts.items[0];
  assert.deepEqual([start?.youngness, start?.expectedStart, start?.storedBytesMin, start?.inMemoryBytesMax], ["old", 4, 4464, 4000]);
  // A broker that starts such a queue at 0 (--broken lastOffsetFromZero) replays what predates the join.
  const fromZero = storedKiB().deliverAll(["m-0", "m-1", "m-2", "m-3", "m-4", "m-5"], 51_000, { group: "L" }).build();
  const broken = checkLateJoin(fromZero, old);
  assert.deepEqual(kinds(broken.evidence), ["replayed:m-0", "replayed:m-1", "replayed:m-2", "replayed:m-3"]);
  assert.match(broken.summary, /m-0 @0 on broker-a:0 replayed by L \(expected start 4: old queue \(offset 0 on disk: 4464–\d+ commit-log bytes since offset 0 vs 4000 in memory\)/);
  // Plenty of memory: the same queue is young and starting at the max offset skips m-0..m-3.
  const young = checkLateJoin(fromMax, withMemory(1_000_000));
  assert.deepEqual(kinds(young.evidence), ["skipped:m-0", "skipped:m-1", "skipped:m-2", "skipped:m-3"]);
  assert.equal((young.evidence as LateJoinEvidence).starts.items[0]?.youngness, "young");
});

test("an old queue asked for while its master rebuilt its consume queues under a full disk after a power loss may start at 0 (seed 16 swarm run 1055)", () => {
  // broker-a lost power at 45 s (its consume queues' unflushed files with it) and restarted at
  // 49.5 s with a full disk (46–50.5 s): the rebuild from the commit log could not write, so at
  // L's join the consume queue had no offset 0, checkInDiskByConsumeOffset said "not on disk"
  // and QUERY_CONSUMER_OFFSET answered 0.
  const old = withMemory(10_000);
  const fromZero = (faults: (builder: HistoryBuilder) => HistoryBuilder): ReturnType<HistoryBuilder["build"]> =>
    faults(storedKiB()).deliverAll(["m-0", "m-1", "m-2", "m-3", "m-4", "m-5"], 51_000, { group: "L" }).build();
  const stalled = checkLateJoin(fromZero((builder) => builder.node(45_000, "broker-a", "power-loss").node(49_500, "broker-a", "restart")
    .fault(46_000, 50_500, "disk-full", "broker-a", 1)), old);
  assert.equal(stalled.verdict, "pass", stalled.summary);
  const start = (stalled.evidence as LateJoinEvidence).starts.items[0];
  assert.equal(start?.youngness, "either");
  assert.match(start?.rule ?? "", /asked while broker-a rebuilt its consume queues after a power loss \(restart at 49\.5 s\) under disk-full broker-a/);
  // The same restart with room on the disk rebuilt at once; a crash keeps the consume queues.
  assert.deepEqual(kinds(checkLateJoin(fromZero((builder) => builder.node(45_000, "broker-a", "power-loss").node(49_500, "broker-a", "restart")), old).evidence),
    ["replayed:m-0", "replayed:m-1", "replayed:m-2", "replayed:m-3"]);
  assert.equal(checkLateJoin(fromZero((builder) => builder.node(45_000, "broker-a", "crash").node(49_500, "broker-a", "restart")
    .fault(46_000, 50_500, "disk-full", "broker-a", 1)), old).verdict, "fail");
});

test("youngness at the boundary: when the bounds straddle the budget both starts are excused, and the evidence says so", () => {
  const straddling = withMemory(20_000); // budget 8000: 4464 at least, 4 × (91 + 1 + 1024 + 1024) = 8560 at most
  const fromMax = storedKiB().deliverAll(["m-4", "m-5"], 10, { group: "L" }).build();
  const fromZero = storedKiB().deliverAll(["m-0", "m-1", "m-2", "m-3", "m-4", "m-5"], 51_000, { group: "L" }).build();
  for (const events of [fromMax, fromZero]) {
    const result = checkLateJoin(events, straddling);
    assert.equal(result.verdict, "pass", result.summary);
    const start = (result.evidence as LateJoinEvidence).starts.items[0];
    assert.equal(start?.youngness, "either");
    assert.match(start?.rule ?? "", /cannot tell whether offset 0 was still in memory/);
  }
  // Even then, skipping past the max offset at the join is a skip.
  const tooFar = storedKiB().deliverAll(["m-5"], 62_000, { group: "L" }).build();
  assert.deepEqual(kinds(checkLateJoin(tooFar, straddling).evidence), ["skipped:m-4"]);
});

test("old queues: LAST_OFFSET's max offset is asked within the rebalance pass before its snapshot: a send acked just before the snapshot may fall on either side", () => {
  const context = testContext({ groups: [late("CONSUME_FROM_LAST_OFFSET")] });
  // m-x acked at 49.6 s, 0.4 s before L's snapshot at 50.1 s: starting at 4 (reading m-x) or at 5 passes.
  const withLate = (ackedMs: number, ids: string[]): ReturnType<HistoryBuilder["build"]> => new HistoryBuilder().sends("m-", 4, { from: 0, everyMs: 1000 })
    .send({ id: "m-x", at: ackedMs - 2, offset: 4 }).send({ id: "m-4b", at: 60_000, offset: 5 })
    .join(50_000, "consumer-L-1", "L").rebalance(50_100, "consumer-L-1", ["broker-a:0"], "L")
    .deliverAll(ids, 10, { group: "L" }).build();
  assert.equal(checkLateJoin(withLate(49_700, ["m-x", "m-4b"]), context, { youngQueues: false }).verdict, "pass");
  assert.equal(checkLateJoin(withLate(49_700, ["m-4b"]), context, { youngQueues: false }).verdict, "pass");
  // Acked 1.6 s before the snapshot on a calm cluster: the query came after it, reading it is a replay.
  assert.deepEqual(kinds(checkLateJoin(withLate(48_500, ["m-x", "m-4b"]), context, { youngQueues: false }).evidence), ["replayed:m-x"]);
  // Under a fault the queries may each take up to their timeout: 8 s of slack.
  const faulted = { ...context, faults: [{ atMs: 45_000, healAtMs: 55_000, fault: { kind: "pause" as const, target: "broker-a" } }] };
  assert.equal(checkLateJoin(withLate(48_500, ["m-x", "m-4b"]), faulted, { youngQueues: false }).verdict, "pass");
});

test("old queues: TIMESTAMP sees records the client never saw acked — a delivery's store time places them", () => {
  // m-3 and m-4 timed out at the client but were stored at 14 s (a partition held their bytes);
  // another group read them. The nearest to 6 s is m-2 (2 s), not m-5 (the next acked one).
  const history = (lateIds: string[]): ReturnType<HistoryBuilder["build"]> => new HistoryBuilder().sends("m-", 3, { from: 0, everyMs: 1000 })
    .send({ id: "m-3", at: 2_500, offset: 3, outcome: "unknown", outcomeAt: 5_500 }).send({ id: "m-4", at: 2_600, offset: 4, outcome: "unknown", outcomeAt: 5_600 })
    .send({ id: "m-5", at: 20_000, offset: 5 })
    .deliver({ id: "m-3", at: 14_010, offset: 3, group: "G", extra: { storeTimeMs: 14_000 } })
    .deliver({ id: "m-4", at: 14_110, offset: 4, group: "G", extra: { storeTimeMs: 14_100 } })
    .join(50_000, "consumer-L-1", "L").rebalance(50_100, "consumer-L-1", ["broker-a:0"], "L")
    .deliverAll(lateIds, 60_000, { group: "L" }).build();
  const context = testContext({ groups: [late("CONSUME_FROM_TIMESTAMP", { consumeTimestampMs: 6_000 })] });
  const result = checkLateJoin(history(["m-2", "m-3", "m-4", "m-5"]), context, { youngQueues: false });
  assert.equal(result.verdict, "pass", result.summary);
  assert.equal((result.evidence as LateJoinEvidence).starts.items[0]?.expectedStart, 2);
  assert.deepEqual(kinds(checkLateJoin(history(["m-5"]), context, { youngQueues: false }).evidence), ["skipped:m-2"]);
});

test("old queues, SYNC_MASTER: TIMESTAMP may not see a record stored but not yet replicated at the search (4.9.8's durable bound)", () => {
  // m-3 was stored at 3.1 s but not acked (the slave was cut off) and first delivered at 60 s,
  // after L's search at 50 s: the consume queue may have ended at m-2 then, and the search found
  // m-2 (the last one before 6 s) instead of m-3 (nearest 6 s). An ASYNC_MASTER dispatches at once.
  const history = (lateIds: string[]): ReturnType<HistoryBuilder["build"]> => new HistoryBuilder().sends("m-", 3, { from: 0, everyMs: 1000 })
    .send({ id: "m-3", at: 3_100, offset: 3, outcome: "unknown", outcomeAt: 4_100 })
    .send({ id: "m-4", at: 61_000, offset: 4 })
    .join(50_000, "consumer-L-1", "L").rebalance(50_100, "consumer-L-1", ["broker-a:0"], "L")
    .deliver({ id: "m-3", at: 60_000, offset: 3, group: "G", extra: { storeTimeMs: 3_100 } })
    .deliverAll(lateIds, 60_000, { group: "L" }).build();
  const groups = [late("CONSUME_FROM_TIMESTAMP", { consumeTimestampMs: 6_000 })];
  const asyncMaster = testContext({ groups, topology: topologyFacts("2m-2s-async") });
  const syncMaster = testContext({ groups, topology: topologyFacts("2m-2s-sync") });
  const fromNearest = history(["m-3", "m-4"]);
  const fromVisible = history(["m-2", "m-3", "m-4"]);
  assert.equal(checkLateJoin(fromNearest, asyncMaster, { youngQueues: false }).verdict, "pass");
  assert.deepEqual(kinds(checkLateJoin(fromVisible, asyncMaster, { youngQueues: false }).evidence), ["replayed:m-2"]);
  for (const run of [fromNearest, fromVisible]) {
    const result = checkLateJoin(run, syncMaster, { youngQueues: false });
    assert.equal(result.verdict, "pass", result.summary);
    assert.match((result.evidence as LateJoinEvidence).starts.items[0]?.rule ?? "", /records 3–3 were stored but may not yet have been durable/);
  }
  // Still an opinion: starting below the last record acked before the search is a replay.
  assert.deepEqual(kinds(checkLateJoin(history(["m-1", "m-2", "m-3", "m-4"]), syncMaster, { youngQueues: false }).evidence), ["replayed:m-1"]);
});

test("a forced clean on the queue's master before the join lifts the young-queue rule: LAST_OFFSET may start at the max offset", () => {
  const context = testContext({ groups: [late("CONSUME_FROM_LAST_OFFSET")] });
  const history = (clean: boolean): ReturnType<HistoryBuilder["build"]> => {
    const builder = stored();
    if (clean) {
      builder.fault(10_000, 20_000, "disk-full", "broker-a").raw({
        type: "store-digest", timeMs: 90_000, node: "broker-a", brokerName: "broker-a", role: "master", minPhysicalOffset: 4096, maxPhysicalOffset: 9000, sha256: "x",
      });
    }
    return builder.deliverAll(["m-4", "m-5"], 10, { group: "L" }).build();
  };
  assert.deepEqual(kinds(checkLateJoin(history(false), context).evidence), ["skipped:m-0", "skipped:m-1", "skipped:m-2", "skipped:m-3"]);
  const cleaned = checkLateJoin(history(true), context);
  assert.equal(cleaned.verdict, "pass", cleaned.summary);
});

test("a FIRST_OFFSET group skipping messages a forced clean may have deleted: only those stored before the clean's heal are excused", () => {
  // Seed 2 swarm runs 453, 992: a full disk's forced clean took the queue's head before the
  // group joined; the history does not say which records went, so the delivery checker's rule holds.
  const context = testContext({ groups: [late("CONSUME_FROM_FIRST_OFFSET")] });
  const history = (clean: boolean): ReturnType<HistoryBuilder["build"]> => {
    const builder = stored();
    if (clean) {
      builder.fault(1_500, 2_500, "disk-full", "broker-a").raw({
        type: "store-digest", timeMs: 90_000, node: "broker-a", brokerName: "broker-a", role: "master", minPhysicalOffset: 4096, maxPhysicalOffset: 9000, sha256: "x",
      });
    }
    return builder.deliverAll(["m-4", "m-5"], 10, { group: "L" }).build();
  };
  assert.deepEqual(kinds(checkLateJoin(history(false), context).evidence), ["skipped:m-0", "skipped:m-1", "skipped:m-2", "skipped:m-3"]);
  const cleaned = checkLateJoin(history(true), context);
  assert.deepEqual(kinds(cleaned.evidence), ["skipped:m-3"], "stored after the heal: the clean cannot have taken it");
  assert.equal((cleaned.evidence as LateJoinEvidence).skipsExcusedByClean, 3);
});

test("a message the guarantee table lets the group lose is not a skip (battery seed 21 run 1062: FLUSH_DISK_TIMEOUT, then a power loss)", () => {
  // m-4 and m-5, acked after L joined, were lost with broker-a's unflushed tail (ASYNC_FLUSH).
  const context = testContext({ groups: [late("CONSUME_FROM_LAST_OFFSET")] });
  const history = (lossAtMs: number) => stored().deliverAll(["m-0", "m-1", "m-2", "m-3"], 51_000, { group: "L" })
    .fault(lossAtMs, lossAtMs + 1_000, "power-loss", "broker-a").build();
  const excused = checkLateJoin(history(62_000), context);
  assert.equal(excused.verdict, "pass", excused.summary);
  const evidence = excused.evidence as LateJoinEvidence;
  assert.deepEqual(evidence.skipsExcusedByAllowedLoss.items.map((entry) => entry.id), ["m-4", "m-5"]);
  assert.match(excused.summary, /2 messages the guarantee table lets the group lose not judged \(first: .*power loss/);
  // A loss past the flush window allows nothing: both are skips again.
  assert.deepEqual(kinds(checkLateJoin(history(75_000), context).evidence), ["skipped:m-4", "skipped:m-5"]);
});

test("a broker crash before the group's first commits were persisted: LAST_OFFSET takes the queue back at its max offset, and only those skips are excused", () => {
  // Seed 3 swarm run 943: broker-a persists consumer offsets every 5 s; it crashed 4 s after L
  // took broker-a:0, L let the queue go with the route, and took it back after the restart with
  // no offset there: QUERY_CONSUMER_OFFSET "not found", so the max offset at the retake.
  const context = testContext({ groups: [late("CONSUME_FROM_LAST_OFFSET")] });
  const history = lostOffsetsAfterCrash;
  const excused = checkLateJoin(history({ crashMs: 54_000, retake: true, delivered: ["m-6"] }), context, { youngQueues: false });
  assert.equal(excused.verdict, "pass", excused.summary);
  assert.deepEqual((excused.evidence as LateJoinEvidence).skipsExcusedByLostOffsets.items.map((entry) => entry.id), ["m-4", "m-5"]);
  assert.match(excused.summary, /broker-a crashed at 54\.0 s, 3900 ms after L took broker-a:0/);
  // What was stored after the retake must still come.
  assert.deepEqual(kinds(checkLateJoin(history({ crashMs: 54_000, retake: true, delivered: [] }), context, { youngQueues: false }).evidence), ["skipped:m-6"]);
  // Held through the restart: the client commits its in-memory offset again, nothing is skipped.
  assert.deepEqual(kinds(checkLateJoin(history({ crashMs: 54_000, retake: false, delivered: ["m-6"] }), context, { youngQueues: false }).evidence), ["skipped:m-4", "skipped:m-5"]);
  // A crash 30 s after the take (past a long poll, a commit interval and a persist): the offsets had been persisted, a broker that forgets them is a bug.
  assert.deepEqual(kinds(checkLateJoin(history({ crashMs: 80_000, retake: true, delivered: ["m-6"] }), context, { youngQueues: false }).evidence), ["skipped:m-4", "skipped:m-5"]);
});

test("the holder's own crash before its first commit: LAST_OFFSET takes the queue back at its max offset, and only then", () => {
  // The consumer's offsets live in its memory until it commits (every offsetPersistMs, or with a
  // pull); a crash before the first commit leaves the broker with none for the group.
  const context = testContext({ groups: [late("CONSUME_FROM_LAST_OFFSET")] });
  // The holder snapshots its queues again only when it restarted (a snapshot with the same
  // queues and no restart would be a process queue replaced in place: a drop of its own).
  const history = (crashMs: number, crashed = "consumer-L-1"): ReturnType<HistoryBuilder["build"]> => {
    const builder = new HistoryBuilder().sends("m-", 4, { from: 0, everyMs: 1000 })
      .join(50_000, "consumer-L-1", "L").rebalance(50_100, "consumer-L-1", ["broker-a:0"], "L")
      .node(crashMs, crashed, "crash").send({ id: "m-4", at: crashMs + 2_000, offset: 4 }).send({ id: "m-5", at: crashMs + 3_000, offset: 5 })
      .node(crashMs + 5_000, crashed, "restart");
    if (crashed === "consumer-L-1") builder.rebalance(crashMs + 7_000, "consumer-L-1", ["broker-a:0"], "L");
    return builder.send({ id: "m-6", at: crashMs + 17_000, offset: 6 }).deliverAll(["m-6"], crashMs + 18_000, { group: "L" }).build();
  };
  const excused = checkLateJoin(history(53_000), context, { youngQueues: false });
  assert.equal(excused.verdict, "pass", excused.summary);
  assert.match(excused.summary, /consumer-L-1 crashed at 53\.0 s, 2900 ms after L took broker-a:0/);
  // Thirty seconds after the take the offset had been committed: forgetting it is a bug.
  assert.deepEqual(kinds(checkLateJoin(history(80_000), context, { youngQueues: false }).evidence), ["skipped:m-4", "skipped:m-5"]);
  // Another process's crash takes nothing from the holder.
  assert.deepEqual(kinds(checkLateJoin(history(53_000, "consumer-G-1"), context, { youngQueues: false }).evidence), ["skipped:m-4", "skipped:m-5"]);
});
