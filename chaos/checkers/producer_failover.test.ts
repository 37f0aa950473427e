import { test } from "node:test";
import assert from "node:assert/strict";
import type { RouteEvent, SendAttemptEvent } from "../history/types.ts";
import type { CheckContext } from "./context.ts";
import type { ProducerFailoverEvidence } from "./producer_failover.ts";
import { checkProducerFailover } from "./producer_failover.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

const attempt = (opId: number | undefined, timeMs: number, broker: string, outcome: "ok" | "error", latencyMs = 5, extra: Partial<SendAttemptEvent> = {}): SendAttemptEvent => ({
  type: "attempt", op: "send", ...(opId === undefined ? {} : { opId }), timeMs, process: "producer-1", broker, queue: `${broker}:0`, outcome, latencyMs,
  ...(outcome === "error" ? { errorName: "RemotingConnectError" } : {}), ...extra,
});
const kinds = (evidence: unknown): string[] => (evidence as ProducerFailoverEvidence).violations.items.map((entry) => entry.kind);
const avoiding = (): CheckContext => {
  const context = testContext();
  context.workload.producers = [{ count: 1, topic: "T", latencyFaultAvoidance: true }];
  return context;
};

test("a failed attempt retried on the other master passes; giving up after one attempt while it serves fails", () => {
  const retried = new HistoryBuilder().send({ id: "m", at: 1000, queue: "broker-b:0", outcomeAt: 1020 })
    .raw(attempt(1, 1010, "broker-a", "error")).raw(attempt(1, 1020, "broker-b", "ok")).build();
  assert.equal(checkProducerFailover(retried, testContext()).verdict, "pass");
  const gaveUp = new HistoryBuilder().send({ id: "other", at: 990, queue: "broker-b:0" })
    .send({ id: "m", at: 1000, outcome: "fail", outcomeAt: 1010 }).raw(attempt(2, 1010, "broker-a", "error")).build();
  const result = checkProducerFailover(gaveUp, testContext());
  assert.deepEqual(kinds(result.evidence), ["gave-up-early"]);
  assert.match(result.summary, /failed after 1 attempt of 3 .* while broker-b took sends/);
  // A non-retriable broker answer (e.g. 13 MESSAGE_ILLEGAL) legitimately ends the send.
  const illegal = new HistoryBuilder().send({ id: "other", at: 990, queue: "broker-b:0" })
    .send({ id: "m", at: 1000, outcome: "fail", outcomeAt: 1010 }).raw(attempt(2, 1010, "broker-a", "error", 5, { errorName: "MQBrokerError", responseCode: 13 })).build();
  assert.equal(checkProducerFailover(illegal, testContext()).verdict, "pass");
});

test("a retry back on the broker that just failed, while the route has another, fails", () => {
  const events = new HistoryBuilder().send({ id: "before", at: 900, queue: "broker-b:0" }).send({ id: "m", at: 1000, queue: "broker-a:0", outcomeAt: 1030 })
    .raw(attempt(2, 1010, "broker-a", "error")).raw(attempt(2, 1030, "broker-a", "ok")).build();
  assert.deepEqual(kinds(checkProducerFailover(events, testContext()).evidence), ["retried-same-broker"]);
});

test("latency fault avoidance: a broker that just failed is not picked again for notAvailableDuration", () => {
  const build = (againAtMs: number): ReturnType<HistoryBuilder["build"]> => new HistoryBuilder()
    .raw(attempt(undefined, 1_000, "broker-b", "ok"))
    .raw(attempt(undefined, 2_000, "broker-a", "error", 3_000))
    .raw(attempt(undefined, againAtMs, "broker-a", "ok")).build();
  // A failure isolates for notAvailableDuration(30 s latency) = 600 s.
  const soon = checkProducerFailover(build(100_000), avoiding());
  assert.deepEqual(kinds(soon.evidence), ["picked-isolated-broker"]);
  assert.match(soon.summary, /broker-a was isolated .* yet picked while broker-b was available/);
  assert.equal((soon.evidence as ProducerFailoverEvidence).isolationMs, 600_000);
  assert.equal(checkProducerFailover(build(700_000), avoiding()).verdict, "pass");
  // Without the setting nothing is isolated.
  assert.equal(checkProducerFailover(build(100_000), testContext()).verdict, "pass");
  // When the other broker is isolated too, RocketMQ picks one anyway.
  const bothDown = new HistoryBuilder().raw(attempt(undefined, 1_000, "broker-b", "error")).raw(attempt(undefined, 2_000, "broker-a", "error"))
    .raw(attempt(undefined, 100_000, "broker-a", "ok")).build();
  assert.equal(checkProducerFailover(bothDown, avoiding()).verdict, "pass");
});

