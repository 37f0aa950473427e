// Incident 9: reading from the slave after the master of an async pair crashed. An
// ASYNC_MASTER acks a message before its slave has it; when the master dies, consumers go on
// reading broker-a from the slave, which lacks the last messages the master acked. Those are
// not lost (the master's disk has them): they appear when the master is back, out of order
// with what came since. Broken: 2m-2s-async, the replication link lags 1 s, broker-a's master
// is killed while consumers have a backlog, and restarted 90 s later. Fixed: SYNC_MASTER (ack
// after the slave has it). Read from the history: messages broker-a acked before the crash
// whose first delivery came only after the master returned.
import type { Scenario, TopologyName } from "../../../chaos/scenario.ts";
import { faultTimes, secondsText, sendOps } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

const crashAtMs = 60_000;
const restartAtMs = 150_000;
const replicationLagMs = 1_000;
const consumersPaused = { fromMs: 45_000, toMs: 70_000 };
const topologies: Record<PhaseName, TopologyName> = { broken: "2m-2s-async", fixed: "2m-2s-sync" };

function scenario(phase: PhaseName, _deployer: IncidentDeployer): Scenario {
  return {
    name: phaseScenarioName(incident, phase),
    description: `${topologies[phase]}: broker-a's replication link lags ${replicationLagMs / 1000} s; its master is killed at ${crashAtMs / 1000} s ` +
      `and restarted at ${restartAtMs / 1000} s; consumers lag (paused ${consumersPaused.fromMs / 1000}–${consumersPaused.toMs / 1000} s)`,
    topology: topologies[phase],
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [{ count: 2, topic: "TopicTest", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 256 }],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING" }],
    },
    faults: [
      { atMs: crashAtMs, healAtMs: restartAtMs, fault: { kind: "crash", target: "broker-a" } },
      { atMs: 1_000, fault: { kind: "flow", source: "broker-a", target: "broker-a-s", delayMs: replicationLagMs, jitterMs: 0, lossPercent: 0, direction: "one-way" } },
      ...[1, 2].map((index) => ({ atMs: consumersPaused.fromMs, healAtMs: consumersPaused.toMs, fault: { kind: "pause" as const, target: `consumer-GroupTest-${index}` } })),
    ],
    durationMs: 200_000,
    quiesceMs: 60_000,
    expectations: { checkers: ["delivery", "failover", "rebalance"] },
  };
}

function symptom(run: PhaseRun): SymptomReading {
  const { injectMs = crashAtMs, healMs = Infinity } = faultTimes(run.history, 0);
  const firstDelivery = new Map<string, number>();
  for (const event of run.history) {
    if (event.type !== "deliver" || event.result !== "success" || firstDelivery.has(event.messageId)) continue;
    firstDelivery.set(event.messageId, event.timeMs);
  }
  const messageIds = new Map<number, string>();
  for (const event of run.history) if (event.type === "invoke" && event.op === "send") messageIds.set(event.opId, event.messageId);
  const beforeCrash = sendOps(run.history).filter((op) => op.outcome === "ok" && op.queue?.startsWith("broker-a:") === true && (op.outcomeMs ?? Infinity) < injectMs);
  const delivered = beforeCrash.map((op) => ({ op, atMs: firstDelivery.get(messageIds.get(op.opId) ?? "") }));
  const fromSlave = delivered.filter((entry) => entry.atMs !== undefined && entry.atMs >= injectMs && entry.atMs < healMs);
  const late = delivered.filter((entry) => entry.atMs !== undefined && entry.atMs >= healMs);
  const lastAckMs = late.reduce((max, entry) => Math.max(max, entry.op.outcomeMs ?? 0), 0);
  const firstAckMs = late.reduce((min, entry) => Math.min(min, entry.op.outcomeMs ?? Infinity), Infinity);
  const present = late.length > 0 && fromSlave.length > 0;
  return {
    present,
    summary: present
      ? `${fromSlave.length} of broker-a's messages acked before the crash were read from its slave while the master was down; ${late.length} others, acked in the last ${secondsText(injectMs - firstAckMs)} before the crash, ` +
        `reached the consumers only after the master returned (${secondsText(healMs - injectMs)} later): the slave never had them.`
      : `${fromSlave.length} of broker-a's messages acked before the crash were read from its slave while the master was down; none had to wait for the master (${late.length}).`,
    measured: {
      ackedOnBrokerABeforeCrash: beforeCrash.length,
      readFromSlaveWhileMasterDown: fromSlave.length,
      appearedOnlyAfterMasterReturned: late.length,
      lostAcked: run.result.counts.lost,
    },
    spans: present ? [{ startMs: firstAckMs, endMs: Math.max(lastAckMs, firstAckMs + 1), label: "acked, not yet on the slave" }] : [],
  };
}

export const incident: Incident = {
  name: "slave-read-after-async-crash",
  number: 9,
  narrative: {
    title: "Reading from the slave after an async master crash: the last messages appear only when the master returns",
    symptom: "After the master of an async pair crashed, consumers kept going on the slave; when the master came back, a handful of older messages — produced before the crash — were suddenly consumed, long after newer ones.",
    cause: "An ASYNC_MASTER acknowledges a message once it has it; its slave receives it a moment later over the HA connection (the replication lag). When the master dies, the route for broker-a lists only the slave and consumers pull from it: it serves everything it received, up to the lag. The messages in the lag are on the master's disk only — not lost, with a process crash, but invisible until the master is back; then consumers read them from the master, out of order with everything consumed meanwhile.",
    reportShows: "Both phases lag the replication link by 1 s and pause the consumers around the crash (a backlog to read). Broken phase: deliveries of broker-a's queues continue inside the crash band — from the slave — and the symptom band marks the acks the slave never got; those messages are first delivered after the restart. Fixed phase: with SYNC_MASTER each ack waits for the slave, so every acked message is on it and the slave serves all of them during the outage (sends to broker-a take the replication round trip longer).",
    fix: "brokerRole=SYNC_MASTER where readers must see every acked message while a master is down (the cost is the replication round trip on every send), and keep the replication link fast; or accept the late, out-of-order arrivals and make consumers independent of order across the failover. A power loss of an ASYNC_MASTER would lose those messages outright (incident 5).",
  },
  phaseTitles: { broken: "brokerRole=ASYNC_MASTER", fixed: "brokerRole=SYNC_MASTER" },
  deployers: ["sim"],
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
