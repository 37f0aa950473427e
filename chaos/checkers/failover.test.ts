import { test } from "node:test";
import assert from "node:assert/strict";
import type { ScheduledFault } from "../faults/types.ts";
import type { HistoryEvent } from "../history/types.ts";
import type { Intervals } from "../scenario.ts";
import type { CheckContext } from "./context.ts";
import type { FailoverEvidence, UnavailabilityWindow } from "./failover.ts";
import { checkFailover } from "./failover.ts";
import { HistoryBuilder, testContext, topologyFacts } from "./testing/history_builder.ts";

const queues = ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"];

/** One send a second from fromMs to toMs, round-robin; `down(t, queue)` makes it fail. */
function steady(builder: HistoryBuilder, fromMs: number, toMs: number, down: (timeMs: number, queue: string) => boolean): HistoryBuilder {
  const offsets = new Map<string, number>();
  for (let timeMs = fromMs, index = 0; timeMs < toMs; timeMs += 1000, index++) {
    const queue = queues[index % queues.length] ?? "broker-a:0";
    const id = `m-${timeMs}`;
    if (down(timeMs, queue)) {
      builder.send({ id, at: timeMs, outcome: "fail", outcomeAt: timeMs + 3000 });
      continue;
    }
    const offset = offsets.get(queue) ?? 0;
    offsets.set(queue, offset + 1);
    builder.send({ id, at: timeMs, queue, offset }).deliver({ id, at: timeMs + 10 });
  }
  return builder;
}

const windowsOf = (evidence: unknown, kind: UnavailabilityWindow["kind"]): UnavailabilityWindow[] =>
  (evidence as FailoverEvidence).windows.items.filter((window) => window.kind === kind);

const crash = (target: string, atMs: number, healAtMs?: number): ScheduledFault =>
  healAtMs === undefined ? { atMs, fault: { kind: "crash", target } } : { atMs, healAtMs, fault: { kind: "crash", target } };

test("a healthy run passes with small windows", () => {
  const events = steady(new HistoryBuilder(), 0, 60_000, (timeMs) => timeMs === 20_000).build();
  const result = checkFailover(events, testContext());
  assert.equal(result.verdict, "pass", result.summary);
  const [window] = windowsOf(result.evidence, "send");
  assert.deepEqual([window?.startMs, window?.endMs, window?.boundMs], [20_000, 21_002, 10_000]);
});

test("multi-master: one broker down must not stop all sends — a long cluster-wide window fails", () => {
  const faults = [crash("broker-a", 10_000, 40_000)];
  const events = steady(new HistoryBuilder(), 0, 80_000, (timeMs) => timeMs >= 10_000 && timeMs < 40_000)
    .fault(10_000, 40_000, "crash", "broker-a").build();
  const result = checkFailover(events, testContext({ faults }));
  assert.equal(result.verdict, "fail");
  const [window] = windowsOf(result.evidence, "send").filter((entry) => entry.exceeded);
  assert.deepEqual([window?.scope, window?.startMs, window?.endMs, window?.boundMs], ["T", 10_000, 40_002, 10_000]);
  assert.match(result.summary, /send T 30\.0 s from 10\.0 s \(bound 10\.0 s\)/);
});

test("single master: the window may last the fault plus recovery", () => {
  const topology = topologyFacts("1m");
  const faults = [crash("broker-a", 10_000, 40_000)];
  const down = (timeMs: number): boolean => timeMs >= 10_000 && timeMs < 70_000;
  const events = steady(new HistoryBuilder(), 0, 100_000, down).build();
  const result = checkFailover(events, testContext({ topology, faults }));
  assert.equal(result.verdict, "pass", result.summary);
  const [window] = windowsOf(result.evidence, "send");
  // 9 s base (3 s × (2 queues + 1)) + (30 s fault + 73 s recovery: startup 10 + register 30 + route poll 30 + timeout 3)
  assert.deepEqual([window?.durationMs, window?.boundMs], [60_002, 10_000 + 30_000 + 73_000]);
  const late = steady(new HistoryBuilder(), 0, 200_000, (timeMs) => timeMs >= 10_000 && timeMs < 180_000).build();
  assert.equal(checkFailover(late, testContext({ topology, faults })).verdict, "fail");
});

