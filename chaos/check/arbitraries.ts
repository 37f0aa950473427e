// fast-check arbitraries for `mqlab check`: fault schedules over a topology's node names and
// small workload variations, combined into a CheckCase (scenario.ts turns it into a Scenario).
// Shrinking goes toward fewer faults, earlier injects, shorter windows, milder parameters and
// the first node of each candidate list (brokers before NameServers before clients); the
// world seed never shrinks, so a shrink step changes the schedule, never the dice.
// Invariants of every generated schedule: inject and heal inside the send phase (so every
// fault heals before producers stop), and no two process faults (crash, power loss, pause) on
// one node overlap — the simulator cannot pause a dead node.
import fc from "fast-check";
import type { Fault, ScheduledFault } from "../faults/types.ts";
import type { TopologyName } from "../scenario.ts";
import { loadTopology } from "../topologies/index.ts";
import { brokerNodeName } from "../checkers/context.ts";
import { parseProperties } from "../../system/config/index.ts";
import type { CheckProperty, GeneratedFaultKind } from "./properties.ts";
import type { MixName } from "../workload/mixes.ts";

/** Virtual-time shape of a generated run: a short send phase, faults inside it. */
export const checkTiming = {
  sendMs: 60_000,
  quiesceMs: 40_000,
  firstInjectS: 2,
  lastInjectS: 55,
  windowSMin: 1,
  windowSMax: 30,
  /** Every heal lands at least this long before producers stop. */
  healMarginMs: 1_000,
  faultsMax: 4,
} as const;

export const checkGroup = "GroupTest";
export const checkTopic = "TopicTest";

/** The node names a schedule may name, per role. Clients listed exist in every CheckCase. */
export interface CheckNodes {
  topology: TopologyName;
  brokers: string[];
  masters: string[];
  /** [slave, its master] pairs (replication flows). */
  slavePairs: [string, string][];
  nameServers: string[];
  clients: string[];
}

export function checkNodes(topology: TopologyName): CheckNodes {
  const loaded = loadTopology(topology);
  const brokers = loaded.brokers.map((broker) => {
    const values = new Map(parseProperties(broker.text).map((entry) => [entry.key, entry.value]));
    const slave = values.get("brokerRole") === "SLAVE" || Number(values.get("brokerId") ?? "0") > 0;
    return { node: brokerNodeName(topology, broker.file), brokerName: values.get("brokerName") ?? "", slave };
  });
  const masters = brokers.filter((broker) => !broker.slave);
  const slavePairs = brokers.filter((broker) => broker.slave).flatMap((slave): [string, string][] => {
    const master = masters.find((candidate) => candidate.brokerName === slave.brokerName);
    return master === undefined ? [] : [[slave.node, master.node]];
  });
  return {
    topology,
    brokers: brokers.map((broker) => broker.node),
    masters: masters.map((broker) => broker.node),
    slavePairs,
    nameServers: Array.from({ length: loaded.nameServers }, (_, index) => `namesrv-${index + 1}`),
    clients: ["producer-1", `consumer-${checkGroup}-1`, `consumer-${checkGroup}-2`],
  };
}

const pick = <T>(values: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...values);

function firewallArbitrary(nodes: CheckNodes): fc.Arbitrary<Fault> {
  const clientToBroker = fc.record({
    source: pick(nodes.clients), target: pick(nodes.brokers),
    mode: pick(["drop", "reject"] as const), direction: pick(["both", "one-way"] as const),
  }).map(({ source, target, mode, direction }): Fault => ({ kind: "firewall", source, target, port: "broker", mode, direction }));
  if (nodes.slavePairs.length === 0) return clientToBroker;
  // Replication: the slave connects to its master's HA port.
  const replication = fc.record({ pair: pick(nodes.slavePairs), mode: pick(["drop", "reject"] as const) })
    .map(({ pair, mode }): Fault => ({ kind: "firewall", source: pair[0], target: pair[1], port: "ha", mode, direction: "both" }));
  return fc.oneof(clientToBroker, replication);
}

