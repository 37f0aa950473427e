// SQL92 filtering under faults: producers send messages whose properties (n, color, region) the
// lab derives from their ids; a SQL92 group must receive exactly the acked messages its
// selector matches (sql-filter: nothing else; delivery: every match, at least once) while a "*"
// group on the same topic receives everything, across a broker crash and restart.
// enablePropertyFilter=true on every broker (RocketMQ's default false refuses SQL92 groups).
import type { Scenario, TopologyName } from "../../chaos/scenario.ts";

export const sqlSelectorDefault = "n >= 50 AND (color = 'red' OR color IS NULL) AND region IN ('cn')";

export function sqlFilterScenario(topology: TopologyName): Scenario {
  return {
    name: `filters/${topology}/sql92-broker-crash`,
    description: `${topology}: a SQL92 group (${sqlSelectorDefault}) next to a "*" group; broker-a crashes and restarts mid-run`,
    topology,
    brokerConfig: { flushDiskType: "SYNC_FLUSH", enablePropertyFilter: "true" },
    workload: {
      topics: [{ name: "TopicSql", queues: 4 }],
      producers: [{ count: 2, topic: "TopicSql", ratePerSecond: 8, tags: ["TagA", "TagB"], sendMode: "sync", bodySizeBytes: 128, sqlProperties: true }],
      consumers: [
        { group: "GroupSql", topic: "TopicSql", count: 2, mode: "push", model: "CLUSTERING", sqlSelector: sqlSelectorDefault },
        { group: "GroupAll", topic: "TopicSql", count: 1, mode: "push", model: "CLUSTERING", subscription: "*" },
      ],
    },
    faults: [{ atMs: 30_000, healAtMs: 50_000, fault: { kind: "crash", target: "broker-a" } }],
    durationMs: 80_000,
    quiesceMs: 60_000,
    expectations: { checkers: ["delivery", "sql-filter", "duplicates", "send-status"] },
  };
}

export function filterScenarios(): Scenario[] {
  return [sqlFilterScenario("2m-noslave"), sqlFilterScenario("1m")];
}
