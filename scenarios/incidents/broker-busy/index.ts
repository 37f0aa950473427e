// Incident 14: "[TIMEOUT_CLEAN_QUEUE]broker busy". The brokers' disks are slow (each send holds
// the commit-log lock 20 ms: putMessageLockHoldMs, the lab's page-cache stall) and someone set
// waitTimeMillsInSendQueue=10 to "fail fast". During a burst (8 sends in flight) sends queue
// behind the lock longer than 10 ms; BrokerFastFailure answers them SYSTEM_BUSY, and the 4.9.x
// producer does not retry code 2, so the application sees the errors. Fixed: the default
// waitTimeMillsInSendQueue (200 ms) absorbs the burst, and the producer adds SYSTEM_BUSY to
// retryResponseCodes so a busy broker's send goes to the other one. The symptom is read from the
// history: failed sends whose recorded error is SYSTEM_BUSY [TIMEOUT_CLEAN_QUEUE].
import type { Scenario } from "../../../chaos/scenario.ts";
import { sendOps } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseName, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

const busyError = /TIMEOUT_CLEAN_QUEUE|broker busy|SYSTEM_BUSY/;
const SYSTEM_BUSY = 2;

function scenario(phase: PhaseName, deployer: IncidentDeployer): Scenario {
  const broken = phase === "broken";
  return {
    name: phaseScenarioName(incident, phase),
    description: broken
      ? "2m-noslave: sends hold the commit-log lock 20 ms, waitTimeMillsInSendQueue=10, bursts of 8 in flight; the producer does not retry SYSTEM_BUSY (4.9.x default)"
      : "the same load with waitTimeMillsInSendQueue=200 (RocketMQ's default) and SYSTEM_BUSY in the producer's retryResponseCodes",
    topology: "2m-noslave",
    ...(deployer === "sim" ? {} : { intervals: incident.processIntervals }),
    brokerConfig: { flushDiskType: "SYNC_FLUSH", putMessageLockHoldMs: "20", waitTimeMillsInSendQueue: broken ? "10" : "200" },
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [{
        count: 1, topic: "TopicTest", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 256,
        bursts: [{ atMs: 10_000, durationMs: 5_000, inFlight: 8 }, { atMs: 25_000, durationMs: 5_000, inFlight: 8 }],
        ...(broken ? {} : { retryResponseCodes: [17, 14, 1, 16, 204, 205, SYSTEM_BUSY] }),
      }],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 1, mode: "push", model: "CLUSTERING" }],
    },
    faults: [],
    durationMs: 40_000,
    quiesceMs: 20_000,
    expectations: { checkers: ["delivery", "duplicates", "send-status"] },
  };
}

function symptom(run: PhaseRun): SymptomReading {
  const sends = sendOps(run.history);
  const busy = sends.filter((op) => op.outcome !== "ok" && busyError.test(op.error ?? ""));
  const acked = sends.filter((op) => op.outcome === "ok").length;
  const present = busy.length > 0;
  const startMs = busy[0]?.invokeMs ?? 0;
  const endMs = busy.reduce((max, op) => Math.max(max, op.outcomeMs ?? op.invokeMs), startMs);
  return {
    present,
    summary: present
      ? `${busy.length} of ${sends.length} sends failed with SYSTEM_BUSY (e.g. "${busy[0]!.error}"); the producer did not retry them.`
      : `${acked} of ${sends.length} sends acked; no send failed with SYSTEM_BUSY.`,
    measured: { sends: sends.length, acked, busyFailures: busy.length },
    spans: present ? [{ startMs, endMs, label: "sends refused: broker busy" }] : [],
  };
}

export const incident: Incident = {
  name: "broker-busy",
  number: 14,
  narrative: {
    title: "[TIMEOUT_CLEAN_QUEUE] broker busy: sends fail during bursts",
    symptom: "During traffic peaks the application logs MQBrokerException CODE: 2 DESC: [TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: 12ms, size of queue: 5. The broker is up, its disk is not full, and between peaks everything works.",
    cause: "A broker serves sends from one queue behind the commit-log lock (sendMessageThreadPoolNums=1 by default). BrokerFastFailure answers SYSTEM_BUSY to every send that waited in that queue longer than waitTimeMillsInSendQueue. With slow appends (page-cache pressure, a slow disk) and the wait lowered to 10 ms, an ordinary burst queues sends past it. RocketMQ 4.9.x producers do not retry code 2 (it is not in retryResponseCodes), so each refusal is an application error.",
    reportShows: "Broken phase: during the two bursts many sends are red (failed), each recorded with the [TIMEOUT_CLEAN_QUEUE] remark; nothing acked is lost (delivery passes). Fixed phase: the same bursts are absorbed by the 200 ms queue wait, and any send a busy broker refuses is retried on the other broker.",
    fix: "Keep waitTimeMillsInSendQueue at its default (200 ms) or raise it (1000 ms is common advice) instead of lowering it; find out why appends are slow (disk, page cache, transientStorePoolEnable); let producers retry SYSTEM_BUSY on another broker (DefaultMQProducer.addRetryResponseCode(2) in 4.9.x) and enable sendLatencyFaultEnable.",
  },
  phaseTitles: { broken: "waitTimeMillsInSendQueue=10, SYSTEM_BUSY not retried", fixed: "waitTimeMillsInSendQueue=200, SYSTEM_BUSY retried" },
  deployers: ["sim", "process"],
  processIntervals: { routePollMs: 5_000, clientHeartbeatMs: 5_000, rebalanceMs: 5_000 },
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
