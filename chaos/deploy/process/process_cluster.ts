// A cluster of real OS processes: NameServers and brokers from the real CLIs, workload clients
// as workers, each on its own loopback address. In "netns" mode everything runs inside the
// run's network namespace and network faults are nftables rules there; in "host" mode the
// processes share the host's network and network faults are refused (never faked); there the
// run's ports come from a port block of its own (port_block.ts) unless the caller fixed them,
// so concurrent runs and a `just cluster` on the default ports never collide. Time is
// wall time. Teardown removes processes, namespace (with its rules) and the run directory —
// also on failure during bring-up, on Ctrl-C and on exit (teardown_guard.ts).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { UnsupportedFaultError, type Fault } from "../../faults/types.ts";
import type { HistoryRecorder } from "../../history/types.ts";
import type { Workload } from "../../scenario.ts";
import type { Cluster, ClusterPlan, DeployedNode, DeployerName } from "../types.ts";
import { WorkerHistoryBridge, workerSpecs, type WorkerSpec, type WorkerSpecBase } from "../worker_protocol.ts";
import { brokerTopicsJson, topicsJsonPath } from "../broker_topics.ts";
import { AddressPlan, clientNodes, type AddressPlanOptions, type NodeAddress } from "../address_plan.ts";
import { AgentClient } from "./agent_client.ts";
import { processFaultSupport } from "./fault_support.ts";
import { NetNamespace } from "./netns.ts";
import { NetworkNemesis } from "./network_nemesis.ts";
import { NodeProcess } from "../wall_cluster/node_process.ts";
import { brokerConfText, namesrvConfText, repoRoot } from "../node_commands.ts";
import { probeConnect, type ProbeRequest, type ProbeResult } from "../wall_cluster/probe.ts";
import { layoutAddressOptions, PortBlock, type PlannedBind } from "./port_block.ts";
import { newRunId, RunDir, runIdVariable, runProcesses } from "./run_state.ts";
import { guardCluster } from "../wall_cluster/teardown_guard.ts";
import { childEnv, producerStopTimeoutMs, startWorkers, type WorkerLaunch, type WorkerProcess } from "../wall_cluster/worker_process.ts";
import { rogueNodeName } from "../../faults/rogue_peer.ts";
import { NodeTable, stopInOrder } from "../wall_cluster/cluster_nodes.ts";
import { LifecycleFaults } from "../wall_cluster/lifecycle_faults.ts";
import { healFault, injectFault, type FaultActions } from "../wall_cluster/fault_dispatch.ts";
import { NodeLedger } from "../wall_cluster/node_ledger.ts";
import { RunClock } from "../wall_cluster/run_clock.ts";
import { slaveConnectWaitMs, waitForLogLine } from "../wall_cluster/log_wait.ts";
import { ServerProcess } from "./server_process.ts";
import { swapAclSecret } from "./worker_control.ts";

export type ProcessMode = "netns" | "host";

/** The rogue peer's worker module (runWorkloadNode for a spec with role "rogue"). */
const roguePeerModule = fileURLToPath(new URL("../../faults/rogue_peer_node.ts", import.meta.url));

function brokerNodes(plan: ClusterPlan): string[] {
  return plan.brokers.map((broker) => broker.node);
}

/** Ports given by the caller (`just cluster --namesrv-port ...`) are kept as they are. */
function portsFixed(addresses: AddressPlanOptions | undefined): boolean {
  return addresses?.namesrvBasePort !== undefined || addresses?.brokerBasePort !== undefined;
}

/** Every bind the servers of a plan will make: a NameServer on its own IP, mqbroker on 0.0.0.0. */
function plannedBinds(plan: ClusterPlan, options: AddressPlanOptions): PlannedBind[] {
  const addresses = new AddressPlan(plan.nameServers, brokerNodes(plan), options);
  return addresses.all().flatMap((node): PlannedBind[] => node.role === "namesrv"
    ? [{ host: node.ip, port: node.port ?? 0 }]
    : [node.vipPort, node.port, node.haPort].map((port) => ({ host: "0.0.0.0", port: port ?? 0 })));
}

export interface NodeCommandBuilders {
  namesrv(node: NodeAddress, confPath: string): string[];
  broker(node: NodeAddress, confPath: string, namesrvAddr: string): string[];
  worker(specPath: string): string[];
}

