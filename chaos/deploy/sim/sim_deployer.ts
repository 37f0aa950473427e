// The `sim` deployer: the whole cluster and its workload in one deterministic world. Nodes get
// the same addresses and ports as under the process deployer; every fault is available,
// including the ones only a simulator can give (power loss with torn writes, clock skew).
import { createWorld, segmentationModerate, type EventCosts, withWorldTrapped, type SegmentationSpec, type SegmentFilter, type SimLogLine, type SimNode, type World, type NodeHandle, type SimDisk } from "../../sim/index.ts";
import type { Fault, FaultKind, PortRole } from "../../faults/types.ts";
import type { HistoryRecorder } from "../../history/types.ts";
import type { Workload } from "../../scenario.ts";
import { runWorkloadNode } from "../../workload/index.ts";
import { rogueNodeName, startRoguePeer } from "../../faults/rogue_peer.ts";
import { rogueEventOf } from "../../faults/rogue_event.ts";
import { workerSpecs } from "../worker_protocol.ts";
import { AddressPlan } from "../address_plan.ts";
import type { Cluster, ClusterPlan, DeployedNode, Deployer, FaultSupport } from "../types.ts";
import type { ProbeHits } from "../../result.ts";
import { ProbeCounter } from "../../../system/env/index.ts";
import { brokerEntry, namesrvEntry, simStoreDir } from "./sim_nodes.ts";
import { partitionCuts } from "./partition_shapes.ts";
import { storeDigestEvents } from "./store_digest.ts";
import { StateFaults } from "./state_faults.ts";
import { decodeFramePayload, RequestCode } from "../../../system/remoting/index.ts";
import { errorText, assertNever } from "../../../system/stdx/index.ts";

/** How long a start may take in virtual time before the deploy is declared failed. */
const startTimeoutMs = 60_000;

/** One remoting frame per write(): [length 4][payload]. A request has flag bit 0 clear. */
function isHeartbeatRequest(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  try {
    const command = decodeFramePayload(bytes.subarray(4));
    return command.code === RequestCode.HEART_BEAT && (command.flag & 1) === 0;
  } catch {
    return false;
  }
}

export interface SimDeployerOptions {
  /** Network latency between nodes (RocketMQ on one LAN: a fraction of a millisecond). */
  latencyMs?: number;
  jitterMs?: number;
  /** Print node logs (debug aid). */
  logLevel?: "debug" | "info" | "warn" | "error";
  printLogs?: boolean;
  /**
   * How hostile TCP streams are: default segmentationModerate (a quarter of writes split at a
   * random byte, a quarter coalesced with the next, pieces up to 50 µs apart), so every lab run
   * exercises the decoders; null: every write arrives whole (the gentle network).
   */
  segmentation?: Readonly<SegmentationSpec> | null;
  /** Book CPU per kind of simulated event (bench-sim --by-event); the run is unchanged. */
  eventCosts?: EventCosts;
  /** The world's runaway budget (chaos/sim/runaway_guard.ts); its default suits every real run. */
  eventsPerSimSecondMax?: number;
}

export class SimDeployer implements Deployer {
  readonly name = "sim" as const;
  constructor(private readonly options: SimDeployerOptions = {}) {}

  supports(_kind: FaultKind): FaultSupport {
    return { supported: true };
  }

  /** The scenario's choice, else this deployer's, else moderate segmentation. */
  private segmentationFor(plan: ClusterPlan): Readonly<SegmentationSpec> | null {
    const fromScenario = plan.simNetwork?.segmentation;
    if (fromScenario !== undefined) return fromScenario;
    return this.options.segmentation === undefined ? segmentationModerate : this.options.segmentation;
  }