test("a fault that never heals leaves its window unbounded and unrecovered", () => {
  const topology = topologyFacts("1m");
  const events = steady(new HistoryBuilder(), 0, 60_000, (timeMs) => timeMs >= 10_000).build();
  const result = checkFailover(events, testContext({ topology, faults: [crash("broker-a", 10_000)] }));
  assert.equal(result.verdict, "pass");
  const [window] = windowsOf(result.evidence, "send");
  assert.deepEqual([window?.boundMs, window?.recovered, window?.endMs], [null, false, 62_000]);
});

test("expectations.maxSendUnavailableMs overrides the derived bound", () => {
  const events = steady(new HistoryBuilder(), 0, 60_000, (timeMs) => timeMs === 20_000).build();
  const result = checkFailover(events, testContext({ expectations: { maxSendUnavailableMs: 500 } }));
  assert.equal(result.verdict, "fail");
  assert.equal((result.evidence as FailoverEvidence).exceeded, 1);
});

test("per broker: a crashed master must be used again soon after it heals", () => {
  const faults = [crash("broker-a", 10_000, 40_000)];
  // Producers route around broker-a (its queues are skipped) until `backMs`.
  const routed = (backMs: number): HistoryBuilder => {
    const builder = new HistoryBuilder();
    const offsets = new Map<string, number>();
    for (let timeMs = 0, index = 0; timeMs < 300_000; timeMs += 1000, index++) {
      let queue = queues[index % queues.length] ?? "broker-a:0";
      if (timeMs >= 10_000 && timeMs < backMs) queue = queue.replace("broker-a", "broker-b");
      const offset = offsets.get(queue) ?? 0;
      offsets.set(queue, offset + 1);
      builder.send({ id: `m-${timeMs}`, at: timeMs, queue, offset }).deliver({ id: `m-${timeMs}`, at: timeMs + 10 });
    }
    return builder;
  };
  const soon = checkFailover(routed(60_000).build(), testContext({ faults }));
  assert.equal(soon.verdict, "pass", soon.summary);
  const [window] = windowsOf(soon.evidence, "send-broker");
  assert.equal(window?.scope, "broker-a");
  assert.ok((window?.durationMs ?? 0) > 45_000 && (window?.boundMs ?? 0) === 10_000 + 30_000 + 73_000);
  const never = checkFailover(routed(250_000).build(), testContext({ faults }));
  assert.equal(never.verdict, "fail");
  assert.match(never.summary, /send-broker broker-a/);
});

test("consumption: acked messages waiting with no delivery and no fault fail; a broker crash excuses it", () => {
  const build = (): HistoryBuilder => new HistoryBuilder()
    .send({ id: "m-1", at: 0 }).send({ id: "m-2", at: 1000 })
    .deliver({ id: "m-1", at: 100 }).deliver({ id: "m-2", at: 90_000 });
  const stalled = checkFailover(build().build(), testContext());
  assert.equal(stalled.verdict, "fail");
  const [window] = windowsOf(stalled.evidence, "consume").filter((entry) => entry.exceeded);
  assert.deepEqual([window?.scope, window?.startMs, window?.endMs, window?.boundMs], ["G", 1002, 90_000, 39_000]);
  const excused = checkFailover(build().build(), testContext({ faults: [crash("broker-a", 2000, 20_000)] }));
  assert.equal(excused.verdict, "pass", excused.summary);
  const strict = checkFailover(new HistoryBuilder().send({ id: "m", at: 0 }).deliver({ id: "m", at: 5000 }).build(),
    testContext({ expectations: { maxConsumeUnavailableMs: 1000 } }));
  assert.equal(strict.verdict, "fail");
});

