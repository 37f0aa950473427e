// A swarm case: one run's drawn topology and configuration (config.ts), fault draws
// (faults.ts) and world seed, and the Scenario it becomes. Shrinking order (fast-check shrinks a
// record's fields in order): fault draws first (fewest faults matter most), then the
// configuration toward RocketMQ's defaults, then ordered → unordered. The topology and the world
// seed never shrink: fault draws name the topology's nodes, and a shrink step must change the
// case, not the dice.
// Valid combinations only: ordered sends are sync, single and undelayed (an async, batch or
// delayed send lets one key's messages overtake each other, which ordered sending forbids); the producers and
// consumers a case has are the configuration's counts, and faults on absent clients are dropped.
import fc from "fast-check";
import { REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT, type BrokerTestFaults } from "../../system/broker/index.ts";
import { normalizeSchedule, checkGroup, checkMixes, checkTopic, type CheckMix } from "../check/arbitraries.ts";
import type { ProducerSpec } from "../scenario.ts";
import { buildMix, combineMixes, transactionsMixBrokerConfig } from "../workload/mixes.ts";
import { checkersWithMixes } from "../check/check_scenario.ts";
import type { CheckProperty, GeneratedFaultKind } from "../check/properties.ts";
import type { CaseSource } from "../check/check.ts";
import type { ScheduledFault } from "../faults/types.ts";
import type { Scenario, TopologyName } from "../scenario.ts";
import {
  brokerConfigOf, brokerConfigByNodeOf, consumerFieldsOf, describeConfig, intervalsOf, producerFieldsOf, swarmConfigArbitrary,
  simNetworkOf, swarmOptionValues, type SwarmConfig,
} from "./config.ts";
import { consumerCrashDraws, duplicatesPins, maxDuplicatedFor } from "./duplicates.ts";
import { faultDrawsArbitrary, swarmFaultDraw, swarmNodes, swarmTiming, type FaultDraw, type SwarmFaultKind, type SwarmFaultWeights, type SwarmRole } from "./faults.ts";

export interface SwarmCase {
  draws: FaultDraw[];
  config: SwarmConfig;
  ordered: boolean;
  /** Workload mixes beside the base workload (properties with mixes: "generated"; else none). */
  mixes: SwarmMix[];
  /** The simulated world's seed (never shrunk). */
  seed: number;
}

/**
 * The mixes a swarm case may draw: `mqlab check`'s, and transactions (swarm only: it needs broker
 * settings, transactionsMixBrokerConfig, and a crash of its producer, transactionProducerCrash).
 */
export const swarmMixes = [...checkMixes, "transactions"] as const;
export type SwarmMix = CheckMix | "transactions";

/**
 * With the transactions mix, its producer crashes at 15 s and restarts at 22 s (the 1m/transactions
 * scenario's idea, on every topology): the half messages it left undecided come due for a check
 * while the group has no live producer (4.9.x skips them and checks again later), and the restarted
 * producer answers the next checks. Part of the mix, not a fault draw: shrinking the mix away
 * removes it.
 */
export const transactionProducerCrash = { atMs: 15_000, healAtMs: 22_000 } as const;

/** Quiesce of a case with mixes (as check_scenario.ts's): room for reconsumes and the DLQ. */
export const swarmMixesQuiesceMs = 60_000;

/**
 * Generated workloads can hold minutes of backlog when the send phase ends (an orderly group
 * whose failures suspend its queue a second each, a burst into one queue): drain while consumers
 * progress, up to 30 simulated minutes. A burst of 4 sends in flight for 500 ms stores ~7,000
 * messages in the simulator; one orderly queue with 10 % failures drains ~11 a second (4.9.x
 * suspends it 1 s per failure), so 10 minutes ran out with the consumer still at work (battery
 * seed 2 run 273). Idle simulated time is cheap; a run that drains this long is rare.
 */
export const swarmDrain = { idleStepMs: 20_000, maxExtraMs: 1_800_000 } as const;

