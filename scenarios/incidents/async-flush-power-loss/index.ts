// Incident 5: acked messages lost on power loss. With ASYNC_FLUSH the broker acks a message once
// it is in the page cache; the flush thread writes it to disk within flushIntervalCommitLog
// (500 ms, when 4 pages are dirty) or flushCommitLogThoroughInterval (10 s). A process crash
// keeps the page cache; a power loss does not: every acked message not yet flushed is gone.
// Broken: 2m-noslave with ASYNC_FLUSH, broker-a loses power while the consumers lag behind
// (paused), so the unflushed messages are not consumed yet. Fixed: SYNC_FLUSH (ack after
// fsync, group commit). Read from the delivery checker's lost count (permitted loss included).
// The replication half (ASYNC_MASTER acks before its slave has the message) is incident 9.
import type { Scenario } from "../../../chaos/scenario.ts";
import { checkOf, faultTimes, secondsText } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

const consumersPausedMs = { fromMs: 40_000, toMs: 100_000 };
const powerLossAtMs = 60_000;
const restartAtMs = 75_000;

function scenario(phase: PhaseName, _deployer: IncidentDeployer): Scenario {
  const flushDiskType = phase === "broken" ? "ASYNC_FLUSH" : "SYNC_FLUSH";
  return {
    name: phaseScenarioName(incident, phase),
    description: `2m-noslave, flushDiskType=${flushDiskType}: broker-a loses power at ${powerLossAtMs / 1000} s and boots at ${restartAtMs / 1000} s, ` +
      `while both consumers lag (paused ${consumersPausedMs.fromMs / 1000}–${consumersPausedMs.toMs / 1000} s)`,
    topology: "2m-noslave",
    brokerConfig: { flushDiskType },
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [{ count: 2, topic: "TopicTest", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 256 }],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING" }],
    },
    faults: [
      { atMs: powerLossAtMs, healAtMs: restartAtMs, fault: { kind: "power-loss", target: "broker-a" } },
      // A backlog: what the consumers have not read yet is what a power loss can take.
      ...[1, 2].map((index) => ({ atMs: consumersPausedMs.fromMs, healAtMs: consumersPausedMs.toMs, fault: { kind: "pause" as const, target: `consumer-GroupTest-${index}` } })),
    ],
    durationMs: 150_000,
    quiesceMs: 60_000,
    expectations: { checkers: ["delivery", "failover"] },
  };
}

function symptom(run: PhaseRun): SymptomReading {
  const { injectMs = powerLossAtMs } = faultTimes(run.history, 0);
  const evidence = checkOf(run.result, "delivery")?.evidence as { allowedLoss?: { count: number; items: { ackMs?: number }[] }; lost?: { count: number } } | undefined;
  const lost = run.result.counts.lost;
  const ackTimes = (evidence?.allowedLoss?.items ?? []).map((item) => item.ackMs).filter((ms): ms is number => ms !== undefined);
  const firstAckMs = ackTimes.length === 0 ? injectMs : Math.min(...ackTimes);
  const present = lost > 0;
  return {
    present,
    summary: present
      ? `${lost} acked messages never reached the consumers: acked by broker-a up to ${secondsText(injectMs - firstAckMs)} before its power loss and not yet flushed (${evidence?.allowedLoss?.count ?? 0} of them within what the guarantee table allows for this configuration).`
      : `No acked message was lost (${run.result.counts.acked} acked, ${run.result.counts.consumed} consumed).`,
    measured: {
      acked: run.result.counts.acked,
      lostAcked: lost,
      lostBeyondGuarantee: evidence?.lost?.count ?? 0,
      oldestLostAckBeforePowerLossMs: present ? injectMs - firstAckMs : 0,
    },
    spans: present ? [{ startMs: firstAckMs, endMs: injectMs, label: "acked, then lost" }] : [],
  };
}

export const incident: Incident = {
  name: "async-flush-power-loss",
  number: 5,
  narrative: {
    title: "Async flush loses acked messages on power loss",
    symptom: "After a machine lost power and rebooted, the broker came back and producers' logs show SEND_OK for messages that no consumer ever received.",
    cause: "With flushDiskType=ASYNC_FLUSH a broker acknowledges a message as soon as it is in the OS page cache; a background thread flushes the commit log every 500 ms once 4 pages are dirty, and at least every 10 s. A process crash keeps the page cache (the OS writes it out), so nothing is lost; a power loss drops it, and every acked message not yet flushed is gone — for a trickle of small messages up to about 10 s worth. The same holds for ASYNC_MASTER replication: a message acked before the slave had it is lost with the master's disk.",
    reportShows: "Both phases pause the consumers around the power loss so a backlog waits on the broker (what a consumer already read cannot go missing for it). Broken phase: the power-loss band on broker-a; the delivery check counts the lost acked messages (the guarantee table permits loss bounded by the flush interval for ASYNC_FLUSH without a slave, so the check lists them as allowed loss) and the symptom band spans the acks that were lost. Fixed phase: SYNC_FLUSH acks only after fsync (group commit), the same power loss loses nothing.",
    fix: "flushDiskType=SYNC_FLUSH where an acked message must survive a power loss (the cost is fsync latency on every send), or SYNC_MASTER with a slave on another machine (brokerRole=SYNC_MASTER: the ack waits for the slave). Modelled here: the flush half; incident 9 shows the replication half (what an ASYNC_MASTER acked but its slave never got).",
  },
  phaseTitles: { broken: "flushDiskType=ASYNC_FLUSH", fixed: "flushDiskType=SYNC_FLUSH" },
  // Power loss needs the simulator: an OS process cannot lose its page cache alone.
  deployers: ["sim"],
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