function flowArbitrary(nodes: CheckNodes): fc.Arbitrary<Fault> {
  const pairs = [...nodes.clients, ...nodes.brokers].flatMap((source) =>
    nodes.brokers.filter((target) => target !== source).map((target): [string, string] => [source, target]));
  return fc.record({
    pair: pick(pairs), delayMs: pick([20, 100, 500]), jitterMs: pick([0, 20]),
    lossPercent: pick([0, 5, 20]), direction: pick(["both", "one-way"] as const),
  }).map(({ pair, delayMs, jitterMs, lossPercent, direction }): Fault =>
    ({ kind: "flow", source: pair[0], target: pair[1], delayMs, jitterMs, lossPercent, direction }));
}

/** One fault of a kind, over the topology's nodes. */
export function faultArbitrary(kind: GeneratedFaultKind, nodes: CheckNodes): fc.Arbitrary<Fault> {
  const servers = [...nodes.brokers, ...nodes.nameServers];
  const everyone = [...servers, ...nodes.clients];
  switch (kind) {
    case "crash":
      return pick(everyone).map((target): Fault => ({ kind: "crash", target }));
    case "power-loss":
      return pick(servers).map((target): Fault => ({ kind: "power-loss", target }));
    case "pause":
      return pick(everyone).map((target): Fault => ({ kind: "pause", target }));
    case "firewall":
      return firewallArbitrary(nodes);
    case "partition":
      return fc.oneof(
        pick(everyone).map((target): Fault => ({ kind: "partition", shape: "isolate", target })),
        fc.constant<Fault>({ kind: "partition", shape: "halves" }),
      );
    case "heartbeat-loss":
      return fc.oneof(
        pick(nodes.brokers).map((source): Fault => ({ kind: "heartbeat-loss", scope: "broker-to-namesrv", source })),
        pick(nodes.clients).map((source): Fault => ({ kind: "heartbeat-loss", scope: "client-to-broker", source })),
      );
    case "flow":
      return flowArbitrary(nodes);
    case "clock-skew":
      return fc.record({ target: pick(servers), seconds: fc.integer({ min: 1, max: 120 }), ahead: fc.boolean() })
        .map(({ target, seconds, ahead }): Fault => ({ kind: "clock-skew", target, offsetMs: (ahead ? 1 : -1) * seconds * 1_000 }));
    case "slow-disk":
      return fc.record({ target: pick(nodes.brokers), factor: pick([10, 50, 200]) })
        .map(({ target, factor }): Fault => ({ kind: "slow-disk", target, factor }));
    case "connection-reset":
      // Clients to brokers: a middlebox resets the connection mid-frame or after the written bytes.
      return fc.record({ source: pick(nodes.clients), target: pick(nodes.brokers), midFrame: fc.boolean(), asymmetricDelayMs: pick([0, 300, 2_000]) })
        .map(({ source, target, midFrame, asymmetricDelayMs }): Fault =>
          ({ kind: "connection-reset", source, target, port: "broker", midFrame, ...(asymmetricDelayMs > 0 ? { asymmetricDelayMs } : {}) }));
  }
}

/** A fault with its window, in whole seconds of the send phase. */
export function scheduledFaultArbitrary(property: CheckProperty, nodes: CheckNodes): fc.Arbitrary<ScheduledFault> {
  const weighted = Object.entries(property.faultWeights)
    .filter(([, weight]) => weight !== undefined && weight > 0)
    .map(([kind, weight]) => ({ arbitrary: faultArbitrary(kind as GeneratedFaultKind, nodes), weight: weight ?? 0 }));
  if (weighted.length === 0) throw new Error(`property ${property.name} has no fault kind`);
  const lastHealMs = checkTiming.sendMs - checkTiming.healMarginMs;
  return fc.record({
    atS: fc.integer({ min: checkTiming.firstInjectS, max: checkTiming.lastInjectS }),
    windowS: fc.integer({ min: checkTiming.windowSMin, max: checkTiming.windowSMax }),
    fault: fc.oneof(...weighted),
  }).map(({ atS, windowS, fault }): ScheduledFault => {
    const atMs = atS * 1_000;
    return { atMs, healAtMs: Math.min(atMs + windowS * 1_000, lastHealMs), fault };
  });
}

