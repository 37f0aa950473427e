// A running container cluster: real time passes (advanceTo sleeps), faults act on containers
// and their network namespaces, workload clients run chaos/deploy/worker.ts in containers of
// their own and stream history over stdout. Teardown stops clients, then servers, then removes
// every container, the network and the volumes of the run, and says so if anything is left.
import { UnsupportedFaultError, type Fault } from "../../faults/types.ts";
import type { HistoryRecorder } from "../../history/types.ts";
import type { Workload } from "../../scenario.ts";
import { clientNodes, type AddressPlan } from "../address_plan.ts";
import type { Cluster, ClusterPlan, DeployedNode, DeployerName } from "../types.ts";
import { NodeTable, stopInOrder } from "../wall_cluster/cluster_nodes.ts";
import { LifecycleFaults } from "../wall_cluster/lifecycle_faults.ts";
import { healFault, injectFault, type FaultActions } from "../wall_cluster/fault_dispatch.ts";
import { NodeLedger } from "../wall_cluster/node_ledger.ts";
import { faultPacketRules } from "../wall_cluster/packet_rules.ts";
import { RunClock } from "../wall_cluster/run_clock.ts";
import { producerStopTimeoutMs, routeWorkerLine } from "../wall_cluster/worker_process.ts";
import { WorkerHistoryBridge, workerSpecs, type WorkerSpec } from "../worker_protocol.ts";
import { listLeftovers, removeRunResources, type InterruptCleanup } from "./cleanup.ts";
import { ClusterContainer } from "./cluster_container.ts";
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
  private readonly clock = new RunClock();
  private readonly ledger: NodeLedger;
  private readonly nodeTable = new NodeTable<ClusterContainer>();
  private readonly lifecycle: LifecycleFaults;
  private readonly faultActions: FaultActions;
  private readonly filter: ContainerPacketFilter;
  private bridge: WorkerHistoryBridge | undefined;
  readonly addresses: AddressPlan;
  private tornDown = false;

  constructor(private readonly parts: ContainerClusterParts) {
    this.runId = parts.runId;
    this.times = parts.times;
    this.addresses = parts.addresses;
    this.ledger = new NodeLedger(parts.history, this.clock);
    this.lifecycle = new LifecycleFaults((name) => this.nodeTable.get(name), parts.plan.nameServers, this.ledger);
    this.faultActions = this.faultActionsOf();
    this.filter = new ContainerPacketFilter(() => this.nodeTable.all().map(({ container }) => ({ name: container.spec.name, ip: container.spec.ip, hostPid: () => container.hostPid() })));
    for (const node of parts.nodes) this.nodeTable.add(new ClusterContainer(node, this.addresses, this.filter));
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  advanceTo(ms: number): Promise<void> {
    return this.clock.advanceTo(ms);
  }

  nodes(): DeployedNode[] {
    return this.nodeTable.describe();
  }

  namesrvAddr(): string {
    return this.parts.addresses.namesrvAddr();
  }

  /** The container of a node (tests, debugging). */
  node(name: string): NodeContainer {
    return this.nodeTable.get(name).container;
  }

  inject(fault: Fault, faultIndex: number): Promise<void> {
    return injectFault(fault, faultIndex, this.faultActions);
  }

  heal(fault: Fault, faultIndex: number): Promise<void> {
    return healFault(fault, faultIndex, this.faultActions);
  }

  private faultActionsOf(): FaultActions {
    const aclRefused = (): Promise<never> => Promise.reject(new UnsupportedFaultError("container", "acl-file", "see ContainerDeployer.supports"));
    const aclSecretRefused = (): Promise<never> => Promise.reject(new UnsupportedFaultError("container", "acl-secret", "see ContainerDeployer.supports"));
    const rogueRefused = (): Promise<never> => Promise.reject(new UnsupportedFaultError("container", "rogue-peer", "see ContainerDeployer.supports"));
    return {
      deployer: "container",
      lifecycle: this.lifecycle,
      injectNetwork: async (fault, faultIndex) => {
        if (fault.kind === "flow" && (fault.resetPercent ?? 0) > 0) throw new UnsupportedFaultError("container", "flow", "resetting connections inside frames needs the simulator's byte streams");
        if (fault.kind === "flow" && (fault.delayMs > 0 || fault.jitterMs > 0)) {
          throw new UnsupportedFaultError("container", "flow", "added delay needs tc netem, which this kernel lacks; only loss (nftables numgen) is given for real");
        }
        return this.filter.add(faultIndex, faultPacketRules(fault, this.parts.addresses) ?? []);
      },
      healNetwork: (_fault, faultIndex) => this.filter.remove(faultIndex),
      injectAclFile: aclRefused,
      healAclFile: aclRefused,
      injectAclSecret: aclSecretRefused,
      healAclSecret: aclSecretRefused,
      injectRogue: rogueRefused,
      healRogue: rogueRefused,
    };
  }

  async startWorkload(workload: Workload, history: HistoryRecorder): Promise<void> {
    const startMs = performance.now();
    const bridge = (this.bridge ??= new WorkerHistoryBridge(history));
    const specs = new Map(workerSpecs({
      namesrvAddr: this.namesrvAddr(), runStartEpochMs: this.clock.freeze(), seed: this.parts.plan.seed, intervals: this.parts.plan.intervals, workload,
      ...(this.parts.workloadModule === undefined ? {} : { module: this.parts.workloadModule }),
    }).map((spec) => [spec.node, spec]));
    // Addresses and containers in clientNodes order (producer-1 = 10.N.3.1, ...), as every deployer numbers them.
    const workers = clientNodes(workload).map((client) => {
      const address = this.parts.addresses.addClient(client.name, client.role);
      const spec = specs.get(client.name);
      if (spec === undefined) throw new Error(`no worker spec for ${client.name}`);
      const node = this.workerContainer(spec, address.ip);
      this.parts.output.set(client.name, (line) => this.onWorkerLine(bridge, client.name, line));
      const group = spec.consumer?.group;
      const leave = group === undefined ? undefined : { group, ledger: this.ledger };
      return this.nodeTable.add(new ClusterContainer(node, this.addresses, this.filter, leave));
    });
    await Promise.all(workers.map((node) => node.container.start(this.parts.image, this.parts.network, this.runId)));
    for (const node of workers) this.ledger.node(node.name, "start");
    this.times.workersMs = Math.round(performance.now() - startMs);
  }

  private workerContainer(spec: WorkerSpec, ip: string): NodeContainer {
    return new NodeContainer(this.parts.engine, {
      name: spec.node,
      role: spec.role,
      ip,
      args: ["--import", "tsx", workerEntry, "--spec-json", JSON.stringify(spec), "--watch-stdin"],
      stdin: true,
      readyLine: /^@@control \{"event":"ready"/,
      failLine: /^@@control \{"event":"failed"/,
      readyTimeoutMs: 90_000,
    }, { stdoutLine: (name, line) => this.parts.output.get(name)?.(line) }, this.parts.nodesDir);
  }

  private onWorkerLine(bridge: WorkerHistoryBridge, name: string, line: string): void {
    routeWorkerLine(line, `${name}#${this.nodeTable.find(name)?.starts ?? 1}`, name, bridge, this.ledger);
  }

  /** Every producer, now or (down or frozen now) when a heal runs it again: cluster_container.ts. */
  async stopProducers(): Promise<void> {
    const timeoutMs = producerStopTimeoutMs(this.parts.plan.intervals.sendTimeoutMs);
    await Promise.all(this.nodeTable.ofRole("producer").map((node) => node.stopProducing(timeoutMs)));
  }

  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    const problems = await stopInOrder(this.nodeTable.all(), this.ledger);
    await Promise.all(this.nodeTable.all().map(({ container }) => container.closeLog()));
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
