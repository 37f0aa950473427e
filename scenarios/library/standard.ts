// The standard scenario grid: every topology × {no fault, broker crash, firewall drop,
// heartbeat loss, consumer crash}, with the CI workload (steady traffic plus every hostile mix,
// ciWorkload) and RocketMQ's own intervals
// (the simulator makes a 120 s expiry cost nothing). Names read "<topology>/<fault>".
import type { ScheduledFault } from "../../chaos/faults/types.ts";
import { topologyNames, type Scenario, type TopologyName, type Workload } from "../../chaos/scenario.ts";
import { allCheckerNames } from "../../chaos/checkers/index.ts";
import { buildMix, combineMixes } from "../../chaos/workload/mixes.ts";

export type StandardFault = "no-fault" | "broker-crash" | "firewall-drop" | "heartbeat-loss" | "consumer-crash";

export const standardFaults: readonly StandardFault[] = [
  "no-fault", "broker-crash", "firewall-drop", "heartbeat-loss", "consumer-crash",
];

export function steadyWorkload(): Workload {
  return {
    topics: [{ name: "TopicTest", queues: 4 }],
    producers: [{ count: 2, topic: "TopicTest", ratePerSecond: 10, tags: ["TagA", "TagB"], sendMode: "sync", bodySizeBytes: 256 }],
    consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2, mode: "push", model: "CLUSTERING", subscription: "*" }],
  };
}

/**
 * The CI suite's workload: the steady traffic (GroupTest, producer-1 first: the fault schedules
 * name them) plus a small dose of every hostile mix (chaos/workload/mixes.ts), each on its own
 * topic: an orderly group on keyed sends, a failing group (retries, poison messages dead-lettered
 * after 2 reconsumes, batch sends consumed in batches with partial failures), delayed and
 * compressed messages, a broadcasting and a clustering group on one topic, a group joining late
 * from its last offset, and one burst. Rates are low so the suite stays within twice its old
 * wall time; the steady rate is cut from 10 to 3 per producer to make room.
 */
export function ciWorkload(sendMs: number): Workload {
  const late = buildMix("late-join", { sendMs, ratePerSecond: 1 });
  const burst = buildMix("burst", { sendMs, ratePerSecond: 0.5 });
  return combineMixes(
    buildMix("steady", { ratePerSecond: 3 }),
    buildMix("ordered", { ratePerSecond: 2 }),
    buildMix("failing", { ratePerSecond: 4 }),
    buildMix("delayed", { ratePerSecond: 1 }),
    buildMix("broadcast", { ratePerSecond: 2 }),
    { ...late, consumers: late.consumers.filter((group) => group.consumeFromWhere === "CONSUME_FROM_LAST_OFFSET") },
    // Half a second at full speed (the simulated cluster takes about a thousand sends a second),
    // after the standard faults healed (150 s), while the cluster is still recovering.
    { ...burst, producers: burst.producers.map((producer) => ({ ...producer, bursts: [{ atMs: Math.round(sendMs * 0.7), durationMs: 500, inFlight: 4 }] })) },
  );
}

const faultStartMs = 60_000;
const faultEndMs = 150_000;

function faultSchedule(fault: StandardFault): ScheduledFault[] {
  switch (fault) {
    case "no-fault":
      return [];
    case "broker-crash":
      return [{ atMs: faultStartMs, healAtMs: faultEndMs, fault: { kind: "crash", target: "broker-a" } }];
    case "firewall-drop":
      return [{
        atMs: faultStartMs, healAtMs: faultEndMs,
        fault: { kind: "firewall", source: "producer-1", target: "broker-a", port: "broker", mode: "drop", direction: "both" },
      }];
    case "heartbeat-loss":
      // Longer than the NameServer's 120 s expiry, so a live broker is dropped from routes.
      return [{ atMs: faultStartMs, healAtMs: faultStartMs + 180_000, fault: { kind: "heartbeat-loss", scope: "broker-to-namesrv", source: "broker-a" } }];
    case "consumer-crash":
      return [{ atMs: faultStartMs, fault: { kind: "crash", target: "consumer-GroupTest-1" } }];
  }
}

const descriptions: Record<StandardFault, string> = {
  "no-fault": "steady traffic, no fault: the baseline every check must pass",
  "broker-crash": "the master broker-a is killed (process crash) and restarted 90 s later",
  "firewall-drop": "a firewall drops every packet between producer-1 and broker-a's port for 90 s",
  "heartbeat-loss": "broker-a's registrations to the NameServers are lost for 180 s (> the 120 s expiry)",
  "consumer-crash": "one of two consumers of the group is killed and never returns: its queues must move",
};

export function standardScenario(topology: TopologyName, fault: StandardFault): Scenario {
  const faults = faultSchedule(fault);
  const durationMs = fault === "heartbeat-loss" ? 300_000 : 240_000;
  return {
    name: `${topology}/${fault}`,
    description: `${topology}: ${descriptions[fault]}`,
    topology,
    // SYNC_FLUSH: a process crash must not lose an acked message in any topology.
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    workload: ciWorkload(durationMs),
    faults,
    durationMs,
    quiesceMs: 180_000,
    expectations: { checkers: [...allCheckerNames] },
  };
}

export function standardScenarios(): Scenario[] {
  return topologyNames.flatMap((topology) => standardFaults.map((fault) => standardScenario(topology, fault)));
}
