// Swarm fault draws: everything the simulator can do (chaos/deploy/sim/sim_deployer.ts), on
// every node role (NameServers, masters, slaves, producers, consumers). A draw is one *fault
// idea* — a crash, a restart loop, a NameServer-only partition — which may expand to several
// ScheduledFaults (a loop is several crashes; a NameServer-only cut is one firewall rule per
// (node, NameServer) pair). Draws are plain data: the swarm report tallies them by kind × role
// and fast-check shrinks them as units (fewer draws, earlier, shorter, milder, first node).
// Invariants (as chaos/check/arbitraries.ts): everything heals inside the send phase; process
// faults on one node never overlap (normalizeSchedule drops the later one).
import fc from "fast-check";
import type { Fault, PortRole, ScheduledFault } from "../faults/types.ts";
import type { TopologyName } from "../scenario.ts";
import { checkNodes, checkGroup, type CheckNodes } from "../check/arbitraries.ts";

/**
 * Virtual-time shape of a swarm run: shorter than `mqlab check`'s (60 s + 40 s) so a battery
 * gets through more runs; 30 s still fits a restart loop, and the drain phase still holds the
 * longest liveness bound the drawn intervals give (expiry 10 s + rebalance/poll/heartbeat 6 s).
 */
export const swarmTiming = {
  sendMs: 30_000,
  quiesceMs: 30_000,
  firstInjectS: 2,
  lastInjectS: 26,
  windowSMin: 1,
  windowSMax: 15,
  healMarginMs: 1_000,
} as const;

export type SwarmRole = "namesrv" | "master" | "slave" | "producer" | "consumer" | "cluster";

export const swarmRoles: readonly SwarmRole[] = ["namesrv", "master", "slave", "producer", "consumer", "cluster"];

/** The kinds of draw (a fault kind, or a shape built from several faults). */
export type SwarmFaultKind =
  | "crash" | "power-loss" | "pause" | "restart-loop" | "clock-skew" | "slow-disk" | "disk-full"
  | "dying-disk-power-loss" | "disk-error" | "clean-restart"
  | "firewall-drop" | "firewall-reject" | "one-way-drop" | "heartbeat-loss" | "flow-latency" | "flow-loss"
  | "partition-isolate" | "partition-halves" | "partition-bridge" | "partition-ring"
  | "partition-namesrv-only" | "partition-replication-only" | "namesrv-all-down"
  | "conn-reset" | "rogue-peer" | "failover-restart";

/** Faults the simulator will have but the swarm cannot draw yet (listed by every distribution). */
export const pendingFaultKinds: readonly string[] = [];

export const swarmFaultKinds: readonly SwarmFaultKind[] = [
  "crash", "power-loss", "pause", "restart-loop", "clock-skew", "slow-disk", "disk-full", "dying-disk-power-loss",
  "disk-error", "clean-restart", "firewall-drop", "firewall-reject", "one-way-drop", "heartbeat-loss", "flow-latency", "flow-loss",
  "partition-isolate", "partition-halves", "partition-bridge", "partition-ring",
  "partition-namesrv-only", "partition-replication-only", "namesrv-all-down", "conn-reset", "rogue-peer", "failover-restart",
];

export interface FaultDraw {
  kind: SwarmFaultKind;
  /** The role of the node the fault acts on (its target side for network faults). */
  role: SwarmRole;
  faults: ScheduledFault[];
}

/** Every node a swarm case may have, by role; `always*` are the nodes every case has. */
export interface SwarmNodes extends CheckNodes {
  slaves: string[];
  /** Producers/consumers every case has (faults on a single node pick from these). */
  alwaysProducers: string[];
  alwaysConsumers: string[];
  /** Every client a case may have (NameServer-only cuts name all; absent ones are dropped). */
  allClients: string[];
}

export const swarmClientsMax = { producers: 2, consumers: 5 } as const;

export function swarmNodes(topology: TopologyName): SwarmNodes {
  const nodes = checkNodes(topology);
  const slaves = nodes.slavePairs.map(([slave]) => slave);
  const consumers = Array.from({ length: swarmClientsMax.consumers }, (_, index) => `consumer-${checkGroup}-${index + 1}`);
  const producers = Array.from({ length: swarmClientsMax.producers }, (_, index) => `producer-${index + 1}`);
  return {
    ...nodes, slaves,
    alwaysProducers: ["producer-1"], alwaysConsumers: consumers.slice(0, 2), allClients: [...producers, ...consumers],
  };
}

