// Incident 10: more consumers than queues. A clustering group gets each queue to exactly one
// consumer, so consumers beyond the topic's queue count are given nothing: they run, heartbeat
// and hold no queue. The broken phase runs four consumers on a topic with two queues; the
// fixed phase gives the topic four queues. The symptom is read from the rebalance checker's
// final assignment (its `idle` list) and from who received deliveries.
import type { Scenario } from "../../../chaos/scenario.ts";
import { deliveriesOf, rebalanceGroups } from "../readings.ts";
import type { Incident, IncidentDeployer, PhaseRun, SymptomReading } from "../../../chaos/incident_types.ts";
import { phaseScenarioName } from "../../../chaos/incident_types.ts";

const group = "GroupTest";
const consumerCount = 4;

function scenario(phase: "broken" | "fixed", deployer: IncidentDeployer): Scenario {
  const queues = phase === "broken" ? 2 : 4;
  const sim = deployer === "sim";
  return {
    name: phaseScenarioName(incident, phase),
    description: `${consumerCount} consumers in one group on a topic with ${queues} queues (1m)`,
    topology: "1m",
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    ...(sim ? {} : { intervals: incident.processIntervals }),
    workload: {
      topics: [{ name: "TopicTest", queues }],
      producers: [{ count: 1, topic: "TopicTest", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 128 }],
      consumers: [{ group, topic: "TopicTest", count: consumerCount, mode: "push", model: "CLUSTERING" }],
    },
    faults: [],
    durationMs: sim ? 60_000 : 30_000,
    quiesceMs: sim ? 20_000 : 10_000,
    expectations: { checkers: ["delivery", "rebalance"] },
  };
}

function symptom(run: PhaseRun): SymptomReading {
  const assessed = rebalanceGroups(run.result).find((entry) => entry.group === group);
  const idle = assessed?.idle ?? [];
  const receivers = new Set(deliveriesOf(run.history, group).map((event) => event.process));
  const live = assessed?.live ?? [];
  const neverDelivered = live.filter((process) => !receivers.has(process));
  const queues = assessed?.expectedQueues.length ?? 0;
  const present = idle.length > 0;
  return {
    present,
    summary: present
      ? `${idle.length} of ${live.length} consumers hold no queue (${idle.join(", ")}) on a topic with ${queues} queues; ${neverDelivered.length} never received a message.`
      : `Every one of ${live.length} consumers holds a queue (${queues} queues); ${live.length - neverDelivered.length} received messages.`,
    measured: { queues, liveConsumers: live.length, idleConsumers: idle.length, consumersWithoutDeliveries: neverDelivered.length },
    spans: [],
  };
}

export const incident: Incident = {
  name: "more-consumers-than-queues",
  number: 10,
  narrative: {
    title: "More consumers than queues: the extra consumers stay idle",
    symptom: "A consumer group was scaled out to four instances to go faster; throughput did not change and two instances log no consumption at all.",
    cause: "In clustering mode each queue of the topic belongs to exactly one consumer of the group (AllocateMessageQueueAveragely). The topic has two queues on its one broker, so two consumers get one queue each and the other two get none. They are healthy members of the group — heartbeats, rebalances — with nothing to pull.",
    reportShows: "The broken phase's rebalance check lists two idle consumers in its final assignment, its queue ownership chart has only two colours, and the symptom reading counts consumers that never received a delivery. The fixed phase shows four queues, one per consumer, and every consumer receiving.",
    fix: "Give the topic at least as many queues as the group has consumers (mqadmin updateTopic -t TopicTest -r 4 -w 4 -c DefaultCluster), or run fewer consumers. Queues are the unit of parallelism in RocketMQ 4.x.",
  },
  phaseTitles: { broken: "4 consumers, 2 queues", fixed: "4 consumers, 4 queues" },
  deployers: ["sim", "process"],
  processIntervals: { rebalanceMs: 5_000, routePollMs: 5_000, clientHeartbeatMs: 5_000 },
  phases: (deployer) => ({ broken: scenario("broken", deployer), fixed: scenario("fixed", deployer) }),
  symptom,
};
