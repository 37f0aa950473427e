// A running container cluster: real time passes (advanceTo sleeps), faults act on containers
// and their network namespaces, workload clients run chaos/deploy/worker.ts in containers of
// their own and stream history over stdout. Teardown stops clients, then servers, then removes
// every container, the network and the volumes of the run, and says so if anything is left.
import { runNowMs, waitForRunTime } from "../run_clock.ts";
import { UnsupportedFaultError, type Fault } from "../../faults/types.ts";
import type { HistoryRecorder, NodeEvent } from "../../history/types.ts";
import type { Workload } from "../../scenario.ts";
import { clientNodes, type AddressPlan } from "../process/address_plan.ts";
import { faultPacketRules } from "../process/packet_rules.ts";
import type { Cluster, ClusterPlan, DeployedNode, DeployerName } from "../types.ts";
import { controlPrefix, parseWorkerLine, WorkerHistoryBridge, type WorkerSpec } from "../worker_protocol.ts";
import { listLeftovers, removeRunResources, type InterruptCleanup } from "./cleanup.ts";
import type { Engine } from "./engine.ts";
import { NodeContainer } from "./node_container.ts";
import { ContainerPacketFilter } from "./packet_filter.ts";
import type { RunNetwork } from "./run_network.ts";

export interface BringUpTimes {
  topology: string;
  image: string;
  imageBuilt: boolean;
  imageMs: number;
  imageSizeBytes: number;
  networkMs: number;
  namesrvMs: number;
  brokersMs: number;
  totalMs: number;
  workersMs?: number;
}

export interface ContainerClusterParts {
  engine: Engine;
  runId: string;
  image: string;
  network: RunNetwork;
  addresses: AddressPlan;
  nodes: NodeContainer[];
  nodesDir: string;
  /** Where each node's stdout lines go (workers register theirs). */
  output: Map<string, (line: string) => void>;
  history: HistoryRecorder;
  interrupt: InterruptCleanup;
  times: BringUpTimes;
  plan: ClusterPlan;
  /** Absolute path inside the image of the workers' workload module (tests' stand-ins). */
  workloadModule?: string;
}

export const workerEntry = "chaos/deploy/worker.ts";

export class ContainerCluster implements Cluster {
  readonly deployer: DeployerName = "container";
  readonly runId: string;
  readonly times: BringUpTimes;
  private readonly runStartEpochMs = Date.now();
  private readonly nodesByName = new Map<string, NodeContainer>();
  private readonly filter: ContainerPacketFilter;
  private readonly starts = new Map<string, number>();
  private bridge: WorkerHistoryBridge | undefined;
  readonly addresses: AddressPlan;
  private tornDown = false;

  constructor(private readonly parts: ContainerClusterParts) {
    this.runId = parts.runId;
    this.times = parts.times;
    this.addresses = parts.addresses;
    for (const node of parts.nodes) this.nodesByName.set(node.spec.name, node);
    this.filter = new ContainerPacketFilter(() => [...this.nodesByName.values()].map((node) => ({ name: node.spec.name, ip: node.spec.ip, hostPid: () => node.hostPid() })));
  }

  nowMs(): number {
    return runNowMs(this.runStartEpochMs);
  }

  advanceTo(ms: number): Promise<void> {
    return waitForRunTime(this.runStartEpochMs, ms);
  }

  nodes(): DeployedNode[] {
    return [...this.nodesByName.values()].map((node) => {
      const address = this.parts.addresses.get(node.spec.name);
      return {
        name: node.spec.name,
        role: node.spec.role,
        ...(address.port === undefined ? {} : { address: `${address.ip}:${address.port}` }),
        alive: node.alive,
      };
    });
  }

  namesrvAddr(): string {
    return this.parts.addresses.namesrvAddr();
  }

  /** The container of a node (tests, debugging). */
  node(name: string): NodeContainer {
    const node = this.nodesByName.get(name);
    if (node === undefined) throw new Error(`unknown node "${name}" (known: ${[...this.nodesByName.keys()].join(", ")})`);
    return node;
  }

  private recordNode(node: string, event: NodeEvent["event"]): void {
    this.parts.history.record({ type: "node", timeMs: this.nowMs(), node, event });
  }

  private async crash(name: string): Promise<void> {
    await this.node(name).kill();
    this.recordNode(name, "crash");
  }

  private async restart(name: string): Promise<void> {
    const node = this.node(name);
    if (node.alive) return;
    this.starts.set(name, (this.starts.get(name) ?? 1) + 1);
    await node.restart();
    // The restarted container has a new, empty network namespace: its rules come back.
    await this.filter.sync({ name, ip: node.spec.ip, hostPid: () => node.hostPid() });
    this.recordNode(name, "restart");
  }

  async inject(fault: Fault, faultIndex: number): Promise<void> {
    switch (fault.kind) {
      case "crash":
        return this.crash(fault.target);
      case "pause":
        await this.node(fault.target).pause();
        return this.recordNode(fault.target, "pause");
      case "namesrv-all-down":
        for (const name of this.parts.plan.nameServers) await this.crash(name);
        return;
      case "flow":
        if ((fault.resetPercent ?? 0) > 0) throw new UnsupportedFaultError("container", "flow", "resetting connections inside frames needs the simulator's byte streams");
        if (fault.delayMs > 0 || fault.jitterMs > 0) {
          throw new UnsupportedFaultError("container", "flow", "added delay needs tc netem, which this kernel lacks; only loss (nftables numgen) is given for real");
        }
        return this.filter.add(faultIndex, faultPacketRules(fault, this.parts.addresses) ?? []);
      case "firewall":
      case "heartbeat-loss":
      case "partition":
        return this.filter.add(faultIndex, faultPacketRules(fault, this.parts.addresses) ?? []);
      default:
        throw new UnsupportedFaultError("container", fault.kind, "see ContainerDeployer.supports");
    }
  }