  async deploy(plan: ClusterPlan, options: { outDir: string; history: HistoryRecorder }): Promise<Cluster> {
    const world = createWorld({
      seed: plan.seed,
      network: {
        latencyMs: this.options.latencyMs ?? 0.2, jitterMs: this.options.jitterMs ?? 0.1,
        segmentation: this.segmentationFor(plan),
      },
      log: {
        level: this.options.logLevel ?? "warn",
        ...(this.options.printLogs === true ? { sink: (line: SimLogLine) => process.stderr.write(`${(line.virtualMs / 1000).toFixed(3)} ${line.node} ${line.level} ${line.message} ${JSON.stringify(line.fields)}\n`) } : {}),
      },
      nodeErrors: "crash",
      ...(this.options.eventCosts === undefined ? {} : { eventCosts: this.options.eventCosts }),
      ...(this.options.eventsPerSimSecondMax === undefined ? {} : { eventsPerSimSecondMax: this.options.eventsPerSimSecondMax }),
    });
    const cluster = new SimCluster(world, plan, options.history);
    await cluster.bringUp();
    return cluster;
  }
}

class SimCluster implements Cluster {
  readonly deployer = "sim" as const;
  private readonly addresses: AddressPlan;
  private readonly startEpochMs: number;
  private readonly clientHandles = new Map<string, { stopProducing(): Promise<void>; stop(): Promise<void>; drain?(): Promise<void>; setAclSecret?(secretKey: string | undefined): void }>();
  /** Set by stopProducers: producers started from then on stop producing at once. */
  private producersStopped = false;
  private readonly faultUndo = new Map<number, () => Promise<void> | void>();
  /** Faults that set a node's state: overlapping ones of a kind on one node stack (state_faults.ts). */
  private readonly stateFaults = new StateFaults({
    setClockSkewMs: (node, skewMs) => this.node(node).setClockSkewMs(skewMs),
    setSlowFactor: (node, factor) => this.node(node).disk.setSlowFactor(factor),
    setFull: (node, full) => {
      if (full) this.node(node).disk.fill();
      else {
        this.node(node).disk.restoreCapacity();
        this.restartIfStartFailed(node);
      }
    },
    setIoErrors: (node, errors) => {
      this.node(node).disk.setIoErrors(errors);
      if (errors === "none") this.restartIfStartFailed(node);
    },
  });
  /** world.failures already copied into the history. */
  private failuresRecorded = 0;
  /**
   * Nodes whose last restart failed to start (its entry rejected, as a broker exits when its
   * store cannot create the abort file on a failing disk): the heal of a disk fault on such a
   * node starts it again, as an operator does once the disk is repaired.
   */
  private readonly startFailed = new Set<string>();

  constructor(
    private readonly world: World,
    private readonly plan: ClusterPlan,
    private readonly history: HistoryRecorder,
  ) {
    // Simulated hosts live on their own subnet (127/8 is every real host's loopback).
    this.addresses = new AddressPlan(plan.nameServers, plan.brokers.map((broker) => broker.node), { ipPrefix: "10.0" });
    this.startEpochMs = world.nowMs;
  }

  nowMs(): number {
    return Math.round(this.world.nowMs - this.startEpochMs);
  }

  private async settle<T>(promise: Promise<T>, what: string): Promise<T> {
    try {
      return await withWorldTrapped(() => this.world.settle(promise, { timeoutMs: startTimeoutMs }));
    } catch (error) {
      throw new Error(`${what}: ${errorText(error)}`, { cause: error });
    }
  }

  async bringUp(): Promise<void> {
    for (const name of this.plan.nameServers) {
      const address = this.addresses.get(name);
      const node = this.world.addNode({ name, ip: address.ip });
      await this.settle(node.start(namesrvEntry(address, this.plan.intervals, this.plan.testFaults)), `start ${name}`);
      this.recordNode(name, "start");
    }
    const namesrvAddr = this.addresses.namesrvAddr();
    for (const broker of this.plan.brokers) {
      const address = this.addresses.get(broker.node);
      const node = this.world.addNode({ name: broker.node, ip: address.ip });
      await this.settle(node.start(brokerEntry(broker, address, { namesrvAddr, ...(this.plan.testFaults === undefined ? {} : { testFaults: this.plan.testFaults }) })), `start ${broker.node}`);
      this.recordNode(broker.node, "start");
    }
    // Let registrations reach the NameServers before clients ask for routes.
    await this.advanceTo(this.nowMs() + 1_000);
  }

  private recordNode(node: string, event: "start" | "crash" | "power-loss" | "restart" | "pause" | "resume" | "stop"): void {
    this.history.record({ type: "node", timeMs: this.nowMs(), node, event });
  }

