// Scenario → ClusterPlan: which nodes exist and the exact broker.conf each broker gets. The
// topology's files are used as they are; scenario overrides and the run's intervals are
// appended as a marked section (a later key wins in a properties file), so the conf a node
// runs with is readable and reproducible.
import { loadTopology } from "./topologies/index.ts";
import type { ClusterPlan, PlannedBroker } from "./deploy/types.ts";
import { changedIntervalOptions, effectiveIntervals, type Intervals, type Scenario } from "./scenario.ts";

/** broker.conf keys for the intervals a broker owns, those the run changes (changedInterval). */
export function brokerIntervalKeys(intervals: Intervals): Record<string, string> {
  const changed = changedIntervalOptions(intervals, {
    registerNameServerPeriod: "brokerRegisterMs", clientScanIntervalMs: "clientScanMs", clientChannelExpiredTimeMs: "clientExpiryMs",
  });
  return Object.fromEntries(Object.entries(changed).map(([key, value]) => [key, String(value)]));
}

export function appendOverrides(confText: string, overrides: Record<string, string>, title: string): string {
  const keys = Object.keys(overrides).sort();
  if (keys.length === 0) return confText;
  const lines = keys.map((key) => `${key}=${overrides[key]}`);
  return `${confText.trimEnd()}\n\n# ${title}\n${lines.join("\n")}\n`;
}

function propertyValue(confText: string, key: string): string | undefined {
  let value: string | undefined;
  for (const line of confText.split("\n")) {
    const match = /^\s*([^#!=:\s]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (match && match[1] === key) value = match[2];
  }
  return value;
}

export function planCluster(scenario: Scenario, seed: number): ClusterPlan {
  const topology = loadTopology(scenario.topology);
  const intervals = effectiveIntervals(scenario);
  const brokers: PlannedBroker[] = topology.brokers.map((broker) => {
    const node = broker.file.replace(/\.properties$/, "") === "broker" ? "broker-a" : broker.file.replace(/\.properties$/, "");
    const overrides = {
      ...brokerIntervalKeys(intervals),
      ...scenario.brokerConfig,
      ...scenario.brokerConfigByNode?.[node],
      ...(scenario.acl === undefined ? {} : { aclEnable: "true" }),
    };
    const confText = appendOverrides(broker.text, overrides, `mqlab scenario ${scenario.name}`);
    const brokerName = propertyValue(confText, "brokerName");
    const brokerId = Number(propertyValue(confText, "brokerId") ?? "0");
    if (brokerName === undefined) throw new Error(`${broker.path}: no brokerName`);
    const topics = scenario.brokerTopics?.find((spec) => spec.node === node);
    return { node, brokerName, brokerId, confText, ...(topics === undefined ? {} : { topics }), ...(scenario.acl === undefined ? {} : { aclFile: scenario.acl.file }) };
  });
  const nameServers = Array.from({ length: topology.nameServers }, (_, index) => `namesrv-${index + 1}`);
  const plan: ClusterPlan = { topology: topology.name, nameServers, brokers, intervals, workload: scenario.workload, seed };
  if (scenario.testFaults !== undefined) plan.testFaults = scenario.testFaults;
  if (scenario.simNetwork !== undefined) plan.simNetwork = scenario.simNetwork;
  return plan;
}
