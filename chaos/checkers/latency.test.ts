import { test } from "node:test";
import assert from "node:assert/strict";
import type { HistoryEvent } from "../history/types.ts";
import type { LatencyEvidence } from "./latency.ts";
import { checkLatency, statsOf } from "./latency.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

test("nearest-rank percentiles, and null on no samples", () => {
  const values = Array.from({ length: 100 }, (_, index) => 100 - index);
  assert.deepEqual(statsOf(values), { count: 100, p50Ms: 50, p99Ms: 99, maxMs: 100 });
  assert.deepEqual(statsOf([]), { count: 0, p50Ms: null, p99Ms: null, maxMs: null });
});

test("send and end-to-end latency; fails only past a given bound", () => {
  const events = new HistoryBuilder()
    .send({ id: "a", at: 0, outcomeAt: 4 }).send({ id: "b", at: 10, outcomeAt: 30 })
    .deliver({ id: "a", at: 50 }).deliver({ id: "a", at: 60, group: "H" }).deliver({ id: "b", at: 15 })
    .build();
  const result = checkLatency(events, testContext());
  assert.equal(result.verdict, "pass");
  const evidence = result.evidence as LatencyEvidence;
  assert.deepEqual([evidence.send.p50Ms, evidence.send.maxMs], [4, 20]);
  assert.deepEqual([evidence.endToEnd.p50Ms, evidence.endToEnd.maxMs], [5, 50]);
  const bounded = checkLatency(events, testContext({ options: { latency: { endToEndP99Ms: 40 } } }));
  assert.equal(bounded.verdict, "fail");
  assert.match(bounded.summary, /end-to-end p99 50 ms > 40 ms/);
});

// Calm wake: m-0 and m-1 are consumed; m-2 is sent 1 s after m-1 finished, into the idle queue.
function idleQueue(m2HandedAt: number, options: { m1Process?: string } = {}): HistoryBuilder {
  return new HistoryBuilder()
    .send({ id: "m-0", at: 1_000, offset: 0 }).deliver({ id: "m-0", at: 1_010 })
    .send({ id: "m-1", at: 2_000, offset: 1 }).deliver({ id: "m-1", at: 2_010, ...(options.m1Process === undefined ? {} : { process: options.m1Process }) })
    .send({ id: "m-2", at: 3_000, outcomeAt: 3_002, offset: 2 }).deliver({ id: "m-2", at: m2HandedAt + 5, extra: { startMs: m2HandedAt } });
}

const virtual = { options: { clock: "virtual" as const } };

function calmOf(result: ReturnType<typeof checkLatency>): LatencyEvidence["calmWake"] {
  return (result.evidence as LatencyEvidence).calmWake;
}