  async advanceTo(ms: number): Promise<void> {
    const targetEpochMs = this.startEpochMs + ms;
    if (targetEpochMs <= this.world.nowMs) return;
    await withWorldTrapped(() => this.world.runUntil(targetEpochMs));
    this.recordFailures();
  }

  /**
   * A node callback that threw crashed that node (nodeErrors "crash"): the history says so, so
   * a checker or a test sees a system bug instead of an unexplained silence.
   */
  private recordFailures(): void {
    for (; this.failuresRecorded < this.world.failures.length; this.failuresRecorded++) {
      const failure = this.world.failures[this.failuresRecorded]!;
      const error = failure.error instanceof Error ? `${failure.error.name}: ${failure.error.message}` : String(failure.error);
      this.history.record({ type: "note", timeMs: Math.round(failure.atMs), process: failure.node, text: `node failed (its process crashed): ${error}` });
    }
  }

  nodes(): DeployedNode[] {
    return this.world.nodes().map((node) => {
      const address = this.addresses.has(node.name) ? this.addresses.get(node.name) : undefined;
      const deployed: DeployedNode = { name: node.name, role: address?.role ?? "producer", alive: node.alive };
      if (address?.port !== undefined) deployed.address = `${address.ip}:${address.port}`;
      return deployed;
    });
  }

  namesrvAddr(): string {
    return this.addresses.namesrvAddr();
  }

  async startWorkload(workload: Workload, history: HistoryRecorder): Promise<void> {
    const specs = workerSpecs({
      namesrvAddr: this.addresses.namesrvAddr(),
      runStartEpochMs: this.startEpochMs,
      seed: this.plan.seed,
      intervals: this.plan.intervals,
      workload,
    });
    for (const spec of specs) {
      const address = this.addresses.addClient(spec.node, spec.role);
      const node = this.world.addNode({ name: spec.node, ip: address.ip });
      const entry = async (env: Parameters<typeof runWorkloadNode>[0]): Promise<NodeHandle> => {
        const handle = await runWorkloadNode(env, { ...spec, stateDir: `/state/${spec.node}` }, history);
        this.clientHandles.set(spec.node, handle);
        // A producer (re)started after the run told producers to stop (its restart was still
        // creating topics, or a heal restarted it) must not send: nothing would stop it again.
        if (this.producersStopped && spec.role === "producer") await handle.stopProducing();
        return handle;
      };
      await this.settle(node.start(entry), `start ${spec.node}`);
      this.recordNode(spec.node, "start");
    }
  }

  async stopProducers(): Promise<void> {
    this.producersStopped = true;
    const stopping = [...this.clientHandles.entries()]
      .filter(([name, handle]) => name.startsWith("producer-") && this.isCurrent(name, handle))
      .map(([, handle]) => handle.stopProducing());
    await this.settle(Promise.all(stopping), "stop producers");
  }

  async drainWorkload(): Promise<void> {
    const draining = [...this.clientHandles.entries()]
      .filter(([name, handle]) => this.isCurrent(name, handle))
      .map(([, handle]) => handle.drain?.() ?? Promise.resolve());
    await this.settle(Promise.all(draining), "drain workload");
  }

  /**
   * Is this the live incarnation's handle? A node restarting after a crash is alive while its
   * entry still runs (topic creation, say) and clientHandles then holds the crashed incarnation's
   * handle, whose in-flight sends never settle (battery seed 1 swarm run 264 waited on one).
   */
  private isCurrent(name: string, handle: unknown): boolean {
    const node = this.world.node(name);
    return node.alive && node.handle === handle;
  }

  private node(name: string): SimNode {
    return this.world.node(name);
  }

  private port(target: string, role: PortRole): number | undefined {
    return role === "any" ? undefined : this.addresses.portOf(target, role);
  }

  private crash(name: string, mode: "process" | "power"): void {
    const node = this.node(name);
    if (!node.alive) return;
    this.startFailed.delete(name);
    node.crash({ mode });
    this.recordNode(name, mode === "power" ? "power-loss" : "crash");
    const group = /^consumer-(.+)-\d+$/.exec(name)?.[1];
    // A crashed consumer cannot say it left; the lab records it for the rebalance checker.
    if (group !== undefined) this.history.record({ type: "membership", timeMs: this.nowMs(), process: name, group, change: "leave" });
  }

