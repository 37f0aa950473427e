import { test } from "node:test";
import assert from "node:assert/strict";
import type { ScheduledFault } from "../faults/types.ts";
import { rocketmqIntervals } from "../scenario.ts";
import { boundFor, defaultLatencyMaxMs, defaultNotAvailableDurationMs, deriveFailoverBounds, intersect, lockStepPossible, notAvailableDurationFor, union } from "./bounds.ts";
import { topologyFacts } from "./testing/history_builder.ts";

const crash = (target: string, atMs: number, healAtMs?: number): ScheduledFault =>
  ({ atMs, ...(healAtMs === undefined ? {} : { healAtMs }), fault: { kind: "crash", target } });

test("span union and intersection", () => {
  assert.deepEqual(union([{ startMs: 5, endMs: 9 }, { startMs: 0, endMs: 6 }, { startMs: 20, endMs: null }]),
    [{ startMs: 0, endMs: 9 }, { startMs: 20, endMs: null }]);
  assert.deepEqual(intersect([{ startMs: 0, endMs: 10 }], [{ startMs: 5, endMs: null }]), [{ startMs: 5, endMs: 10 }]);
  assert.deepEqual(intersect([{ startMs: 0, endMs: 4 }], [{ startMs: 5, endMs: 8 }]), []);
});

test("one master down in a two-master cluster does not block sends; both down does", () => {
  const topology = topologyFacts("2m-noslave");
  const one = deriveFailoverBounds(rocketmqIntervals, [crash("broker-a", 1000, 5000)], topology);
  assert.deepEqual(one.sendBlocked, []);
  assert.deepEqual(one.brokerBlocked["broker-a"], [{ startMs: 1000, endMs: 5000 + one.sendRecoverMs }]);
  const both = deriveFailoverBounds(rocketmqIntervals, [crash("broker-a", 1000, 5000), crash("broker-b", 3000, 9000)], topology);
  assert.deepEqual(both.sendBlocked, [{ startMs: 3000, endMs: 5000 + both.sendRecoverMs }]);
  assert.equal(one.reasons.length, 6);
});

test("the single master, a producer, or a SYNC_MASTER's slave block sends", () => {
  assert.equal(deriveFailoverBounds(rocketmqIntervals, [crash("broker-a", 0, 10)], topologyFacts("1m")).sendBlocked.length, 1);
  const producer: ScheduledFault = { atMs: 0, healAtMs: 10, fault: { kind: "partition", shape: "isolate", target: "producer-1" } };
  assert.equal(deriveFailoverBounds(rocketmqIntervals, [producer], topologyFacts("2m-noslave")).sendBlocked.length, 1);
  const syncSlave = deriveFailoverBounds(rocketmqIntervals, [crash("broker-a-s", 0, 10)], topologyFacts("2m-2s-sync"));
  assert.equal(syncSlave.brokerBlocked["broker-a"]?.length, 1);
  const asyncSlave = deriveFailoverBounds(rocketmqIntervals, [crash("broker-a-s", 0, 10)], topologyFacts("2m-2s-async"));
  assert.deepEqual(asyncSlave.brokerBlocked["broker-a"], []);
  const namesrv: ScheduledFault = { atMs: 0, healAtMs: 10, fault: { kind: "namesrv-all-down" } };
  assert.deepEqual(deriveFailoverBounds(rocketmqIntervals, [namesrv], topologyFacts("1m")).sendBlocked, []);
});

test("boundFor adds overlapping spans, and is unbounded for a fault that never heals", () => {
  const spans = [{ startMs: 100, endMs: 200 }, { startMs: 1000, endMs: null }];
  assert.equal(boundFor(50, spans, 0, 150), 150);
  assert.equal(boundFor(50, spans, 300, 400), 50);
  assert.equal(boundFor(50, spans, 300, 1500), null);
});

test("a crashed consumer stalls consumption at most until the broker expires it", () => {
  const bounds = deriveFailoverBounds(rocketmqIntervals, [crash("consumer-G-1", 1000)], topologyFacts("1m"));
  const takeover = 120_000 + 10_000 + 30_000 + 20_000;
  assert.deepEqual(bounds.consumeBlocked, [{ startMs: 1000, endMs: 1000 + takeover + 3000 }]);
});

test("a connection reset is instant: its span ends with the recovery after the injection, healed or not", () => {
  const reset: ScheduledFault = { atMs: 2000, fault: { kind: "connection-reset", source: "producer-1", target: "broker-a", midFrame: true } };
  const bounds = deriveFailoverBounds(rocketmqIntervals, [reset], topologyFacts("2m-noslave"));
  assert.deepEqual(bounds.sendBlocked, [{ startMs: 2000, endMs: 2000 + bounds.sendRecoverMs }], "a producer's reset blocks its sends until it reconnects");
  const late = deriveFailoverBounds(rocketmqIntervals, [{ ...reset, healAtMs: 60_000 }], topologyFacts("2m-noslave"));
  assert.deepEqual(late.sendBlocked, bounds.sendBlocked, "a late heal (disarm) does not stretch it");
});