test("consumption: a retry delay or a message's own delay is not unavailability; a stall of a due message still is", () => {
  // m-1 fails at 1 s and comes back after the 10 s retry delay; m-2 (level 3, 10 s) is due at 12 s.
  const waits = new HistoryBuilder()
    .send({ id: "m-1", at: 0 }).send({ id: "m-2", at: 2000, delayLevel: 3 })
    .deliver({ id: "m-1", at: 1000, result: "retry" }).deliver({ id: "m-1", at: 11_000, reconsume: 1 })
    .deliver({ id: "m-2", at: 12_050 });
  const calm = checkFailover(waits.build(), testContext({ expectations: { maxConsumeUnavailableMs: 1000 } }));
  assert.equal(calm.verdict, "pass", calm.summary);
  // The same delayed message handed over 9 s after it was due is a stall.
  const late = new HistoryBuilder().send({ id: "m-2", at: 2000, delayLevel: 3 }).deliver({ id: "m-2", at: 21_000 });
  const stalled = checkFailover(late.build(), testContext({ expectations: { maxConsumeUnavailableMs: 5000 } }));
  assert.equal(stalled.verdict, "fail");
  const [window] = windowsOf(stalled.evidence, "consume").filter((entry) => entry.exceeded);
  assert.deepEqual([window?.startMs, window?.endMs], [12_000, 21_000]);
});

test("latency fault avoidance: a broker skipped for its 600 s isolation after a fault is within the derived bound, and only with the setting", () => {
  const faults = [crash("broker-a", 10_000, 40_000)];
  const build = (): HistoryBuilder => {
    const builder = new HistoryBuilder().fault(10_000, 40_000, "crash", "broker-a");
    const offsets = new Map<string, number>();
    for (let timeMs = 0; timeMs < 500_000; timeMs += 1000) {
      // broker-a takes sends until the crash, then not again until 450 s (isolated 600 s by one failure).
      const queue = (timeMs < 10_000 || timeMs >= 450_000) && (timeMs / 1000) % 2 === 0 ? "broker-a:0" : "broker-b:0";
      const offset = offsets.get(queue) ?? 0;
      offsets.set(queue, offset + 1);
      builder.send({ id: `m-${timeMs}`, at: timeMs, queue, offset }).deliver({ id: `m-${timeMs}`, at: timeMs + 10 });
    }
    return builder;
  };
  const plain = checkFailover(build().build(), testContext({ faults }));
  assert.equal(plain.verdict, "fail");
  assert.match(plain.summary, /send-broker broker-a/);
  const avoiding = testContext({ faults });
  avoiding.workload.producers = [{ count: 1, topic: "T", latencyFaultAvoidance: true }];
  const result = checkFailover(build().build(), avoiding);
  assert.equal(result.verdict, "pass", result.summary);
  const [window] = windowsOf(result.evidence, "send-broker");
  assert.ok((window?.boundMs ?? 0) >= 600_000, `bound ${window?.boundMs}`);
  assert.ok((result.evidence as FailoverEvidence).bounds.derivations.some((entry) => /latency fault isolation/.test(entry.mechanism)));
});

