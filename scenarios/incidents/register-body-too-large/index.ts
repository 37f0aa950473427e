// Incident 4: a registration too large for its link. A broker's registration carries its whole
// topic table; with tens of thousands of topics it is several megabytes of JSON every 30 s. On a
// slow link from the broker to the NameServers it does not arrive within the register timeout,
// and the NameServers, hearing nothing in time, expire a live broker. Broken: broker-a holds
// 20,000 topics (≈3.4 MB per registration) behind a 20 KB/s link to each NameServer. Fixed:
// compressedRegister=true (≈50 KB). Read, as in incident 3, from the failover checker's
// per-broker send windows while broker-a never died.
import type { ScheduledFault } from "../../../chaos/faults/types.ts";
import type { Scenario } from "../../../chaos/scenario.ts";
import { failoverWindows, secondsText } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

const topicCount = 20_000;
const linkBytesPerSecond = 20_000;
const slowLinkAtMs = 5_000;

function scenario(phase: PhaseName, _deployer: IncidentDeployer): Scenario {
  const slowLink = (namesrv: string): ScheduledFault => ({
    atMs: slowLinkAtMs,
    fault: { kind: "flow", source: "broker-a", target: namesrv, delayMs: 20, jitterMs: 0, lossPercent: 0, direction: "one-way", bandwidthBytesPerSecond: linkBytesPerSecond },
  });
  return {
    name: phaseScenarioName(incident, phase),
    description: `2m-noslave: broker-a holds ${topicCount} topics and reaches the NameServers over a ${linkBytesPerSecond / 1000} KB/s link; ` +
      `compressedRegister=${phase === "fixed"}`,
    topology: "2m-noslave",
    brokerConfig: { flushDiskType: "SYNC_FLUSH", ...(phase === "fixed" ? { compressedRegister: "true" } : {}) },
    brokerTopics: [{ node: "broker-a", prefix: "app-order-events", count: topicCount, queues: 8 }],
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [{ count: 2, topic: "TopicTest", ratePerSecond: 5, sendMode: "sync", bodySizeBytes: 256 }],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING" }],
    },
    faults: [slowLink("namesrv-1"), slowLink("namesrv-2")],
    durationMs: 420_000,
    quiesceMs: 60_000,
    expectations: { checkers: ["delivery", "failover", "rebalance"] },
  };
}

function symptom(run: PhaseRun): SymptomReading {
  const died = run.history.some((event) => event.type === "node" && event.node === "broker-a" && (event.event === "crash" || event.event === "power-loss"));
  const outOfRoutes = failoverWindows(run.result).filter((window) => window.kind === "send-broker" && window.scope === "broker-a");
  const totalMs = outOfRoutes.reduce((sum, window) => sum + window.durationMs, 0);
  const present = !died && outOfRoutes.length > 0;
  return {
    present,
    summary: present
      ? `broker-a stayed alive but was out of the routes ${outOfRoutes.length} time(s), ${secondsText(totalMs)} in all: its registrations took longer to cross the link than the NameServer's expiry.`
      : `broker-a stayed in the routes: every registration crossed the link in time.`,
    measured: { brokerAliveThroughout: !died, timesOutOfRoutes: outOfRoutes.length, outOfRoutesMs: totalMs, topicsOnBroker: topicCount, linkBytesPerSecond },
    spans: outOfRoutes.map((window) => ({ startMs: window.startMs, endMs: window.endMs, label: "broker-a out of the routes" })),
  };
}

export const incident: Incident = {
  name: "register-body-too-large",
  number: 4,
  narrative: {
    title: "Register body too large: a broker with tens of thousands of topics is expired on a slow link",
    symptom: "A broker with a very large number of topics keeps disappearing from the routes for minutes at a time and coming back; its log shows \"register broker to name server ... failed\" with timeouts, while it is alive and serving.",
    cause: "Every registration (every 30 s) carries the broker's whole topic table as JSON: with 20,000 topics that is about 3.4 MB. Over a slow or congested link to the NameServers it cannot arrive within registerBrokerTimeoutMills (6 s), and the NameServer, hearing no registration within its 120 s expiry, drops a live broker. compressedRegister deflates the body (here about 68× smaller, 50 KB: repetitive topic names compress well; real tables less so).",
    reportShows: "Broken phase: from the slow-link band on, the broker's registrations crawl; the symptom bands mark when broker-a was out of the routes (the failover checker's per-broker windows: no acked send on broker-a although it never died), and the queue ownership chart shows its queues leaving and returning. Fixed phase: the same link with compressedRegister=true; every registration arrives within seconds and broker-a never leaves. What is modelled: the slow link is a bandwidth limit in the simulator (each write waits its turn and takes size ÷ 20 KB/s). RocketMQ 4.9 also closes the socket of a timed-out request (clientCloseSocketIfTimeout, default true), so there a registration slower than 6 s never lands at all; mqlab's remoting client keeps the request on the wire, so here a registration still arrives late and the NameServer expires the broker only while one takes longer than the expiry — the link is slower than you would need in the field for the same effect.",
    fix: "Set compressedRegister=true in broker.conf, or reduce the topic count (delete unused topics; consolidate many small topics and use tags). A faster link to the NameServers, and registerBrokerTimeoutMills raised to match, help too.",
  },
  phaseTitles: { broken: "20,000 topics, plain registration", fixed: "compressedRegister=true" },
  // Bandwidth limits exist in the simulator only (the process deployer's relay delays, it does not throttle).
  deployers: ["sim"],
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