export interface ProcessClusterOptions {
  mode: ProcessMode;
  outDir: string;
  history: HistoryRecorder;
  commands: NodeCommandBuilders;
  readyTimeoutMs: number;
  /** What a slave logs once connected to its master (bring-up waits for it); null: no wait. */
  slaveConnectedLine: RegExp | null;
  stopTimeoutMs: number;
  addresses?: AddressPlanOptions;
  /** Module the workers load runWorkloadNode from (default chaos/workload/index.ts). */
  workloadModule?: string;
}

export interface BringUpTimes {
  mode: ProcessMode;
  namespaceMs: number;
  namesrvMs: number;
  brokersMs: number;
  totalMs: number;
  workersMs?: number;
}

export class ProcessCluster implements Cluster {
  readonly deployer: DeployerName = "process";
  readonly addresses: AddressPlan;
  readonly times: BringUpTimes;
  private readonly runDir: RunDir;
  /** Run time 0: set again once bring-up is done, so the scenario's times start with a ready cluster. */
  private readonly clock = new RunClock();
  private readonly ledger: NodeLedger;
  /** Servers in start order, then workers. */
  private readonly nodeTable = new NodeTable<ServerProcess | WorkerProcess>();
  private readonly lifecycle: LifecycleFaults;
  private readonly faultActions: FaultActions;
  private namespace: NetNamespace | undefined;
  private agent: AgentClient | undefined;
  private unguard: () => void = () => {};
  private tornDown: Promise<void> | undefined;
  private network: NetworkNemesis | undefined;
  /** How the workload's workers were started: a rogue peer's worker starts the same way. */
  private workerLaunch: { base: WorkerSpecBase; launch: WorkerLaunch } | undefined;

  private constructor(
    readonly runId: string,
    readonly plan: ClusterPlan,
    private readonly options: ProcessClusterOptions,
    /** Host mode without fixed ports: the run's own ports, held until teardown. */
    readonly portBlock: PortBlock | undefined,
  ) {
    this.runDir = new RunDir(runId);
    this.addresses = new AddressPlan(plan.nameServers, brokerNodes(plan), portBlock ? portBlock.addressOptions(options.addresses) : options.addresses);
    this.times = { mode: options.mode, namespaceMs: 0, namesrvMs: 0, brokersMs: 0, totalMs: 0 };
    this.ledger = new NodeLedger(options.history, this.clock);
    this.lifecycle = new LifecycleFaults((name) => this.nodeTable.get(name), plan.nameServers, this.ledger);
    this.faultActions = this.faultActionsOf();
  }

  static async start(plan: ClusterPlan, options: ProcessClusterOptions): Promise<ProcessCluster> {
    const runId = newRunId();
    const portBlock = options.mode === "host" && !portsFixed(options.addresses)
      ? await PortBlock.claim(runId, plan.nameServers.length, plan.brokers.length, (layout) => plannedBinds(plan, layoutAddressOptions(layout, options.addresses)))
      : undefined;
    let cluster: ProcessCluster;
    try {
      cluster = new ProcessCluster(runId, plan, options, portBlock);
    } catch (error) {
      await portBlock?.release();
      throw error;
    }
    cluster.unguard = guardCluster(cluster);
    try {
      await cluster.bringUp();
    } catch (error) {
      await cluster.teardown().catch(() => undefined);
      throw error;
    }
    return cluster;
  }

  get mode(): ProcessMode {
    return this.options.mode;
  }