export function roleOf(nodes: SwarmNodes, name: string): SwarmRole {
  if (nodes.nameServers.includes(name)) return "namesrv";
  if (nodes.slaves.includes(name)) return "slave";
  if (nodes.masters.includes(name)) return "master";
  if (name.startsWith("producer-")) return "producer";
  if (name.startsWith("consumer-")) return "consumer";
  return "cluster";
}

const pick = <T>(values: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...values);

/** A window in the send phase: [atMs, healAtMs], healed before producers stop. */
interface Window { atMs: number; healAtMs: number }

const lastHealMs = swarmTiming.sendMs - swarmTiming.healMarginMs;

const windowArbitrary: fc.Arbitrary<Window> = fc.record({
  atS: fc.integer({ min: swarmTiming.firstInjectS, max: swarmTiming.lastInjectS }),
  windowS: fc.integer({ min: swarmTiming.windowSMin, max: swarmTiming.windowSMax }),
}).map(({ atS, windowS }) => ({ atMs: atS * 1_000, healAtMs: Math.min((atS + windowS) * 1_000, lastHealMs) }));

const at = (window: Window, fault: Fault): ScheduledFault => ({ atMs: window.atMs, healAtMs: window.healAtMs, fault });

function single(kind: SwarmFaultKind, nodes: SwarmNodes, targets: readonly string[], make: (target: string) => fc.Arbitrary<Fault>): fc.Arbitrary<FaultDraw> {
  return fc.record({ window: windowArbitrary, target: pick(targets) })
    .chain(({ window, target }) => make(target).map((fault): FaultDraw => ({ kind, role: roleOf(nodes, target), faults: [at(window, fault)] })));
}

/** Process faults: crash and power loss and pause, on every role. */
function everyNode(nodes: SwarmNodes): string[] {
  return [...nodes.masters, ...nodes.slaves, ...nodes.nameServers, ...nodes.alwaysProducers, ...nodes.alwaysConsumers];
}

function restartLoop(nodes: SwarmNodes): fc.Arbitrary<FaultDraw> {
  return fc.record({
    target: pick(everyNode(nodes)), startS: fc.integer({ min: swarmTiming.firstInjectS, max: 18 }),
    cycles: fc.integer({ min: 2, max: 4 }), downS: fc.integer({ min: 1, max: 3 }), upS: pick([2, 4, 8]),
    power: fc.boolean(),
  }).map(({ target, startS, cycles, downS, upS, power }): FaultDraw => {
    const faults: ScheduledFault[] = [];
    for (let cycle = 0, atMs = startS * 1_000; cycle < cycles && atMs + downS * 1_000 <= lastHealMs; cycle++, atMs += (downS + upS) * 1_000) {
      faults.push({ atMs, healAtMs: atMs + downS * 1_000, fault: { kind: power ? "power-loss" : "crash", target } });
    }
    return { kind: "restart-loop", role: roleOf(nodes, target), faults };
  });
}

/**
 * A broker's disk turns slow (fsync factor× slower), then the machine loses power while it is
 * slow: the widest window in which acked-but-unflushed bytes exist, so a broker that acks before
 * its flush (or its replication) shows it. Under SYNC_FLUSH no acked message may be lost; under
 * SYNC_MASTER with ASYNC_FLUSH the slave keeps what the master acked, but the master comes back
 * without its unflushed tail and serves its queues again, so what the guarantee table
 * (checkers/guarantee.ts) allows to go missing is decided per message there.
 */
function dyingDiskPowerLoss(nodes: SwarmNodes): fc.Arbitrary<FaultDraw> {
  return fc.record({
    target: pick([...nodes.masters, ...nodes.slaves]), atS: fc.integer({ min: swarmTiming.firstInjectS, max: 20 }),
    slowS: fc.integer({ min: 1, max: 5 }), downS: fc.integer({ min: 1, max: 4 }), factor: pick([50, 200, 1_000]),
  }).map(({ target, atS, slowS, downS, factor }): FaultDraw => {
    const slowAtMs = atS * 1_000;
    const powerAtMs = slowAtMs + slowS * 1_000;
    const healAtMs = Math.min(powerAtMs + downS * 1_000, lastHealMs);
    return {
      kind: "dying-disk-power-loss", role: roleOf(nodes, target),
      faults: [
        { atMs: slowAtMs, healAtMs, fault: { kind: "slow-disk", target, factor } },
        { atMs: powerAtMs, healAtMs, fault: { kind: "power-loss", target } },
      ],
    };
  });
}

/** Every consumer of the checked group a case may have (a case drops the ones it lacks). */
function fleetConsumers(nodes: SwarmNodes): string[] {
  return nodes.allClients.filter((name) => name.startsWith(`consumer-${checkGroup}-`));
}