  /**
   * A graceful stop (clean-restart): the node's own shutdown runs in virtual time while the
   * timeline goes on (a slow disk makes it slow); the heal restarts the node once it is down.
   */
  private cleanStop(name: string): Promise<void> {
    const node = this.node(name);
    if (!node.alive || node.paused) {
      this.note(name, `clean stop skipped: node is ${node.alive ? "paused" : "down"}`);
      return Promise.resolve();
    }
    const group = /^consumer-(.+)-\d+$/.exec(name)?.[1];
    return node.stop().then(() => {
      this.recordNode(name, "stop");
      if (group !== undefined) this.history.record({ type: "membership", timeMs: this.nowMs(), process: name, group, change: "leave" });
    }, (error: unknown) => this.note(name, `clean stop failed: ${String(error)}`));
  }

  /**
   * Starts the node again from its disk without waiting for it to come up: the timeline goes
   * on at its exact times, as a real restart command returns before the service is ready.
   */
  private restart(name: string): void {
    const node = this.node(name);
    if (node.alive) return this.note(name, "restart skipped: node is still running");
    this.startFailed.delete(name);
    this.recordNode(name, "restart");
    node.restart().then(undefined, (error: unknown) => {
      this.startFailed.add(name);
      this.history.record({ type: "note", timeMs: this.nowMs(), process: name, text: `restart failed: ${String(error)}` });
    });
  }

  /**
   * A disk fault healed: a node whose restart failed while the disk was failing (4.9.x
   * BrokerStartup exits when DefaultMessageStore.start() cannot create the abort file) is
   * started again. Without this a power loss healed under a disk error left the broker down for
   * good, and acked messages safe on its disk counted as lost (battery seed 1 runs 1179, 1249).
   */
  private restartIfStartFailed(name: string): void {
    if (!this.startFailed.has(name) || this.node(name).alive) return;
    this.note(name, "restart again: the disk fault its last start failed under has healed");
    this.restart(name);
  }

  private note(process: string, text: string): void {
    this.history.record({ type: "note", timeMs: this.nowMs(), process, text });
  }