test("every bound names its mechanism and terms, and the terms add up to it", () => {
  const bounds = deriveFailoverBounds(rocketmqIntervals, [], topologyFacts("2m-noslave"));
  assert.deepEqual(bounds.derivations.map((entry) => entry.name), ["send base", "send recovery", "consume base", "read switch", "consumer takeover", "lock lapse"]);
  for (const entry of bounds.derivations) {
    assert.ok(entry.mechanism.length > 0);
    assert.equal(entry.terms.reduce((sum, term) => sum + term.ms, 0), entry.valueMs, entry.name);
  }
});

test("latency fault avoidance: one failure isolates a broker for 600 s, and the broker bound allows it", () => {
  const latencyFault = { latencyMaxMs: defaultLatencyMaxMs, notAvailableDurationMs: defaultNotAvailableDurationMs };
  assert.deepEqual([30, 100, 600, 3000, 30_000].map((ms) => notAvailableDurationFor(latencyFault, ms)), [0, 0, 30_000, 180_000, 600_000]);
  const faults = [crash("broker-a", 1000, 5000)];
  const plain = deriveFailoverBounds(rocketmqIntervals, faults, topologyFacts("2m-noslave"));
  const avoiding = deriveFailoverBounds(rocketmqIntervals, faults, topologyFacts("2m-noslave"), { latencyFault });
  assert.equal(avoiding.brokerRejoinMs, 10_000 + 3_000 + 600_000);
  assert.deepEqual(avoiding.brokerBlocked["broker-a"], [{ startMs: 1000, endMs: 5000 + 613_000 }]);
  assert.ok(plain.brokerRejoinMs < 100_000);
  // Without a fault a slow send (3 s) may still isolate a broker for 180 s.
  assert.equal(avoiding.sendBrokerBaseMs, avoiding.sendBaseMs + 180_000);
  const rejoin = avoiding.derivations.find((entry) => entry.name === "broker rejoin");
  assert.match(rejoin?.mechanism ?? "", /latency fault isolation/);
  assert.deepEqual(rejoin?.terms.map((term) => term.ms), [10_000, 3_000, 600_000]);
  // Measured isolation (from send attempts) replaces the setting's worst case.
  const measured = deriveFailoverBounds(rocketmqIntervals, faults, topologyFacts("2m-noslave"), { latencyFault, isolationSpans: { "broker-a": [{ startMs: 4000, endMs: 40_000 }] } });
  assert.equal(measured.sendBrokerBaseMs, measured.sendBaseMs);
  assert.deepEqual(measured.brokerBlocked["broker-a"], [{ startMs: 1000, endMs: 5000 + measured.sendRecoverMs }]);
});

test("a bridge partition blocks sends whatever node bridges; isolating a NameServer does not", () => {
  const topology = topologyFacts("2m-noslave");
  const bridge: ScheduledFault = { atMs: 2000, healAtMs: 6000, fault: { kind: "partition", shape: "bridge", target: "namesrv-1" } };
  assert.equal(deriveFailoverBounds(rocketmqIntervals, [bridge], topology).sendBlocked.length, 1);
  const isolate: ScheduledFault = { atMs: 2000, healAtMs: 6000, fault: { kind: "partition", shape: "isolate", target: "namesrv-1" } };
  assert.deepEqual(deriveFailoverBounds(rocketmqIntervals, [isolate], topology).sendBlocked, []);
});