const processFaults = new Set<Fault["kind"]>(["crash", "power-loss", "pause", "clean-restart"]);

/** Drops a process fault that overlaps an earlier-listed one on the same node; sorts by time. */
export function normalizeSchedule(faults: readonly ScheduledFault[]): ScheduledFault[] {
  const kept: ScheduledFault[] = [];
  for (const scheduled of faults) {
    const { fault } = scheduled;
    if (processFaults.has(fault.kind) && "target" in fault) {
      const clash = kept.some((other) => processFaults.has(other.fault.kind) && "target" in other.fault &&
        other.fault.target === fault.target && overlaps(other, scheduled));
      if (clash) continue;
    }
    kept.push(scheduled);
  }
  return kept
    .map((scheduled, index) => ({ scheduled, index }))
    .sort((a, b) => a.scheduled.atMs - b.scheduled.atMs || a.index - b.index)
    .map(({ scheduled }) => scheduled);
}

function overlaps(a: ScheduledFault, b: ScheduledFault): boolean {
  const aEnd = a.healAtMs ?? Number.POSITIVE_INFINITY;
  const bEnd = b.healAtMs ?? Number.POSITIVE_INFINITY;
  return a.atMs <= bEnd && b.atMs <= aEnd;
}

export function scheduleArbitrary(property: CheckProperty, nodes: CheckNodes): fc.Arbitrary<ScheduledFault[]> {
  return fc.array(scheduledFaultArbitrary(property, nodes), { maxLength: checkTiming.faultsMax }).map(normalizeSchedule);
}

/** The workload knobs a case varies (scenario.ts fills in the rest). */
export interface WorkloadChoice {
  producers: number;
  ratePerSecond: number;
  consumers: number;
  ordered: boolean;
  flushDiskType: "SYNC_FLUSH" | "ASYNC_FLUSH";
  /** Workload mixes beside the base workload (absent or empty: none). */
  mixes?: CheckMix[];
}

/** Mixes a case may draw (large bodies cost too much for a property run). */
export const checkMixes = ["ordered", "failing", "batch", "delayed", "broadcast", "late-join", "scaling", "burst"] as const satisfies readonly MixName[];
export type CheckMix = (typeof checkMixes)[number];

export interface CheckCase {
  /** The simulated world's seed (never shrunk). */
  seed: number;
  workload: WorkloadChoice;
  faults: ScheduledFault[];
}

export function workloadArbitrary(property: CheckProperty): fc.Arbitrary<WorkloadChoice> {
  const ordered = property.ordered === "generated" ? fc.boolean() : fc.constant(property.ordered === "always");
  const flush = property.flushDiskType === undefined
    ? pick(["SYNC_FLUSH", "ASYNC_FLUSH"] as const)
    : fc.constant(property.flushDiskType);
  // Two consumers at least: the schedule's consumer faults name consumer 1 and 2.
  const base = fc.record({
    producers: fc.integer({ min: 1, max: 2 }),
    ratePerSecond: pick([5, 10]),
    consumers: fc.integer({ min: 2, max: 3 }),
    ordered,
    flushDiskType: flush,
  });
  // Only properties that ask for mixes draw them, so other properties' seeds stay valid.
  if (property.mixes !== "generated") return base;
  return fc.tuple(base, fc.subarray([...checkMixes], { minLength: 1 })).map(([choice, mixes]) => ({ ...choice, mixes }));
}

export function checkCaseArbitrary(property: CheckProperty, topology: TopologyName): fc.Arbitrary<CheckCase> {
  const nodes = checkNodes(topology);
  // fast-check shrinks a record's fields in order: faults first, as fewest faults matter most.
  return fc.record({
    faults: scheduleArbitrary(property, nodes),
    workload: workloadArbitrary(property),
    seed: fc.noShrink(fc.integer({ min: 1, max: 0x7fff_ffff })),
  });
}