  private async bringUp(): Promise<void> {
    const startMs = performance.now();
    const netnsName = this.mode === "netns" ? `mqlab-${this.runId}` : undefined;
    this.runDir.create(netnsName);
    mkdirSync(this.nodesOutDir(), { recursive: true });
    if (netnsName) {
      this.namespace = await NetNamespace.create(netnsName);
      this.agent = await AgentClient.start(this.namespace.execPrefix([]), this.nodeEnv("agent", "127.0.0.1"), join(this.nodesOutDir(), "agent.log"), repoRoot);
      this.network = new NetworkNemesis(this.namespace, this.agent, this.addresses, this.options.outDir);
    }
    this.times.namespaceMs = Math.round(performance.now() - startMs);
    const namesrvStartMs = performance.now();
    await Promise.all(this.plan.nameServers.map((name) => this.startServer(this.addresses.get(name))));
    this.times.namesrvMs = Math.round(performance.now() - namesrvStartMs);
    const brokersStartMs = performance.now();
    // Masters first: a slave learns its master's HA address from its first registration, and
    // one that registers before its master waits a whole registration interval to connect.
    const slaves = this.plan.brokers.filter((broker) => broker.brokerId > 0);
    await Promise.all(this.plan.brokers.filter((broker) => broker.brokerId === 0).map((broker) => this.startServer(this.addresses.get(broker.node))));
    await Promise.all(slaves.map((broker) => this.startServer(this.addresses.get(broker.node))));
    const unreplicated = await this.waitForSlaveConnections(slaves.map((broker) => broker.node));
    this.times.brokersMs = Math.round(performance.now() - brokersStartMs);
    this.times.totalMs = Math.round(performance.now() - startMs);
    this.clock.restartNow();
    for (const server of this.nodeTable.all()) this.ledger.node(server.name, "start");
    for (const slave of unreplicated) this.ledger.note(slave, `not connected to its master ${slaveConnectWaitMs(this.plan.intervals)} ms after bring-up; the run starts anyway`);
    const ports = this.portBlock ? { portBlock: { basePort: this.portBlock.basePort, sizePorts: this.portBlock.layout.sizePorts } } : {};
    writeFileSync(join(this.options.outDir, "process-deployer.json"), JSON.stringify({ runId: this.runId, mode: this.mode, times: this.times, intervals: this.plan.intervals, ...ports, nodes: this.addresses.all() }, null, 2) + "\n");
  }

  /**
   * Run time 0 is a ready cluster, and a SYNC_MASTER whose slave has not connected yet answers
   * SLAVE_NOT_AVAILABLE: a healthy pair the checkers would rightly fault. The HA connection has
   * no port to probe, so the slave's own log says when it is up. Returns the slaves that did
   * not connect in time (the run goes on; the history notes them).
   */
  private async waitForSlaveConnections(slaves: readonly string[]): Promise<string[]> {
    const line = this.options.slaveConnectedLine;
    if (line === null) return [];
    const connected = await Promise.all(slaves.map((slave) => waitForLogLine({
      logPath: join(this.nodesOutDir(), `${slave}.log`),
      line,
      deadlineMs: slaveConnectWaitMs(this.plan.intervals),
      stillRunning: () => this.nodeTable.get(slave).process.running,
    })));
    return slaves.filter((_, index) => !connected[index]);
  }

  private nodesOutDir(): string {
    return join(this.options.outDir, "nodes");
  }

  private nodeEnv(node: string, ip: string): Record<string, string> {
    return childEnv({ [runIdVariable]: this.runId, MQLAB_NODE: node, MQLAB_SOURCE_ADDRESS: ip });
  }

  private prefixed(argv: string[]): string[] {
    return this.namespace ? this.namespace.execPrefix(argv) : argv;
  }

  /** Writes the server's config (namesrv.properties or broker.conf with its extras); returns its path. */
  private writeServerConf(address: NodeAddress, nodeDir: string): string {
    if (address.role === "namesrv") {
      const confPath = join(nodeDir, "namesrv.properties");
      writeFileSync(confPath, namesrvConfText(address, nodeDir, this.plan.intervals));
      return confPath;
    }
    const confPath = join(nodeDir, "broker.conf");
    const planned = this.plan.brokers.find((broker) => broker.node === address.name);
    if (!planned) throw new Error(`no planned broker ${address.name}`);
    writeFileSync(confPath, brokerConfText(planned, address, join(nodeDir, "store")));
    if (planned.topics !== undefined) {
      mkdirSync(join(nodeDir, "store", "config"), { recursive: true });
      writeFileSync(topicsJsonPath(join(nodeDir, "store")), brokerTopicsJson(planned.topics));
    }
    if (planned.aclFile !== undefined) {
      // ACL on (Scenario.acl): the node dir is the broker's rocketmqHome, its file conf/plain_acl.yml.
      this.writeAclFile(address.name, planned.aclFile);
      writeFileSync(confPath, `${readFileSync(confPath, "utf8")}\n# mqlab process deployer: ACL\nrocketmqHome=${nodeDir}\n`);
    }
    return confPath;
  }