test("read failover: only a SYNC_MASTER with a slave, downed by a crash, power loss or pause, is served by its slave", () => {
  const sync = topologyFacts("2m-2s-sync");
  const crashed = deriveFailoverBounds(rocketmqIntervals, [crash("broker-a", 1000, 500_000)], sync);
  assert.deepEqual(crashed.readFailover, { "broker-a": [{ startMs: 1000, endMs: 500_000 }] });
  // A crash closes the master's connections: route poll 30 s + a held pull 30 s + pull retry 3 s.
  assert.deepEqual(crashed.consumeBrokerBlocked["broker-a"], [{ startMs: 1000, endMs: 1000 + 63_000 }]);
  // Other brokers' messages keep the fault's whole span, as the receiver's window does.
  assert.deepEqual(crashed.consumeBrokerBlocked["broker-b"], crashed.consumeBlocked);
  const paused = deriveFailoverBounds(rocketmqIntervals, [{ atMs: 1000, healAtMs: 500_000, fault: { kind: "pause", target: "broker-a" } }], sync);
  assert.equal(paused.readSwitchMs, 120_000 + 10_000 + 63_000);
  assert.deepEqual(paused.consumeBrokerBlocked["broker-a"], [{ startMs: 1000, endMs: 1000 + paused.readSwitchMs }]);
  // A fault that never heals still ends for broker-a's messages once the slave serves them.
  const never = deriveFailoverBounds(rocketmqIntervals, [{ atMs: 1000, fault: { kind: "crash", target: "broker-a" } }], sync);
  assert.deepEqual(never.consumeBrokerBlocked["broker-a"], [{ startMs: 1000, endMs: 64_000 }]);
  assert.deepEqual(never.consumeBrokerBlocked["broker-b"], [{ startMs: 1000, endMs: null }]);
  assert.deepEqual(deriveFailoverBounds(rocketmqIntervals, [crash("broker-a", 1000, 500_000)], topologyFacts("2m-2s-async")).readFailover, {});
  assert.deepEqual(deriveFailoverBounds(rocketmqIntervals, [crash("broker-a-s", 1000, 500_000)], sync).readFailover, {});
  assert.deepEqual(deriveFailoverBounds(rocketmqIntervals, [{ atMs: 1000, healAtMs: 9000, fault: { kind: "disk-full", target: "broker-a" } }], sync).readFailover, {});
});

test("orderly groups: a consumer fault blocks until a lock whose unlock it lost has lapsed and been taken", () => {
  const lapseMs = 60_000 + rocketmqIntervals.rebalanceMs;
  const isolate: ScheduledFault = { atMs: 15_000, healAtMs: 28_000, fault: { kind: "partition", shape: "isolate", target: "consumer-G-2" } };
  const isolated = deriveFailoverBounds(rocketmqIntervals, [isolate], topologyFacts("2m-noslave"));
  assert.equal(isolated.lockLapseMs, lapseMs);
  // Isolated: its last lock reached the broker before the injection.
  assert.deepEqual(isolated.orderlyConsumeBlocked, [{ startMs: 15_000, endMs: 15_000 + lapseMs }]);
  assert.deepEqual(isolated.consumeBlocked, [{ startMs: 15_000, endMs: 28_000 + 3000 }], "concurrent groups keep the takeover span");
  // A one-way drop towards a broker: its last lock may have got through up to the heal.
  const firewall: ScheduledFault = { atMs: 19_000, healAtMs: 28_000, fault: { kind: "firewall", source: "consumer-G-1", target: "broker-a", port: "broker", mode: "drop", direction: "one-way" } };
  assert.deepEqual(deriveFailoverBounds(rocketmqIntervals, [firewall], topologyFacts("2m-noslave")).orderlyConsumeBlocked, [{ startMs: 19_000, endMs: 28_000 + lapseMs }]);
  // A crashed consumer never restarted: its locks lapse from the crash.
  assert.deepEqual(deriveFailoverBounds(rocketmqIntervals, [crash("consumer-G-1", 1000)], topologyFacts("1m")).orderlyConsumeBlocked,
    [{ startMs: 1000, endMs: 1000 + 180_000 + 3000 }], "the takeover span is longer here");
  // Faults on brokers only add nothing.
  const broker = deriveFailoverBounds(rocketmqIntervals, [crash("broker-a", 1000, 5000)], topologyFacts("2m-noslave"));
  assert.deepEqual(broker.orderlyConsumeBlocked, broker.consumeBlocked);
});

test("round-robin lock-step: a hung master of two with one queue each blocks every send; a crash or more queues does not", () => {
  assert.equal(lockStepPossible(2, 1), true);
  assert.equal(lockStepPossible(2, 4), false);
  assert.equal(lockStepPossible(3, 1), false);
  const topology = topologyFacts("2m-noslave");
  const slow: ScheduledFault = { atMs: 1000, healAtMs: 5000, fault: { kind: "slow-disk", target: "broker-b", factor: 5000 } };
  const locked = deriveFailoverBounds(rocketmqIntervals, [slow], topology, { queuesPerBroker: 1, roundRobinLockStep: true });
  assert.deepEqual(locked.sendBlocked, [{ startMs: 1000, endMs: 5000 + locked.sendRecoverMs }]);
  assert.deepEqual(locked.brokerBlocked["broker-a"], locked.sendBlocked);
  assert.match(locked.reasons.at(-1) ?? "", /^round-robin lock-step/);
  assert.deepEqual(deriveFailoverBounds(rocketmqIntervals, [slow], topology, { queuesPerBroker: 1 }).sendBlocked, []);
  // A crashed master refuses connects at once: the retry reaches the other master in time.
  assert.deepEqual(deriveFailoverBounds(rocketmqIntervals, [crash("broker-b", 1000, 5000)], topology, { queuesPerBroker: 1, roundRobinLockStep: true }).sendBlocked, []);
});
