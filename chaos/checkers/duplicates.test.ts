import { test } from "node:test";
import assert from "node:assert/strict";
import type { DuplicatesEvidence } from "./duplicates.ts";
import { checkDuplicates } from "./duplicates.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { HistoryBuilder, testContext, topologyFacts } from "./testing/history_builder.ts";

const base = (): HistoryBuilder => new HistoryBuilder()
  .join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0"])
  .sends("m-", 3, { from: 100 }).deliverAll(["m-0", "m-1", "m-2"], 5);

test("no fault, no rebalance: no duplicate allowed, and the evidence names it", () => {
  assert.equal(checkDuplicates(base().build(), testContext()).verdict, "pass");
  const events = base().deliver({ id: "m-1", at: 90_000 }).build();
  const result = checkDuplicates(events, testContext());
  assert.equal(result.verdict, "fail");
  const entry = (result.evidence as DuplicatesEvidence).unexplained.items[0];
  assert.deepEqual([entry?.id, entry?.receiver, entry?.queue, entry?.firstMs, entry?.duplicateMs], ["m-1", "G", "broker-a:0", 115, 90_000]);
  assert.match(result.summary, /m-1 to G on broker-a:0/);
});

test("a retry followed by a success is not a duplicate", () => {
  const events = new HistoryBuilder().send({ id: "m", at: 0 }).deliver({ id: "m", at: 5, result: "retry" }).deliver({ id: "m", at: 10_100, reconsume: 1 }).build();
  assert.equal((checkDuplicates(events, testContext()).evidence as DuplicatesEvidence).duplicates, 0);
});