/**
 * A rack fails: a master and the whole consumer fleet crash at the same moment; the consumers come
 * back after 1–3 s, the master after 6–10 s. The consumers' last commits went to the master, so
 * the restarted ones, whose route now names only the slave (if any), take their offsets from the
 * slave's copy, synced from the master every slaveSyncIntervalMs (SlaveSynchronize), and read
 * again what was consumed since. Separately drawn, a master crash and a consumer crash rarely
 * meet like this: a consumer that outlives the master commits its offsets to the slave within
 * an offsetPersistMs, and the slave's synced table is never read.
 * The crash lands late (15–20 s): only then does the group have more history than the replay
 * depth the duplicates check grants a slave-synced offset (slaveSyncIntervalMs 10 s +
 * offsetPersistMs up to 3 s + slack), so a slave whose table is stale or empty shows as replays
 * too deep. Drawn from 2 s on, it caught a slave that never applies synced offsets in none of
 * 400 runs (seed 1, `--broken slaveSkipsOffsetSync`): the early crashes replayed only what any
 * depth allows.
 */
const failoverRestartAtS = { min: 15, max: 20 } as const;

function failoverRestart(nodes: SwarmNodes): fc.Arbitrary<FaultDraw> {
  return fc.record({
    master: pick(nodes.masters), atS: fc.integer(failoverRestartAtS),
    downS: fc.integer({ min: 6, max: 10 }), consumersDownS: fc.integer({ min: 1, max: 3 }),
  }).map(({ master, atS, downS, consumersDownS }): FaultDraw => {
    const crashAtMs = atS * 1_000;
    return {
      kind: "failover-restart", role: "master",
      faults: [
        { atMs: crashAtMs, healAtMs: Math.min(crashAtMs + downS * 1_000, lastHealMs), fault: { kind: "crash", target: master } },
        // Every consumer of the group the case has (absent ones are dropped): a survivor would
        // take the master's queues over and commit their offsets to the slave itself.
        ...fleetConsumers(nodes).map((consumer): ScheduledFault => ({ atMs: crashAtMs, healAtMs: crashAtMs + consumersDownS * 1_000, fault: { kind: "crash", target: consumer } })),
      ],
    };
  });
}

function firewall(nodes: SwarmNodes, mode: "drop" | "reject", direction: "both" | "one-way"): fc.Arbitrary<FaultDraw> {
  const kind: SwarmFaultKind = direction === "one-way" ? "one-way-drop" : mode === "drop" ? "firewall-drop" : "firewall-reject";
  const servers = [...nodes.masters, ...nodes.slaves];
  // (source, target, port role): clients and slaves to brokers, everyone to NameServers.
  const flows: [string, string, PortRole][] = [
    ...[...nodes.alwaysProducers, ...nodes.alwaysConsumers].flatMap((source) => servers.map((target): [string, string, PortRole] => [source, target, "broker"])),
    ...[...servers, ...nodes.alwaysProducers, ...nodes.alwaysConsumers].flatMap((source) => nodes.nameServers.map((target): [string, string, PortRole] => [source, target, "namesrv"])),
    ...nodes.slavePairs.map(([slave, master]): [string, string, PortRole] => [slave, master, "ha"]),
  ];
  return fc.record({ window: windowArbitrary, flow: pick(flows) }).map(({ window, flow: [source, target, port] }): FaultDraw => ({
    kind, role: roleOf(nodes, target), faults: [at(window, { kind: "firewall", source, target, port, mode, direction })],
  }));
}

function flow(nodes: SwarmNodes, lossy: boolean): fc.Arbitrary<FaultDraw> {
  const everyone = everyNode(nodes);
  // Only flows that carry traffic: one side a broker, or a NameServer and a non-NameServer.
  const isBroker = (name: string): boolean => ["master", "slave"].includes(roleOf(nodes, name));
  const talks = (a: string, b: string): boolean => a !== b && (isBroker(a) || isBroker(b) ||
    (roleOf(nodes, a) === "namesrv") !== (roleOf(nodes, b) === "namesrv"));
  const pairs = everyone.flatMap((source) => everyone.filter((target) => talks(source, target)).map((target): [string, string] => [source, target]));
  return fc.record({
    window: windowArbitrary, pair: pick(pairs), delayMs: pick([20, 100, 500, 2_000]), jitterMs: pick([0, 20, 200]),
    lossPercent: lossy ? pick([5, 20, 50]) : fc.constant(0), direction: pick(["both", "one-way"] as const),
    // A flaky middlebox: this % of the flow's writes reset their connection mid-frame (0 first: shrinks away).
    resetPercent: pick([0, 1, 5]),
  }).map(({ window, pair: [source, target], delayMs, jitterMs, lossPercent, direction, resetPercent }): FaultDraw => ({
    kind: lossy ? "flow-loss" : "flow-latency", role: roleOf(nodes, target),
    faults: [at(window, { kind: "flow", source, target, delayMs, jitterMs, lossPercent, direction, ...(resetPercent > 0 ? { resetPercent } : {}) })],
  }));
}