/**
 * When an orderly group's queue lock may outlive its holder's hold, an idle step outlasts the
 * lock: it stays on the broker for lockMaxLiveTime (60 s) after its last lock, and nobody else may
 * take the queue meanwhile, so a 20 s step saw no progress and ended the run just before the lock
 * lapsed. That happens when the holder dies (crash, power loss, pause: seed 1 swarm run 591 of the
 * rogue-peer re-draw, 27 messages "lost"), when its oneway unlock is lost in a network fault, and
 * when a live holder drops the queue while its route lacks the broker's master (a NameServer that
 * lost the master's registration): 4.9.x RebalanceImpl.unlock finds no master address and sends
 * nothing (seed 18 swarm run 1238: a bridge partition, 4 messages "lost"). Some fault reaches one
 * of those in nearly every faulted run, so every ordered run with a fault pays for the longer idle
 * tail (cheap: the simulator runs idle time fast).
 */
export const swarmOrderlyDrain = { idleStepMs: REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT + 5_000, maxExtraMs: swarmDrain.maxExtraMs } as const;

/** Swarm draws allow more fault ideas per run than `mqlab check` (a restart loop is one idea). */
export const swarmDrawsMax = 5;

/** Which swarm kinds each generated fault kind of a property stands for. */
const kindsFor: Record<GeneratedFaultKind, SwarmFaultKind[]> = {
  "crash": ["crash", "restart-loop", "clean-restart", "failover-restart"],
  "power-loss": ["power-loss", "dying-disk-power-loss"],
  "pause": ["pause"],
  "firewall": ["firewall-drop", "firewall-reject", "one-way-drop"],
  "partition": ["partition-isolate", "partition-halves", "partition-bridge", "partition-ring", "partition-namesrv-only", "partition-replication-only"],
  "heartbeat-loss": ["heartbeat-loss", "namesrv-all-down"],
  "flow": ["flow-latency", "flow-loss"],
  "clock-skew": ["clock-skew"],
  "slow-disk": ["slow-disk", "disk-full", "disk-error"],
  "connection-reset": ["conn-reset"],
};

/**
 * A property's swarm weights: every swarm kind its generated kinds stand for, at that weight.
 * A property never gets a kind its checkers cannot judge on a healthy broker (properties.ts).
 */
export function swarmFaultWeights(property: CheckProperty): SwarmFaultWeights {
  const weights: SwarmFaultWeights = {};
  for (const [kind, weight] of Object.entries(property.faultWeights)) {
    if (weight === undefined || weight <= 0) continue;
    for (const swarmKind of kindsFor[kind as GeneratedFaultKind]) weights[swarmKind] = weight;
  }
  // A connection reset and a rogue peer are network faults of the flow class: a property that
  // draws flows draws them too (unless it weighs them itself), without changing `mqlab check`'s
  // own schedules.
  const flowWeight = property.faultWeights.flow ?? 0;
  if (weights["conn-reset"] === undefined && flowWeight > 0) weights["conn-reset"] = flowWeight;
  if (weights["rogue-peer"] === undefined && flowWeight > 0) weights["rogue-peer"] = flowWeight;
  return weights;
}

const boundedDuplicates = (property: CheckProperty): boolean => property.name === "bounded-duplicates";

/**
 * A property's swarm cases. With `focus`, every case draws that fault kind first (then its usual
 * draws), on a topology that has a node for it: the battery's covering pass (battery.ts runPlan).
 */