  private async startServer(address: NodeAddress): Promise<void> {
    const nodeDir = this.runDir.nodeDir(address.name);
    const confPath = this.writeServerConf(address, nodeDir);
    writeFileSync(join(this.nodesOutDir(), `${address.name}.conf`), `# ${confPath}\n` + readFileSync(confPath, "utf8"));
    const argv = address.role === "namesrv"
      ? this.options.commands.namesrv(address, confPath)
      : this.options.commands.broker(address, confPath, this.addresses.namesrvAddr());
    const logPath = join(this.nodesOutDir(), `${address.name}.log`);
    const node = new NodeProcess(address.name, { argv: this.prefixed(argv), env: this.nodeEnv(address.name, address.ip), cwd: nodeDir, logPath });
    node.onExit((info, expected) => {
      if (expected || this.tornDown) return;
      this.ledger.node(address.name, "crash");
      this.ledger.note(address.name, `exited on its own (code ${info.code}, signal ${info.signal})`);
    });
    const server = this.nodeTable.add(new ServerProcess(address, node, {
      probe: (request) => this.probe(request), readyTimeoutMs: this.options.readyTimeoutMs, stopTimeoutMs: this.options.stopTimeoutMs, logPath,
    }));
    await server.start();
  }

  /** A TCP connect probe from inside the run's network (the namespace when there is one). */
  probe(request: ProbeRequest): Promise<ProbeResult> {
    return this.agent ? this.agent.probe(request) : probeConnect(request);
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
    return this.addresses.namesrvAddr();
  }

  /** A broker's plain_acl.yml (its watcher reloads within 5 s). */
  private writeAclFile(node: string, text: string): void {
    const confDir = join(this.runDir.nodeDir(node), "conf");
    mkdirSync(confDir, { recursive: true });
    writeFileSync(join(confDir, "plain_acl.yml"), text);
  }

  async inject(fault: Fault, faultIndex: number): Promise<void> {
    const support = processFaultSupport(fault, this.mode);
    if (!support.supported) throw new UnsupportedFaultError("process", fault.kind, support.why);
    return injectFault(fault, faultIndex, this.faultActions);
  }

  heal(fault: Fault, faultIndex: number): Promise<void> {
    return healFault(fault, faultIndex, this.faultActions);
  }

  private faultActionsOf(): FaultActions {
    return {
      deployer: "process",
      lifecycle: this.lifecycle,
      injectNetwork: (fault, faultIndex) => {
        if (!this.network) return Promise.reject(new UnsupportedFaultError("process", fault.kind, "this run has no network namespace"));
        return this.network.inject(fault, faultIndex);
      },
      healNetwork: async (fault, faultIndex) => this.network?.heal(fault, faultIndex),
      injectAclFile: async (fault) => this.writeAclFile(fault.target, fault.text),
      healAclFile: async (fault) => this.writeAclFile(fault.target, this.plan.brokers.find((broker) => broker.node === fault.target)?.aclFile ?? ""),
      injectAclSecret: (fault) => swapAclSecret(this.worker(fault.target), fault.target, fault.secretKey, this.ledger),
      healAclSecret: (fault) => swapAclSecret(this.worker(fault.target), fault.target, undefined, this.ledger),
      injectRogue: (fault, faultIndex) => this.startRogue(fault.target, faultIndex),
      healRogue: async (_fault, faultIndex) => {
        // SIGTERM: the attack in progress finishes and is recorded, then the worker exits.
        const rogue = this.worker(rogueNodeName(faultIndex));
        if (rogue === undefined) return;
        await rogue.stop();
        this.ledger.node(rogue.name, "stop");
        this.nodeTable.remove(rogue.name);
      },
    };
  }