/**
 * A middlebox resets the connections between a node and a server it talks to (clients and
 * slaves to brokers, everyone to NameServers, brokers to each other's HA port): mid-frame or
 * after what was written, with the far side hearing the RST up to 2 s later. Instantaneous; the
 * window's heal only disarms a mid-frame reset still waiting for a write.
 */
function connectionReset(nodes: SwarmNodes): fc.Arbitrary<FaultDraw> {
  const servers = [...nodes.masters, ...nodes.slaves];
  const clients = [...nodes.alwaysProducers, ...nodes.alwaysConsumers];
  const flows: [string, string, PortRole][] = [
    ...clients.flatMap((source) => servers.map((target): [string, string, PortRole] => [source, target, "broker"])),
    ...[...servers, ...clients].flatMap((source) => nodes.nameServers.map((target): [string, string, PortRole] => [source, target, "namesrv"])),
    ...nodes.slavePairs.map(([slave, master]): [string, string, PortRole] => [slave, master, "ha"]),
  ];
  return fc.record({ window: windowArbitrary, flow: pick(flows), midFrame: fc.boolean(), asymmetricDelayMs: pick([0, 300, 2_000]) })
    .map(({ window, flow: [source, target, port], midFrame, asymmetricDelayMs }): FaultDraw => ({
      kind: "conn-reset", role: roleOf(nodes, target),
      faults: [at(window, { kind: "connection-reset", source, target, port, midFrame, ...(asymmetricDelayMs > 0 ? { asymmetricDelayMs } : {}) })],
    }));
}

function namesrvOnly(nodes: SwarmNodes): fc.Arbitrary<FaultDraw> {
  const others = [...nodes.masters, ...nodes.slaves, ...nodes.allClients];
  return fc.record({ window: windowArbitrary, mode: pick(["drop", "reject"] as const) }).map(({ window, mode }): FaultDraw => ({
    kind: "partition-namesrv-only", role: "namesrv",
    faults: nodes.nameServers.flatMap((target) => others.map((source) => at(window, { kind: "firewall", source, target, port: "namesrv", mode, direction: "both" }))),
  }));
}

/** Every slave cut from its master's HA port at once (needs a topology with slaves). */
function replicationOnly(nodes: SwarmNodes): fc.Arbitrary<FaultDraw> {
  return fc.record({ window: windowArbitrary, mode: pick(["drop", "reject"] as const), all: fc.boolean(), pair: pick(nodes.slavePairs) })
    .map(({ window, mode, all, pair }): FaultDraw => ({
      kind: "partition-replication-only", role: "slave",
      faults: (all ? nodes.slavePairs : [pair]).map(([slave, master]) => at(window, { kind: "firewall", source: slave, target: master, port: "ha", mode, direction: "both" })),
    }));
}

