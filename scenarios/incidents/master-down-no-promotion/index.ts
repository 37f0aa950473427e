// Incident 6: a SYNC_MASTER goes down and nothing takes its place. RocketMQ 4.x (without
// DLedger) never promotes a slave: while broker-a's master is down its slave serves reads
// (consumers drain broker-a's backlog from it), nothing can be written to broker-a, producers
// send everything to broker-b, and writes to broker-a resume only when the master is back.
// Broken: the master stays down 150 s until someone restarts it by hand. Fixed: a supervisor
// restarts it after 5 s. Read from the failover checker's per-broker send window on broker-a
// and from the deliveries of broker-a's queues while its master was down.
import type { Scenario } from "../../../chaos/scenario.ts";
import { failoverWindows, faultTimes, secondsText, sendOps } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

const crashAtMs = 60_000;
const restartAfterMs: Record<PhaseName, number> = { broken: 150_000, fixed: 5_000 };
/** The consumers lag around the crash, so broker-a has a backlog for its slave to serve. */
const consumersPaused = { fromMs: 45_000, toMs: 70_000 };
/** Writes to a broker name stopped longer than this: the outage, not a blip. */
const outageThresholdMs = 60_000;

function scenario(phase: PhaseName, _deployer: IncidentDeployer): Scenario {
  return {
    name: phaseScenarioName(incident, phase),
    description: `2m-2s-sync: broker-a's master is killed at ${crashAtMs / 1000} s and restarted ${restartAfterMs[phase] / 1000} s later; ` +
      `consumers lag (paused ${consumersPaused.fromMs / 1000}–${consumersPaused.toMs / 1000} s)`,
    topology: "2m-2s-sync",
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [{ count: 2, topic: "TopicTest", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 256 }],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING" }],
    },
    faults: [
      { atMs: crashAtMs, healAtMs: crashAtMs + restartAfterMs[phase], fault: { kind: "crash", target: "broker-a" } },
      ...[1, 2].map((index) => ({ atMs: consumersPaused.fromMs, healAtMs: consumersPaused.toMs, fault: { kind: "pause" as const, target: `consumer-GroupTest-${index}` } })),
    ],
    durationMs: 260_000,
    quiesceMs: 60_000,
    expectations: { checkers: ["delivery", "failover", "rebalance"] },
  };
}

function symptom(run: PhaseRun): SymptomReading {
  const { injectMs = crashAtMs, healMs = Infinity } = faultTimes(run.history, 0);
  const outage = failoverWindows(run.result).filter((window) => window.kind === "send-broker" && window.scope === "broker-a" && window.endMs > injectMs);
  const longest = outage.reduce((max, window) => Math.max(max, window.durationMs), 0);
  const fromSlave = run.history.filter((event) => event.type === "deliver" && event.result === "success" && event.queue.startsWith("broker-a:") &&
    event.timeMs >= injectMs && event.timeMs < healMs).length;
  const sends = sendOps(run.history).filter((op) => op.outcome === "ok" && op.invokeMs >= injectMs && op.invokeMs < healMs);
  const toB = sends.filter((op) => op.queue?.startsWith("broker-b:") === true).length;
  const resumed = outage.length > 0 && outage.every((window) => window.recovered);
  const present = longest > outageThresholdMs;
  return {
    present,
    summary: `While broker-a's master was down (${Number.isFinite(healMs) ? secondsText(healMs - injectMs) : "to the end"}) its slave served ${fromSlave} deliveries of broker-a's backlog, ` +
      `producers sent ${toB} of ${sends.length} acked messages to broker-b, and nothing was written to broker-a for ${secondsText(longest)}` +
      `${resumed ? "; writes resumed when the master was back" : ""}.`,
    measured: { writeOutageMs: longest, deliveredFromSlaveWhileMasterDown: fromSlave, ackedOnBrokerBWhileMasterDown: toB, writesResumed: resumed },
    spans: outage.map((window) => ({ startMs: window.startMs, endMs: window.endMs, label: "no write to broker-a" })),
  };
}

export const incident: Incident = {
  name: "master-down-no-promotion",
  number: 6,
  narrative: {
    title: "Sync-replication master down, no automatic promotion: the slave serves reads, writes to that broker stop",
    symptom: "In a 2m-2s-sync cluster the master of broker-a dies. Consumers keep draining broker-a's messages, but nothing is written to broker-a until someone restarts its master — all traffic lands on broker-b, which now carries double load; ordered sends keyed to broker-a's queues fail.",
    cause: "RocketMQ 4.x master/slave (without DLedger) has no election: a slave never becomes a master. While the master is away the NameServer's route for broker-a lists only the slave (brokerId 1); producers only send to masters, so they drop broker-a's queues at their next route refresh; consumers pull from the slave (it has every acked message: SYNC_MASTER waited for it). When the master is back and registered, producers add broker-a again at their next refresh.",
    reportShows: "Both phases pause the consumers around the crash so broker-a has a backlog. Broken phase: the crash band lasts 150 s; the symptom band marks the stretch without any write to broker-a (the failover checker's per-broker window); deliveries of broker-a's queues continue inside it — from the slave — and acks go on through broker-b. Fixed phase: the master is restarted after 5 s and broker-a takes writes again within a route refresh.",
    fix: "Bring the master back quickly: run brokers under a supervisor that restarts them (systemd Restart=always, a Kubernetes StatefulSet) and page on a missing master. In RocketMQ 4.x automatic failover needs DLedger mode (4.5+, a Raft group per broker name), in 5.x the controller mode; neither is modelled here. Size each master to carry the other's traffic while one is down.",
  },
  phaseTitles: { broken: "master restarted by hand after 150 s", fixed: "master restarted by a supervisor after 5 s" },
  deployers: ["sim"],
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