test("a restarted producer forgets its isolations: its fault table lived in the old process (seed 1 swarm run 69)", () => {
  const build = (restart: boolean): ReturnType<HistoryBuilder["build"]> => {
    const builder = new HistoryBuilder()
      .raw(attempt(undefined, 1_000, "broker-b", "ok"))
      .raw(attempt(undefined, 2_000, "broker-a", "error", 3_000));
    if (restart) builder.node(16_000, "producer-1", "crash").node(25_000, "producer-1", "restart");
    return builder.raw(attempt(undefined, 26_000, "broker-a", "ok")).build();
  };
  assert.equal(checkProducerFailover(build(false), avoiding()).verdict, "fail");
  assert.equal(checkProducerFailover(build(true), avoiding()).verdict, "pass");
});

test("no attempts: nothing to judge", () => {
  assert.match(checkProducerFailover(new HistoryBuilder().sends("m-", 2).build(), testContext()).summary, /nothing to judge/);
});

test("a burst: a pick recorded in the millisecond after another send's failure is within the recording resolution", () => {
  // Times are floored wall-clock milliseconds and latencies rounded: a pick at 10183.7 that ends at
  // 10184.1 is recorded as (10184, 0 ms), after a failure that really ended at 10183.8.
  const burst = new HistoryBuilder().send({ id: "seed", at: 10_100, queue: "broker-b:0" })
    .raw(attempt(undefined, 10_183, "broker-b", "ok", 0)).raw(attempt(undefined, 10_183, "broker-a", "error", 0))
    .raw(attempt(undefined, 10_184, "broker-a", "ok", 0)).build();
  assert.equal(checkProducerFailover(burst, avoiding()).verdict, "pass");
  // Two milliseconds later the isolation is certain: picking broker-a then is a violation.
  const later = new HistoryBuilder().send({ id: "seed", at: 10_100, queue: "broker-b:0" })
    .raw(attempt(undefined, 10_183, "broker-b", "ok", 0)).raw(attempt(undefined, 10_183, "broker-a", "error", 0))
    .raw(attempt(undefined, 10_186, "broker-a", "ok", 0)).build();
  assert.deepEqual(kinds(checkProducerFailover(later, avoiding()).evidence), ["picked-isolated-broker"]);
});

test("4.9.x drops an isolated broker's fault item when pickOneAtLeast returns it while the route lacks it (seed 1 swarm run 1280)", () => {
  const route = (timeMs: number, writableBrokers: string[]): RouteEvent => ({ type: "route", timeMs, process: "producer-1", topic: "T", writableBrokers, readableBrokers: writableBrokers });
  // broker-a fails fast (11 ms), broker-b times out (1000 ms): both isolated for 600 s. A namesrv
  // partition leaves broker-b alone in the route; the next selection finds broker-b unavailable,
  // pickOneAtLeast ranks broker-a (lower latency) first, it has no write queues: its item is
  // removed. When the route has broker-a again, picking it is what 4.9.x does.
  const build = (options: { aLatencyMs?: number; routeWithoutA?: boolean; bRecoveredBeforeSelection?: boolean } = {}): ReturnType<HistoryBuilder["build"]> => {
    const builder = new HistoryBuilder().send({ id: "seed", at: 900, queue: "broker-b:0" }).raw(route(500, ["broker-a", "broker-b"]))
      .raw(attempt(undefined, 11_000, "broker-b", "error", 1_000, { errorName: "RemotingTimeoutError" }))
      .raw(attempt(undefined, options.aLatencyMs === undefined ? 12_638 : 10_000, "broker-a", "error", options.aLatencyMs ?? 11, { errorName: "MQBrokerError", responseCode: 2 }));
    if (options.bRecoveredBeforeSelection === true) builder.raw(attempt(undefined, 12_900, "broker-b", "ok", 1));
    if (options.routeWithoutA !== false) builder.raw(route(13_028, ["broker-b"]));
    return builder.raw(attempt(undefined, 13_029, "broker-b", "ok", 1))
      .raw(route(19_028, ["broker-a", "broker-b"])).raw(attempt(undefined, 19_449, "broker-a", "ok", 21)).build();
  };
  assert.equal(checkProducerFailover(build(), avoiding()).verdict, "pass");
  // Just outside: the route never lacked broker-a, so nothing removed its item.
  assert.deepEqual(kinds(checkProducerFailover(build({ routeWithoutA: false }), avoiding()).evidence), ["picked-isolated-broker"]);
  // broker-a's item surely ranks behind broker-b's (higher latency): pickOneAtLeast returns broker-b, which has queues.
  assert.deepEqual(kinds(checkProducerFailover(build({ aLatencyMs: 2_000 }), avoiding()).evidence), ["picked-isolated-broker"]);
  // broker-b was available again at the selection: the first pass takes it, no fallback, no removal.
  assert.deepEqual(kinds(checkProducerFailover(build({ bRecoveredBeforeSelection: true }), avoiding()).evidence), ["picked-isolated-broker"]);
});

