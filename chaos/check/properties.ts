// The properties `mqlab check` knows: each names the checkers that judge a generated run, the
// fault kinds its schedules draw from (with weights) and the broker config it pins. A property
// only uses faults under which its checkers must pass on a healthy broker (DESIGN.md's
// guarantee table): no-acked-loss pins SYNC_FLUSH, so no crash, pause, partition or power
// loss may lose a message acked SEND_OK.
import { allCheckerNames } from "../checkers/index.ts";
import type { CheckerName } from "../scenario.ts";

/** The fault kinds a generated schedule may contain (arbitraries.ts builds each). */
export type GeneratedFaultKind =
  | "crash" | "power-loss" | "pause" | "firewall" | "partition" | "heartbeat-loss"
  | "flow" | "clock-skew" | "slow-disk" | "connection-reset";

export type PropertyName = "no-acked-loss" | "durability" | "queue-order" | "rebalance-converges" | "bounded-duplicates" | "all" | "hostile";

export interface CheckProperty {
  name: PropertyName;
  description: string;
  checkers: CheckerName[];
  /** Relative weights of the fault kinds a schedule draws from (absent = never). */
  faultWeights: Partial<Record<GeneratedFaultKind, number>>;
  /** Pinned flushDiskType; undefined = generated (SYNC_FLUSH or ASYNC_FLUSH). */
  flushDiskType?: "SYNC_FLUSH" | "ASYNC_FLUSH";
  /** Ordered sends + orderly consumers: always, never, or generated. */
  ordered: "always" | "never" | "generated";
  /** Workload mixes (chaos/workload/mixes.ts) added beside the base workload: generated, or none. */
  mixes?: "generated";
  /** Only meaningful with generated configurations (`mqlab check --swarm`, the battery). */
  swarmOnly?: boolean;
}

// Disk and process faults weigh most where durability is the question: a broken flush only
// shows when power is lost while something is unflushed (a slow disk widens that window).
const durabilityWeights: CheckProperty["faultWeights"] = {
  "crash": 3, "power-loss": 4, "pause": 2, "firewall": 2, "partition": 2,
  "heartbeat-loss": 1, "flow": 1, "clock-skew": 1, "slow-disk": 4,
};

const everyWeight: CheckProperty["faultWeights"] = {
  "crash": 3, "power-loss": 2, "pause": 2, "firewall": 2, "partition": 2,
  "heartbeat-loss": 2, "flow": 2, "clock-skew": 1, "slow-disk": 2,
};

export const checkProperties: readonly CheckProperty[] = [
  {
    name: "no-acked-loss",
    description: "SYNC_FLUSH brokers under crashes, power loss, pauses, partitions, firewalls, slow disks: every acked message is delivered",
    checkers: ["delivery", "store"],
    faultWeights: durabilityWeights,
    flushDiskType: "SYNC_FLUSH",
    ordered: "generated",
  },
  {
    name: "durability",
    description: "any flush type and role under every fault: acked messages are delivered, or lost only where the guarantee table allows (ASYNC_FLUSH power loss, ASYNC_MASTER) and within its bound",
    checkers: ["delivery", "store"],
    faultWeights: durabilityWeights,
    ordered: "generated",
  },
  {
    name: "queue-order",
    description: "ordered sends to orderly consumers under faults: first deliveries keep queue and key order",
    checkers: ["order", "store"],
    faultWeights: everyWeight,
    ordered: "always",
  },
  {
    name: "rebalance-converges",
    description: "consumer and broker faults: after the last change every queue has exactly one live owner, within the derived bound",
    checkers: ["rebalance", "store"],
    faultWeights: { "crash": 4, "pause": 3, "heartbeat-loss": 3, "partition": 2, "firewall": 1, "flow": 1 },
    ordered: "generated",
  },
  {
    name: "bounded-duplicates",
    description: "one consumer, at most one crash of it: a calm run delivers no duplicate; a restart re-delivers at most what its last offsetPersistMs consumed (chaos/swarm/duplicates.ts)",
    checkers: ["delivery", "store"],
    faultWeights: { crash: 1 },
    ordered: "generated",
    swarmOnly: true,
  },
  {
    name: "all",
    description: "every checker (delivery, order, failover, rebalance, latency and the guarantee checkers) under every generated fault kind",
    checkers: [...allCheckerNames],
    faultWeights: everyWeight,
    ordered: "generated",
  },
  {
    name: "hostile",
    description: "SYNC_FLUSH brokers, the base workload plus generated workload mixes (orderly, failing and poison, batch, delayed, broadcast, late, scaling, burst) under every fault kind: delivery, order and rebalance hold, every duplicate has an explanation, a calm idle queue wakes its consumer at once, consumerProgress at the drain agrees with the history, and each mix's own checker judges it (orderly and retry, retry, delay, late-join, transactions)",
    // duplicates: the mixes are where a message is sent back, dead-lettered, delayed, broadcast or
    // committed by a transaction check; a path that delivers it twice shows only as a duplicate
    // (the `all` runs judge duplicates but draw no mix; a twice-committed transaction passed).
    // latency: its calm-wake opinion (a message into an idle, calm queue reaches the listener
    // within the long poll's wake bound) over the mixes' tags, batches, orderly and broadcast groups.
    // consumer-progress: what consumerProgress shows when the run drains, with the mixes' late,
    // scaling, orderly and failing groups (the `all` runs judge it too, without mixes).
    checkers: ["delivery", "order", "rebalance", "duplicates", "latency", "consumer-progress", "store"],
    faultWeights: everyWeight,
    flushDiskType: "SYNC_FLUSH",
    ordered: "generated",
    mixes: "generated",
  },
];

export const propertyNames: readonly PropertyName[] = checkProperties.map((property) => property.name);

export function findProperty(name: string): CheckProperty {
  const property = checkProperties.find((candidate) => candidate.name === name);
  if (property === undefined) throw new Error(`unknown property "${name}" (known: ${propertyNames.join(", ")})`);
  return property;
}