test("read failover: a SYNC_MASTER's backlog must be read from its slave soon after the master crashed, while other brokers flow", () => {
  // broker-a holds m-a-0..4 (acked at 0-4 s, not yet consumed); its master crashes at 10 s and
  // comes back at 300 s; broker-b's messages flow every second throughout, so the receiver's
  // consume window never opens: only the per-broker window sees broker-a's backlog waiting.
  const build = (backlogDeliveredMs: number): HistoryBuilder => {
    const builder = new HistoryBuilder();
    for (let index = 0; index < 5; index++) builder.send({ id: `m-a-${index}`, at: index * 1000, queue: "broker-a:0", offset: index });
    for (let index = 0; index < 5; index++) builder.deliver({ id: `m-a-${index}`, at: backlogDeliveredMs + index });
    for (let timeMs = 0, offset = 0; timeMs < 320_000; timeMs += 1000, offset++) {
      builder.send({ id: `m-b-${timeMs}`, at: timeMs, queue: "broker-b:0", offset }).deliver({ id: `m-b-${timeMs}`, at: timeMs + 10 });
    }
    return builder;
  };
  const faults = [crash("broker-a", 10_000, 300_000)];
  const sync = testContext({ topology: topologyFacts("2m-2s-sync"), faults });
  // Base 39 s (rebalance 20 + long poll 15 + pull retry 3 + 1) + the read switch after a crash
  // (route poll 30 + a held pull 2 × 15 + pull retry 3 = 63 s) from the crash.
  const waited = checkFailover(build(301_000).build(), sync);
  assert.equal(waited.verdict, "fail");
  const [window] = windowsOf(waited.evidence, "consume-broker").filter((entry) => entry.exceeded);
  assert.deepEqual([window?.scope, window?.startMs, window?.boundMs], ["G@broker-a", 2, 39_000 + 63_000]);
  assert.equal(windowsOf(waited.evidence, "consume").filter((entry) => entry.exceeded).length, 0, "the receiver's window alone misses it");
  assert.equal(checkFailover(build(60_000).build(), sync).verdict, "pass");
  // Just past the bound fails; just inside passes.
  assert.equal(checkFailover(build(102_100).build(), sync).verdict, "fail");
  assert.equal(checkFailover(build(101_900).build(), sync).verdict, "pass");
  // An ASYNC_MASTER's slave may lack the last acked messages: the backlog may wait for the master.
  assert.equal(checkFailover(build(301_000).build(), testContext({ topology: topologyFacts("2m-2s-async"), faults })).verdict, "pass");
  // The slave down too: nothing serves broker-a.
  const both = [...faults, crash("broker-a-s", 10_000, 300_000)];
  assert.equal(checkFailover(build(301_000).build(), testContext({ topology: topologyFacts("2m-2s-sync"), faults: both })).verdict, "pass");
  // A paused master keeps its connections: the NameServer drops it only after expiry and a scan (130 s more).
  const paused: ScheduledFault[] = [{ atMs: 10_000, healAtMs: 300_000, fault: { kind: "pause", target: "broker-a" } }];
  assert.equal(checkFailover(build(200_000).build(), testContext({ topology: topologyFacts("2m-2s-sync"), faults: paused })).verdict, "pass");
  assert.equal(checkFailover(build(301_000).build(), testContext({ topology: topologyFacts("2m-2s-sync"), faults: paused })).verdict, "fail");
  // Orderly groups need the master's queue locks: left out.
  const orderly = testContext({ topology: topologyFacts("2m-2s-sync"), faults, groups: [{ group: "G", topic: "T", count: 1, orderly: true }] });
  assert.equal(windowsOf(checkFailover(build(301_000).build(), orderly).evidence, "consume-broker").length, 0);
});