export function swarmCaseArbitrary(property: CheckProperty, focus?: SwarmFaultKind, focusRole?: SwarmRole): fc.Arbitrary<SwarmCase> {
  const weights = swarmFaultWeights(property);
  const ordered = property.ordered === "generated" ? fc.boolean() : fc.constant(property.ordered === "always");
  const pins = {
    ...(property.flushDiskType === undefined ? {} : { flushDiskType: property.flushDiskType }),
    ...(boundedDuplicates(property) ? duplicatesPins : {}),
  };
  const drawsFor = (topology: TopologyName): fc.Arbitrary<FaultDraw[]> => {
    if (boundedDuplicates(property)) return consumerCrashDraws(topology);
    const drawn = focus === undefined ? undefined : swarmFaultDraw(focus, swarmNodes(topology));
    // focusRole narrows the focus draw to one role (the caller passes only roles the kind can hit).
    const focused = drawn === undefined || focusRole === undefined ? drawn : drawn.filter((draw) => draw.role === focusRole);
    if (focused === undefined) return faultDrawsArbitrary(topology, weights, swarmDrawsMax);
    return fc.tuple(focused, faultDrawsArbitrary(topology, weights, swarmDrawsMax - 1)).map(([first, rest]) => [first, ...rest]);
  };
  const perTopology = (topology: TopologyName): fc.Arbitrary<SwarmCase> => fc.record({
    draws: drawsFor(topology),
    config: swarmConfigArbitrary({ topology, ...pins }),
    ordered,
    // Only properties that ask for mixes draw them (a constant draws nothing: other seeds stay).
    mixes: property.mixes === "generated" ? fc.subarray<SwarmMix>([...swarmMixes], { minLength: 1 }) : fc.constant<SwarmMix[]>([]),
    seed: fc.noShrink(fc.integer({ min: 1, max: 0x7fff_ffff })),
  });
  const topologies = swarmOptionValues.topology.filter((topology) => focus === undefined || swarmFaultDraw(focus, swarmNodes(topology)) !== undefined);
  return fc.oneof(...(topologies.length > 0 ? topologies : swarmOptionValues.topology).map(perTopology));
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** The configuration a case runs with: ordered sends forced to sync, single sends. */
export function effectiveConfig(swarmCase: Pick<SwarmCase, "config" | "ordered">): SwarmConfig {
  // A delayed message leaves its queue for SCHEDULE_TOPIC_XXXX and comes back later: RocketMQ
  // never orders it with its key's other messages, so ordered sends are never delayed.
  // An orderly consumer retries a failed batch whole, in place: with failurePercent per message a
  // batch of 16 fails most of the time and the queue stalls, so failing orderly batches are single.
  if (!swarmCase.ordered) return swarmCase.config;
  const single = swarmCase.config.failurePercent > 0 ? { consumeMessageBatchMaxSize: 1 as const } : {};
  // consumeTimeout is the concurrent service's (cleanExpireMsg): orderly groups never send back on
  // time, so a slow orderly listener only stalls its queue (seed 1 swarm run 363 failed on it).
  return { ...swarmCase.config, sendMode: "sync", batchSize: 1, delayPercent: 0, slowConsume: "none", ...single };
}

function clientNames(config: SwarmConfig): Set<string> {
  return new Set([
    ...Array.from({ length: config.producers }, (_, index) => `producer-${index + 1}`),
    ...Array.from({ length: config.consumers }, (_, index) => `consumer-${checkGroup}-${index + 1}`),
  ]);
}

/** The schedule a case plays: its draws' faults on nodes the case has, normalized. */
export function swarmSchedule(swarmCase: SwarmCase): ScheduledFault[] {
  const nodes = swarmNodes(swarmCase.config.topology);
  const clients = clientNames(swarmCase.config);
  const present = (name: string): boolean => !nodes.allClients.includes(name) || clients.has(name);
  const named = (fault: ScheduledFault["fault"]): string[] => {
    if (fault.kind === "firewall" || fault.kind === "flow" || fault.kind === "connection-reset") return [fault.source, fault.target];
    if (fault.kind === "heartbeat-loss") return [fault.source];
    if (fault.kind === "partition") return fault.target === undefined ? [] : [fault.target];
    if (fault.kind === "namesrv-all-down") return [];
    return [fault.target];
  };
  const faults = swarmCase.draws.flatMap((draw) => draw.faults).filter((scheduled) => named(scheduled.fault).every(present));
  const readable = withoutDivergingPowerLoss(faults, swarmCase.config, nodes.slaves.length > 0 ? nodes.masters : []);
  return normalizeSchedule(withoutPowerLossAfterFsyncErrors(readable));
}

/**
 * With slaveReadEnable, drops a power loss of a master that has a slave. The master comes back
 * without the bytes it had not flushed, its slave keeps them (4.9.x never truncates a slave), and
 * the two logs diverge until the master's grows past the slave's. Lagging consumers then
 * alternate between them for as long: the master tells them to read from the slave, the slave
 * serves them past the master's end and sends them back, and the master corrects their offset
 * to 0 (OFFSET_OVERFLOW_BADLY), over and over (seed 1 swarm run 132 of the brokerMemory re-draw:
 * three queues re-consumed from 0 every rebalance for 50 s). 4.9.x does the same; the guarantee
 * table has no row for reading a diverged slave, so the case is left out rather than excused.
 */
function withoutDivergingPowerLoss(faults: readonly ScheduledFault[], config: SwarmConfig, mastersWithSlaves: readonly string[]): readonly ScheduledFault[] {
  if (!config.slaveReadEnable || mastersWithSlaves.length === 0) return faults;
  return faults.filter(({ fault }) => fault.kind !== "power-loss" || !mastersWithSlaves.includes(fault.target));
}

/**
 * Drops a power loss of a node whose fsyncs failed earlier in the run (disk-error "fsync" or
 * "both"). 4.9.x acks ASYNC_FLUSH puts before their flush, so what was acked while fsyncs failed
 * is only in the page cache until a good flush round: a power loss then loses it by design, and
 * the guarantee table (guarantee.ts) has no row bounding that loss yet.
 */
function withoutPowerLossAfterFsyncErrors(faults: readonly ScheduledFault[]): ScheduledFault[] {
  const fsyncErrorsFromMs = new Map<string, number>();
  for (const { atMs, fault } of faults) {
    if (fault.kind !== "disk-error" || fault.errors === "write") continue;
    fsyncErrorsFromMs.set(fault.target, Math.min(atMs, fsyncErrorsFromMs.get(fault.target) ?? Infinity));
  }
  return faults.filter(({ atMs, fault }) => fault.kind !== "power-loss" || atMs < (fsyncErrorsFromMs.get(fault.target) ?? Infinity));
}

export function swarmScenario(swarmCase: SwarmCase, property: CheckProperty, testFaults?: BrokerTestFaults): Scenario {
  const config = effectiveConfig(swarmCase);
  const { ordered } = swarmCase;
  const schedule = swarmSchedule(swarmCase);
  const kinds = [...new Set(swarmCase.draws.map((draw) => draw.kind))].join(", ") || "no fault";
  const broken = testFaults === undefined ? "" : ` — deliberately broken broker ${JSON.stringify(testFaults)}`;
  const scenario: Scenario = {
    name: `swarm/${property.name}/${config.topology}`,
    description: `mqlab swarm ${property.name}: ${kinds} on ${config.topology}, ${ordered ? "ordered sends, " : ""}` +
      `configuration: ${describeConfig(config)}${broken}`,
    topology: config.topology,
    brokerConfig: brokerConfigOf(config),
    ...optional("brokerConfigByNode", brokerConfigByNodeOf(config)),
    intervals: intervalsOf(config),
    workload: {
      topics: [{ name: checkTopic, queues: config.queues }],
      producers: [{
        count: config.producers, topic: checkTopic, tags: ["TagA", "TagB"], bodySizeBytes: 128,
        ...producerFieldsOf(config, swarmTiming.sendMs),
        ...(ordered ? { ordered: true, orderKeys: 8 } : {}),
      }],
      consumers: [{
        group: checkGroup, topic: checkTopic, count: config.consumers, mode: "push", model: "CLUSTERING", subscription: "*",
        ...consumerFieldsOf(config),
        ...(ordered ? { orderly: true } : {}),
      }],
    },
    faults: schedule,
    durationMs: swarmTiming.sendMs,
    // A poison message sent last needs its reconsumes (10 s + 30 s) before the DLQ has it.
    quiesceMs: swarmCase.mixes.length > 0 ? Math.max(swarmTiming.quiesceMs, swarmMixesQuiesceMs) : swarmTiming.quiesceMs,
    drainUntilIdle: ordered && schedule.length > 0 ? swarmOrderlyDrain : swarmDrain,
    expectations: {
      checkers: swarmCase.draws.some((draw) => draw.kind === "rogue-peer") ? [...property.checkers, "rogue-peer"] : [...property.checkers],
      ...(boundedDuplicates(property) ? { maxDuplicated: maxDuplicatedFor(config, swarmCase.draws) } : {}),
    },
    generated: { config: { ...config, ordered }, draws: swarmCase.draws.map((draw) => ({ kind: draw.kind, role: draw.role, faults: draw.faults.length })), worldSeed: swarmCase.seed },
  };
  scenario.simNetwork = simNetworkOf(config);
  if (swarmCase.mixes.length > 0) {
    scenario.workload = combineMixes(scenario.workload, ...swarmCase.mixes.map((mix) => buildMix(mix, { sendMs: swarmTiming.sendMs })));
    scenario.description += `, mixes: ${swarmCase.mixes.join(", ")}`;
    if (scenario.generated !== undefined) scenario.generated.config["mixes"] = swarmCase.mixes.join("+");
    if (swarmCase.mixes.includes("transactions")) addTransactionsMix(scenario);
    const checkMixesDrawn = swarmCase.mixes.filter((mix): mix is CheckMix => mix !== "transactions");
    scenario.expectations.checkers = checkersWithMixes(scenario.expectations.checkers, checkMixesDrawn);
  }
  if (testFaults !== undefined) scenario.testFaults = { ...testFaults };
  return scenario;
}

/** The transactions mix's broker settings, its producer's crash and the transactions checker. */
function addTransactionsMix(scenario: Scenario): void {
  scenario.brokerConfig = { ...scenario.brokerConfig, ...transactionsMixBrokerConfig };
  const node = transactionalProducerNode(scenario.workload.producers);
  if (node !== undefined) {
    const crash: ScheduledFault = { ...transactionProducerCrash, fault: { kind: "crash", target: node } };
    scenario.faults = [...scenario.faults, crash].sort((a, b) => a.atMs - b.atMs);
  }
  if (!scenario.expectations.checkers.includes("transactions")) scenario.expectations.checkers = [...scenario.expectations.checkers, "transactions"];
}

/** The node name of the first transactional producer (nodes are numbered across specs in order). */
export function transactionalProducerNode(producers: readonly ProducerSpec[]): string | undefined {
  let before = 0;
  for (const spec of producers) {
    if (spec.transactional !== undefined && spec.count > 0) return `producer-${before + 1}`;
    before += spec.count;
  }
  return undefined;
}

/** The swarm as a check source (chaos/check/check.ts runs, judges and shrinks it). */
export function swarmSource(property: CheckProperty, testFaults?: BrokerTestFaults, focus?: SwarmFaultKind, focusRole?: SwarmRole): CaseSource<SwarmCase> {
  return {
    arbitrary: swarmCaseArbitrary(property, focus, focusRole),
    scenarioOf: (swarmCase) => swarmScenario(swarmCase, property, testFaults),
    recordOf: (swarmCase) => ({
      config: effectiveConfig(swarmCase), ordered: swarmCase.ordered, draws: swarmCase.draws, worldSeed: swarmCase.seed,
      ...(swarmCase.mixes.length > 0 ? { mixes: swarmCase.mixes } : {}),
    }),
    // A swarm run is one draw per seed: fast-check's bias would make most of them fault-free.
    unbiased: true,
  };
}