  async inject(fault: Fault, faultIndex: number): Promise<void> {
    const net = this.world.net;
    switch (fault.kind) {
      case "crash":
      case "power-loss": {
        this.crash(fault.target, fault.kind === "crash" ? "process" : "power");
        this.faultUndo.set(faultIndex, () => this.restart(fault.target));
        return;
      }
      case "clean-restart": {
        const stopped = this.cleanStop(fault.target);
        this.faultUndo.set(faultIndex, () => void stopped.then(() => this.restart(fault.target)));
        return;
      }
      case "namesrv-all-down": {
        for (const name of this.plan.nameServers) this.crash(name, "process");
        this.faultUndo.set(faultIndex, () => {
          for (const name of this.plan.nameServers) this.restart(name);
        });
        return;
      }
      case "pause": {
        const node = this.node(fault.target);
        // A schedule may pause a node another fault has crashed: nothing to freeze then.
        if (!node.alive || node.paused) return this.note(fault.target, `pause skipped: node is ${node.alive ? "already paused" : "down"}`);
        node.pause();
        this.recordNode(fault.target, "pause");
        this.faultUndo.set(faultIndex, () => {
          if (!node.alive || !node.paused) return;
          node.resume();
          this.recordNode(fault.target, "resume");
        });
        return;
      }
      case "firewall": {
        const port = this.port(fault.target, fault.port);
        const rule = net.addRule({ from: fault.source, to: fault.target, ...(port === undefined ? {} : { port }), direction: fault.direction, action: fault.mode });
        this.faultUndo.set(faultIndex, () => net.removeRule(rule));
        return;
      }
      case "heartbeat-loss": {
        if (fault.scope === "client-to-broker") {
          // Heartbeats share the connection with sends and pulls, so only a protocol-aware
          // filter can lose them alone: drop every HEART_BEAT request frame the client writes.
          const filterId = net.addSegmentFilter(({ from, bytes }) => (from === fault.source && isHeartbeatRequest(bytes) ? "drop" : "pass"));
          this.faultUndo.set(faultIndex, () => net.removeSegmentFilter(filterId));
          return;
        }
        const rules = this.plan.nameServers.map((namesrv) =>
          net.addRule({ from: fault.source, to: namesrv, port: this.addresses.get(namesrv).port ?? 9876, direction: "one-way", action: "drop" }));
        this.faultUndo.set(faultIndex, () => rules.forEach((rule) => net.removeRule(rule)));
        return;
      }
      case "partition": {
        const names = this.world.nodes().map((node) => node.name);
        const rules = partitionCuts(fault.shape, names, fault.target).map(([a, b]) => net.addRule({ from: a, to: b, action: "drop" }));
        this.faultUndo.set(faultIndex, () => rules.forEach((rule) => net.removeRule(rule)));
        return;
      }
      case "flow": {
        const flowFault = net.addFlowFault({
          from: fault.source, to: fault.target, direction: fault.direction, delayMs: fault.delayMs, jitterMs: fault.jitterMs,
          lossNumerator: Math.round(fault.lossPercent * 100), lossDenominator: 10_000,
          ...(fault.resetPercent === undefined ? {} : { resetMidFrame: { numerator: Math.round(fault.resetPercent * 100), denominator: 10_000 } }),
        });
        const bandwidthFilter = fault.bandwidthBytesPerSecond === undefined ? undefined : net.addSegmentFilter(this.slowLink(fault, fault.bandwidthBytesPerSecond));
        this.faultUndo.set(faultIndex, () => {
          net.removeFlowFault(flowFault);
          if (bandwidthFilter !== undefined) net.removeSegmentFilter(bandwidthFilter);
        });
        return;
      }
      case "connection-reset": {
        const port = fault.port === undefined ? undefined : this.port(fault.target, fault.port);
        const handle = net.resetConnections({
          from: fault.source, to: fault.target, midFrame: fault.midFrame,
          ...(port === undefined ? {} : { port }),
          ...(fault.asymmetricDelayMs === undefined ? {} : { asymmetricDelayMs: fault.asymmetricDelayMs }),
        });
        this.note(fault.source, `connection-reset ${fault.source}->${fault.target}: ${handle.reset} reset, ${handle.armed} armed for their next frame`);
        this.faultUndo.set(faultIndex, () => handle.disarm());
        return;
      }
      case "clock-skew":
      case "slow-disk":
      case "disk-full":
      case "disk-error": {
        this.stateFaults.inject(fault, faultIndex);
        this.faultUndo.set(faultIndex, () => this.stateFaults.heal(fault, faultIndex));
        return;
      }
      case "acl-secret": {
        const handle = this.clientHandles.get(fault.target);
        if (handle?.setAclSecret === undefined) return this.note(fault.target, "acl-secret skipped: not a running workload client");
        handle.setAclSecret(fault.secretKey);
        this.note(fault.target, "ACL secret replaced");
        this.faultUndo.set(faultIndex, () => handle.setAclSecret?.(undefined));
        return;
      }
      case "acl-file": {
        const disk = this.node(fault.target).disk;
        const original = this.plan.brokers.find((broker) => broker.node === fault.target)?.aclFile ?? "";
        writeAclFile(disk, fault.text);
        this.note(fault.target, "plain_acl.yml edited");
        this.faultUndo.set(faultIndex, () => writeAclFile(disk, original));
        return;
      }
      case "rogue-peer": {
        this.startRogue(fault.target, faultIndex);
        return;
      }
      default:
        // A new Fault kind must be played here: this stops compiling until it is.
        assertNever(fault, "fault kind the simulator does not play");
    }
  }