test("orderly groups: a queue whose unlock an isolated consumer lost waits for the broker's lock to lapse", () => {
  // Seed 1 swarm run 391's shape: broker-a:1's backlog (acked at 2-4 s) sits under a lock its old
  // holder's lost unlock left behind; broker-a:0 flows until 40 s; the lock lapses and the new
  // owner takes the backlog at backlogDeliveredMs. Isolation 15-28 s: the lock lapse span ends at
  // 15 s + lockMaxLiveTime 60 s + rebalanceMs 20 s = 95 s.
  const build = (flowUntilMs: number, backlogDeliveredMs: number): HistoryBuilder => {
    const builder = new HistoryBuilder();
    for (let index = 0; index < 3; index++) {
      builder.send({ id: `m-1-${index}`, at: 2000 + index * 1000, queue: "broker-a:1", offset: index, key: "k-1", seq: index })
        .deliver({ id: `m-1-${index}`, at: backlogDeliveredMs + index });
    }
    for (let timeMs = 0, offset = 0; timeMs < flowUntilMs; timeMs += 1000, offset++) {
      builder.send({ id: `m-0-${timeMs}`, at: timeMs, queue: "broker-a:0", offset, key: "k-0", seq: offset }).deliver({ id: `m-0-${timeMs}`, at: timeMs + 10 });
    }
    return builder;
  };
  const faults: ScheduledFault[] = [{ atMs: 15_000, healAtMs: 28_000, fault: { kind: "partition", shape: "isolate", target: "consumer-G-2" } }];
  const orderly = testContext({ faults, groups: [{ group: "G", topic: "T", count: 2, orderly: true }] });
  const excused = checkFailover(build(40_000, 100_000).build(), orderly);
  assert.equal(excused.verdict, "pass", excused.summary);
  const [window] = windowsOf(excused.evidence, "consume").filter((entry) => entry.durationMs > 50_000);
  // Base 39 s (rebalance 20 + long poll 15 + pull retry 3 + 1) + the lock lapse span 15-95 s.
  assert.deepEqual([window?.startMs, window?.boundMs], [39_010, 39_000 + 80_000]);
  // Concurrent groups hold no locks: the same stall fails.
  assert.equal(checkFailover(build(40_000, 100_000).build(), testContext({ faults })).verdict, "fail");
  // Longer than the bound fails; a stall that begins after the lock has lapsed gets base only.
  assert.equal(checkFailover(build(40_000, 39_010 + 119_100).build(), orderly).verdict, "fail");
  assert.equal(checkFailover(build(40_000, 39_010 + 118_900).build(), orderly).verdict, "pass");
  assert.equal(checkFailover(build(100_000, 99_010 + 39_100).build(), orderly).verdict, "fail");
  assert.equal(checkFailover(build(100_000, 99_010 + 38_900).build(), orderly).verdict, "pass");
});

test("orderly groups: a crashed holder's lost delayed unlock stalls its queue from before the fault until the lock lapses", () => {
  // Seed 1 swarm run 1224's shape and intervals: one queue; its first holder locked it at 1 s,
  // lost it to a rebalance at 2 s with a suspended message cached (unlockDelay: unlock 20 s
  // later) and crashed at 17 s, before that unlock went out. The new owner took the lock only
  // when it lapsed (61 s), at its next rebalance: nothing was delivered from the second
  // message's ack (2002 ms) to about 62 s.
  const build = (backlogDeliveredMs: number): HistoryBuilder => {
    const builder = new HistoryBuilder();
    builder.send({ id: "m-0", at: 1000, queue: "broker-a:0", offset: 0, key: "k", seq: 0 }).deliver({ id: "m-0", at: 1050 });
    for (let offset = 1; offset < 30; offset++) {
      const id = `m-${offset}`;
      builder.send({ id, at: 1000 + offset * 1000, queue: "broker-a:0", offset, key: "k", seq: offset }).deliver({ id, at: backlogDeliveredMs + offset });
    }
    return builder;
  };
  const runIntervals: Intervals = {
    routePollMs: 1000, clientHeartbeatMs: 3000, brokerRegisterMs: 1000, namesrvScanMs: 2000, brokerExpiryMs: 10_000,
    clientScanMs: 2000, clientExpiryMs: 10_000, rebalanceMs: 3000, offsetPersistMs: 200, sendTimeoutMs: 1000, pullSuspendMs: 5000,
  };
  const contextWith = (faults: ScheduledFault[]): CheckContext => ({
    ...testContext({ topology: topologyFacts("1m"), queues: 1, faults, groups: [{ group: "G", topic: "T", count: 5, orderly: true }] }),
    intervals: runIntervals,
  });
  const namesrvDown: ScheduledFault = { atMs: 10_000, healAtMs: 19_000, fault: { kind: "namesrv-all-down" } };
  const orderly = contextWith([namesrvDown, crash("consumer-G-2", 17_000, 29_000)]);
  const excused = checkFailover(build(62_000).build(), orderly);
  assert.equal(excused.verdict, "pass", excused.summary);
  const [window] = windowsOf(excused.evidence, "consume").filter((entry) => entry.durationMs > 50_000);
  // Base 12 s (rebalance 3 + long poll 5 + pull retry 3 + 1) + the union of the NameServer
  // outage's span (10 s to 19 s + send recovery 13 s + pull retry 3 s) and the crash's lock
  // lapse span (17 s + lockMaxLiveTime 60 s + rebalanceMs 3 s = 80 s): 12 + 70 = 82 s.
  assert.deepEqual([window?.startMs, window?.boundMs], [2002, 12_000 + 70_000]);
  assert.equal(checkFailover(build(2002 + 82_000 - 100).build(), orderly).verdict, "pass");
  assert.equal(checkFailover(build(2002 + 82_000 + 100).build(), orderly).verdict, "fail");
  // Without the consumer crash nothing lost the unlock: the NameServer outage alone (bound
  // 12 + 25 = 37 s) does not excuse the stall.
  const namesrvOnly = checkFailover(build(62_000).build(), contextWith([namesrvDown]));
  assert.equal(namesrvOnly.verdict, "fail");
  assert.match(namesrvOnly.summary, /bound 37\.0 s/);
});

