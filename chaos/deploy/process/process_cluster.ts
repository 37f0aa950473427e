// A cluster of real OS processes: NameServers and brokers from the real CLIs, workload clients
// as workers, each on its own loopback address. In "netns" mode everything runs inside the
// run's network namespace and network faults are nftables rules there; in "host" mode the
// processes share the host's network and network faults are refused (never faked); there the
// run's ports come from a port block of its own (port_block.ts) unless the caller fixed them,
// so concurrent runs and a `just cluster` on the default ports never collide. Time is
// wall time. Teardown removes processes, namespace (with its rules) and the run directory —
// also on failure during bring-up, on Ctrl-C and on exit (teardown_guard.ts).
import { runNowMs, waitForRunTime } from "../run_clock.ts";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UnsupportedFaultError, type Fault } from "../../faults/types.ts";
import type { HistoryRecorder, NodeEvent } from "../../history/types.ts";
import type { Workload } from "../../scenario.ts";
import type { Cluster, ClusterPlan, DeployedNode, DeployerName, NodeRole } from "../types.ts";
import { WorkerHistoryBridge, workerSpecs } from "../worker_protocol.ts";
import { brokerTopicsJson, topicsJsonPath } from "../broker_topics.ts";
import { AddressPlan, clientNodes, type AddressPlanOptions, type NodeAddress } from "./address_plan.ts";
import { AgentClient } from "./agent_client.ts";
import { processFaultSupport } from "./fault_support.ts";
import { NetNamespace } from "./netns.ts";
import { NetworkNemesis } from "./network_nemesis.ts";
import { NodeProcess } from "./node_process.ts";
import { brokerConfText, namesrvConfText, repoRoot } from "./node_commands.ts";
import { probeConnect, waitForPort, type ProbeRequest, type ProbeResult } from "./probe.ts";
import { layoutAddressOptions, PortBlock, type PlannedBind } from "./port_block.ts";
import { newRunId, RunDir, runIdVariable, runProcesses } from "./run_state.ts";
import { guardCluster } from "./teardown_guard.ts";
import { WorkerProcess } from "./worker_process.ts";

export type ProcessMode = "netns" | "host";

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

interface ServerNode {
  address: NodeAddress;
  process: NodeProcess;
}