  /**
   * A rogue peer on a node of its own (`rogue-<fault number>`, a client address) attacks the
   * target's main port until the heal stops it; each attack's outcome is a history event.
   */
  private startRogue(target: string, faultIndex: number): void {
    const targetAddress = this.addresses.get(target);
    if (targetAddress.port === undefined || (targetAddress.role !== "namesrv" && targetAddress.role !== "broker")) {
      throw new Error(`rogue-peer: "${target}" is not a NameServer or a broker`);
    }
    const name = rogueNodeName(faultIndex);
    const node = this.world.addNode({ name, ip: this.addresses.addClient(name, "rogue").ip });
    const serverRole = targetAddress.role;
    const entry = async (env: Parameters<typeof startRoguePeer>[0]): Promise<NodeHandle> => startRoguePeer(env, {
      host: targetAddress.ip, port: targetAddress.port!, serverRole,
      onAttempt: (attempt) => this.history.record(rogueEventOf(attempt, name, target, this.startEpochMs)),
    });
    this.recordNode(name, "start");
    node.start(entry).then(undefined, (error: unknown) => this.note(name, `rogue peer failed to start: ${errorText(error)}`));
    // The attack in progress finishes (its outcome is recorded), then the rogue's process exits.
    this.faultUndo.set(faultIndex, () => void node.stop().then(() => this.recordNode(name, "stop")));
  }

  /**
   * A slow link as a segment filter: a connection's writes cross one after another at the given
   * rate. The backlog is per connection and direction, so bytes a reset connection never sent
   * free the link.
   */
  private slowLink(fault: Extract<Fault, { kind: "flow" }>, bytesPerSecond: number): SegmentFilter {
    const busyUntilMs = new Map<string, number>();
    return ({ from, to, bytes, connId }) => {
      const key = `${connId}>${to}`;
      const forward = from === fault.source && to === fault.target;
      if (!forward && !(fault.direction === "both" && from === fault.target && to === fault.source)) return "pass";
      const startMs = Math.max(this.world.nowMs, busyUntilMs.get(key) ?? 0);
      const doneMs = startMs + bytes.length * 1000 / bytesPerSecond;
      busyUntilMs.set(key, doneMs);
      return { delayMs: doneMs - this.world.nowMs };
    };
  }

  async heal(_fault: Fault, faultIndex: number): Promise<void> {
    const undo = this.faultUndo.get(faultIndex);
    if (!undo) return;
    this.faultUndo.delete(faultIndex);
    await undo();
  }

  async teardown(): Promise<void> {
    // Teardown comes after the drain: the commit logs are as replication left them.
    this.recordStoreDigests();
    // The world is dropped with the cluster: nothing outlives a simulated run.
    this.clientHandles.clear();
  }

  /**
   * Replica consistency's and store integrity's evidence: each broker's commit log, read from its
   * disk (store_digest.ts), and a running broker's consume queues against it (consume_queue_audit.ts).
   */
  private recordStoreDigests(): void {
    const brokers = this.plan.brokers.filter((broker) => this.world.nodes().some((node) => node.name === broker.node)).map((broker) => ({
      node: broker.node, brokerName: broker.brokerName, role: broker.brokerId === 0 ? "master" as const : "slave" as const,
      disk: this.node(broker.node).disk, commitLogDir: `${simStoreDir}/commitlog`,
      ...(this.node(broker.node).alive ? { consumeQueueDir: `${simStoreDir}/consumequeue` } : {}),
    }));
    for (const event of storeDigestEvents(brokers, this.nowMs())) this.history.record(event);
  }

  traceHash(): string {
    return this.world.traceHash();
  }

  eventsProcessed(): number {
    return this.world.eventsProcessed;
  }

  probeHits(): ProbeHits {
    const total = new ProbeCounter();
    for (const node of this.world.nodes()) total.addAll(node.probes.snapshot());
    return total.snapshot();
  }
}

/** Where a simulated broker's plain_acl.yml lives: rocketmqHome is the sim's home dir (sim_nodes.ts). */
export const simAclFilePath = "/home/mq/conf/plain_acl.yml";

/** Rewrites a broker's plain_acl.yml in place (page cache; the broker's watcher reads it). */
function writeAclFile(disk: SimDisk, text: string): void {
  disk.mkdirs(simAclFilePath.slice(0, simAclFilePath.lastIndexOf("/")));
  const inode = disk.openInode(simAclFilePath, true);
  disk.truncate(inode, 0);
  disk.write(inode, 0, new TextEncoder().encode(text));
}
