// Incident 8: every NameServer down. Running clients keep their cached routes and go on
// producing and consuming: the data path (clients ↔ brokers) does not touch the NameServer. A
// client that starts now has no route and cannot learn one: its sends fail with "No route
// info of this topic" until a NameServer is back and the brokers re-registered with it.
// Broken: both NameServers of 2m-noslave crash; a new producer is deployed during the outage.
// Fixed: the NameServers sit in separate failure domains, the same incident takes one of
// them, the new producer asks the other. Read from the recorded sends of the old and the new
// producers.
import type { ScheduledFault } from "../../../chaos/faults/types.ts";
import type { Scenario } from "../../../chaos/scenario.ts";
import { faultTimes, secondsText, sendOps } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

const newProducer = "producer-2";
const timings = {
  sim: { downAtMs: 30_000, upAtMs: 120_000, newClientAtMs: 60_000, durationMs: 200_000, quiesceMs: 40_000 },
  process: { downAtMs: 8_000, upAtMs: 26_000, newClientAtMs: 13_000, durationMs: 40_000, quiesceMs: 10_000 },
};
/** A new client that cannot send for longer than this did not start. */
const startedWithinMs = 5_000;

function scenario(phase: PhaseName, deployer: IncidentDeployer): Scenario {
  const time = timings[deployer];
  const outage: ScheduledFault = phase === "broken"
    ? { atMs: time.downAtMs, healAtMs: time.upAtMs, fault: { kind: "namesrv-all-down" } }
    : { atMs: time.downAtMs, healAtMs: time.upAtMs, fault: { kind: "crash", target: "namesrv-1" } };
  return {
    name: phaseScenarioName(incident, phase),
    description: `2m-noslave: ${phase === "broken" ? "both NameServers are" : "namesrv-1 is"} down from ${time.downAtMs / 1000} s to ${time.upAtMs / 1000} s; ` +
      `a new producer (${newProducer}) starts at ${time.newClientAtMs / 1000} s`,
    topology: "2m-noslave",
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    ...(deployer === "sim" ? {} : { intervals: incident.processIntervals }),
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [
        { count: 1, topic: "TopicTest", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 256 },
        { count: 1, topic: "TopicTest", ratePerSecond: 5, sendMode: "sync", bodySizeBytes: 256, startAtMs: time.newClientAtMs },
      ],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING" }],
    },
    faults: [outage],
    durationMs: time.durationMs,
    quiesceMs: time.quiesceMs,
    expectations: { checkers: ["delivery", "failover", "rebalance"] },
  };
}

function symptom(run: PhaseRun): SymptomReading {
  const { injectMs = 0, healMs = Infinity } = faultTimes(run.history, 0);
  const sends = sendOps(run.history);
  const startMs = run.history.find((event) => event.type === "note" && event.process === newProducer)?.timeMs
    ?? sends.find((op) => op.process === newProducer)?.invokeMs ?? 0;
  const fresh = sends.filter((op) => op.process === newProducer);
  const firstOk = fresh.find((op) => op.outcome === "ok");
  const freshFailed = fresh.filter((op) => op.outcome !== "ok" && (firstOk === undefined || op.invokeMs < firstOk.invokeMs));
  const blockedMs = (firstOk?.outcomeMs ?? run.history.reduce((max, event) => Math.max(max, event.timeMs), startMs)) - startMs;
  const running = sends.filter((op) => op.process !== newProducer && op.invokeMs >= injectMs && op.invokeMs < healMs);
  const runningAcked = running.filter((op) => op.outcome === "ok").length;
  const present = freshFailed.length > 0 && blockedMs > startedWithinMs;
  const example = freshFailed[0]?.error;
  return {
    present,
    summary: `During the outage the running producer acked ${runningAcked} of ${running.length} sends on cached routes. ` +
      (present
        ? `The new producer could not send for ${secondsText(blockedMs)} after it started (${freshFailed.length} failed sends, e.g. "${example}")${firstOk === undefined ? "" : "; it worked once a NameServer was back"}.`
        : `The new producer's first send was acked ${secondsText(blockedMs)} after it started (${freshFailed.length} failed before).`),
    measured: {
      runningSendsDuringOutage: running.length,
      runningAckedDuringOutage: runningAcked,
      newClientFailedSends: freshFailed.length,
      newClientFirstAckAfterStartMs: blockedMs,
      newClientWorked: firstOk !== undefined,
    },
    spans: present ? [{ startMs, endMs: startMs + blockedMs, label: "new producer cannot send" }] : [],
  };
}

export const incident: Incident = {
  name: "namesrv-all-down",
  number: 8,
  narrative: {
    title: "All NameServers down: running clients carry on, new clients cannot start",
    symptom: "Both NameServers are down (one rack, one bad deploy). Existing producers and consumers keep working; an application instance restarted or scaled out during the outage fails every send with \"No route info of this topic\", and a new consumer gets no queues.",
    cause: "The NameServer is only the directory: clients fetch routes from it every 30 s and keep the last good ones when it does not answer, and messages flow between clients and brokers directly. A client that has just started has no routes yet and nowhere to get them. When a NameServer comes back it is empty until the brokers' next registration (within 30 s), then new clients get routes at their next attempt.",
    reportShows: "Broken phase: the namesrv-all-down band; the running producer's acks continue through it (green line), while the new producer's sends (started inside the band) fail until the NameServers are back and the brokers re-registered — the symptom band. Fixed phase: the same incident takes only namesrv-1; the new producer gets its routes from namesrv-2 and sends at once.",
    fix: "Bring a NameServer back (they are stateless: a restart is enough; brokers re-register within 30 s). Prevent it: run at least two NameServers in separate failure domains and list all of them in every client's NAMESRV_ADDR and every broker's namesrvAddr, so one incident cannot take them all.",
  },
  phaseTitles: { broken: "both NameServers down", fixed: "NameServers in separate failure domains: one down" },
  deployers: ["sim", "process"],
  processIntervals: { brokerRegisterMs: 3_000, routePollMs: 5_000, clientHeartbeatMs: 5_000, rebalanceMs: 5_000 },
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
