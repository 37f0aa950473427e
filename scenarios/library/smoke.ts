// Smoke scenarios for the wall-clock deployers (process, container): the standard faults with
// RocketMQ's intervals scaled down about tenfold (expiry 12 s instead of 120 s, route poll and
// heartbeats 3 s instead of 30 s), so a run takes about a minute of real time. The report prints
// the intervals a run used. They run in the simulator too, so both verdicts can be compared.
import type { Intervals, Scenario, TopologyName } from "../../chaos/scenario.ts";
import type { ScheduledFault } from "../../chaos/faults/types.ts";
import { steadyWorkload } from "./standard.ts";
import { allCheckerNames } from "../../chaos/checkers/index.ts";

export const smokeIntervals: Intervals = {
  routePollMs: 3_000,
  clientHeartbeatMs: 3_000,
  brokerRegisterMs: 3_000,
  namesrvScanMs: 2_000,
  brokerExpiryMs: 12_000,
  clientScanMs: 2_000,
  clientExpiryMs: 12_000,
  rebalanceMs: 3_000,
  offsetPersistMs: 1_000,
  sendTimeoutMs: 3_000,
  pullSuspendMs: 5_000,
};

type SmokeFault = "no-fault" | "broker-crash" | "firewall-drop";

function schedule(fault: SmokeFault): ScheduledFault[] {
  switch (fault) {
    case "no-fault":
      return [];
    case "broker-crash":
      return [{ atMs: 10_000, healAtMs: 25_000, fault: { kind: "crash", target: "broker-a" } }];
    case "firewall-drop":
      return [{ atMs: 10_000, healAtMs: 25_000, fault: { kind: "firewall", source: "producer-1", target: "broker-a", port: "broker", mode: "drop", direction: "both" } }];
  }
}

export function smokeScenario(topology: TopologyName, fault: SmokeFault): Scenario {
  const workload = steadyWorkload();
  return {
    name: `smoke/${topology}/${fault}`,
    description: `${topology}, ${fault}, with intervals scaled down for wall-clock deployers (about 1 min of real time)`,
    topology,
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    intervals: smokeIntervals,
    workload,
    faults: schedule(fault),
    durationMs: 40_000,
    quiesceMs: 20_000,
    expectations: { checkers: [...allCheckerNames] },
  };
}

export function smokeScenarios(): Scenario[] {
  return [
    smokeScenario("1m", "no-fault"),
    smokeScenario("1m", "broker-crash"),
    smokeScenario("2m-2s-sync", "broker-crash"),
    smokeScenario("2m-2s-sync", "firewall-drop"),
    smokeScenario("2m-noslave", "firewall-drop"),
  ];
}
