import { test } from "node:test";
import assert from "node:assert/strict";
import type { ScheduledFault } from "../faults/types.ts";
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import { diskDefaults } from "../sim/disk.ts";
import type { DeliveryEvidence } from "./delivery.ts";
import { analyzeDelivery, checkDelivery } from "./delivery.ts";
import { healthyFsyncMaxMs } from "./guarantee.ts";
import { computeCounts } from "./index.ts";
import { HistoryBuilder, lostOffsetsAfterCrash, offsetReuseAfterPowerLoss, resentRetryCopyThenPowerLoss, testContext, topologyFacts } from "./testing/history_builder.ts";

const evidenceOf = (events: HistoryEvent[], context = testContext()): DeliveryEvidence =>
  checkDelivery(events, context).evidence as DeliveryEvidence;

// The history format, spelled out once: two sends, one delivered per group member.
const cleanHistory: HistoryEvent[] = [
  { type: "membership", timeMs: 0, process: "consumer-G-1", group: "G", change: "join" },
  { type: "rebalance", timeMs: 1, process: "consumer-G-1", group: "G", topic: "T", queues: ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"] },
  { type: "invoke", op: "send", opId: 1, timeMs: 10, process: "producer-1", topic: "T", messageId: "m-1", sendMode: "sync" },
  { type: "ok", op: "send", opId: 1, timeMs: 12, process: "producer-1", messageId: "m-1", queue: "broker-a:0", queueOffset: 0, sendStatus: "SEND_OK" },
  { type: "invoke", op: "send", opId: 2, timeMs: 20, process: "producer-1", topic: "T", messageId: "m-2", sendMode: "sync" },
  { type: "ok", op: "send", opId: 2, timeMs: 22, process: "producer-1", messageId: "m-2", queue: "broker-b:0", queueOffset: 0, sendStatus: "SEND_OK" },
  { type: "deliver", op: "consume", timeMs: 15, process: "consumer-G-1", group: "G", messageId: "m-1", topic: "T", queue: "broker-a:0", queueOffset: 0, reconsumeTimes: 0, result: "success" },
  { type: "deliver", op: "consume", timeMs: 25, process: "consumer-G-1", group: "G", messageId: "m-2", topic: "T", queue: "broker-b:0", queueOffset: 0, reconsumeTimes: 0, result: "success" },
];

test("a clean history passes and counts everything once", () => {
  const result = checkDelivery(cleanHistory, testContext());
  assert.equal(result.verdict, "pass", result.summary);
  assert.match(result.summary, /Every acked message reached every receiver/);
  const counts = computeCounts(cleanHistory, testContext());
  assert.deepEqual(
    { sent: counts.sent, acked: counts.acked, consumed: counts.consumed, deliveries: counts.deliveries, lost: counts.lost },
    { sent: 2, acked: 2, consumed: 2, deliveries: 2, lost: 0 },
  );
});

test("an acked message never delivered is lost, and the evidence names it", () => {
  const events = new HistoryBuilder().sends("m-", 3).deliverAll(["m-0", "m-2"], 5).build();
  const result = checkDelivery(events, testContext());
  assert.equal(result.verdict, "fail");
  assert.match(result.summary, /1 acked message lost \(m-1\)/);
  const evidence = result.evidence as DeliveryEvidence;
  assert.deepEqual(evidence.lost.items.map((entry) => [entry.id, entry.receiver, entry.queue]), [["m-1", "G", "broker-a:0"]]);
  assert.equal(computeCounts(events, testContext()).lost, 1);
});

test("a delivery answered only with retry does not count as received", () => {
  const events = new HistoryBuilder().sends("m-", 1).deliver({ id: "m-0", at: 5, result: "retry" }).build();
  assert.equal(evidenceOf(events).lost.count, 1);
});

test("duplicates are counted with their counts, and fail only past maxDuplicated", () => {
  const events = new HistoryBuilder().sends("m-", 2).deliverAll(["m-0", "m-1"], 5)
    .deliver({ id: "m-1", at: 100, process: "consumer-G-2" }).deliver({ id: "m-1", at: 101 }).build();
  const lenient = checkDelivery(events, testContext());
  assert.equal(lenient.verdict, "pass");
  assert.deepEqual((lenient.evidence as DeliveryEvidence).duplicated.items, [{ id: "m-1", receiver: "G", count: 3 }]);
  assert.match(lenient.summary, /m-1×3/);
  const strict = checkDelivery(events, testContext({ options: { maxDuplicated: 0 } }));
  assert.equal(strict.verdict, "fail");
  assert.equal(computeCounts(events, testContext()).duplicated, 1);
});

test("a delivery of a never-sent id is unexpected and fails", () => {
  const events = new HistoryBuilder().sends("m-", 1).deliverAll(["m-0"], 5).deliver({ id: "ghost-7", at: 9 }).build();
  const result = checkDelivery(events, testContext());
  assert.equal(result.verdict, "fail");
  assert.match(result.summary, /ghost-7/);
  assert.deepEqual((result.evidence as DeliveryEvidence).unexpected.items, [{ id: "ghost-7", group: "G", count: 1 }]);
});

test("unknown and failed sends: delivered means it happened; undelivered unknown is fine", () => {
  const events = new HistoryBuilder()
    .send({ id: "u-1", at: 0, outcome: "unknown" })
    .send({ id: "u-2", at: 1, outcome: "unknown" })
    .send({ id: "f-1", at: 2, outcome: "fail" })
    .send({ id: "p-1", at: 3, outcome: "none" })
    .deliver({ id: "u-1", at: 10 }).deliver({ id: "f-1", at: 11 }).deliver({ id: "p-1", at: 12 })
    .build();
  const analysis = analyzeDelivery(events, testContext());
  assert.equal(analysis.check.verdict, "pass", analysis.check.summary);
  assert.deepEqual((analysis.check.evidence as DeliveryEvidence).unknownResolvedOk.items, ["u-1", "p-1"]);
  assert.deepEqual((analysis.check.evidence as DeliveryEvidence).failedButDelivered.items, ["f-1"]);
  const counts = computeCounts(events, testContext());
  assert.deepEqual([counts.unknown, counts.failed, counts.unknownResolvedOk, counts.failedButDelivered], [3, 1, 2, 1]);
});

test("power loss of an ASYNC_FLUSH broker without slave: loss is allowed but counted", () => {
  const events = new HistoryBuilder().sends("m-", 4, { queues: ["broker-a:0", "broker-b:0"] })
    .deliverAll(["m-0", "m-1", "m-3"], 5).fault(1000, 5000, "power-loss", "broker-a").build();
  const result = checkDelivery(events, testContext());
  assert.equal(result.verdict, "pass", result.summary);
  const evidence = result.evidence as DeliveryEvidence;
  assert.equal(evidence.allowedLoss.count, 1);
  assert.equal(evidence.allowedLoss.items[0]?.id, "m-2");
  assert.match(evidence.allowedLoss.items[0]?.reason ?? "", /power loss of broker-a \(ASYNC_FLUSH, no slave\)/);
  assert.match(result.summary, /lost as the guarantee table allows \(m-2\)/);
  assert.equal(computeCounts(events, testContext()).lost, 1);
});

test("the same loss after a crash (page cache survives) fails", () => {
  const events = new HistoryBuilder().sends("m-", 4, { queues: ["broker-a:0", "broker-b:0"] })
    .deliverAll(["m-0", "m-1", "m-3"], 5).fault(1000, 5000, "crash", "broker-a").build();
  const result = checkDelivery(events, testContext());
  assert.equal(result.verdict, "fail");
  assert.equal((result.evidence as DeliveryEvidence).lost.items[0]?.id, "m-2");
});

test("power loss after the flush window does not excuse the loss", () => {
  const events = new HistoryBuilder().sends("m-", 1).fault(60_000, 70_000, "power-loss", "broker-a").build();
  const result = checkDelivery(events, testContext());
  assert.equal(result.verdict, "fail");
  assert.match((result.evidence as DeliveryEvidence).lost.items[0]?.reason ?? "", /beyond its 10\.5 s flush window/);
});

test("SYNC_FLUSH keeps acked messages through a power loss; SYNC_MASTER only while the master stays down", () => {
  const build = (): HistoryEvent[] => new HistoryBuilder().sends("m-", 1).fault(100, 5000, "power-loss", "broker-a").build();
  assert.equal(checkDelivery(build(), testContext({ topology: topologyFacts("1m", "SYNC_FLUSH") })).verdict, "fail");
  // The slave has it, but a restarted master recovers its own flushed log only (4.x copies no tail back).
  const restarted = checkDelivery(build(), testContext({ topology: topologyFacts("2m-2s-sync") }));
  assert.equal(restarted.verdict, "pass", restarted.summary);
  assert.match((restarted.evidence as DeliveryEvidence).allowedLoss.items[0]?.reason ?? "", /the slave had it, but the master restarted/);
  const stayedDown = new HistoryBuilder().sends("m-", 1).fault(100, null, "power-loss", "broker-a").build();
  assert.equal(checkDelivery(stayedDown, testContext({ topology: topologyFacts("2m-2s-sync") })).verdict, "fail");
  // ...unless the ack itself said the flush or the slave did not make it.
  const timedOut = new HistoryBuilder().send({ id: "m-0", at: 0, status: "FLUSH_DISK_TIMEOUT" }).fault(100, 5000, "power-loss", "broker-a").build();
  assert.equal(checkDelivery(timedOut, testContext({ topology: topologyFacts("1m", "SYNC_FLUSH") })).verdict, "pass");
  const noSlave = new HistoryBuilder().send({ id: "m-0", at: 0, status: "SLAVE_NOT_AVAILABLE" }).fault(100, 5000, "power-loss", "broker-a").build();
  assert.equal(checkDelivery(noSlave, testContext({ topology: topologyFacts("2m-2s-sync") })).verdict, "pass");
});

test("ASYNC_MASTER power loss allows loss (replication lag); its slave's power loss does not", () => {
  const master = new HistoryBuilder().sends("m-", 1).fault(100, 5000, "power-loss", "broker-a").build();
  assert.equal(checkDelivery(master, testContext({ topology: topologyFacts("2m-2s-async") })).verdict, "pass");
  const slave = new HistoryBuilder().sends("m-", 1).fault(100, 5000, "power-loss", "broker-a-s").build();
  assert.equal(checkDelivery(slave, testContext({ topology: topologyFacts("2m-2s-async") })).verdict, "fail");
});

test("bounded loss: each allowed loss carries how long before the power loss it was acked, the window and its mechanism", () => {
  // m-0 acked 8 s before the power loss (inside the 10.5 s flush window), m-1 acked 12 s before (outside).
  const events = new HistoryBuilder().send({ id: "m-0", at: 12_000, outcomeAt: 12_000 }).send({ id: "m-1", at: 8_000, outcomeAt: 8_000 })
    .fault(20_000, 30_000, "power-loss", "broker-a").build();
  const result = checkDelivery(events, testContext({ topology: topologyFacts("2m-2s-async") }));
  const evidence = result.evidence as DeliveryEvidence;
  assert.equal(result.verdict, "fail");
  const allowed = evidence.allowedLoss.items[0];
  assert.deepEqual([allowed?.id, allowed?.ackBeforeLossMs, allowed?.windowMs], ["m-0", 8_000, 10_500]);
  assert.match(allowed?.mechanism ?? "", /flushCommitLogThoroughInterval \+ flushIntervalCommitLog/);
  assert.match(allowed?.reason ?? "", /replication lag not measured/);
  assert.deepEqual(evidence.lost.items.map((entry) => entry.id), ["m-1"]);
});

test("expectations override the table both ways", () => {
  const crash = new HistoryBuilder().sends("m-", 1).fault(100, 5000, "crash", "broker-a").build();
  assert.equal(checkDelivery(crash, testContext({ expectations: { guarantee: "loss-allowed" } })).verdict, "pass");
  const power = new HistoryBuilder().sends("m-", 1).fault(100, 5000, "power-loss", "broker-a").build();
  assert.equal(checkDelivery(power, testContext({ expectations: { guarantee: "no-loss" } })).verdict, "fail");
});

test("a group only owes messages its subscription accepts and that were sent once it held the queue", () => {
  const events = new HistoryBuilder()
    .send({ id: "early", at: 0 })
    .rebalance(50, "consumer-G-1", ["broker-a:0"])
    .send({ id: "a", at: 100, tags: "TagA" }).send({ id: "b", at: 110, tags: "TagB" })
    .deliver({ id: "a", at: 120 }).build();
  const context = testContext({ groups: [{ group: "G", topic: "T", count: 1, subscription: "TagA || TagC" }] });
  assert.equal(checkDelivery(events, context).verdict, "pass");
  const all = testContext({ groups: [{ group: "G", topic: "T", count: 1 }] });
  assert.deepEqual((checkDelivery(events, all).evidence as DeliveryEvidence).lost.items.map((entry) => entry.id), ["b"]);
});

test("broadcasting: every consumer present at the end must see what was sent after it joined", () => {
  const groups = [{ group: "B", topic: "T", count: 2, model: "BROADCASTING" as const }];
  const base = (): HistoryBuilder => new HistoryBuilder()
    .join(0, "consumer-B-1", "B").join(0, "consumer-B-2", "B").join(0, "consumer-B-3", "B")
    .send({ id: "m-1", at: 10 })
    .deliver({ id: "m-1", at: 20, group: "B", process: "consumer-B-1" })
    .leave(30, "consumer-B-3", "B").join(40, "consumer-B-4", "B");
  const missing = base().build();
  const failed = checkDelivery(missing, testContext({ groups }));
  assert.equal(failed.verdict, "fail");
  assert.deepEqual((failed.evidence as DeliveryEvidence).lost.items.map((entry) => entry.receiver), ["B/consumer-B-2"]);
  const complete = base().deliver({ id: "m-1", at: 21, group: "B", process: "consumer-B-2" }).build();
  assert.equal(checkDelivery(complete, testContext({ groups })).verdict, "pass");
});

test("offset reuse after an ASYNC_FLUSH master's power loss: allowed only at or below the offset the group was handed", () => {
  // The shape of a real swarm failure: m-0..m-3 stored at broker-a:0 offsets 0..3 and handed to
  // G; the power loss (4 s) drops the unflushed m-3; after the restart (5 s) new messages take
  // offsets 3 and 4. G's consumer already read offset 3, so it skips the new m-4 at offset 3.
  const build = offsetReuseAfterPowerLoss;
  const allowed = checkDelivery(build(3), testContext());
  assert.equal(allowed.verdict, "pass", allowed.summary);
  const entries = (allowed.evidence as DeliveryEvidence).allowedLoss.items;
  const reused = entries.find((entry) => entry.id === "m-4");
  assert.match(reused?.reason ?? "", /acked after its restart at 5000 ms at broker-a:0 offset 3, at or below offset 3 that G had already been handed/);
  assert.match(reused?.mechanism ?? "", /offset reuse/);
  // Above what the group had been handed: a real loss.
  const above = checkDelivery(build(4), testContext());
  assert.equal(above.verdict, "fail");
  assert.deepEqual((above.evidence as DeliveryEvidence).lost.items.map((entry) => entry.id), ["m-4"]);
  // A SYNC_FLUSH master hands out only durable data (#8239), and no slave served G here: no reuse allowance.
  const syncFlush = checkDelivery(build(3), testContext({ topology: topologyFacts("2m-noslave", "SYNC_FLUSH") }));
  assert.equal(syncFlush.verdict, "fail");
  assert.ok((syncFlush.evidence as DeliveryEvidence).lost.items.some((entry) => entry.id === "m-4"));
  // A crash keeps the page cache: no offsets are reused, nothing is allowed.
  const crash = new HistoryBuilder().sends("m-", 4, { everyMs: 1000, queues: ["broker-a:0"] })
    .deliverAll(["m-0", "m-1", "m-2", "m-3"], 10).fault(4000, 5000, "crash", "broker-a")
    .send({ id: "m-4", at: 5400, outcomeAt: 5402, queue: "broker-a:0", offset: 3 }).build();
  assert.equal(checkDelivery(crash, testContext()).verdict, "fail");
});

test("offset reuse after a SYNC_FLUSH master's power loss: only a slave's hand-out of a record not yet durable counts", () => {
  // The shape of battery seed 28 run 229 (2m-2s-async, SYNC_FLUSH): namesrv-2 dropped broker-a's
  // master, so consumer-G-1's route had none from 9.1 s and it read broker-a:0 from the slave.
  // The slave served m-3 at offset 3 (stored 13.772 s, never acked: the master's flush waited on a
  // 200x slow disk); the power loss at 14 s took it; after the restart (17 s) m-4 took offset 3.
  const slowDisk: ScheduledFault = { atMs: 10_000, healAtMs: 17_000, fault: { kind: "slow-disk", target: "broker-a", factor: 200 } };
  const context = testContext({ topology: topologyFacts("2m-2s-async", "SYNC_FLUSH"), faults: [slowDisk] });
  const build = (options: { route?: "masterless" | "with-master"; storedMs?: number; handedMs?: number } = {}): HistoryEvent[] => {
    const builder = new HistoryBuilder().sends("m-", 3, { from: 1000, everyMs: 1000, queues: ["broker-a:0"] })
      .deliverAll(["m-0", "m-1", "m-2"], 10)
      .send({ id: "m-3", at: (options.storedMs ?? 13_772) - 20, outcome: "none", queue: "broker-a:0", offset: 3 })
      .deliver({ id: "m-3", at: options.handedMs ?? 13_800, extra: { storeTimeMs: options.storedMs ?? 13_772 } })
      .fault(10_000, 17_000, "slow-disk", "broker-a", 0).fault(14_000, 17_000, "power-loss", "broker-a", 1)
      .send({ id: "m-4", at: 17_500, outcomeAt: 17_525, queue: "broker-a:0", offset: 3 });
    const writableBrokers = options.route === "with-master" ? ["broker-a", "broker-b"] : ["broker-b"];
    if (options.route !== undefined) {
      builder.raw({ type: "route", timeMs: 9_100, process: "consumer-G-1", topic: "T", writableBrokers, readableBrokers: ["broker-a", "broker-b"] });
    }
    return builder.build();
  };
  const allowed = checkDelivery(build({ route: "masterless" }), context);
  assert.equal(allowed.verdict, "pass", allowed.summary);
  const entry = (allowed.evidence as DeliveryEvidence).allowedLoss.items.find((item) => item.id === "m-4");
  assert.match(entry?.reason ?? "", /at or below offset 3 that G had already been handed there before the restart by a slave/);
  assert.match(entry?.mechanism ?? "", /slave .* had not made durable/);
  // The route had the master: the master handed a record it had not flushed (a #8239 bug), no reuse.
  const fromMaster = checkDelivery(build({ route: "with-master" }), context);
  assert.equal(fromMaster.verdict, "fail");
  assert.deepEqual((fromMaster.evidence as DeliveryEvidence).lost.items.map((item) => item.id), ["m-4"]);
  assert.equal(checkDelivery(build(), context).verdict, "fail");
  // Stored more than two 200x fsyncs (800 ms) before the loss: durable on the master by then, so
  // the restarted master still held it and gave offset 3 to no one; its hand-out is no evidence.
  assert.equal(checkDelivery(build({ route: "masterless", storedMs: 13_199, handedMs: 13_300 }), context).verdict, "fail");
  assert.equal(checkDelivery(build({ route: "masterless", storedMs: 13_200, handedMs: 13_300 }), context).verdict, "pass");
  // Handed while the master was down: only the slave could serve it, route or not.
  assert.equal(checkDelivery(build({ handedMs: 15_000 }), context).verdict, "pass");
});

test("offset reuse needs the ack after the restart and a hand-out before it", () => {
  // m-4 acked before the power loss at an offset G was handed: the flush rule judges it, not reuse.
  const beforeLoss = new HistoryBuilder().sends("m-", 4, { everyMs: 1000, queues: ["broker-a:0"] })
    .deliverAll(["m-0", "m-1", "m-2", "m-3"], 10).fault(40_000, 45_000, "power-loss", "broker-a")
    .send({ id: "m-4", at: 5400, outcomeAt: 5402, queue: "broker-a:0", offset: 3 }).build();
  const judged = checkDelivery(beforeLoss, testContext());
  assert.equal(judged.verdict, "fail");
  assert.match((judged.evidence as DeliveryEvidence).lost.items.find((entry) => entry.id === "m-4")?.reason ?? "", /beyond its .* flush window/);
  // The group was handed offset 3 only after the restart: not evidence of reuse.
  const lateHandOut = new HistoryBuilder().sends("m-", 3, { everyMs: 1000, queues: ["broker-a:0"] })
    .deliverAll(["m-0", "m-1", "m-2"], 10).fault(4000, 5000, "power-loss", "broker-a")
    .send({ id: "m-4", at: 5400, outcomeAt: 5402, queue: "broker-a:0", offset: 3 })
    .deliver({ id: "m-x", at: 6000, queue: "broker-a:0", offset: 3 }).build();
  assert.ok((checkDelivery(lateHandOut, testContext()).evidence as DeliveryEvidence).lost.items.some((entry) => entry.id === "m-4"));
});

test("offset reuse: a pre-loss tail the group consumed from memory after the restart counts as handed before it", () => {
  // The shape of battery seed 1 run 2309: m-0..m-3 acked at broker-a:0 offsets 0..3 shortly
  // before the power loss (20 s); G's consumer pulled them before it but consumed them from its
  // process queue only after the restart (21 s); the restarted broker gave offsets 2 and 3 to
  // new messages, which G then skipped by pulling on from 4.
  const build = (options: { oldAckMs?: number; newOffset?: number; group?: string; deliveredOffset?: number } = {}): HistoryEvent[] => {
    const builder = new HistoryBuilder();
    for (let offset = 0; offset < 4; offset++) {
      const at = offset === 3 && options.oldAckMs !== undefined ? options.oldAckMs - 2 : 19_000 + offset * 100;
      builder.send({ id: `m-${offset}`, at, queue: "broker-a:0", offset });
    }
    for (let offset = 0; offset < 4; offset++) {
      builder.deliver({ id: `m-${offset}`, at: 22_000 + offset, group: options.group ?? "G", ...(offset === 3 && options.deliveredOffset !== undefined ? { offset: options.deliveredOffset } : {}) });
    }
    return builder.fault(20_000, 21_000, "power-loss", "broker-a")
      .send({ id: "m-4", at: 21_400, outcomeAt: 21_402, queue: "broker-a:0", offset: options.newOffset ?? 3 })
      .build();
  };
  const allowed = checkDelivery(build(), testContext());
  assert.equal(allowed.verdict, "pass", allowed.summary);
  const entry = (allowed.evidence as DeliveryEvidence).allowedLoss.items.find((item) => item.id === "m-4");
  assert.match(entry?.reason ?? "", /at broker-a:0 offset 3, at or below offset 3 whose old message m-3 \(acked 698 ms before the loss\) G consumed/);
  assert.match(entry?.mechanism ?? "", /offset reuse: .*process queue before the loss/);
  // The old tail's ack exactly at the flush window's edge (10.5 s in the test topology): still evidence.
  assert.equal(checkDelivery(build({ oldAckMs: 20_000 - 10_500 }), testContext()).verdict, "pass");
  // One millisecond older: it should have survived the loss, so its delivery proves no pre-loss hand-out.
  const tooOld = checkDelivery(build({ oldAckMs: 20_000 - 10_501 }), testContext());
  assert.equal(tooOld.verdict, "fail");
  assert.deepEqual((tooOld.evidence as DeliveryEvidence).lost.items.map((item) => item.id), ["m-4"]);
  // Above the old tail the group consumed: a real loss.
  assert.deepEqual((checkDelivery(build({ newOffset: 4 }), testContext()).evidence as DeliveryEvidence).lost.items.map((item) => item.id), ["m-4"]);
  // Another group's consumption is no evidence for G.
  const otherGroup = checkDelivery(build({ group: "H" }), testContext({ groups: [{ group: "G", topic: "T", count: 1 }, { group: "H", topic: "T", count: 1 }] }));
  assert.ok((otherGroup.evidence as DeliveryEvidence).lost.items.some((item) => item.id === "m-4" && item.receiver === "G"));
  // A copy delivered at an offset other than its send's (a retry copy) is no evidence either.
  assert.equal(checkDelivery(build({ deliveredOffset: 7 }), testContext()).verdict, "fail");
  // SYNC_FLUSH, no slave: the acked tail was durable, so its delivery is no evidence of reuse.
  assert.equal(checkDelivery(build(), testContext({ topology: topologyFacts("2m-noslave", "SYNC_FLUSH") })).verdict, "fail");
});

test("a forced clean on a full disk: loss allowed only when the store shows deleted files, and only for messages stored before the heal", () => {
  const digest = (minPhysicalOffset: number): HistoryEvent => ({
    type: "store-digest", timeMs: 90_000, node: "broker-a", brokerName: "broker-a", role: "master",
    minPhysicalOffset, maxPhysicalOffset: minPhysicalOffset + 100, sha256: "", chunkSha256: [], chunkSizeBytes: 1_048_576,
  });
  const base = (): HistoryBuilder => new HistoryBuilder().join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0"])
    .send({ id: "before", at: 10_000 }).send({ id: "after", at: 40_000 }).fault(20_000, 30_000, "disk-full", "broker-a");
  const cleaned = checkDelivery([...base().build(), digest(1_048_576)], testContext());
  const evidence = cleaned.evidence as DeliveryEvidence;
  assert.deepEqual(evidence.allowedLoss.items.map((entry) => entry.id), ["before"]);
  assert.match(evidence.allowedLoss.items[0]?.mechanism ?? "", /forced clean/);
  assert.deepEqual(evidence.lost.items.map((entry) => entry.id), ["after"]);
  // No deleted file in the final store: a disk-full fault excuses nothing.
  const kept = checkDelivery([...base().build(), digest(0)], testContext()).evidence as DeliveryEvidence;
  assert.deepEqual(kept.lost.items.map((entry) => entry.id).sort(), ["after", "before"]);
});

test("a committed transaction (an ok naming no queue) is judged where its half was stored: a forced clean there may delete it (seed 11 run 61)", () => {
  const digest: HistoryEvent = {
    type: "store-digest", timeMs: 90_000, node: "broker-a", brokerName: "broker-a", role: "master",
    minPhysicalOffset: 1_048_576, maxPhysicalOffset: 1_048_676, sha256: "", chunkSha256: [], chunkSizeBytes: 1_048_576,
  };
  const history = (attempt: boolean): HistoryEvent[] => {
    const builder = new HistoryBuilder().join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0"])
      .raw({ type: "invoke", op: "send", opId: 900, timeMs: 7_860, process: "producer-9", topic: "T", messageId: "tx", sendMode: "sync" })
      .raw({ type: "ok", op: "send", opId: 900, timeMs: 8_082, process: "producer-9", messageId: "tx", sendStatus: "SEND_OK" })
      .fault(8_000, 22_000, "disk-full", "broker-a");
    if (attempt) builder.raw({ type: "attempt", op: "send", opId: 900, timeMs: 7_882, process: "producer-9", broker: "broker-a", queue: "broker-a:0", outcome: "ok", latencyMs: 22 });
    return [...builder.build(), digest];
  };
  const allowed = checkDelivery(history(true), testContext()).evidence as DeliveryEvidence;
  assert.deepEqual(allowed.allowedLoss.items.map((entry) => entry.id), ["tx"]);
  assert.match(allowed.allowedLoss.items[0]?.mechanism ?? "", /forced clean/);
  // Without the attempt nothing says where it was stored: a loss.
  const unplaced = checkDelivery(history(false), testContext()).evidence as DeliveryEvidence;
  assert.deepEqual(unplaced.lost.items.map((entry) => entry.id), ["tx"]);
});

test("a copy the client re-sent to %RETRY% after a failed send-back is judged where it was stored (seed 1 run 3024)", () => {
  // G moved past m at broker-a:0; its only copy went to broker-b:0 at 20.2 s, and broker-b
  // (ASYNC_FLUSH, no slave) lost power 4.2 s later, inside its 10.5 s flush window.
  const result = checkDelivery(resentRetryCopyThenPowerLoss(), testContext());
  assert.equal(result.verdict, "pass", result.summary);
  const allowed = (result.evidence as DeliveryEvidence).allowedLoss.items[0];
  assert.deepEqual([allowed?.id, allowed?.queue, allowed?.ackBeforeLossMs, allowed?.windowMs], ["m", "broker-a:0", 4_198, 10_500]);
  assert.match(allowed?.reason ?? "", /re-sent it to %RETRY%G at broker-b:0 \(20\.2 s\) and G's offset moved past the original/);
  assert.match(allowed?.reason ?? "", /power loss of broker-b \(ASYNC_FLUSH, no slave\)/);
  assert.match(allowed?.mechanism ?? "", /client re-send to the retry topic .* stored the copy on broker-b/);
  // The flush window's last millisecond still excuses it.
  assert.equal(checkDelivery(resentRetryCopyThenPowerLoss({ lossAtMs: 20_202 + 10_500 }), testContext()).verdict, "pass");
});

test("a re-sent retry copy excuses nothing just outside its mechanism", () => {
  const lostIds = (events: HistoryEvent[], context = testContext()): string[] => evidenceOf(events, context).lost.items.map((entry) => entry.id);
  // The power loss came after the copy's flush window: it should have been on disk.
  const late = checkDelivery(resentRetryCopyThenPowerLoss({ lossAtMs: 20_202 + 10_501 }), testContext());
  assert.equal(late.verdict, "fail");
  assert.match((late.evidence as DeliveryEvidence).lost.items[0]?.reason ?? "", /that copy: acked 10\.5 s before broker-b's power loss: beyond its 10\.5 s flush window/);
  // Before the re-send began: the copy was stored after the restart.
  assert.deepEqual(lostIds(resentRetryCopyThenPowerLoss({ lossAtMs: 19_000 })), ["m"]);
  // On the original's broker instead: the original was acked long before, and the copy is elsewhere.
  assert.deepEqual(lostIds(resentRetryCopyThenPowerLoss({ lossOn: "broker-a" })), ["m"]);
  // SYNC_FLUSH: the copy's SEND_OK was on disk.
  assert.deepEqual(lostIds(resentRetryCopyThenPowerLoss(), testContext({ topology: topologyFacts("2m-noslave", "SYNC_FLUSH") })), ["m"]);
  // G got m again after the re-send: that copy was not its only way back to it.
  assert.deepEqual(lostIds(resentRetryCopyThenPowerLoss({ deliveredAgainAtMs: 30_000 })), ["m"]);
  // No re-send recorded (the send-back reached broker-a, which kept the copy): no allowance.
  assert.deepEqual(lostIds(resentRetryCopyThenPowerLoss().filter((event) => event.type !== "retry-resend")), ["m"]);
  // Another group's re-send does not speak for G.
  const otherGroup = resentRetryCopyThenPowerLoss().map((event) => event.type === "retry-resend" ? { ...event, group: "H" } : event);
  assert.deepEqual(lostIds(otherGroup), ["m"]);
});

test("a send-back's copy on the original's broker, lost in its power loss, is the table's allowed loss (battery seed 25 run 776)", () => {
  // m acked at 2 ms (long before any loss); G's delivery at 20 s failed and the send-back went
  // through (no re-send, no local retry): broker-a kept the only copy, then lost power.
  const history = (lossAtMs: number, extra: (builder: HistoryBuilder) => HistoryBuilder = (builder) => builder) => extra(new HistoryBuilder()
    .send({ id: "m", at: 0, queue: "broker-a:0", offset: 0 }).deliver({ id: "m", at: 20_000, result: "retry" }))
    .fault(lossAtMs, lossAtMs + 1_000, "power-loss", "broker-a").build();
  const result = checkDelivery(history(24_400), testContext());
  assert.equal(result.verdict, "pass", result.summary);
  const allowed = (result.evidence as DeliveryEvidence).allowedLoss.items[0];
  assert.match(allowed?.reason ?? "", /its last delivery to G failed at 20\.0 s \(consumer-G-1\) and the send-back's copy on broker-a was the group's only one/);
  assert.match(allowed?.mechanism ?? "", /CONSUMER_SEND_MSG_BACK/);
  const lostIds = (events: HistoryEvent[], context = testContext()): string[] => evidenceOf(events, context).lost.items.map((entry) => entry.id);
  // Past the copy's flush window; a SYNC_FLUSH broker; a local retry (the send-back failed); an orderly group (no send-back).
  assert.deepEqual(lostIds(history(20_000 + 10_501)), ["m"]);
  assert.deepEqual(lostIds(history(24_400), testContext({ topology: topologyFacts("2m-noslave", "SYNC_FLUSH") })), ["m"]);
  assert.deepEqual(lostIds(history(24_400, (builder) => builder.raw({
    type: "local-retry", timeMs: 20_010, process: "consumer-G-1", group: "G", topic: "T", queue: "broker-a:0",
    messages: [{ messageId: "m", queueOffset: 0, reconsumeTimes: 1 }], dueMs: 25_010,
  }))), ["m"]);
  assert.deepEqual(lostIds(history(24_400), testContext({ groups: [{ group: "G", topic: "T", count: 1, orderly: true }] })), ["m"]);
});

test("a copy the client re-sent straight into a DLQ the run did not read is an unverified dead letter, not a loss (seed 6 swarm run 923)", () => {
  // m failed, its send-back failed and the client re-sent it with count 2: at maxReconsumeTimes 2
  // the broker put that copy in %DLQ%G. The power loss 14 s later is outside any flush window.
  const history = (reconsume: number, readDlq = false) => {
    const events = new HistoryBuilder().send({ id: "m", at: 0, queue: "broker-a:0", offset: 0 })
      .deliver({ id: "m", at: 20_000, result: "retry" }).resend({ id: "m", at: 23_150, reconsume, queue: "broker-a:0", offset: 0 })
      .fault(37_000, 38_000, "power-loss", "broker-a").build();
    return { events, context: testContext({ groups: [{ group: "G", topic: "T", count: 1, maxReconsumeTimes: 2, readDlq }] }) };
  };
  const unread = history(1);
  const result = checkDelivery(unread.events, unread.context);
  assert.equal(result.verdict, "pass", result.summary);
  assert.deepEqual((result.evidence as DeliveryEvidence).deadLetteredUnread.items, ["m"]);
  assert.match(result.summary, /1 message re-sent by a consumer straight into a DLQ this run did not read/);
  // A copy below the DLQ point was a retry copy the group should have read: lost.
  const retryCopy = history(0);
  assert.equal(checkDelivery(retryCopy.events, retryCopy.context).verdict, "fail");
  // A DLQ the run read and that lacks the copy: the copy is judged where it was stored, and lost.
  const read = history(1, true);
  assert.equal(checkDelivery(read.events, read.context).verdict, "fail");
});

test("a slow disk on the master stretches its flush window by two slow fsyncs (battery seed 1 run 1323), and no further", () => {
  // broker-a (ASYNC_FLUSH, 10.5 s window) turns 1000x slow (2 s fsyncs) and loses power at 20 s:
  // window 10.5 s + 2 x 2 s = 14.5 s.
  const slowDisk = (injectMs: number, healMs: number): ScheduledFault => ({ atMs: injectMs, healAtMs: healMs, fault: { kind: "slow-disk", target: "broker-a", factor: 1_000 } });
  const powerLoss: ScheduledFault = { atMs: 20_000, healAtMs: 21_000, fault: { kind: "power-loss", target: "broker-a" } };
  const judge = (ackMs: number, slow: [number, number]): CheckResult => checkDelivery(
    new HistoryBuilder().send({ id: "m", at: ackMs - 2, outcomeAt: ackMs, queue: "broker-a:0", offset: 0 })
      .fault(slow[0], slow[1], "slow-disk", "broker-a", 0).fault(20_000, 21_000, "power-loss", "broker-a", 1).build(),
    testContext({ faults: [slowDisk(...slow), powerLoss] }));
  const edge = judge(5_500, [5_000, 30_000]);
  assert.equal(edge.verdict, "pass", edge.summary);
  const allowed = (edge.evidence as DeliveryEvidence).allowedLoss.items[0];
  assert.equal(allowed?.windowMs, 14_500);
  assert.match(allowed?.mechanism ?? "", /2 x 2000 ms fsyncs of a 1000x slow disk/);
  const outside = judge(5_499, [5_000, 30_000]);
  assert.equal(outside.verdict, "fail");
  assert.match((outside.evidence as DeliveryEvidence).lost.items[0]?.reason ?? "", /beyond its 14\.5 s flush window \(10\.5 s \+ 2 slow fsyncs of its 1000x slow disk\)/);
  // A slow disk healed more than one slow fsync before the ack delayed no round that could hold it.
  assert.equal(judge(5_500, [1_000, 3_500]).verdict, "fail");
  assert.equal(judge(5_500, [1_000, 3_501]).verdict, "pass");
  // A slow disk that began only after the power loss stretches nothing.
  assert.equal(judge(5_500, [20_001, 30_000]).verdict, "fail");
});

test("the healthy fsync bound behind the slow-disk window is the sim disk's slowest fsync", () => {
  assert.equal(healthyFsyncMaxMs, diskDefaults.fsyncLatencyMs + diskDefaults.fsyncJitterMs);
});

test("a LAST_OFFSET group's skip after a broker crash took its first commits is allowed loss with that mechanism; a later crash's is not", () => {
  const context = testContext({ groups: [{ group: "L", topic: "T", count: 1, startAtMs: 50_000, consumeFromWhere: "CONSUME_FROM_LAST_OFFSET" }] });
  const excused = evidenceOf(lostOffsetsAfterCrash({ crashMs: 54_000, retake: true, delivered: ["m-6"] }), context);
  assert.deepEqual(excused.lost.items, []);
  assert.deepEqual(excused.allowedLoss.items.map((entry) => entry.id), ["m-4", "m-5"]);
  assert.match(excused.allowedLoss.items[0]?.mechanism ?? "", /^broker crash took the group's offsets: broker-a crashed at 54\.0 s/);
  const persisted = evidenceOf(lostOffsetsAfterCrash({ crashMs: 80_000, retake: true, delivered: ["m-6"] }), context);
  assert.deepEqual(persisted.lost.items.map((entry) => entry.id), ["m-4", "m-5"]);
});

test("a LAST_OFFSET group whose holder dropped the queue before its first commit reached the broker may skip what came before the re-add (seed 8 swarm run 460)", () => {
  // L took broker-a:0 at 50.1 s; broker-a paused 51–70 s, so no commit got through; the holder
  // replaced the stalled queue in place at 72 s (same snapshot) and started at the max offset.
  const groups = [{ group: "L", topic: "T", count: 1, startAtMs: 50_000, consumeFromWhere: "CONSUME_FROM_LAST_OFFSET" as const }];
  const pause = { atMs: 51_000, healAtMs: 70_000, fault: { kind: "pause" as const, target: "broker-a" } };
  const history = (paused: boolean, dropMs = 72_000) => {
    const builder = new HistoryBuilder().sends("m-", 4, { from: 0, everyMs: 1000 })
      .join(50_000, "consumer-L-1", "L").rebalance(50_100, "consumer-L-1", ["broker-a:0"], "L");
    if (paused) builder.fault(51_000, 70_000, "pause", "broker-a");
    return builder.send({ id: "m-4", at: 71_000, offset: 4 }).rebalance(dropMs, "consumer-L-1", ["broker-a:0"], "L")
      .send({ id: "m-5", at: 75_000, offset: 5 }).deliverAll(["m-5"], 100, { group: "L" }).build();
  };
  const excused = evidenceOf(history(true), testContext({ groups, faults: [pause] }));
  assert.deepEqual(excused.lost.items, []);
  assert.match(excused.allowedLoss.items[0]?.mechanism ?? "", /^a dropped process queue took the group's offsets: consumer-L-1 dropped broker-a:0 at 72\.0 s/);
  // No fault kept the commit from the broker and the drop came long after the take: a skip is a loss.
  assert.deepEqual(evidenceOf(history(false), testContext({ groups })).lost.items.map((entry) => entry.id), ["m-4"]);
  // Stored after the re-add (a drop at 60 s): the new process queue starts below it, so missing it is a loss.
  assert.deepEqual(evidenceOf(history(true, 60_000), testContext({ groups, faults: [pause] })).lost.items.map((entry) => entry.id), ["m-4"]);
});

test("a delayed message's re-put copy: lost by offset reuse after a restart, or inside the flush window after its due time, as the table allows (battery seed 12 run 1190)", () => {
  // d (level 4: 30 s) is acked at 2 ms into SCHEDULE_TOPIC_XXXX; its re-put into broker-a:1 comes
  // at its due time (30 s), later while broker-a's disk is full (a refused re-put waits 10 s).
  const history = (options: { diskFull?: [number, number]; lossMs: number; restartMs: number; delayLevel?: number }): HistoryEvent[] => {
    const builder = new HistoryBuilder().send({ id: "d", at: 0, queue: "broker-a:1", offset: 0, delayLevel: options.delayLevel ?? 4 });
    for (let offset = 0; offset <= 20; offset++) builder.send({ id: `m-${offset}`, at: 1_000 * offset, queue: "broker-a:1", offset }).deliver({ id: `m-${offset}`, at: 1_000 * offset + 5 });
    // After the restart the queue came back shorter: new sends get offsets 15, 16, ... again.
    for (let index = 0; index < 10; index++) {
      const at = options.restartMs + 1_000 * (index + 1);
      builder.send({ id: `n-${index}`, at, queue: "broker-a:1", offset: 15 + index }).deliver({ id: `n-${index}`, at: at + 5 });
    }
    if (options.diskFull !== undefined) builder.fault(options.diskFull[0], options.diskFull[1], "disk-full", "broker-a", 1);
    return builder.fault(options.lossMs, options.restartMs, "power-loss", "broker-a").build();
  };
  const context = testContext({ topology: topologyFacts("1m"), endMs: 200_000 });
  // Due at 30 s while the disk was full (25–50 s): re-put after the 48 s restart, into offsets up
  // to 20 that G had read before it (the queue passed 20 at 54 s).
  const reused = checkDelivery(history({ diskFull: [25_000, 50_000], lossMs: 45_000, restartMs: 48_000 }), context);
  assert.equal(reused.verdict, "pass", reused.summary);
  assert.match((reused.evidence as DeliveryEvidence).allowedLoss.items[0]?.reason ?? "", /offset reuse .* its re-put copy \(due 30\.0 s\) may have been stored after the restart at 48\.0 s/);
  // A power loss 5 s after the due time, the master well: the re-put copy was inside the flush window.
  const flushed = checkDelivery(history({ lossMs: 35_000, restartMs: 36_000 }), context);
  assert.equal(flushed.verdict, "pass", flushed.summary);
  assert.match((flushed.evidence as DeliveryEvidence).allowedLoss.items[0]?.reason ?? "", /inside the 10\.5 s flush window of its re-put copy/);
  // The master well at the due time: re-put at 30 s, 30 s before the loss, and long before the restart.
  assert.equal(checkDelivery(history({ lossMs: 60_000, restartMs: 62_000 }), context).verdict, "fail");
  // Not a delayed message: no second write, and acked 43 s before the loss it should have survived.
  assert.equal(checkDelivery(history({ diskFull: [25_000, 50_000], lossMs: 45_000, restartMs: 48_000, delayLevel: 0 }), context).verdict, "fail");
});

// Misplaced records: the position a consumer read is not where the message was stored.
const attempt = (opId: number, timeMs: number, queue: string): HistoryEvent =>
  ({ type: "attempt", op: "send", opId, timeMs, process: "producer-1", broker: queue.split(":")[0]!, queue, outcome: "ok", latencyMs: 1 });

test("a delivery from the acked queue at another offset than the one-attempt ack is misplaced", () => {
  // Arrange: m-1 acked at broker-a:0@0 after one attempt, then read back at @5.
  const events: HistoryEvent[] = [...cleanHistory, attempt(1, 11, "broker-a:0"), attempt(2, 21, "broker-b:0"),
    { type: "deliver", op: "consume", timeMs: 40, process: "consumer-G-1", group: "G", messageId: "m-1", topic: "T", queue: "broker-a:0", queueOffset: 5, reconsumeTimes: 0, result: "success" }];
  // Act
  const result = checkDelivery(events, testContext());
  // Assert
  assert.equal(result.verdict, "fail");
  assert.deepEqual((result.evidence as DeliveryEvidence).misplaced.items.map((entry) => [entry.id, entry.ackedOffset, entry.deliveredOffset]), [["m-1", 0, 5]]);
  assert.match(result.summary, /m-1 acked at broker-a:0@0, read at @5/);
});

test("misplaced is judged only where the position is certain: two attempts, a delay, a retry copy, another queue", () => {
  const far = (overrides: Partial<Extract<HistoryEvent, { type: "deliver" }>>): HistoryEvent =>
    ({ type: "deliver", op: "consume", timeMs: 40, process: "consumer-G-1", group: "G", messageId: "m-1", topic: "T", queue: "broker-a:0", queueOffset: 5, reconsumeTimes: 0, result: "success", ...overrides });
  // Two attempts: the first may have stored a copy too (a timeout), so @5 may be that copy.
  const twoAttempts = [...cleanHistory, attempt(1, 11, "broker-a:0"), attempt(1, 11, "broker-a:0"), far({})];
  assert.equal(evidenceOf(twoAttempts).misplaced.count, 0);
  // No attempt recorded (an async send's attempts may not be attributed): not judged.
  assert.equal(evidenceOf([...cleanHistory, far({})]).misplaced.count, 0);
  // A retry copy comes from %RETRY%, whose queue labels look alike.
  assert.equal(evidenceOf([...cleanHistory, attempt(1, 11, "broker-a:0"), far({ reconsumeTimes: 1 })]).misplaced.count, 0);
  // Another queue than the ack's: another attempt's copy, not judged.
  assert.equal(evidenceOf([...cleanHistory, attempt(1, 11, "broker-a:0"), far({ queue: "broker-a:1" })]).misplaced.count, 0);
  // A delayed message is acked with its schedule-queue offset.
  const delayed = cleanHistory.map((event) => event.type === "invoke" && event.messageId === "m-1" ? { ...event, delayLevel: 2 } : event);
  assert.equal(evidenceOf([...delayed, attempt(1, 11, "broker-a:0"), far({})]).misplaced.count, 0);
});

test("a record of another queue than the one it was pulled from is misplaced, whatever its send", () => {
  const events: HistoryEvent[] = [...cleanHistory,
    { type: "deliver", op: "consume", timeMs: 40, process: "consumer-G-1", group: "G", messageId: "m-2", topic: "T", queue: "broker-b:0", queueOffset: 0, reconsumeTimes: 0, result: "success", readFrom: "T broker-b:1" }];
  const result = checkDelivery(events, testContext());
  assert.equal(result.verdict, "fail");
  assert.match(result.summary, /m-2 \(its record: broker-b:0@0\) pulled from T broker-b:1/);
});

test("a tag-subscribed group receiving a message its subscription rejects is a failure; accepted tags and * pass", () => {
  // Arrange: m-1 tagged TagA, m-2 tagged TagB; G subscribes "TagA".
  const tagged = cleanHistory.map((event) => event.type === "invoke" ? { ...event, tags: event.messageId === "m-1" ? "TagA" : "TagB" } : event);
  const tagGroup = testContext({ groups: [{ group: "G", topic: "T", count: 1, subscription: "TagA" }] });
  // Act
  const leaked = checkDelivery(tagged, tagGroup);
  // Assert
  assert.equal(leaked.verdict, "fail");
  assert.match(leaked.summary, /m-2 tagged TagB to G subscribed "TagA"/);
  const withoutLeak = tagged.filter((event) => !(event.type === "deliver" && event.messageId === "m-2"));
  assert.equal(checkDelivery(withoutLeak, tagGroup).verdict, "pass");
  assert.equal(checkDelivery(tagged, testContext({ groups: [{ group: "G", topic: "T", count: 1, subscription: "TagA || TagB" }] })).verdict, "pass");
  assert.equal(checkDelivery(tagged, testContext()).verdict, "pass");
});
