// The workload's recording paths, each proven on a short simulated run with a tiny workload:
// dead letters of poison messages (reconsumeTimes = maxReconsumeTimes), delayed deliveries
// not before their level, batch ids and contiguous offsets, bursts, a late joiner's membership
// time, scaling joins and leaves, orderly lock beliefs, attempts, and route changes after a
// broker crash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import { executeScenario } from "../execute.ts";
import type { DeliverEvent, HistoryEvent, SendInvoke, SendOutcome } from "../history/types.ts";
import type { Scenario, Workload } from "../scenario.ts";
import { buildMix, combineMixes } from "./mixes.ts";
import { isPoison } from "./consumer_verdicts.ts";

/** RocketMQ's messageDelayLevel: level n's delay in ms. */
const delayLevelMs = [1_000, 5_000, 10_000, 30_000, 60_000];

async function simRun(workload: Workload, extra: Partial<Scenario> = {}): Promise<HistoryEvent[]> {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-workload-"));
  try {
    const scenario: Scenario = {
      name: "workload/test", description: "workload recording test", topology: "2m-noslave",
      brokerConfig: { flushDiskType: "SYNC_FLUSH" }, workload, faults: [], durationMs: 40_000, quiesceMs: 60_000,
      expectations: { checkers: [] }, ...extra,
    };
    const execution = await executeScenario(scenario, new SimDeployer(), { seed: 7, outDir: dir, wallClock: () => Date.now() });
    assert.equal(execution.error, undefined);
    return execution.history.events;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ofType = <T extends HistoryEvent["type"]>(events: HistoryEvent[], type: T): Extract<HistoryEvent, { type: T }>[] =>
  events.filter((event): event is Extract<HistoryEvent, { type: T }> => event.type === type);

test("failing + poison + batch consumption: retries, partial batches, and every poison message read from the DLQ", async () => {
  const events = await simRun(buildMix("failing", { sendMs: 40_000, ratePerSecond: 10 }));
  const invokes = ofType(events, "invoke");
  const deliveries = ofType(events, "deliver");
  const dlq = ofType(events, "dlq");
  const poison = invokes.filter((invoke) => isPoison(invoke.messageId, "GroupFailing", 2)).map((invoke) => invoke.messageId);
  assert.ok(poison.length > 0, "the run must have poison messages");
  assert.deepEqual(dlq.map((event) => event.messageId).sort(), [...poison].sort());
  // A poison message is delivered 1 + maxReconsumeTimes times (reconsumeTimes 0, 1, 2), every
  // time failing; the broker's send-back then dead-letters it, and, as Java's
  // consumerSendMsgBack does on both paths, stores it with reconsumeTimes + 1.
  for (const event of dlq) {
    assert.equal(event.reconsumeTimes, 3, `${event.messageId} reached the DLQ with ${event.reconsumeTimes}`);
    const seen = deliveries.filter((delivery) => delivery.messageId === event.messageId);
    assert.deepEqual(seen.map((delivery) => delivery.reconsumeTimes), [0, 1, 2]);
    assert.ok(seen.every((delivery) => delivery.result === "retry"));
  }
  // Batches of up to 4; some batch holds a success before a failure (ackIndex partial failure).
  assert.ok(deliveries.every((event) => event.batchSize !== undefined && event.batchSize <= 4 && event.startMs !== undefined && event.startMs <= event.timeMs));
  const byBatch = new Map<string, DeliverEvent[]>();
  for (const event of deliveries) {
    const key = `${event.process}/${event.startMs}/${event.queue}`;
    byBatch.set(key, [...(byBatch.get(key) ?? []), event]);
  }
  assert.ok([...byBatch.values()].some((batch) => batch.some((event) => event.result === "success") && batch.some((event) => event.result === "retry")), "no partial batch failure seen");
  // Non-poison failures come back once with reconsumeTimes 1 and succeed.
  const retried = deliveries.filter((event) => event.reconsumeTimes === 1 && !poison.includes(event.messageId));
  assert.ok(retried.length > 0 && retried.every((event) => event.result === "success"));
});

test("delayed and batch sends: no delayed delivery before its level; batch messages share an id and sit at consecutive offsets", async () => {
  const events = await simRun(combineMixes(buildMix("delayed", { sendMs: 40_000, ratePerSecond: 5 }), buildMix("batch", { sendMs: 40_000 })));
  const invokes = new Map(ofType(events, "invoke").map((invoke) => [invoke.messageId, invoke]));
  const outcomes = new Map(events.filter((event): event is SendOutcome => event.type === "ok").map((outcome) => [outcome.messageId, outcome]));
  const delayed = [...invokes.values()].filter((invoke) => invoke.delayLevel !== undefined);
  assert.ok(delayed.length > 5);
  const deliveries = ofType(events, "deliver");
  let checked = 0;
  for (const invoke of delayed) {
    const delivery = deliveries.find((event) => event.messageId === invoke.messageId);
    const ok = outcomes.get(invoke.messageId);
    if (delivery === undefined || ok === undefined) continue;
    checked++;
    assert.ok(delivery.startMs! >= invoke.timeMs + delayLevelMs[invoke.delayLevel! - 1]! - 5,
      `${invoke.messageId} level ${invoke.delayLevel} sent ${invoke.timeMs} delivered ${delivery.startMs}`);
  }
  assert.equal(checked, delayed.length);
  const compressed = [...invokes.values()].filter((invoke) => (invoke.bodySizeBytes ?? 0) > 4096);
  assert.ok(compressed.length > 0 && compressed.every((invoke) => deliveries.some((event) => event.messageId === invoke.messageId)), "compressed bodies keep their identity");
  const batches = new Map<string, SendInvoke[]>();
  for (const invoke of invokes.values()) if (invoke.batchId !== undefined) batches.set(invoke.batchId, [...(batches.get(invoke.batchId) ?? []), invoke]);
  assert.ok(batches.size > 5);
  for (const members of batches.values()) {
    assert.deepEqual(members.map((invoke) => invoke.batchIndex), [0, 1, 2, 3]);
    const stored = members.map((invoke) => outcomes.get(invoke.messageId)!);
    assert.equal(new Set(stored.map((outcome) => outcome.queue)).size, 1);
    stored.forEach((outcome, index) => assert.equal(outcome.queueOffset, stored[0]!.queueOffset! + index));
  }
  const attempts = ofType(events, "attempt");
  assert.ok(attempts.length > 0 && attempts.every((attempt) => attempt.opId !== undefined && attempt.outcome === "ok"));
});

test("bursts, a late joiner, scaling and an orderly group: burst invokes, joins at their times, lock beliefs", async () => {
  const sendMs = 40_000;
  const workload = combineMixes(
    // One short burst: the simulated cluster takes thousands of sends a second.
    { ...buildMix("burst", { sendMs }), producers: [{ ...buildMix("burst", { sendMs }).producers[0]!, bursts: [{ atMs: 10_000, durationMs: 500, inFlight: 8 }] }] }, buildMix("late-join", { sendMs }), buildMix("scaling", { sendMs }), buildMix("ordered", { sendMs }),
  );
  const events = await simRun(workload);
  const invokes = ofType(events, "invoke");
  const bursts = invokes.filter((invoke) => invoke.burst === true);
  // 8 lanes for 0.5 s at simulated LAN speed: far more than the 2/s steady rate.
  assert.ok(bursts.length > 100 && bursts.every((invoke) => invoke.timeMs >= 10_000 && invoke.timeMs <= 10_600), `only ${bursts.length} burst sends`);
  const memberships = ofType(events, "membership");
  const lateJoins = memberships.filter((event) => event.group.startsWith("GroupLate") && event.change === "join");
  assert.equal(lateJoins.length, 3);
  assert.ok(lateJoins.every((event) => event.timeMs >= 15_000 && event.timeMs < 16_000), JSON.stringify(lateJoins));
  const scaling = memberships.filter((event) => event.group === "GroupScaling");
  // 1 → 3 consumers at 10 s, back to 2 at 20 s: node 3 leaves (nodes 2 and 3 join in either
  // order); node 1 joins when the workload starts (the sim cluster takes 1 s to come up).
  assert.deepEqual(scaling.map((event) => `${event.process} ${event.change} ${Math.floor(event.timeMs / 1000)}`).sort(), [
    "consumer-GroupScaling-1 join 1", "consumer-GroupScaling-2 join 10", "consumer-GroupScaling-3 join 10", "consumer-GroupScaling-3 leave 20",
  ]);
  // FIRST_OFFSET reads what was stored before the join. (LAST_OFFSET and TIMESTAMP on these
  // young queues, min offset 0, start at 0 too: RocketMQ 4.x's rule, judged by the checkers.)
  const lateFirst = new Set(ofType(events, "deliver").filter((event) => event.group === "GroupLateFirst").map((event) => event.messageId));
  const sentBeforeJoin = invokes.filter((invoke) => invoke.topic === "TopicLate" && invoke.timeMs < 14_000);
  assert.ok(sentBeforeJoin.length > 30 && sentBeforeJoin.every((invoke) => lateFirst.has(invoke.messageId)));
  const orderly = ofType(events, "deliver").filter((event) => event.group === "GroupOrderly");
  assert.ok(orderly.length > 0 && orderly.every((event) => event.lockHeld === true));
  assert.ok(orderly.some((event) => event.threw === true));
});

test("a broker crash changes the clients' routes: route events drop it, then name it again", async () => {
  const events = await simRun(buildMix("steady", { sendMs: 120_000, ratePerSecond: 2 }), {
    durationMs: 120_000, quiesceMs: 30_000, intervals: { routePollMs: 5_000 },
    faults: [{ atMs: 20_000, healAtMs: 70_000, fault: { kind: "crash", target: "broker-a" } }],
  });
  const routes = ofType(events, "route").filter((event) => event.process === "producer-1");
  assert.deepEqual(routes[0]?.writableBrokers, ["broker-a", "broker-b"]);
  const without = routes.find((event) => !event.writableBrokers.includes("broker-a"));
  assert.ok(without !== undefined && without.timeMs > 20_000, JSON.stringify(routes));
  assert.ok(routes.some((event) => event.timeMs > without.timeMs && event.writableBrokers.includes("broker-a")));
  const failedAttempts = ofType(events, "attempt").filter((event) => event.outcome === "error");
  assert.ok(failedAttempts.some((event) => event.broker === "broker-a" && event.errorName !== undefined));
});

test("large bodies near maxMessageSize are stored and delivered with their identity", async () => {
  const large = buildMix("large", { sendMs: 10_000, ratePerSecond: 2 });
  const events = await simRun({ ...large, producers: large.producers.map((producer) => ({ ...producer, largeBodyPercent: 50 })) }, { durationMs: 10_000, quiesceMs: 20_000 });
  const big = ofType(events, "invoke").filter((invoke) => (invoke.bodySizeBytes ?? 0) > 4_000_000);
  assert.ok(big.length > 0);
  const okIds = new Set(events.flatMap((event) => (event.type === "ok" ? [event.messageId] : [])));
  const delivered = new Set(ofType(events, "deliver").map((event) => event.messageId));
  assert.ok(big.every((invoke) => okIds.has(invoke.messageId) && delivered.has(invoke.messageId)), "every large message acked and delivered");
});
