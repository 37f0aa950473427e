// Incident 7: a live consumer expired by the broker. The broker keeps a consumer in its group
// while heartbeats arrive; after 120 s without one it drops the client and tells the others,
// who rebalance and take its queues. The dropped consumer keeps the queues until its own next
// rebalance, so for a while two consumers pull and process the same queues: duplicates.
// Broken: consumer-1's heartbeats are lost for 200 s. Fixed: the loss is repaired within the
// expiry (60 s). Read from the delivery checker's duplicate count and from the consumers'
// rebalance snapshots (queues held by two at once).
import type { Scenario } from "../../../chaos/scenario.ts";
import { coveredMs, doubleHeldSpans, duplicatedSentSince, faultTimes, secondsText } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading, SymptomSpan } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

const group = "GroupTest";
const topic = "TopicTest";
const timings = {
  sim: { lossAtMs: 30_000, brokenLossMs: 200_000, fixedLossMs: 60_000, durationMs: 300_000, quiesceMs: 60_000 },
  process: { lossAtMs: 8_000, brokenLossMs: 25_000, fixedLossMs: 5_000, durationMs: 45_000, quiesceMs: 12_000 },
};

function scenario(phase: PhaseName, deployer: IncidentDeployer): Scenario {
  const time = timings[deployer];
  const lossMs = phase === "broken" ? time.brokenLossMs : time.fixedLossMs;
  return {
    name: phaseScenarioName(incident, phase),
    description: `1m: consumer-${group}-1's heartbeats to the broker are lost for ${lossMs / 1000} s from ${time.lossAtMs / 1000} s`,
    topology: "1m",
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    ...(deployer === "sim" ? {} : { intervals: incident.processIntervals }),
    workload: {
      topics: [{ name: topic, queues: 4 }],
      producers: [{ count: 1, topic, ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 256 }],
      consumers: [{ group, topic, count: 2, mode: "push", model: "CLUSTERING" }],
    },
    faults: [{ atMs: time.lossAtMs, healAtMs: time.lossAtMs + lossMs, fault: { kind: "heartbeat-loss", scope: "client-to-broker", source: `consumer-${group}-1` } }],
    durationMs: time.durationMs,
    quiesceMs: time.quiesceMs,
    expectations: { checkers: ["delivery", "rebalance"] },
  };
}

/** Merges per-queue spans into stretches of "some queue held by two". */
function merged(spans: readonly SymptomSpan[]): SymptomSpan[] {
  const out: SymptomSpan[] = [];
  for (const span of [...spans].sort((left, right) => left.startMs - right.startMs)) {
    const last = out[out.length - 1];
    if (last !== undefined && span.startMs <= last.endMs) last.endMs = Math.max(last.endMs, span.endMs);
    else out.push({ startMs: span.startMs, endMs: span.endMs, label: "queues held by two consumers" });
  }
  return out;
}

function symptom(run: PhaseRun): SymptomReading {
  const { injectMs = 0, healMs } = faultTimes(run.history, 0);
  const endMs = run.history.reduce((max, event) => Math.max(max, event.timeMs), 0);
  // Only what the fault caused: overlaps that began after it, duplicates of messages sent after it
  // (so nothing before the fault, such as a start-up rebalance, can count as the symptom).
  const perQueue = doubleHeldSpans(run.history, group, topic, endMs).filter((span) => span.startMs >= injectMs);
  const overlaps = merged(perQueue);
  const duplicated = duplicatedSentSince(run.history, group, injectMs);
  const queuesShared = new Set(perQueue.map((span) => span.label)).size;
  const present = duplicated > 0 && overlaps.length > 0;
  const lossText = healMs === undefined ? "" : `heartbeats lost for ${secondsText(healMs - injectMs)}`;
  return {
    present,
    summary: present
      ? `${lossText}: the broker dropped a live consumer, ${queuesShared} queues were held by two consumers for ${secondsText(coveredMs(overlaps))} in all, and ${duplicated} messages sent since were delivered twice to the group.`
      : `${lossText}: no queue was held by two consumers since and ${duplicated} messages sent since were duplicated.`,
    measured: { duplicatedSinceLoss: duplicated, duplicatedInRun: run.result.counts.duplicated, queuesHeldByTwo: queuesShared, doubleHeldMs: coveredMs(overlaps), lostMessages: run.result.counts.lost },
    spans: overlaps,
  };
}

export const incident: Incident = {
  name: "consumer-heartbeat-loss",
  number: 7,
  narrative: {
    title: "Consumer heartbeat loss: the broker expires a live consumer, the group rebalances, messages are processed twice",
    symptom: "A consumer that never stopped working is reported gone from its group (consumerConnection no longer lists it); its queues move to the other consumers, and for a while the same messages are processed by two instances.",
    cause: "A consumer's membership lives in the broker's heartbeat table: HEART_BEAT every 30 s, and a client silent for 120 s is dropped by the broker's scan (every 10 s) — even though its pulls still arrive. The broker then notifies the other members (NOTIFY_CONSUMER_IDS_CHANGED), who rebalance and take the dropped consumer's queues from the last committed offset. The dropped consumer is not told: it keeps its queues until its own next rebalance (every 20 s) finds it is no longer in the list. In that overlap two consumers pull and process the same queues, so the group sees duplicates — RocketMQ is at-least-once, and this is one of the ways 'at least' becomes 'twice'.",
    reportShows: "Broken phase: after the heartbeat-loss band, the queue ownership chart turns red where two consumers held a queue (the symptom band on the timeline marks those stretches) and the delivery check counts the duplicated messages. Fixed phase: the loss is repaired within the expiry; no queue changes hands and nothing is duplicated. In the simulator only the HEART_BEAT frames are dropped (pulls and offset commits continue); on the process deployer the consumer's packets to the broker are dropped, so it cannot pull either and the duplicates come from offsets it processed but could not commit. The reading counts only overlaps and duplicates that followed the fault.",
    fix: "Find what drops the heartbeats (a blocked client thread — long GC pauses, a saturated callback executor — or the network) and keep any loss under the 120 s expiry. Make consumption idempotent (deduplicate on a business key or the message key): a rebalance can always hand a message to a second consumer.",
  },
  phaseTitles: { broken: "heartbeats lost past the broker's expiry", fixed: "heartbeats lost for less than the expiry" },
  deployers: ["sim", "process"],
  processIntervals: { clientHeartbeatMs: 3_000, clientScanMs: 2_000, clientExpiryMs: 12_000, rebalanceMs: 5_000, routePollMs: 5_000 },
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
