// The standard scenario grid: every topology × {no fault, broker crash, firewall drop,
// heartbeat loss, consumer crash}, with a steady workload and RocketMQ's own intervals
// (the simulator makes a 120 s expiry cost nothing). Names read "<topology>/<fault>".
import type { ScheduledFault } from "../../chaos/faults/types.ts";
import type { Scenario, TopologyName, Workload } from "../../chaos/scenario.ts";
import { allCheckerNames } from "../../chaos/checkers/index.ts";

export const topologies: readonly TopologyName[] = ["1m", "2m-noslave", "2m-2s-async", "2m-2s-sync"];

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
    workload: steadyWorkload(),
    faults,
    durationMs,
    quiesceMs: 180_000,
    expectations: { checkers: [...allCheckerNames] },
  };
}

export function standardScenarios(): Scenario[] {
  return topologies.flatMap((topology) => standardFaults.map((fault) => standardScenario(topology, fault)));
}
