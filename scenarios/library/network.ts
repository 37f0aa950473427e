// Hostile-network scenarios (simulator only): TCP streams chunked at random bytes and coalesced
// (Scenario.simNetwork), connections reset mid-frame between every pair of roles, with the RST
// reaching one side seconds before the other, and a flaky link that resets a share of its
// writes. Every checker judges the run: resets must cost availability for moments only, and
// lose, duplicate past at-least-once, or reorder nothing. And rogue peers on every server.
import type { ScheduledFault } from "../../chaos/faults/types.ts";
import type { Scenario, TopologyName } from "../../chaos/scenario.ts";
import { segmentationHarsh } from "../../chaos/sim/index.ts";
import { steadyWorkload } from "./standard.ts";

/** A reset every 7 s from 20 s on, cycling over the connections of the 1m/2m topologies. */
function resetSchedule(topology: TopologyName): ScheduledFault[] {
  const master = "broker-a";
  const pairs: [string, string][] = [
    ["producer-1", master], [master, "consumer-GroupTest-1"], [master, "namesrv-1"], ["namesrv-1", "producer-2"],
    ["consumer-GroupTest-2", master], [master, "producer-2"],
  ];
  if (topology === "2m-2s-sync" || topology === "2m-2s-async") pairs.push(["broker-a-s", master], ["broker-b", "broker-b-s"]);
  return pairs.map(([source, target], index): ScheduledFault => ({
    atMs: 20_000 + index * 7_000,
    fault: { kind: "connection-reset", source, target, midFrame: index % 3 !== 2, asymmetricDelayMs: [0, 300, 2_000][index % 3]! },
  }));
}

export function connectionResetScenario(topology: TopologyName): Scenario {
  const flaky: ScheduledFault = {
    atMs: 90_000, healAtMs: 120_000,
    fault: { kind: "flow", source: "producer-1", target: "broker-a", delayMs: 0, jitterMs: 0, lossPercent: 0, direction: "both", resetPercent: 5 },
  };
  return {
    name: `network/${topology}/connection-resets`,
    description: `${topology}: harsh TCP chunking, connections reset mid-frame (one side hearing up to 2 s late) between every pair of roles, then a link resetting 5 % of its writes for 30 s (sim only)`,
    topology,
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    workload: steadyWorkload(),
    faults: [...resetSchedule(topology), flaky],
    durationMs: 150_000,
    quiesceMs: 120_000,
    expectations: { checkers: ["delivery", "order", "failover", "rebalance", "latency"] },
    simNetwork: { segmentation: segmentationHarsh },
  };
}

/**
 * Rogue peers on every server of the topology (its NameServers, masters and slaves), one after
 * another and overlapping, beside the steady workload: every undecodable frame must close its
 * connection, every unservable request get an error response, and the workload lose nothing and
 * stall nowhere (the rogue's faults excuse nothing for the other checkers).
 */
export function roguePeerScenario(topology: TopologyName): Scenario {
  const servers = topology === "1m" ? ["namesrv-1", "broker-a"]
    : topology === "2m-noslave" ? ["namesrv-1", "namesrv-2", "broker-a", "broker-b"]
      : ["namesrv-1", "namesrv-2", "broker-a", "broker-a-s", "broker-b", "broker-b-s"];
  return {
    name: `network/${topology}/rogue-peers`,
    description: `${topology}: rogue peers feed every server's remoting port undecodable frames and unservable requests, 20 s each, beside a steady workload (sim and process deployers)`,
    topology,
    workload: steadyWorkload(),
    faults: servers.map((target, index): ScheduledFault => ({ atMs: 10_000 + index * 10_000, healAtMs: 30_000 + index * 10_000, fault: { kind: "rogue-peer", target } })),
    durationMs: 40_000 + servers.length * 10_000,
    quiesceMs: 30_000,
    expectations: { checkers: ["delivery", "order", "failover", "rebalance", "duplicates", "rogue-peer"] },
  };
}

export function networkScenarios(): Scenario[] {
  return [...(["1m", "2m-2s-sync"] as const).map(connectionResetScenario), ...(["1m", "2m-2s-sync"] as const).map(roguePeerScenario)];
}