/** One draw of a kind over a topology's nodes; undefined when the topology cannot have it. */
export function swarmFaultDraw(kind: SwarmFaultKind, nodes: SwarmNodes): fc.Arbitrary<FaultDraw> | undefined {
  const brokers = [...nodes.masters, ...nodes.slaves];
  switch (kind) {
    case "crash": return single(kind, nodes, everyNode(nodes), (target) => fc.constant({ kind: "crash", target }));
    case "power-loss": return single(kind, nodes, everyNode(nodes), (target) => fc.constant({ kind: "power-loss", target }));
    case "pause": return single(kind, nodes, everyNode(nodes), (target) => fc.constant({ kind: "pause", target }));
    // A clean shutdown and start (an operator's restart): the broker removes its abort file and
    // recovers normally; SYNC_FLUSH puts still waiting for their fsync are answered on the way down.
    case "clean-restart": return single(kind, nodes, everyNode(nodes), (target) => fc.constant({ kind: "clean-restart", target }));
    case "restart-loop": return restartLoop(nodes);
    case "clock-skew":
      // Servers only: a workload client stamps its history events with its own Env clock
      // (chaos/workload/), so skewing a client skews the evidence the checkers read (the order
      // checker then sees reorders that did not happen). Client skew needs lab-time stamps first.
      return single(kind, nodes, [...brokers, ...nodes.nameServers], (target) => fc.record({ seconds: fc.integer({ min: 1, max: 120 }), ahead: fc.boolean() })
        .map(({ seconds, ahead }): Fault => ({ kind: "clock-skew", target, offsetMs: (ahead ? 1 : -1) * seconds * 1_000 })));
    // 5,000× turns a 1-2 ms fsync into 5-10 s: longer than either syncFlushTimeout drawn, so
    // SYNC_FLUSH puts time out waiting for their group commit (FLUSH_DISK_TIMEOUT).
    case "slow-disk": return single(kind, nodes, brokers, (target) => pick([10, 50, 200, 5_000]).map((factor): Fault => ({ kind: "slow-disk", target, factor })));
    case "disk-full": return single(kind, nodes, brokers, (target) => fc.constant({ kind: "disk-full", target }));
    case "dying-disk-power-loss": return dyingDiskPowerLoss(nodes);
    // EIO on writes and new files (puts fail: SERVICE_NOT_AVAILABLE / CREATE_MAPEDFILE_FAILED),
    // on fsyncs (flush rounds fail; SYNC_FLUSH puts time out), both, or inode exhaustion (a new
    // commit-log segment or consume-queue file cannot be created).
    case "disk-error": return single(kind, nodes, brokers, (target) => pick(["write", "fsync", "both", "create"] as const).map((errors): Fault => ({ kind: "disk-error", target, errors })));
    case "firewall-drop": return firewall(nodes, "drop", "both");
    case "firewall-reject": return firewall(nodes, "reject", "both");
    case "one-way-drop": return firewall(nodes, "drop", "one-way");
    case "heartbeat-loss":
      return fc.oneof(
        single(kind, nodes, brokers, (source) => fc.constant({ kind: "heartbeat-loss", scope: "broker-to-namesrv", source })),
        single(kind, nodes, [...nodes.alwaysProducers, ...nodes.alwaysConsumers], (source) => fc.constant({ kind: "heartbeat-loss", scope: "client-to-broker", source })),
      );
    case "flow-latency": return flow(nodes, false);
    case "flow-loss": return flow(nodes, true);
    case "partition-isolate": return single(kind, nodes, everyNode(nodes), (target) => fc.constant({ kind: "partition", shape: "isolate", target }));
    case "partition-bridge": return single(kind, nodes, everyNode(nodes), (target) => fc.constant({ kind: "partition", shape: "bridge", target }));
    case "partition-halves":
      return windowArbitrary.map((window): FaultDraw => ({ kind, role: "cluster", faults: [at(window, { kind: "partition", shape: "halves" })] }));
    case "partition-ring":
      return windowArbitrary.map((window): FaultDraw => ({ kind, role: "cluster", faults: [at(window, { kind: "partition", shape: "majorities-ring" })] }));
    case "partition-namesrv-only": return namesrvOnly(nodes);
    case "partition-replication-only": return nodes.slavePairs.length === 0 ? undefined : replicationOnly(nodes);
    case "namesrv-all-down":
      return windowArbitrary.map((window): FaultDraw => ({ kind, role: "namesrv", faults: [at(window, { kind: "namesrv-all-down" })] }));
    case "conn-reset": return connectionReset(nodes);
    // Undecodable frames and requests nobody serves on a server's remoting port, beside the
    // workload (chaos/faults/rogue_peer.ts; judged by the rogue-peer checker).
    case "rogue-peer": return single(kind, nodes, [...brokers, ...nodes.nameServers], (target) => fc.constant({ kind: "rogue-peer", target }));
    case "failover-restart": return failoverRestart(nodes);
  }
}

export type SwarmFaultWeights = Partial<Record<SwarmFaultKind, number>>;

/** Up to `max` draws, weighted by kind; kinds the topology cannot have are left out. */
export function faultDrawsArbitrary(topology: TopologyName, weights: SwarmFaultWeights, max: number): fc.Arbitrary<FaultDraw[]> {
  const nodes = swarmNodes(topology);
  const weighted = swarmFaultKinds.flatMap((kind) => {
    const weight = weights[kind] ?? 0;
    const arbitrary = weight > 0 ? swarmFaultDraw(kind, nodes) : undefined;
    return arbitrary === undefined ? [] : [{ arbitrary, weight }];
  });
  if (weighted.length === 0) return fc.constant([]);
  return fc.array(fc.oneof(...weighted), { maxLength: max });
}