  async heal(fault: Fault, faultIndex: number): Promise<void> {
    switch (fault.kind) {
      case "crash":
        return this.restart(fault.target);
      case "pause":
        await this.node(fault.target).resume();
        return this.recordNode(fault.target, "resume");
      case "namesrv-all-down":
        await Promise.all(this.parts.plan.nameServers.map((name) => this.restart(name)));
        return;
      case "flow":
      case "firewall":
      case "heartbeat-loss":
      case "partition":
        return this.filter.remove(faultIndex);
      default:
        throw new UnsupportedFaultError("container", fault.kind, "see ContainerDeployer.supports");
    }
  }

  async startWorkload(workload: Workload, history: HistoryRecorder): Promise<void> {
    const startMs = performance.now();
    const bridge = (this.bridge ??= new WorkerHistoryBridge(history));
    const clients = clientNodes(workload);
    const indexInSpec = new Map<string, number>();
    const workers = clients.map((client) => {
      const address = this.parts.addresses.addClient(client.name, client.role);
      const spec = this.workerSpec(workload, client.name, client.role, indexInSpec);
      const node = new NodeContainer(this.parts.engine, {
        name: client.name,
        role: client.role,
        ip: address.ip,
        args: ["--import", "tsx", workerEntry, "--spec-json", JSON.stringify(spec), "--watch-stdin"],
        stdin: true,
        readyLine: /^@@control \{"event":"ready"/,
        failLine: /^@@control \{"event":"failed"/,
        readyTimeoutMs: 90_000,
      }, { stdoutLine: (name, line) => this.parts.output.get(name)?.(line) }, this.parts.nodesDir);
      this.parts.output.set(client.name, (line) => this.onWorkerLine(bridge, client.name, line));
      this.nodesByName.set(client.name, node);
      return node;
    });
    await Promise.all(workers.map((node) => node.start(this.parts.image, this.parts.network, this.runId)));
    for (const node of workers) this.recordNode(node.spec.name, "start");
    this.times.workersMs = Math.round(performance.now() - startMs);
  }

  private workerSpec(workload: Workload, name: string, role: "producer" | "consumer", indexInSpec: Map<string, number>): WorkerSpec {
    const base = { node: name, role, namesrvAddr: this.namesrvAddr(), runStartEpochMs: this.runStartEpochMs, seed: this.parts.plan.seed, intervals: this.parts.plan.intervals, workload,
      ...(this.parts.workloadModule === undefined ? {} : { module: this.parts.workloadModule }) };
    if (role === "producer") {
      // Producer nodes are numbered across specs in order (address_plan.clientNodes).
      let remaining = Number(name.slice("producer-".length));
      for (const producer of workload.producers) {
        if (remaining <= producer.count) return { ...base, producer, index: remaining };
        remaining -= producer.count;
      }
      throw new Error(`no producer spec for ${name}`);
    }
    const consumer = workload.consumers.find((group) => name.startsWith(`consumer-${group.group}-`));
    if (consumer === undefined) throw new Error(`no consumer group for ${name}`);
    const index = (indexInSpec.get(consumer.group) ?? 0) + 1;
    indexInSpec.set(consumer.group, index);
    return { ...base, consumer, index };
  }

  private onWorkerLine(bridge: WorkerHistoryBridge, name: string, line: string): void {
    const parsed = parseWorkerLine(line);
    if (parsed.kind === "history") bridge.accept(`${name}#${this.starts.get(name) ?? 1}`, parsed.event);
    else if (parsed.kind === "control" && parsed.control.event === "failed") {
      this.parts.history.record({ type: "note", timeMs: this.nowMs(), process: name, text: `worker failed: ${parsed.control.error.split("\n")[0]}` });
    }
  }

  async stopProducers(): Promise<void> {
    const producers = [...this.nodesByName.values()].filter((node) => node.spec.role === "producer" && node.alive);
    await Promise.all(producers.map((node) => node.signal("SIGUSR2")));
    const deadlineMs = performance.now() + this.parts.plan.intervals.sendTimeoutMs * 3 + 5_000;
    await Promise.all(producers.map((node) => node.waitLine(new RegExp(`^${controlPrefix}\\{"event":"producers-stopped"`), deadlineMs - performance.now()).catch(() => undefined)));
  }

  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    const nodes = [...this.nodesByName.values()];
    const problems: string[] = [];
    const stopAll = async (selected: NodeContainer[], graceSeconds: number): Promise<void> => {
      const results = await Promise.allSettled(selected.map((node) => node.stop(graceSeconds)));
      results.forEach((result, index) => {
        if (result.status === "rejected") problems.push(`stop ${selected[index]?.spec.name}: ${(result.reason as Error).message}`);
        else this.recordNode(selected[index]?.spec.name ?? "", "stop");
      });
    };
    await stopAll(nodes.filter((node) => node.spec.role === "producer" || node.spec.role === "consumer"), 10);
    await stopAll(nodes.filter((node) => node.spec.role === "broker"), 5);
    await stopAll(nodes.filter((node) => node.spec.role === "namesrv"), 5);
    await Promise.all(nodes.map((node) => node.closeLog()));
    try {
      await removeRunResources(this.parts.engine, this.runId);
    } catch (error) {
      problems.push((error as Error).message);
    }
    this.parts.interrupt.dispose();
    const left = await listLeftovers(this.parts.engine, this.runId);
    const count = left.containers.length + left.networks.length + left.volumes.length;
    if (count > 0) problems.push(`left behind: ${JSON.stringify(left)}`);
    if (problems.length > 0) throw new Error(`container teardown of run ${this.runId}: ${problems.join("; ")}`);
  }
}
