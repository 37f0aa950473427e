// Incident 2: a broker crashes and producers keep picking it from stale routes. The NameServer
// drops a crashed broker at once (its connection closes), but clients only ask for routes
// every pollNameServerInterval (30 s): until then round-robin keeps choosing the dead broker's
// queues, each pick fails and is retried on the other broker. Broken: 2m-noslave, broker-a
// killed just after the producers' route refresh, latency fault avoidance off (the Java
// default). Fixed: the same crash with sendLatencyFaultEnable=true: after one failure the
// broker is avoided. Read from the recorded attempts of each send.
import type { HistoryEvent } from "../../../chaos/history/types.ts";
import { defaultLatencyMaxMs, defaultNotAvailableDurationMs, isolationLatencyMs, notAvailableDurationFor } from "../../../chaos/checkers/bounds.ts";
import type { Scenario } from "../../../chaos/scenario.ts";
import { failedAttempts, faultTimes, secondsText, sendOps } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

// Clients start about 1 s into the run (3 s as processes) and refresh routes every routePollMs
// from then on: the crash lands a few seconds after a refresh, so the routes stay stale long.
const timings = {
  sim: { crashAtMs: 65_000, restartAtMs: 125_000, durationMs: 160_000, quiesceMs: 60_000 },
  process: { crashAtMs: 21_000, restartAtMs: 38_000, durationMs: 48_000, quiesceMs: 15_000 },
};
/** Failing picks of the dead broker for longer than this after the crash: the routes were stale. */
const staleThresholdMs = 5_000;

function scenario(phase: PhaseName, deployer: IncidentDeployer): Scenario {
  const time = timings[deployer];
  return {
    name: phaseScenarioName(incident, phase),
    description: `2m-noslave: broker-a is killed at ${time.crashAtMs / 1000} s and restarted at ${time.restartAtMs / 1000} s; ` +
      `latency fault avoidance ${phase === "broken" ? "off (default)" : "on"}`,
    topology: "2m-noslave",
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    ...(deployer === "sim" ? {} : { intervals: incident.processIntervals }),
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [{ count: 2, topic: "TopicTest", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 256, latencyFaultAvoidance: phase === "fixed" }],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING" }],
    },
    faults: [{ atMs: time.crashAtMs, healAtMs: time.restartAtMs, fault: { kind: "crash", target: "broker-a" } }],
    durationMs: time.durationMs,
    quiesceMs: time.quiesceMs,
    expectations: { checkers: ["delivery", "failover", "rebalance"] },
  };
}

/**
 * With latency fault avoidance (the fixed phase) a producer also goes back to the dead broker
 * when every broker is marked not available: 4.9.x's pickOneAtLeast takes the lowest latency, and
 * the dead broker's refused connections are fast. That happens once the live broker answers one
 * send slowly (550 ms or more marks it not available for 30 s), as on a loaded machine (a CI run
 * of the process deployer: one 682 ms answer, and every send went to broker-a until its restart).
 * Those picks are the fault table's doing, not stale routes: true when `process` had the live
 * broker marked at `atMs`, by its own recorded attempts.
 */
function liveBrokerMarked(history: readonly HistoryEvent[], process: string, atMs: number): boolean {
  const setting = { latencyMaxMs: defaultLatencyMaxMs, notAvailableDurationMs: defaultNotAvailableDurationMs };
  return history.some((event) => event.type === "attempt" && event.process === process && event.broker !== "broker-a"
    && event.timeMs <= atMs && atMs < event.timeMs + notAvailableDurationFor(setting, event.outcome === "error" ? isolationLatencyMs : event.latencyMs));
}

function symptom(run: PhaseRun): SymptomReading {
  const { injectMs = 0, healMs = Infinity } = faultTimes(run.history, 0);
  const sends = sendOps(run.history);
  const during = sends.filter((op) => op.invokeMs >= injectMs && op.invokeMs < healMs);
  const avoiding = run.result.scenario === phaseScenarioName(incident, "fixed");
  const hit = during.filter((op) => failedAttempts(op) > 0 && !(avoiding && liveBrokerMarked(run.history, op.process, op.invokeMs)));
  const attempts = hit.reduce((sum, op) => sum + failedAttempts(op), 0);
  const lastHitMs = hit.reduce((max, op) => Math.max(max, op.invokeMs), injectMs);
  const windowMs = hit.length === 0 ? 0 : lastHitMs - injectMs;
  const notAcked = during.filter((op) => op.outcome !== "ok").length;
  const afterRestart = sends.filter((op) => op.invokeMs >= healMs && op.outcome === "ok");
  const backOnA = afterRestart.filter((op) => op.queue?.startsWith("broker-a:") === true).length;
  const present = windowMs > staleThresholdMs;
  return {
    present,
    summary: `${attempts} failed attempts on the dead broker (${hit.length} sends retried, ${notAcked} not acked); ` +
      `the last one ${secondsText(windowMs)} after the crash${present ? " — producers kept routing to it until their next route refresh" : ""}. ` +
      `After the restart ${backOnA} of ${afterRestart.length} acked sends went to broker-a again.`,
    measured: {
      failedAttempts: attempts,
      sendsRetried: hit.length,
      sendsNotAcked: notAcked,
      staleRouteWindowMs: windowMs,
      ackedOnBrokerAAfterRestart: backOnA,
      ackedAfterRestart: afterRestart.length,
    },
    spans: windowMs > 0 ? [{ startMs: injectMs, endMs: lastHitMs, label: "sends still pick broker-a" }] : [],
  };
}

export const incident: Incident = {
  name: "broker-crash-stale-routes",
  number: 2,
  narrative: {
    title: "Broker crash and stale routes: sends keep picking a dead broker until the next route refresh",
    symptom: "A master broker dies. For up to half a minute afterwards producers log failed attempts against it (send latency jumps, some sends time out), although the NameServer already dropped the broker.",
    cause: "The NameServer notices the dead broker at once (its connection closes), but a producer only asks the NameServer for routes every pollNameServerInterval (30 s). Until then its cached route still lists the dead broker's queues and round-robin keeps choosing them: each such pick fails to connect and is retried on the other broker (retryTimesWhenSendFailed), costing an attempt and latency. With sendLatencyFaultEnable the producer remembers the failure and avoids the broker after one attempt.",
    reportShows: "Broken phase: after the crash band, the symptom band marks how long sends kept picking broker-a; the symptom reading counts the failed attempts and the window (about the time left until the next route refresh). Fixed phase: one failed attempt per producer, a window under a second. The catch shows too: with latency fault avoidance a failed broker stays avoided for up to 10 minutes (RocketMQ's notAvailableDuration for a failure), so after its restart broker-a gets no new messages for the rest of the run.",
    fix: "Set producer.setSendLatencyFaultEnable(true) so a broker that just failed is skipped, and keep retryTimesWhenSendFailed ≥ 1 so the failed attempt is retried elsewhere. A shorter pollNameServerInterval narrows the window too, at the cost of NameServer load. Sends that must not wait (ordered sends pick their queue themselves) need their own handling.",
  },
  phaseTitles: { broken: "latency fault avoidance off", fixed: "sendLatencyFaultEnable=true" },
  deployers: ["sim", "process"],
  processIntervals: { routePollMs: 15_000, brokerRegisterMs: 5_000, clientHeartbeatMs: 5_000, rebalanceMs: 5_000 },
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