  /**
   * The rogue peer of a `rogue-peer` fault: a worker process of its own (`rogue-<fault number>`,
   * a client address, inside the namespace when there is one) attacking the target's remoting
   * port with the real Env; its attacks come back as `rogue` history lines.
   */
  private async startRogue(target: string, faultIndex: number): Promise<void> {
    const address = this.addresses.get(target);
    if (address.port === undefined || (address.role !== "namesrv" && address.role !== "broker")) {
      throw new Error(`rogue-peer: "${target}" is not a NameServer or a broker`);
    }
    if (this.workerLaunch === undefined) throw new Error("rogue-peer: the workload has not started (its workers' history bridge is the rogue's too)");
    const node = rogueNodeName(faultIndex);
    this.addresses.addClient(node, "rogue");
    const spec: WorkerSpec = {
      ...this.workerLaunch.base, node, role: "rogue", index: 1, module: roguePeerModule,
      rogue: { target, host: address.ip, port: address.port, serverRole: address.role },
    };
    await startWorkers([spec], this.workerLaunch.launch);
  }

  async startWorkload(workload: Workload, history: HistoryRecorder): Promise<void> {
    const startMs = performance.now();
    const base: WorkerSpecBase = { namesrvAddr: this.namesrvAddr(), runStartEpochMs: this.clock.freeze(), seed: this.plan.seed, intervals: this.plan.intervals, workload };
    const specs = workerSpecs({ ...base, ...(this.options.workloadModule ? { module: this.options.workloadModule } : {}) });
    // Addresses in clientNodes order (producer-1 = 127.0.3.1, ...), as every deployer numbers them.
    for (const client of clientNodes(workload)) this.addresses.addClient(client.name, client.role);
    const launch: WorkerLaunch = {
      bridge: new WorkerHistoryBridge(history),
      ledger: this.ledger,
      readyTimeoutMs: this.options.readyTimeoutMs,
      stopTimeoutMs: this.options.stopTimeoutMs,
      nodeDir: (node) => this.runDir.nodeDir(node),
      command: (spec, specPath) => ({
        argv: this.prefixed(this.options.commands.worker(specPath)),
        env: this.nodeEnv(spec.node, this.addresses.get(spec.node).ip),
        cwd: repoRoot,
        logPath: join(this.nodesOutDir(), `${spec.node}.log`),
      }),
      adopt: (worker) => this.nodeTable.add(worker),
    };
    this.workerLaunch = { base, launch };
    await startWorkers(specs, launch);
    this.times.workersMs = Math.round(performance.now() - startMs);
  }

  private workers(): WorkerProcess[] {
    return this.nodeTable.all().filter((node): node is WorkerProcess => !(node instanceof ServerProcess));
  }

  private worker(name: string): WorkerProcess | undefined {
    return this.workers().find((worker) => worker.name === name);
  }

  async stopProducers(): Promise<void> {
    const timeoutMs = producerStopTimeoutMs(this.plan.intervals.sendTimeoutMs);
    await Promise.all(this.workers().filter((worker) => worker.role === "producer").map((worker) => worker.stopProducing(timeoutMs)));
  }

  /** Idempotent; waits for every process to exit and for the workers' last history lines. */
  teardown(): Promise<void> {
    this.tornDown ??= this.doTeardown();
    return this.tornDown;
  }

  private async doTeardown(): Promise<void> {
    const problems: string[] = [];
    const settle = async (label: string, work: Promise<unknown>): Promise<void> => {
      try {
        await work;
      } catch (error) {
        problems.push(`${label}: ${(error as Error).message}`);
      }
    };
    try {
      problems.push(...(await stopInOrder(this.nodeTable.all(), this.ledger)));
      if (this.agent) await settle("stop agent", this.agent.stop());
      if (this.namespace) await settle(`delete namespace ${this.namespace.name}`, this.namespace.destroy());
      for (const { pid } of runProcesses(this.runId)) {
        problems.push(`process ${pid} of the run outlived teardown: killed`);
        process.kill(pid, "SIGKILL");
      }
      this.runDir.remove();
    } finally {
      await this.portBlock?.release();
      this.unguard();
    }
    if (problems.length > 0) throw new Error(`teardown of run ${this.runId}: ${problems.join("; ")}`);
  }

  killSync(): void {
    for (const node of this.nodeTable.all()) node.process.killSync();
    this.agent?.killSync();
    this.namespace?.destroySync();
    this.portBlock?.releaseSync();
    try {
      this.runDir.remove();
    } catch {
      // best effort at exit: `mqlab clean` removes what is left
    }
  }
}