test("an isolated pick is judged against every route in force during its selection window (seed 1 swarm run 1665)", () => {
  const route = (timeMs: number, writableBrokers: string[]): RouteEvent => ({ type: "route", timeMs, process: "producer-1", topic: "T", writableBrokers, readableBrokers: writableBrokers });
  // broker-a times out at 19.9 s (isolated 600 s); broker-b serves. A route poll brings a route of
  // broker-a alone (broker-b not yet re-registered) at the millisecond the next send selects
  // (recorded at its end, 22060, 46 ms): with that route, broker-a is the only queue, so
  // 4.9.x sends there. Whether the poll came just before or after the selection, the history
  // cannot tell within the window, so the pick is not a sure violation.
  const build = (newRoute: { atMs: number; brokers: string[] }): ReturnType<HistoryBuilder["build"]> => new HistoryBuilder()
    .send({ id: "seed", at: 900, queue: "broker-b:0" }).raw(route(500, ["broker-a", "broker-b"]))
    .raw(attempt(undefined, 19_914, "broker-a", "error", 1_000, { errorName: "RemotingTimeoutError" }))
    .raw(attempt(undefined, 21_915, "broker-b", "ok", 0))
    .raw(route(newRoute.atMs, newRoute.brokers))
    .raw(attempt(undefined, 22_060, "broker-a", "ok", 46)).build();
  assert.equal(checkProducerFailover(build({ atMs: 22_014, brokers: ["broker-a"] }), avoiding()).verdict, "pass");
  // Just outside: the route without broker-b came a millisecond past the window, so every
  // possible selection moment saw broker-b available.
  const late = checkProducerFailover(build({ atMs: 22_062, brokers: ["broker-a"] }), avoiding());
  assert.deepEqual(kinds(late.evidence), ["picked-isolated-broker"]);
  assert.match(late.summary, /yet picked while broker-b was available/);
  // The poll in the window kept broker-b: no route excuses the pick.
  assert.deepEqual(kinds(checkProducerFailover(build({ atMs: 22_014, brokers: ["broker-a", "broker-b"] }), avoiding()).evidence), ["picked-isolated-broker"]);
});

test("retries select from the route the send began with: a broker that joined the route after the first attempt does not count (seed 1 swarm run 3380)", () => {
  // 4.9.x sendDefaultImpl takes the TopicPublishInfo once before its retry loop. broker-b was
  // back in producer-1's route 12 ms after the send began on a route of broker-a alone.
  const route = (timeMs: number, writableBrokers: string[]): RouteEvent => ({ type: "route", timeMs, process: "producer-1", topic: "T", writableBrokers, readableBrokers: writableBrokers });
  const build = (routeBackAtMs: number): ReturnType<HistoryBuilder["build"]> => new HistoryBuilder()
    .send({ id: "m", at: 1000, outcome: "fail", outcomeAt: 1061 })
    .raw(route(500, ["broker-a"])).raw(route(routeBackAtMs, ["broker-a", "broker-b"]))
    .raw(attempt(1, 1020, "broker-a", "error", 20)).raw(attempt(1, 1040, "broker-a", "error", 20)).raw(attempt(1, 1061, "broker-a", "error", 21)).build();
  assert.equal(checkProducerFailover(build(1012), testContext()).verdict, "pass");
  // broker-b already in the route when the send began: both retries to broker-a are violations.
  assert.deepEqual(kinds(checkProducerFailover(build(1000), testContext()).evidence), ["retried-same-broker", "retried-same-broker"]);
});