test("orderly groups, no fault: a queue a rebalance took while messages were cached waits for the delayed unlock and the next rebalance", () => {
  // Seed 1 swarm run 307's shape: one queue, two consumers; consumer-G-2 held it, gave it up at
  // 2 s (unlock 20 s later, messages cached), consumer-G-1 locked it at its rebalance at ~26 s.
  // Intervals: rebalanceMs 6 s, pullSuspendMs 1 s: base 11 s; handover span 2 s + 20 s + 6 s.
  const build = (handedOver: boolean, backlogDeliveredMs: number): HistoryBuilder => {
    const builder = new HistoryBuilder().rebalance(1000, "consumer-G-2", ["broker-a:0"]);
    if (handedOver) builder.rebalance(2000, "consumer-G-2", []).rebalance(2000, "consumer-G-1", []);
    builder.send({ id: "m-0", at: 1000, queue: "broker-a:0", offset: 0, key: "k", seq: 0 }).deliver({ id: "m-0", at: 1050 });
    for (let offset = 1; offset < 20; offset++) {
      const id = `m-${offset}`;
      builder.send({ id, at: 1000 + offset * 1000, queue: "broker-a:0", offset, key: "k", seq: offset }).deliver({ id, at: backlogDeliveredMs + offset });
    }
    return builder;
  };
  const context: CheckContext = {
    ...testContext({ topology: topologyFacts("1m"), queues: 1, groups: [{ group: "G", topic: "T", count: 2, orderly: true }] }),
    intervals: { ...testContext({}).intervals, rebalanceMs: 6000, pullSuspendMs: 1000 },
  };
  const excused = checkFailover(build(true, 26_000).build(), context);
  assert.equal(excused.verdict, "pass", excused.summary);
  const [window] = windowsOf(excused.evidence, "consume").filter((entry) => entry.durationMs > 20_000);
  assert.deepEqual([window?.startMs, window?.boundMs], [2002, 11_000 + 26_000]);
  assert.equal(checkFailover(build(true, 2002 + 37_000 - 100).build(), context).verdict, "pass");
  assert.equal(checkFailover(build(true, 2002 + 37_000 + 100).build(), context).verdict, "fail");
  // No queue changed hands: the same stall fails against the base bound.
  assert.equal(checkFailover(build(false, 26_000).build(), context).verdict, "fail");
  // A concurrent group unlocks nothing: its handover is not a span.
  const concurrent = { ...context, workload: testContext({ topology: topologyFacts("1m"), queues: 1, groups: [{ group: "G", topic: "T", count: 2 }] }).workload };
  assert.equal(checkFailover(build(true, 26_000).build(), concurrent).verdict, "fail");
});