test("a duplicate after a broker crash or a queue moving to another consumer is attributed", () => {
  // First delivered at 115 ms; rocketmqIntervals: offsetPersistMs 5 s, rebalanceMs 20 s.
  const crash = base().fault(8_000, 18_000, "crash", "broker-a").deliver({ id: "m-1", at: 20_000 }).build();
  const result = checkDuplicates(crash, testContext());
  assert.equal(result.verdict, "pass", result.summary);
  assert.match((result.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /crash broker-a.*replay depth 11\.0 s \(broker flushes consumerOffset\.json every flushConsumerOffsetInterval 5000 ms/);
  const moved = base().join(2_500, "consumer-G-2").rebalance(3_000, "consumer-G-2", ["broker-a:0"]).rebalance(3_000, "consumer-G-1", [])
    .deliver({ id: "m-1", at: 4_000, process: "consumer-G-2" }).build();
  const movedResult = checkDuplicates(moved, testContext({ groups: [{ group: "G", topic: "T", count: 2 }] }));
  assert.equal(movedResult.verdict, "pass", movedResult.summary);
  assert.match((movedResult.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /moving broker-a:0 from consumer-G-1 to consumer-G-2/);
  // A window long over before the first success explains nothing.
  const stale = base().fault(-200_000, -150_000, "crash", "broker-a").deliver({ id: "m-1", at: 90_000 }).build();
  assert.equal(checkDuplicates(stale, testContext()).verdict, "fail");
});

test("broadcasting: each consumer receiving a message once is not a duplicate", () => {
  const context = testContext({ groups: [{ group: "B", topic: "T", count: 2, model: "BROADCASTING" }] });
  const events = new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 5, group: "B", process: "consumer-B-1" }).deliver({ id: "m", at: 6, group: "B", process: "consumer-B-2" }).build();
  assert.equal((checkDuplicates(events, context).evidence as DuplicatesEvidence).duplicates, 0);
});

test("replay depth: a replay from further back than the window's mechanism can lose fails, naming the mechanism", () => {
  // A broker crash at 60 s can lose at most flushConsumerOffsetInterval 5 s + offsetPersistMs 5 s + 1 s of commits.
  const deep = base().fault(60_000, 70_000, "crash", "broker-a").deliver({ id: "m-1", at: 75_000 }).build();
  const result = checkDuplicates(deep, testContext());
  assert.equal(result.verdict, "fail");
  const entry = (result.evidence as DuplicatesEvidence).unexplained.items[0];
  assert.match(entry?.tooDeep ?? "", /crash broker-a \(fault 0\) opened at 60\.0 s, 59\.9 s after the first delivery: deeper than its replay depth 11\.0 s \(broker flushes consumerOffset\.json/);
  // A consumer crash loses only what its client had not persisted (offsetPersistMs + slack).
  const consumer = (crashAtMs: number): CheckResult => checkDuplicates(base().fault(crashAtMs, crashAtMs + 3_000, "crash", "consumer-G-1").deliver({ id: "m-1", at: crashAtMs + 4_000 }).build(), testContext());
  assert.equal(consumer(5_000).verdict, "pass");
  assert.match(consumer(7_000).summary, /deeper than its replay depth 6000 ms \(consumer offsets committed every offsetPersistMs 5000 ms/);
  // A slow group's in-flight batch widens the slack: 100 ms × 32 messages.
  const slow = testContext({ groups: [{ group: "G", topic: "T", count: 1, processingMs: 100 }] });
  assert.equal(checkDuplicates(base().fault(9_000, 12_000, "crash", "consumer-G-1").deliver({ id: "m-1", at: 13_000 }).build(), slow).verdict, "pass");
  // Slow messages (slowPercent) hold the offset for a slow batch's whole run: a clean restart
  // 9 s after the first delivery replays it when slowMs is 4 s (depth 5 s + 1 s + 4 s), not without.
  const restart = base().fault(9_000, 12_000, "clean-restart", "consumer-G-1").deliver({ id: "m-1", at: 13_000 }).build();
  const slowBatches = testContext({ groups: [{ group: "G", topic: "T", count: 1, slowPercent: 2, slowMs: 4_000 }] });
  const explained = checkDuplicates(restart, slowBatches);
  assert.equal(explained.verdict, "pass", explained.summary);
  assert.match((explained.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /a slow batch's slowMs \+ processing 4000 ms/);
  assert.equal(checkDuplicates(restart, testContext({ groups: [{ group: "G", topic: "T", count: 1, slowMs: 4_000 }] })).verdict, "fail");
  // A master with a slave: consumers may resume from the slave's offsets, synced every slaveSyncIntervalMs (10 s).
  const paired = testContext({ topology: topologyFacts("2m-2s-sync") });
  const pairedResult = checkDuplicates(base().fault(15_000, 20_000, "crash", "broker-a").deliver({ id: "m-1", at: 21_000 }).build(), paired);
  assert.equal(pairedResult.verdict, "pass", pairedResult.summary);
  assert.match((pairedResult.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /slaveSyncIntervalMs 10\.0 s/);
});

test("replay depth: a fault that may make the NameServers drop a paired master reaches back to its slave's offset sync", () => {
  // The shape of battery seed 29 run 866: broker-a isolated at 7 s, m-1 first delivered 6.9 s
  // before it, deeper than a consumer-side fault's 6 s; consumers resumed from the slave's offsets (synced every 10 s, none while cut).
  const paired = testContext({ topology: topologyFacts("2m-2s-sync") });
  const cut = (kind: string, target: string): CheckResult =>
    checkDuplicates(base().fault(7_000, 20_000, kind, target).deliver({ id: "m-1", at: 21_000 }).build(), paired);
  const isolated = cut("partition", "broker-a");
  assert.equal(isolated.verdict, "pass", isolated.summary);
  assert.match((isolated.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /broker-a cut from the NameServers: .*slaveSyncIntervalMs 10\.0 s/);
  assert.equal(cut("firewall", "broker-a->namesrv-2").verdict, "pass");
  assert.equal(cut("heartbeat-loss", "broker-a").verdict, "pass");
  // A firewall between the master and a consumer leaves the master in the routes: the consumer's depth only.
  assert.equal(cut("firewall", "broker-a->consumer-G-1").verdict, "fail");
  // Without a slave the consumers have nowhere else to read offsets from.
  assert.equal(checkDuplicates(base().fault(7_000, 20_000, "partition", "broker-a").deliver({ id: "m-1", at: 21_000 }).build(), testContext()).verdict, "fail");
  // Deeper than the slave's sync interval + offsetPersistMs (5 s here) + 1 s: still unexplained.
  assert.equal(checkDuplicates(base().fault(17_000, 20_000, "partition", "broker-a").deliver({ id: "m-1", at: 21_000 }).build(), paired).verdict, "fail");
});

test("replay depth: a broker's fault deepens replays of its own queues only", () => {
  // Battery seed 1 run 47 with a slave that never synced offsets: broker-a's NameServer flow fault
  // had excused broker-b's queues read again from 0 after broker-b's rack failure. m-1 was first
  // delivered 13.9 s before the faults, deeper than a consumer's 6 s and within a slave sync's 16 s.
  const paired = testContext({ topology: topologyFacts("2m-2s-sync") });
  const onQueue = (queue: string, kind: string, target: string): CheckResult => checkDuplicates(new HistoryBuilder()
    .join(0, "consumer-G-1").rebalance(1, "consumer-G-1", [queue])
    .sends("m-", 3, { from: 100, queues: [queue] }).deliverAll(["m-0", "m-1", "m-2"], 5)
    .fault(14_000, 20_000, kind, target).deliver({ id: "m-1", at: 21_000 }).build(), paired);
  assert.equal(onQueue("broker-a:0", "crash", "broker-a").verdict, "pass");
  assert.equal(onQueue("broker-a:0", "partition", "broker-a").verdict, "pass");
  const elsewhere = onQueue("broker-b:0", "crash", "broker-a");
  assert.equal(elsewhere.verdict, "fail");
  assert.match((elsewhere.evidence as DuplicatesEvidence).unexplained.items[0]?.tooDeep ?? "", /crash broker-a .*replay depth 6000 ms \(consumer offsets committed every offsetPersistMs/);
  assert.equal(onQueue("broker-b:0", "partition", "broker-a").verdict, "fail");
  assert.equal(onQueue("broker-b:0", "firewall", "broker-a->namesrv-1").verdict, "fail");
});

test("replay depth: a broker whose disk kept failing its config writes reloads offsets from before the fault", () => {
  // Battery seed 2 run 517's shape: fsync errors on broker-a from 7 s (6.9 s after m-1's first
  // delivery: deeper than the fault's own consumer-side 6 s), a crash at 15 s, 14.9 s after it:
  // deeper than flushConsumerOffsetInterval 5 s + offsetPersistMs 5 s + 1 s.
  const crashAfterDiskFault = (kind: string, target: string, fromMs: number, toMs: number): CheckResult => checkDuplicates(base()
    .fault(fromMs, toMs, kind, target, 0).fault(15_000, 17_000, "crash", "broker-a", 1).deliver({ id: "m-1", at: 18_000 }).build(), testContext());
  const failing = crashAfterDiskFault("disk-error", "broker-a", 7_000, 20_000);
  assert.equal(failing.verdict, "pass", failing.summary);
  assert.match((failing.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /none succeeded after disk-error broker-a \(fault 0\) opened at 7000 ms/);
  assert.equal(crashAfterDiskFault("disk-full", "broker-a", 7_000, 20_000).verdict, "pass");
  // Healed a flush interval before the crash: the next flush wrote the file.
  assert.equal(crashAfterDiskFault("disk-error", "broker-a", 7_000, 9_000).verdict, "fail");
  // Another broker's disk: broker-a's file was written all along.
  assert.equal(crashAfterDiskFault("disk-error", "broker-b", 7_000, 20_000).verdict, "fail");
});

test("a rebalance explains duplicates only on the queue it moved, counted from the move", () => {
  const context = testContext({ groups: [{ group: "G", topic: "T", count: 2 }] });
  const elsewhere = base().join(2_500, "consumer-G-2").rebalance(3_000, "consumer-G-2", ["broker-a:1"]).rebalance(3_000, "consumer-G-1", ["broker-a:0"])
    .deliver({ id: "m-1", at: 4_000 }).build();
  assert.equal(checkDuplicates(elsewhere, context).verdict, "fail");
});

test("a queue its consumer dropped and took back explains the re-read, and only on that queue", () => {
  // 4.9.x: a consumer not yet in a new broker's member list allocates itself nothing, drops its
  // process queues (committing their offsets), and takes them back on the next rebalance.
  const context = testContext({ groups: [{ group: "G", topic: "T", count: 2 }] });
  const dropped = base().rebalance(3_000, "consumer-G-1", []).rebalance(3_010, "consumer-G-1", ["broker-a:0"])
    .deliver({ id: "m-1", at: 3_020 }).build();
  const result = checkDuplicates(dropped, context);
  assert.equal(result.verdict, "pass", result.summary);
  assert.match((result.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /consumer-G-1 dropped broker-a:0 and took it back/);
  // A snapshot that keeps the queue explains nothing, nor does a drop of another queue.
  const kept = base().rebalance(3_000, "consumer-G-1", ["broker-a:0"]).deliver({ id: "m-1", at: 3_020 }).build();
  assert.equal(checkDuplicates(kept, context).verdict, "fail");
  const other = base().rebalance(2_000, "consumer-G-1", ["broker-a:0", "broker-a:1"]).rebalance(3_000, "consumer-G-1", ["broker-a:0"])
    .rebalance(3_010, "consumer-G-1", ["broker-a:0", "broker-a:1"]).deliver({ id: "m-1", at: 3_020 }).build();
  assert.equal(checkDuplicates(other, context).verdict, "fail");
});

test("a batch sent back just before a rebalance: the retry copy is explained by the move of the original's queue", () => {
  // consumer-G-1 fails m-1 (its batch is sent back), the queue moves before its offset commit,
  // consumer-G-2 reads m-1 again from the queue, and the retry copy arrives 10 s later.
  const context = testContext({ groups: [{ group: "G", topic: "T", count: 2 }] });
  const events = new HistoryBuilder().join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0"])
    .send({ id: "m-1", at: 100 }).deliver({ id: "m-1", at: 105, result: "retry" })
    .join(106, "consumer-G-2").rebalance(107, "consumer-G-2", ["broker-a:0"]).rebalance(107, "consumer-G-1", [])
    .deliver({ id: "m-1", at: 108, process: "consumer-G-2" })
    .deliver({ id: "m-1", at: 10_105, queue: "broker-a:9", reconsume: 1, process: "consumer-G-2" }).build();
  const result = checkDuplicates(events, context);
  assert.equal(result.verdict, "pass", result.summary);
  assert.match((result.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /moving broker-a:0/);
  // Without the move the same retry copy is unexplained.
  const unmoved = new HistoryBuilder().join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0"])
    .send({ id: "m-1", at: 100 }).deliver({ id: "m-1", at: 108 })
    .deliver({ id: "m-1", at: 10_105, queue: "broker-a:9", reconsume: 1 }).build();
  assert.equal(checkDuplicates(unmoved, context).verdict, "fail");
});

test("the delayed OFFSET_ILLEGAL fix after a master's power loss: a rewind up to 10 s after the queue grew back is explained, later ones are not", () => {
  // Before the loss G read broker-a:0 to offset 14; the master restarts at 9 s with the queue
  // empty, new messages take offsets 0..20 (offset 15 acked at 15.3 s), the reader goes on from
  // the stale offset 15, and a fix scheduled by a stale pull rewinds it to 0.
  const build = (againAtMs: number, powerLoss = true): ReturnType<HistoryBuilder["build"]> => {
    const history = new HistoryBuilder().join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0"]);
    for (let offset = 0; offset < 15; offset++) history.send({ id: `old-${offset}`, at: 100 + offset * 100, queue: "broker-a:0", offset }).deliver({ id: `old-${offset}`, at: 200 + offset * 100 });
    if (powerLoss) history.node(7_000, "broker-a", "power-loss").node(9_000, "broker-a", "restart");
    for (let offset = 0; offset <= 20; offset++) history.send({ id: `new-${offset}`, at: 9_500 + offset * 300, queue: "broker-a:0", offset });
    for (let offset = 15; offset <= 20; offset++) history.deliver({ id: `new-${offset}`, at: 9_600 + offset * 300 });
    return history.deliver({ id: "new-16", at: againAtMs }).build();
  };
  // The lab's short intervals (settle 2.2 s): the power-loss window itself closes long before.
  const base = testContext();
  const context = { ...base, intervals: { ...base.intervals, rebalanceMs: 1_000, offsetPersistMs: 200 } };
  // new-15 acked at 14.0 s (+2 ms): the fix window ends 10 s + settle later.
  const untilMs = 14_002 + 10_000 + (context.intervals.rebalanceMs + context.intervals.offsetPersistMs + 1_000);
  const explained = checkDuplicates(build(21_000), context);
  assert.equal(explained.verdict, "pass", explained.summary);
  assert.match((explained.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /OFFSET_ILLEGAL fix 10\.0 s later, which rewinds/);
  assert.equal(checkDuplicates(build(untilMs), context).verdict, "pass");
  assert.equal(checkDuplicates(build(untilMs + 1), context).verdict, "fail");
  assert.equal(checkDuplicates(build(21_000, false), context).verdict, "fail");
});

test("a producer's crash explains no consumer-side duplicate; a consumer's does", () => {
  // First delivered at 115 ms; the crash opens at 2 s and never heals; the copy comes at 4 s,
  // inside any window's replay depth (offsetPersistMs 5 s + 1 s slack).
  const producerCrash = base().fault(2_000, null, "crash", "producer-1").node(2_000, "producer-1", "crash").deliver({ id: "m-1", at: 4_000 }).build();
  const failed = checkDuplicates(producerCrash, testContext());
  assert.equal(failed.verdict, "fail", failed.summary);
  assert.match(failed.summary, /m-1 to G on broker-a:0/);
  const consumerCrash = base().fault(2_000, null, "crash", "consumer-G-1").node(2_000, "consumer-G-1", "crash").deliver({ id: "m-1", at: 4_000 }).build();
  const passed = checkDuplicates(consumerCrash, testContext());
  assert.equal(passed.verdict, "pass", passed.summary);
  assert.match((passed.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /consumer-G-1/);
  // Nor does a fault on a producer's traffic: a firewall, flow, reset or partition at one of its ends, or its lost heartbeat.
  for (const [kind, target] of [["firewall", "producer-1->broker-a"], ["flow", "broker-a->producer-1"], ["connection-reset", "producer-1->namesrv-1"],
    ["partition", "producer-1"], ["heartbeat-loss", "producer-1"], ["pause", "producer-1"]] as const) {
    const producerTraffic = checkDuplicates(base().fault(2_000, 3_000, kind, target).deliver({ id: "m-1", at: 4_000 }).build(), testContext());
    assert.equal(producerTraffic.verdict, "fail", `${kind} ${target}: ${producerTraffic.summary}`);
  }
  const consumerTraffic = checkDuplicates(base().fault(2_000, 3_000, "firewall", "consumer-G-1->broker-a").deliver({ id: "m-1", at: 4_000 }).build(), testContext());
  assert.equal(consumerTraffic.verdict, "pass", consumerTraffic.summary);
});

test("a delayed message the schedule service re-put again after a FLUSH_DISK_TIMEOUT is explained; a gap under 10 s + syncFlushTimeout, a re-read or ASYNC_FLUSH is not", () => {
  // Battery seed 1 run 824's shape: a delay-level-2 message re-put into broker-a:0 at offset 2
  // (stored 26.958 s) answered FLUSH_DISK_TIMEOUT; the level retried 10 s after the 1 s flush
  // wait and stored it again at offset 5 (37.958 s).
  const context = (flush: "SYNC_FLUSH" | "ASYNC_FLUSH" = "SYNC_FLUSH") => {
    const built = testContext({ topology: topologyFacts("2m-2s-sync", flush) });
    built.brokerConfig = { syncFlushTimeout: "1000" };
    return built;
  };
  const run = (options: { gapMs?: number; againOffset?: number; delayLevel?: number } = {}) => {
    const firstStoreMs = 26_958;
    const againStoreMs = firstStoreMs + (options.gapMs ?? 11_000);
    return new HistoryBuilder().join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:0"])
      .send({ id: "d", at: 11_548, queue: "broker-a:0", offset: 0, status: "FLUSH_DISK_TIMEOUT", ...(options.delayLevel === 0 ? {} : { delayLevel: options.delayLevel ?? 2 }) })
      .deliver({ id: "d", at: 31_407, offset: 2, extra: { storeTimeMs: firstStoreMs } })
      .deliver({ id: "d", at: againStoreMs + 3, offset: options.againOffset ?? 5, extra: { storeTimeMs: againStoreMs } })
      .build();
  };
  const excused = checkDuplicates(run(), context());
  assert.equal(excused.verdict, "pass", excused.summary);
  assert.match((excused.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "",
    /schedule re-put retry: copy at offset 2 stored at 27\.0 s, again at offset 5 11\.0 s later .*FLUSH_DISK_TIMEOUT on SYNC_FLUSH broker-a/);
  // A later retry round (two failed re-puts) is the same mechanism.
  assert.equal(checkDuplicates(run({ gapMs: 22_000 }), context()).verdict, "pass");
  // Just outside: a second copy sooner than DELAY_FOR_A_PERIOD + syncFlushTimeout after the first.
  assert.equal(checkDuplicates(run({ gapMs: 10_999 }), context()).verdict, "fail");
  // The same offset read twice is a replay, not a second stored copy.
  assert.equal(checkDuplicates(run({ againOffset: 2 }), context()).verdict, "fail");
  // An ASYNC_FLUSH master never answers FLUSH_DISK_TIMEOUT; an undelayed message never passes the schedule service.
  assert.equal(checkDuplicates(run(), context("ASYNC_FLUSH")).verdict, "fail");
  assert.equal(checkDuplicates(run({ delayLevel: 0 }), context()).verdict, "fail");
});

test("a %RETRY% copy (delayed by the broker) re-put twice by the schedule service is explained the same way", () => {
  const context = testContext({ topology: topologyFacts("2m-2s-sync", "SYNC_FLUSH") });
  const events = (againStoreMs: number) => new HistoryBuilder().send({ id: "m", at: 0 })
    .deliver({ id: "m", at: 5, result: "retry" })
    .deliver({ id: "m", at: 20_100, reconsume: 1, queue: "broker-b:0", offset: 0, extra: { storeTimeMs: 20_000 } })
    .deliver({ id: "m", at: againStoreMs + 100, reconsume: 1, queue: "broker-b:0", offset: 1, extra: { storeTimeMs: againStoreMs } })
    .build();
  // Default syncFlushTimeout 5 s: the retry comes at least 15 s after the first copy's store time.
  const excused = checkDuplicates(events(35_000), context);
  assert.equal(excused.verdict, "pass", excused.summary);
  assert.match((excused.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "", /syncFlushTimeout 5000 ms/);
  assert.equal(checkDuplicates(events(34_999), context).verdict, "fail");
});

test("a delayed message re-put again by a restarted master whose crash took its delay-level progress is explained, only within flushDelayOffsetInterval before the crash", () => {
  // Battery seed 5 run 13's shape: re-put into broker-b:0 at 10.7 s (offset 30), broker-b crashed
  // at 18.0 s and restarted at 21.0 s, the level re-put it again at 22.0 s (offset 52).
  const run = (options: { crashMs?: number; againOffset?: number; delayLevel?: number } = {}) => {
    const crashMs = options.crashMs ?? 18_000;
    return new HistoryBuilder().join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-b:0"])
      .send({ id: "d", at: 5_664, queue: "broker-b:0", offset: 2, ...(options.delayLevel === 0 ? {} : { delayLevel: options.delayLevel ?? 2 }) })
      .deliver({ id: "d", at: 10_664, queue: "broker-b:0", offset: 30, extra: { storeTimeMs: 10_664 } })
      .node(crashMs, "broker-b", "crash").node(crashMs + 3_000, "broker-b", "restart")
      .deliver({ id: "d", at: 30_008, queue: "broker-b:0", offset: options.againOffset ?? 52, extra: { storeTimeMs: crashMs + 4_000 } })
      .build();
  };
  // The run's intervals: the crash's consumer-offset replay depth (5 s flush + 1 s commit + 1 s)
  // does not reach back to the first copy, 7.3 s before the crash.
  const context = (): CheckContext => {
    const built = testContext();
    built.intervals = { ...built.intervals, offsetPersistMs: 1_000, rebalanceMs: 1_000 };
    return built;
  };
  const excused = checkDuplicates(run(), context());
  assert.equal(excused.verdict, "pass", excused.summary);
  assert.match((excused.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "",
    /schedule replay: broker-b's crash at 18\.0 s took its delay-level progress .* re-put at 10\.7 s \(offset 30\) was re-put again at 22\.0 s \(offset 52\)/);
  // Re-put 11.4 s before the crash: its progress had been persisted since.
  assert.equal(checkDuplicates(run({ crashMs: 22_000 }), context()).verdict, "fail");
  // The same offset read twice is a replay of the queue, and an undelayed message never passes the schedule service.
  assert.equal(checkDuplicates(run({ againOffset: 30 }), context()).verdict, "fail");
  assert.equal(checkDuplicates(run({ delayLevel: 0 }), context()).verdict, "fail");
});

test("a transaction committed by two checks after its master crashed: two stored copies are explained (battery seed 34 run 621)", () => {
  // The shape of the failure: tx sent at 3.8 s, its local transaction UNKNOW; broker-a crashed at
  // 10 s (its half queue's check progress with it) and restarted at 20 s; at 34.0 s the check
  // service checked two copies of the half message and the producer committed both (here at
  // 84 s, beyond the test intervals' settle after the restart, so no fault window covers it).
  const run = (options: { crash?: boolean; commits?: number; againOffset?: number } = {}) => {
    const builder = new HistoryBuilder().join(0, "consumer-G-1").rebalance(1, "consumer-G-1", ["broker-a:2"])
      .send({ id: "tx", at: 3_783, outcome: "unknown", queue: "broker-a:2", offset: 0 })
      .raw({ type: "transaction", timeMs: 4_052, process: "producer-1", messageId: "tx", phase: "local", decision: "unknown" });
    if (options.crash !== false) builder.node(10_000, "broker-a", "crash").node(20_000, "broker-a", "restart");
    for (let check = 0; check < (options.commits ?? 2); check++) {
      builder.raw({ type: "transaction", timeMs: 84_001 + 5 * check, process: "producer-1", messageId: "tx", phase: "check", decision: "commit" });
    }
    return builder.deliver({ id: "tx", at: 84_006, queue: "broker-a:2", offset: 6 })
      .deliver({ id: "tx", at: 84_010, queue: "broker-a:2", offset: options.againOffset ?? 7 }).build();
  };
  const excused = checkDuplicates(run(), testContext());
  assert.equal(excused.verdict, "pass", excused.summary);
  assert.match((excused.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "",
    /transaction check replay: broker-a's crash at 10\.0 s took its half queue's check progress .* committed 2 checks \(84\.0 s, 84\.0 s\), each storing a copy \(offsets 6 and 7\)/);
  // No crash, one committed check, or one record read twice: nothing explains the second delivery.
  assert.equal(checkDuplicates(run({ crash: false }), testContext()).verdict, "fail");
  assert.equal(checkDuplicates(run({ commits: 1 }), testContext()).verdict, "fail");
  assert.equal(checkDuplicates(run({ againOffset: 6 }), testContext()).verdict, "fail");
});

test("a message in flight when its consumer dropped the queue is read again by the next holder, however late (battery seed 2 run 1104)", () => {
  const context = (): CheckContext => {
    const built = testContext({ groups: [{ group: "G", topic: "T", count: 2, orderly: true }] });
    built.intervals = { ...built.intervals, offsetPersistMs: 1_000, rebalanceMs: 1_000 };
    return built;
  };
  // consumer-G-2 held broker-a:0 and dropped it at 2.126 s as offset 4's listener returned;
  // consumer-G-1 got the queue's lock at 5.022 s and read offset 4 again.
  const run = (endMs: number) => new HistoryBuilder().join(0, "consumer-G-1").join(0, "consumer-G-2")
    .rebalance(1, "consumer-G-2", ["broker-a:0", "broker-a:1"]).rebalance(1, "consumer-G-1", [])
    .send({ id: "m", at: 2_000, queue: "broker-a:0", offset: 4 })
    .deliver({ id: "m", at: endMs, process: "consumer-G-2", extra: { startMs: Math.min(endMs, 2_126) } })
    .rebalance(2_126, "consumer-G-2", ["broker-a:1"]).rebalance(5_022, "consumer-G-1", ["broker-a:0"])
    .deliver({ id: "m", at: 5_023, process: "consumer-G-1" }).build();
  const excused = checkDuplicates(run(2_126), context());
  assert.equal(excused.verdict, "pass", excused.summary);
  assert.match((excused.evidence as DuplicatesEvidence).attributed.items[0]?.explainedBy ?? "",
    /held offset: consumer-G-2 dropped broker-a:0 at 2126 ms with offset 4 in flight/);
  // Done before the drop: the offset persisted on the drop includes it, so the re-read is too deep.
  assert.equal(checkDuplicates(run(2_100), context()).verdict, "fail");
});

test("a consume timeout that emptied its process queue holds the committed offset: the next holder's re-read from it is explained (battery seed 12 run 250)", () => {
  const context = testContext({ groups: [{ group: "G", topic: "T", count: 2, consumeTimeoutMs: 2_000 }], endMs: 100_000 });
  // m-0 ran 4 s from 1.0 s (sent back at its timeout); m-1 and m-2 were done at once. Nothing more
  // on the queue, so its offset stayed at 0, and consumer-G-2 read all three again at 12 s.
  const history = (options: { laterOnQueueMs?: number } = {}): ReturnType<HistoryBuilder["build"]> => {
    const builder = new HistoryBuilder().sends("m-", 4, { from: 100 })
      .deliver({ id: "m-0", at: 5_000, extra: { startMs: 1_000 } })
      .deliver({ id: "m-1", at: 1_010, extra: { startMs: 1_005 } }).deliver({ id: "m-2", at: 1_020, extra: { startMs: 1_015 } });
    if (options.laterOnQueueMs !== undefined) builder.deliver({ id: "m-3", at: options.laterOnQueueMs, extra: { startMs: options.laterOnQueueMs - 5 } });
    return builder
      .deliver({ id: "m-0", at: 12_000, process: "consumer-G-2", extra: { startMs: 12_000 } })
      .deliver({ id: "m-1", at: 12_010, process: "consumer-G-2", extra: { startMs: 12_005 } })
      .deliver({ id: "m-2", at: 12_020, process: "consumer-G-2", extra: { startMs: 12_015 } }).build();
  };
  const held = checkDuplicates(history(), context);
  assert.equal(held.verdict, "pass", held.summary);
  const explained = (held.evidence as DuplicatesEvidence).attributed.items.find((entry) => entry.id === "m-1");
  assert.match(explained?.explainedBy ?? "", /held offset: consumer-G-1 timed out on broker-a:0@0 .* consumer-G-2 re-read from it at 12\.0 s/);
  // m-3, consumed on that queue after m-0 timed out, moved the offset past it: nothing held it.
  const moved = checkDuplicates(history({ laterOnQueueMs: 6_000 }), context);
  assert.deepEqual((moved.evidence as DuplicatesEvidence).unexplained.items.map((entry) => entry.id), ["m-1", "m-2"]);
});
