// Incident 3: a live broker expired by the NameServers. Its registrations (the broker's
// heartbeat, every 30 s) are lost on the way to every NameServer for longer than the
// NameServer's 120 s expiry: the NameServer drops a broker that is alive and serving; at
// their next route refresh producers stop sending to it and consumers stop pulling from it.
// When registrations get through again it rejoins. Broken: registrations lost for 180 s.
// Fixed: the path is repaired sooner than the expiry (lost for 60 s). Read from the failover
// checker's per-broker send windows (no acked send on broker-a while broker-a never died).
import type { Scenario } from "../../../chaos/scenario.ts";
import { failoverWindows, faultTimes, secondsText, sendOps } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

const timings = {
  sim: { lossAtMs: 30_000, brokenLossMs: 180_000, fixedLossMs: 60_000, durationMs: 300_000, quiesceMs: 60_000 },
  process: { lossAtMs: 8_000, brokenLossMs: 24_000, fixedLossMs: 6_000, durationMs: 50_000, quiesceMs: 10_000 },
};

function scenario(phase: PhaseName, deployer: IncidentDeployer): Scenario {
  const time = timings[deployer];
  const lossMs = phase === "broken" ? time.brokenLossMs : time.fixedLossMs;
  return {
    name: phaseScenarioName(incident, phase),
    description: `2m-noslave: broker-a's registrations to every NameServer are lost for ${lossMs / 1000} s from ${time.lossAtMs / 1000} s`,
    topology: "2m-noslave",
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    ...(deployer === "sim" ? {} : { intervals: incident.processIntervals }),
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [{ count: 2, topic: "TopicTest", ratePerSecond: 5, sendMode: "sync", bodySizeBytes: 256 }],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING" }],
    },
    faults: [{ atMs: time.lossAtMs, healAtMs: time.lossAtMs + lossMs, fault: { kind: "heartbeat-loss", scope: "broker-to-namesrv", source: "broker-a" } }],
    durationMs: time.durationMs,
    quiesceMs: time.quiesceMs,
    expectations: { checkers: ["delivery", "failover", "rebalance"] },
  };
}

function symptom(run: PhaseRun): SymptomReading {
  const { injectMs = 0, healMs } = faultTimes(run.history, 0);
  const died = run.history.some((event) => event.type === "node" && event.node === "broker-a" && (event.event === "crash" || event.event === "power-loss"));
  const outOfRoutes = failoverWindows(run.result).filter((window) => window.kind === "send-broker" && window.scope === "broker-a" && window.endMs > injectMs);
  const longest = outOfRoutes.reduce((max, window) => Math.max(max, window.durationMs), 0);
  const sends = sendOps(run.history);
  const elsewhere = sends.filter((op) => op.outcome === "ok" && op.queue?.startsWith("broker-b:") === true &&
    outOfRoutes.some((window) => op.invokeMs >= window.startMs && op.invokeMs <= window.endMs)).length;
  const rejoined = outOfRoutes.length > 0 && outOfRoutes.every((window) => window.recovered);
  const present = !died && outOfRoutes.length > 0;
  const lossText = healMs === undefined ? "" : ` (registrations lost for ${secondsText(healMs - injectMs)})`;
  return {
    present,
    summary: present
      ? `broker-a stayed alive but got no message for ${secondsText(longest)}${lossText}: the NameServers expired it and producers sent ${elsewhere} messages to broker-b only; ${rejoined ? "it rejoined once registrations got through" : "it had not rejoined by the end"}.`
      : `broker-a kept receiving messages throughout${lossText}${died ? " (it died: not this symptom)" : ""}.`,
    measured: { brokerAliveThroughout: !died, windowsOutOfRoutes: outOfRoutes.length, longestOutOfRoutesMs: longest, sentToBrokerBMeanwhile: elsewhere, rejoined },
    spans: outOfRoutes.map((window) => ({ startMs: window.startMs, endMs: window.endMs, label: "broker-a out of the routes" })),
  };
}

export const incident: Incident = {
  name: "heartbeat-loss-live-broker-expired",
  number: 3,
  narrative: {
    title: "Heartbeat loss: the NameServer expires a live broker",
    symptom: "A healthy master suddenly receives no messages and its consumers go quiet on it, for minutes; its process, disk and client ports are fine. Later it comes back by itself.",
    cause: "A broker's registration (REGISTER_BROKER every 30 s) is its heartbeat to the NameServer. Something on the path from the broker to the NameServers (a firewall change, a saturated link, a NameServer-side network problem) lost them; after 120 s without one the NameServer's scan (every 10 s) removes the broker from its routes. Clients refresh routes every 30 s and then stop producing to it and stop pulling from it — the broker is alive and everything on it waits. When registrations get through again, the next one re-adds it and clients pick it up at their next refresh.",
    reportShows: "Broken phase: the heartbeat-loss band, then a symptom band where broker-a is out of the routes (the failover checker's per-broker window: no acked send on broker-a while sends continue on broker-b) although no node event says it died; the queue ownership chart shows broker-a's queues leaving the consumers and coming back. Fixed phase: the loss is shorter than the expiry and broker-a never leaves the routes.",
    fix: "Repair the broker→NameServer path (open 9876 from every broker to every NameServer; the broker logs \"register broker to name server ... failed\"), monitor registration failures, and keep losses shorter than the 120 s expiry. RocketMQ 4.x has no setting to lengthen the NameServer's expiry.",
  },
  phaseTitles: { broken: "registrations lost for longer than the expiry", fixed: "registrations lost for less than the expiry" },
  deployers: ["sim", "process"],
  processIntervals: {
    brokerRegisterMs: 3_000, namesrvScanMs: 2_000, brokerExpiryMs: 12_000, routePollMs: 5_000,
    clientHeartbeatMs: 5_000, rebalanceMs: 5_000,
  },
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