test("send-broker: a batch is one pick of the rotation — one refused send between two batches elsewhere opens no window", () => {
  // Battery seed 4 run 1028: one producer, one queue per broker, a 4-message batch every 800 ms;
  // broker-a refused one batch (SYSTEM_BUSY, flow control), so broker-b's two batches came
  // between broker-a's successes: 3.2 s, two picks elsewhere, not two rotations.
  const history = (batched: boolean): HistoryEvent[] => {
    const builder = new HistoryBuilder();
    const picks = ["broker-a:0", "broker-b:0", "fail", "broker-b:0", "broker-a:0"];
    picks.forEach((pick, batch) => {
      for (let index = 0; index < 4; index++) {
        const id = `m-${String(batch)}-${String(index)}`;
        const at = 10_000 + batch * 800;
        const batchId = batched ? { batchId: `b-${String(batch)}` } : {};
        if (pick === "fail") builder.send({ id, at, outcome: "fail", ...batchId });
        else builder.send({ id, at, queue: pick, offset: batch * 4 + index, ...batchId }).deliver({ id, at: at + 10 });
      }
    });
    return builder.build();
  };
  const result = checkFailover(history(true), testContext());
  assert.equal(result.verdict, "pass", result.summary);
  assert.deepEqual(windowsOf(result.evidence, "send-broker"), []);
  // Sixteen single sends elsewhere would be whole rotations past broker-a: that window is judged.
  assert.equal(windowsOf(checkFailover(history(false), testContext()).evidence, "send-broker").length, 1);
});

test("send-broker and send: a broker refusing a batch for its size was there — no window; the same refusals as timeouts are judged", () => {
  // Battery seed 9 run 104 (no fault, harsh segmentation, maxMessageSize 15,360): one producer,
  // one queue per broker, a 4-message batch every 400 ms alternating; broker-b answered its
  // batches MESSAGE_ILLEGAL (a batch over maxMessageSize), not retried, while broker-a stored
  // its own (here for 12 s). broker-b took every pick it got: no send-broker window.
  const history = (refusal: boolean): HistoryEvent[] => {
    const builder = new HistoryBuilder();
    let opId = 0;
    for (let batch = 0; batch < 40; batch++) {
      const at = 10_000 + batch * 400;
      const broker = batch % 2 === 0 ? "broker-a" : "broker-b";
      const refused = broker === "broker-b" && batch >= 3 && batch <= 33;
      const firstOpId = opId + 1;
      for (let index = 0; index < 4; index++) {
        const id = `m-${String(batch)}-${String(index)}`;
        opId++;
        if (refused) builder.send({ id, at, outcome: "fail", outcomeAt: at + 14, batchId: `b-${String(batch)}` });
        else builder.send({ id, at, queue: `${broker}:0`, offset: batch * 4 + index, batchId: `b-${String(batch)}` }).deliver({ id, at: at + 20 });
      }
      builder.raw({
        type: "attempt", op: "send", opId: firstOpId, timeMs: at + 14, process: "producer-1", broker, queue: `${broker}:0`,
        outcome: refused ? "error" : "ok", latencyMs: 14,
        ...(refused ? (refusal ? { errorName: "MQBrokerError", responseCode: 13 } : { errorName: "RemotingTimeoutError" }) : {}),
      });
    }
    return builder.build();
  };
  const context = testContext({ queues: 1 });
  const refused = checkFailover(history(true), context);
  assert.equal(refused.verdict, "pass", refused.summary);
  assert.deepEqual(windowsOf(refused.evidence, "send-broker"), []);
  assert.deepEqual(windowsOf(refused.evidence, "send"), []);
  // The same picks failing without a broker's answer: broker-b took none for 12.8 s — over bound.
  const timedOut = checkFailover(history(false), context);
  assert.equal(timedOut.verdict, "fail");
  assert.match(timedOut.summary, /send-broker broker-b/);
  assert.ok(windowsOf(timedOut.evidence, "send").length > 0);
});
