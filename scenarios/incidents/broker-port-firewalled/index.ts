// Incident 1: the broker port closed by a firewall. The application is deployed where the
// NameServer (9876) is reachable and the broker's port (10911) is not: routes come back
// healthy, every send fails to connect. Broken: producer-1 starts after a firewall rule drops
// its packets to broker-a's broker port (the NameServer port stays open). Fixed: the port is
// open. The symptom is read from the failover checker (a send window over its bound) and
// from failed sends whose recorded error is a connect error.
import type { ScheduledFault } from "../../../chaos/faults/types.ts";
import type { Scenario } from "../../../chaos/scenario.ts";
import { failoverWindows, secondsText, sendOps } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

const timings = {
  sim: { firewallAtMs: 2_000, producerStartMs: 5_000, durationMs: 60_000, quiesceMs: 20_000 },
  process: { firewallAtMs: 1_000, producerStartMs: 3_000, durationMs: 25_000, quiesceMs: 8_000 },
};
const maxSendUnavailableMs = 10_000;

function scenario(phase: PhaseName, deployer: IncidentDeployer): Scenario {
  const time = timings[deployer];
  const firewall: ScheduledFault = {
    atMs: time.firewallAtMs,
    fault: { kind: "firewall", source: "producer-1", target: "broker-a", port: "broker", mode: "drop", direction: "both" },
  };
  return {
    name: phaseScenarioName(incident, phase),
    description: phase === "broken"
      ? "1m: a firewall drops producer-1's packets to broker-a's port 10911 (the NameServer port stays open); the producer is deployed after it"
      : "1m: the same deployment with the broker port open",
    topology: "1m",
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    ...(deployer === "sim" ? {} : { intervals: incident.processIntervals }),
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [{ count: 1, topic: "TopicTest", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 256, startAtMs: time.producerStartMs }],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 1, mode: "push", model: "CLUSTERING" }],
    },
    faults: phase === "broken" ? [firewall] : [],
    durationMs: time.durationMs,
    quiesceMs: time.quiesceMs,
    expectations: { checkers: ["delivery", "failover"], maxSendUnavailableMs },
  };
}

// The recorded error of a failed send: RemotingConnectError itself, or the send budget running
// out with it as the last error ("... last error: connect to 10.0.2.1:10911 failed: ETIMEDOUT").
const connectError = /RemotingConnect|connect to \S+ failed/;

function symptom(run: PhaseRun): SymptomReading {
  const sends = sendOps(run.history);
  const failed = sends.filter((op) => op.outcome !== "ok");
  const connectFailures = failed.filter((op) => connectError.test(op.error ?? ""));
  const windows = failoverWindows(run.result).filter((window) => window.kind === "send");
  const longest = windows.reduce((max, window) => Math.max(max, window.durationMs), 0);
  const exceeded = windows.filter((window) => window.exceeded);
  const present = connectFailures.length > 0 && exceeded.length > 0;
  const example = connectFailures[0]?.error;
  // A connect error names the broker address the producer took from its route: routes worked.
  const routedTo = /connect to (\S+) failed/.exec(example ?? "")?.[1];
  return {
    present,
    summary: present
      ? `${connectFailures.length} of ${sends.length} sends failed with a connect error (e.g. "${example}"); no send succeeded for ${secondsText(longest)} (bound ${secondsText(maxSendUnavailableMs)}).`
      : `${sends.length - failed.length} of ${sends.length} sends acked, ${connectFailures.length} connect errors; longest send gap ${secondsText(longest)}.`,
    measured: {
      sends: sends.length,
      acked: sends.length - failed.length,
      connectErrors: connectFailures.length,
      otherFailures: failed.length - connectFailures.length,
      longestSendUnavailableMs: longest,
      ...(routedTo === undefined ? {} : { brokerAddressFromRoute: routedTo }),
    },
    spans: exceeded.map((window) => ({ startMs: window.startMs, endMs: window.endMs, label: "no send succeeds" })),
  };
}

export const incident: Incident = {
  name: "broker-port-firewalled",
  number: 1,
  narrative: {
    title: "Broker port closed by the firewall: works in test, fails in production",
    symptom: "The application works in the test environment. In production every send fails with RemotingConnectException (\"connect to <broker>:10911 failed\") although the NameServer answers and the console shows the broker and its routes as healthy.",
    cause: "Production's firewall lets the application reach the NameServer (9876) but not the broker's listen port (10911). Routes come from the NameServer, which the broker itself registers with over an allowed path, so routes look fine; the first byte a producer sends goes to the broker's port and never gets through. In the test environment everything runs on one open network.",
    reportShows: "Broken phase: the firewall band starts before the producer; every send is a failure (red line), the failover check fails with a send window over its bound, and the symptom reading counts the failed sends whose recorded error is a RemotingConnectError. The consumer stays connected throughout (it is not behind the rule). Fixed phase: the same deployment with the port open acks every send.",
    fix: "Open the broker's listen port (listenPort, 10911 by default) from the application hosts — and the HA port 10912 between masters and slaves, and the VIP channel port (listenPort − 2) if vipChannelEnabled is on. Check with `telnet <broker> 10911` from the application host, not from the broker.",
  },
  phaseTitles: { broken: "port 10911 dropped by a firewall", fixed: "port 10911 open" },
  deployers: ["sim", "process"],
  processIntervals: { routePollMs: 5_000, clientHeartbeatMs: 5_000, rebalanceMs: 5_000 },
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