test("calm wake: a message into an idle queue reaches the listener within the bound, from the ack to the listener's start", () => {
  const onTime = checkLatency(idleQueue(3_002 + 250).build(), testContext(virtual));
  assert.equal(onTime.verdict, "pass");
  assert.deepEqual([calmOf(onTime).judged, calmOf(onTime).worstMs, calmOf(onTime).boundMs], [2, 250, 250]);
  const late = checkLatency(idleQueue(3_002 + 251).build(), testContext(virtual));
  assert.equal(late.verdict, "fail");
  assert.match(late.summary, /1 calm wake of 2 past 250 ms \(m-2 waited 251 ms in idle broker-a:0 for consumer-G-1 of G/);
  assert.deepEqual(calmOf(late).late.items.map((wake) => [wake.messageId, wake.queueOffset, wake.idleSinceMs]), [["m-2", 2, 2_010]]);
});

test("calm wake: wall-clock runs get more slack, and long polling off adds shortPollingTimeMills", () => {
  assert.equal(checkLatency(idleQueue(3_002 + 4_000).build(), testContext()).verdict, "pass");
  assert.equal(checkLatency(idleQueue(3_002 + 5_001).build(), testContext()).verdict, "fail");
  const shortPolling = { ...testContext(virtual), brokerConfig: { longPollingEnable: "false", shortPollingTimeMills: "500" } };
  assert.equal(calmOf(checkLatency(idleQueue(3_002 + 700).build(), shortPolling)).boundMs, 750);
  assert.equal(checkLatency(idleQueue(3_002 + 700).build(), shortPolling).verdict, "pass");
  assert.equal(checkLatency(idleQueue(3_002 + 800).build(), shortPolling).verdict, "fail");
});

test("calm wake: judges nothing where the wait has another cause", () => {
  const judgedOf = (builder: HistoryBuilder): number => calmOf(checkLatency(builder.build(), testContext(virtual))).judged;
  // The first message of a queue: nothing shows the consumer was already pulling it.
  assert.equal(judgedOf(new HistoryBuilder().send({ id: "m-0", at: 1_000 }).deliver({ id: "m-0", at: 9_000 })), 0);
  // m-1 still being consumed when m-2 was sent: m-2 queues behind it.
  assert.equal(judgedOf(new HistoryBuilder()
    .send({ id: "m-0", at: 1_000, offset: 0 }).deliver({ id: "m-0", at: 1_010 })
    .send({ id: "m-1", at: 2_000, offset: 1 }).deliver({ id: "m-1", at: 3_500 })
    .send({ id: "m-2", at: 3_000, offset: 2 }).deliver({ id: "m-2", at: 9_000 })), 1);
  // Another process consumed m-1: the queue moved.
  assert.equal(calmOf(checkLatency(idleQueue(8_000, { m1Process: "consumer-G-2" }).build(), testContext(virtual))).late.count, 0);
  // A fault anywhere between the last delivery and the bound, a rebalance, a member joining.
  assert.equal(judgedOf(idleQueue(8_000).fault(2_500, 2_600, "pause", "broker-b")), 1);
  // A fault healed before m-1 was consumed still acts for a while (a broker's next client scan).
  assert.equal(judgedOf(idleQueue(8_000).fault(1_200, 1_900, "clock-skew", "broker-b")), 0);
  assert.equal(judgedOf(idleQueue(8_000).node(2_900, "consumer-G-2", "crash")), 1);
  assert.equal(judgedOf(idleQueue(8_000).join(3_100, "consumer-G-2")), 1);
  // The holder dropped the queue and took it back, nobody joining or leaving (a flapping view).
  const held = (queues: string[], at: number) => (builder: HistoryBuilder) => builder.rebalance(at, "consumer-G-1", queues);
  const flapped = held(["broker-a:0", "broker-a:1"], 3_500)(held(["broker-a:1"], 2_500)(held(["broker-a:0", "broker-a:1"], 500)(idleQueue(8_000))));
  assert.equal(judgedOf(flapped), 1);
  // Another queue's change explains nothing.
  assert.equal(judgedOf(held(["broker-a:0"], 2_500)(held(["broker-a:0", "broker-a:1"], 500)(idleQueue(8_000)))), 2);
  // Delayed messages and a first delivery from elsewhere (a retry copy, a transaction's commit).
  assert.equal(judgedOf(new HistoryBuilder()
    .send({ id: "m-0", at: 1_000, offset: 0 }).deliver({ id: "m-0", at: 1_010 })
    .send({ id: "m-1", at: 2_000, offset: 1, delayLevel: 1 }).deliver({ id: "m-1", at: 3_010 })), 0);
  assert.equal(judgedOf(new HistoryBuilder()
    .send({ id: "m-0", at: 1_000, offset: 0 }).deliver({ id: "m-0", at: 1_010 })
    .send({ id: "m-1", at: 2_000, queue: "broker-a:1", offset: 0 }).deliver({ id: "m-1", at: 9_000, queue: "broker-a:0", offset: 1 })), 0);
});

test("calm wake: no judgement when the consumer went down while a listener handed the message in time could still run (battery seed 20 run 1112)", () => {
  // m-2 acked at 3,002; its listener (4 s slow messages in this group) may have started at once
  // and been cut off by the crash, leaving no DeliverEvent; the one after the restart is late.
  const slowGroup = (slowMs: number) => testContext({ ...virtual, groups: [{ group: "G", topic: "T", count: 1, slowPercent: 2, slowMs }] });
  const crashedMidListener = idleQueue(12_000).node(5_400, "consumer-G-1", "crash").node(6_400, "consumer-G-1", "restart");
  // (m-1's listener could still have been running too.)
  const excused = checkLatency(crashedMidListener.build(), slowGroup(4_000));
  assert.equal(excused.verdict, "pass", excused.summary);
  assert.equal(calmOf(excused).judged, 0);
  // Without slow messages a listener handed it in time had returned long before the crash: judged, late.
  const quick = checkLatency(crashedMidListener.build(), testContext(virtual));
  assert.equal(quick.verdict, "fail");
  assert.deepEqual(calmOf(quick).late.items.map((wake) => wake.messageId), ["m-2"]);
  // A crash after the slowest listener would have returned: judged, late.
  const crashedLater = idleQueue(12_000).node(3_002 + 250 + 4_001, "consumer-G-1", "crash").node(8_000, "consumer-G-1", "restart");
  assert.equal(checkLatency(crashedLater.build(), slowGroup(4_000)).verdict, "fail");
});

test("calm wake: concurrent groups skip retries (a %RETRY% copy's queue and offset are not the topic's), orderly groups wait for them", () => {
  const history = (orderly: boolean): HistoryEvent[] => new HistoryBuilder()
    .send({ id: "m-0", at: 1_000, offset: 0 }).deliver({ id: "m-0", at: 1_010, result: "retry" })
    .deliver({ id: "m-0", at: 2_900, reconsume: 1, ...(orderly ? {} : { queue: "broker-b:0", offset: 0 }) })
    .send({ id: "m-1", at: 2_000, offset: 1 }).deliver({ id: "m-1", at: 6_000 })
    .build();
  const context = (orderly: boolean) => testContext({ ...virtual, groups: [{ group: "G", topic: "T", count: 1, orderly }] });
  assert.equal(calmOf(checkLatency(history(false), context(false))).late.count, 1);
  assert.equal(calmOf(checkLatency(history(true), context(true))).judged, 0);
});

test("calm wake: a late hand-over is excused when every consume thread of the process was busy meanwhile", () => {
  const busy = (threads: number): HistoryBuilder => {
    const builder = idleQueue(3_002 + 2_000);
    // Slow listener calls on another queue, from 2.5 s to 4.9 s (the first of each batch counts).
    for (let thread = 0; thread < threads; thread++) {
      builder.send({ id: `s-${thread}`, at: 2_400, queue: "broker-b:0", offset: thread })
        .deliver({ id: `s-${thread}`, at: 4_900, extra: { startMs: 2_500, batchSize: 2, batchIndex: 0 } })
        .send({ id: `t-${thread}`, at: 2_400, queue: "broker-b:0", offset: 100 + thread })
        .deliver({ id: `t-${thread}`, at: 4_900, extra: { startMs: 2_500, batchSize: 2, batchIndex: 1 } });
    }
    return builder;
  };
  const full = checkLatency(busy(20).build(), testContext(virtual));
  assert.equal(full.verdict, "pass");
  assert.equal(calmOf(full).excusedByFullPool, 1);
  assert.match(full.summary, /1 waited for a full consume pool/);
  const oneFree = checkLatency(busy(19).build(), testContext(virtual));
  assert.equal(oneFree.verdict, "fail");
  assert.equal(calmOf(oneFree).excusedByFullPool, 0);
});

test("calm wake: a late hand-over is excused when the queue's pull failed after its last delivery (the retry waits)", () => {
  const pullError = (atMs: number, queue = "broker-a:0", retryInMs = 3_000): HistoryEvent => ({
    type: "pull-error", timeMs: atMs, process: "consumer-G-1", group: "G", topic: "T", queue, requestOffset: 2,
    error: "MQBrokerError: TOPIC_NOT_EXIST (17)", retryInMs,
  });
  const excused = checkLatency(idleQueue(5_020).raw(pullError(2_020)).build(), testContext(virtual));
  assert.equal(excused.verdict, "pass");
  assert.equal(calmOf(excused).excusedByPullError, 1);
  assert.match(excused.summary, /1 for a failed pull's retry/);
  // Another queue's failure explains nothing.
  assert.equal(checkLatency(idleQueue(5_020).raw(pullError(2_020, "broker-a:1")).build(), testContext(virtual)).verdict, "fail");
  // One before the queue's last delivery (the next pull failed while m-1 was still consumed)
  // explains the wait only while its retry was pending at m-2's ack (3,002), and only up to the
  // bound after that retry (battery seed 23 run 1489).
  assert.equal(checkLatency(idleQueue(5_020).raw(pullError(2_000)).build(), testContext(virtual)).verdict, "pass");
  assert.equal(checkLatency(idleQueue(5_020).raw(pullError(2_000, "broker-a:0", 500)).build(), testContext(virtual)).verdict, "fail");
  assert.equal(checkLatency(idleQueue(5_251).raw(pullError(2_000)).build(), testContext(virtual)).verdict, "fail");
});

test("calm wake: a late hand-over is excused when a large body crossed from the same broker to the same process with it", () => {
  const withLarge = (spec: { size: number; queue?: string; at?: number; process?: string }): HistoryBuilder => idleQueue(3_002 + 400)
    .send({ id: "big", at: 2_500, queue: spec.queue ?? "broker-a:1", offset: 0, bodySizeBytes: spec.size })
    .deliver({ id: "big", at: spec.at ?? 3_300, ...(spec.process === undefined ? {} : { process: spec.process }) });
  const excused = checkLatency(withLarge({ size: 256 * 1024 }).build(), testContext({ ...virtual, queues: 4 }));
  assert.equal(excused.verdict, "pass");
  assert.equal(calmOf(excused).excusedByLargeTransfer, 1);
  assert.match(excused.summary, /1 behind a large body/);
  // A small body, another broker's, another process's, or one handed over after the late message explain nothing.
  for (const spec of [{ size: 16 * 1024 - 1 }, { size: 256 * 1024, queue: "broker-b:1" }, { size: 256 * 1024, process: "consumer-G-2" }, { size: 256 * 1024, at: 3_500 }]) {
    assert.equal(checkLatency(withLarge(spec).build(), testContext({ ...virtual, queues: 4 })).verdict, "fail", JSON.stringify(spec));
  }
  // The late message itself large.
  const own = new HistoryBuilder()
    .send({ id: "m-0", at: 1_000, offset: 0 }).deliver({ id: "m-0", at: 1_010 })
    .send({ id: "m-1", at: 2_000, offset: 1, bodySizeBytes: 200_000 }).deliver({ id: "m-1", at: 2_400 });
  assert.equal(calmOf(checkLatency(own.build(), testContext(virtual))).excusedByLargeTransfer, 1);
});

test("calm wake: an orderly queue another member gave up shortly before waits for that member's delayed unlock (battery seed 1 run 726)", () => {
  // consumer-G-2's view flapped: it held broker-a:0 for 8 ms at 1.5 s (its unlock delayed 20 s
  // by a message in flight); consumer-G-1's lock renewal failed until then, and it locked the
  // queue again at a rebalance after the unlock.
  const rebalanceMs = testContext(virtual).intervals.rebalanceMs;
  const history = (handedAtMs: number, options: { flapper?: string } = {}): HistoryEvent[] => idleQueue(handedAtMs)
    .join(1_400, "consumer-G-2").rebalance(1_500, options.flapper ?? "consumer-G-2", ["broker-a:0"]).rebalance(1_508, options.flapper ?? "consumer-G-2", [])
    .build();
  const orderly = testContext({ ...virtual, groups: [{ group: "G", topic: "T", count: 2, orderly: true }] });
  const lastMs = 1_508 + 20_000 + rebalanceMs + 250;
  const excused = checkLatency(history(lastMs), orderly);
  assert.equal(excused.verdict, "pass", excused.summary);
  assert.equal(calmOf(excused).excusedByDelayedUnlock, 1);
  assert.match(excused.summary, /1 behind another member's delayed unlock/);
  // Past the unlock delay + one rebalance + the bound; a concurrent group (no locks); the holder's own flap: late.
  assert.equal(checkLatency(history(lastMs + 1), orderly).verdict, "fail");
  assert.equal(checkLatency(history(lastMs), testContext({ ...virtual, groups: [{ group: "G", topic: "T", count: 2 }] })).verdict, "fail");
  assert.equal(checkLatency(history(lastMs, { flapper: "consumer-G-1" }), orderly).verdict, "fail");
});