export class ProcessCluster implements Cluster {
  readonly deployer: DeployerName = "process";
  readonly addresses: AddressPlan;
  readonly times: BringUpTimes;
  private readonly runDir: RunDir;
  /** Run time 0: set again once bring-up is done, so the scenario's times start with a ready cluster. */
  private runStartEpochMs = Date.now();
  private broughtUp = false;
  private readonly servers = new Map<string, ServerNode>();
  private readonly workers = new Map<string, WorkerProcess>();
  private namespace: NetNamespace | undefined;
  private agent: AgentClient | undefined;
  private unguard: () => void = () => {};
  private tornDown: Promise<void> | undefined;
  private network: NetworkNemesis | undefined;

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
    await Promise.all(this.plan.nameServers.map((name) => this.startServer(this.addresses.get(name), "namesrv")));
    this.times.namesrvMs = Math.round(performance.now() - namesrvStartMs);
    const brokersStartMs = performance.now();
    await Promise.all(this.plan.brokers.map((broker) => this.startServer(this.addresses.get(broker.node), "broker")));
    this.times.brokersMs = Math.round(performance.now() - brokersStartMs);
    this.times.totalMs = Math.round(performance.now() - startMs);
    this.runStartEpochMs = Date.now();
    this.broughtUp = true;
    for (const name of this.servers.keys()) this.recordNode(name, "start");
    const ports = this.portBlock ? { portBlock: { basePort: this.portBlock.basePort, sizePorts: this.portBlock.layout.sizePorts } } : {};
    writeFileSync(join(this.options.outDir, "process-deployer.json"), JSON.stringify({ runId: this.runId, mode: this.mode, times: this.times, intervals: this.plan.intervals, ...ports, nodes: this.addresses.all() }, null, 2) + "\n");
  }

  private nodesOutDir(): string {
    return join(this.options.outDir, "nodes");
  }

  private nodeEnv(node: string, ip: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith("NODE_TEST")) env[key] = value;
    return { ...env, [runIdVariable]: this.runId, MQLAB_NODE: node, MQLAB_SOURCE_ADDRESS: ip };
  }

  private prefixed(argv: string[]): string[] {
    return this.namespace ? this.namespace.execPrefix(argv) : argv;
  }

  private async startServer(address: NodeAddress, role: "namesrv" | "broker"): Promise<void> {
    const nodeDir = this.runDir.nodeDir(address.name);
    const confPath = join(nodeDir, role === "namesrv" ? "namesrv.properties" : "broker.conf");
    if (role === "namesrv") {
      writeFileSync(confPath, namesrvConfText(address, nodeDir, this.plan.intervals));
    } else {
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
    }
    writeFileSync(join(this.nodesOutDir(), `${address.name}.conf`), `# ${confPath}\n` + readFileSync(confPath, "utf8"));
    const argv = role === "namesrv"
      ? this.options.commands.namesrv(address, confPath)
      : this.options.commands.broker(address, confPath, this.addresses.namesrvAddr());
    const node = new NodeProcess(address.name, {
      argv: this.prefixed(argv),
      env: this.nodeEnv(address.name, address.ip),
      cwd: nodeDir,
      logPath: join(this.nodesOutDir(), `${address.name}.log`),
    });
    node.onExit((info, expected) => {
      if (expected || this.tornDown) return;
      this.recordNode(address.name, "crash");
      this.options.history.record({ type: "note", timeMs: this.nowMs(), process: address.name, text: `exited on its own (code ${info.code}, signal ${info.signal})` });
    });
    this.servers.set(address.name, { address, process: node });
    await this.launch(this.servers.get(address.name) as ServerNode, "start");
  }

  private async launch(server: ServerNode, event: "start" | "restart"): Promise<void> {
    const port = server.address.port ?? 0;
    // Readiness is "the port accepts": a port someone else already serves would pass it.
    const before = await this.probe({ host: server.address.ip, port, timeoutMs: 500 });
    if (before.ok) throw new Error(`${server.address.name}: ${server.address.ip}:${port} is already served by another process; stop it or pick other ports`);
    server.process.start();
    try {
      await waitForPort((request) => this.probe(request), { host: server.address.ip, port }, this.options.readyTimeoutMs, () => server.process.running);
    } catch (error) {
      throw new Error(`${server.address.name}: ${(error as Error).message} (log: ${join(this.nodesOutDir(), `${server.address.name}.log`)})`, { cause: error });
    }
    if (this.broughtUp) this.recordNode(server.address.name, event);
  }

  /** A TCP connect probe from inside the run's network (the namespace when there is one). */
  probe(request: ProbeRequest): Promise<ProbeResult> {
    return this.agent ? this.agent.probe(request) : probeConnect(request);
  }

  private recordNode(node: string, event: NodeEvent["event"]): void {
    this.options.history.record({ type: "node", timeMs: this.nowMs(), node, event });
  }

  nowMs(): number {
    return runNowMs(this.runStartEpochMs);
  }

  advanceTo(ms: number): Promise<void> {
    return waitForRunTime(this.runStartEpochMs, ms);
  }

  nodes(): DeployedNode[] {
    const servers = [...this.servers.values()].map(({ address, process }) => ({
      name: address.name, role: address.role, address: `${address.ip}:${address.port}`, alive: process.running && !process.isPaused,
    }));
    const workers = [...this.workers.values()].map((worker) => ({
      name: worker.name, role: worker.spec.role, alive: worker.process.running && !worker.process.isPaused,
    }));
    return [...servers, ...workers];
  }

  namesrvAddr(): string {
    return this.addresses.namesrvAddr();
  }

  private processOf(name: string): { process: NodeProcess; restart: () => Promise<void>; crash: () => Promise<void> } {
    const server = this.servers.get(name);
    if (server) return { process: server.process, restart: () => this.launch(server, "restart"), crash: () => server.process.crash() };
    const worker = this.workers.get(name);
    if (worker) {
      return {
        process: worker.process,
        restart: async () => {
          worker.start();
          await worker.waitFor("ready", this.options.readyTimeoutMs);
          this.recordNode(name, "restart");
        },
        crash: async () => {
          await worker.crash();
          // A killed consumer cannot say it left; the deployer saw it go.
          const group = worker.spec.consumer?.group;
          if (group !== undefined) this.options.history.record({ type: "membership", timeMs: this.nowMs(), process: name, group, change: "leave" });
        },
      };
    }
    throw new Error(`unknown node "${name}" (known: ${[...this.servers.keys(), ...this.workers.keys()].join(", ")})`);
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
    switch (fault.kind) {
      case "crash":
        await this.processOf(fault.target).crash();
        this.recordNode(fault.target, "crash");
        return;
      case "pause":
        this.processOf(fault.target).process.pause();
        this.recordNode(fault.target, "pause");
        return;
      case "namesrv-all-down":
        for (const name of this.plan.nameServers) await this.inject({ kind: "crash", target: name }, faultIndex);
        return;
      case "acl-file":
        this.writeAclFile(fault.target, fault.text);
        return;
      default:
        if (!this.network) throw new UnsupportedFaultError("process", fault.kind, "this run has no network namespace");
        await this.network.inject(fault, faultIndex);
    }
  }

  async heal(fault: Fault, faultIndex: number): Promise<void> {
    switch (fault.kind) {
      case "crash":
        await this.processOf(fault.target).restart();
        return;
      case "pause":
        this.processOf(fault.target).process.resume();
        this.recordNode(fault.target, "resume");
        return;
      case "namesrv-all-down":
        await Promise.all(this.plan.nameServers.map((name) => this.processOf(name).restart()));
        return;
      case "acl-file":
        this.writeAclFile(fault.target, this.plan.brokers.find((broker) => broker.node === fault.target)?.aclFile ?? "");
        return;
      default:
        await this.network?.heal(fault, faultIndex);
    }
  }

  async startWorkload(workload: Workload, history: HistoryRecorder): Promise<void> {
    const startMs = performance.now();
    const bridge = new WorkerHistoryBridge(history);
    const specs = workerSpecs({
      namesrvAddr: this.namesrvAddr(), runStartEpochMs: this.runStartEpochMs, seed: this.plan.seed, intervals: this.plan.intervals, workload,
      ...(this.options.workloadModule ? { module: this.options.workloadModule } : {}),
    });
    // Addresses in clientNodes order (producer-1 = 127.0.3.1, ...), as every deployer numbers them.
    for (const client of clientNodes(workload)) this.addresses.addClient(client.name, client.role);
    const started = specs.map((baseSpec) => {
      const address = this.addresses.addClient(baseSpec.node, baseSpec.role);
      const nodeDir = this.runDir.nodeDir(baseSpec.node);
      const spec = { ...baseSpec, stateDir: join(nodeDir, "state") };
      const specPath = join(nodeDir, "worker.json");
      const worker = new WorkerProcess(spec, {
        argv: this.prefixed(this.options.commands.worker(specPath)),
        env: this.nodeEnv(spec.node, address.ip),
        cwd: repoRoot,
        logPath: join(this.nodesOutDir(), `${spec.node}.log`),
      }, specPath, bridge, history, () => this.nowMs());
      this.workers.set(spec.node, worker);
      worker.start();
      return worker.waitFor("ready", this.options.readyTimeoutMs).then(() => this.recordNode(spec.node, "start"));
    });
    await Promise.all(started);
    this.times.workersMs = Math.round(performance.now() - startMs);
  }

  async stopProducers(): Promise<void> {
    const timeoutMs = this.plan.intervals.sendTimeoutMs * 3 + 5_000;
    const producers = [...this.workers.values()].filter((worker) => worker.spec.role === "producer");
    await Promise.all(producers.map((worker) => worker.stopProducing(timeoutMs)));
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
      const stopServers = (role: NodeRole): Promise<void>[] => [...this.servers.values()]
        .filter((server) => server.address.role === role)
        .map((server) => settle(`stop ${server.address.name}`, server.process.stop(this.options.stopTimeoutMs).then(() => this.recordNode(server.address.name, "stop"))));
      await Promise.all([...this.workers.values()].map((worker) =>
        settle(`stop ${worker.name}`, worker.stop(this.options.stopTimeoutMs * 2).then(() => this.recordNode(worker.name, "stop")))));
      await Promise.all(stopServers("broker"));
      await Promise.all(stopServers("namesrv"));
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
    for (const worker of this.workers.values()) worker.process.killSync();
    for (const server of this.servers.values()) server.process.killSync();
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
