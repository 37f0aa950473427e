// A cluster the lab did not start: its NameServers are given by address. The lab runs only the
// workload here (worker processes on this machine, the same workers as the process deployer's)
// and plays the fault timeline: faults on workload clients are local (SIGKILL / SIGSTOP of the
// worker), faults on servers go to the fault driver. Node names are the scenario's (namesrv-1,
// broker-a, ...): the driver config maps them to the real cluster. Teardown stops the workers
// and undoes what the driver left; the servers keep running (they are the user's).
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Fault } from "../../faults/types.ts";
import type { HistoryRecorder, NodeEvent } from "../../history/types.ts";
import type { Workload } from "../../scenario.ts";
import { repoRoot, workerArgv } from "../node_commands.ts";
import type { Cluster, ClusterPlan, DeployedNode, DeployerName } from "../types.ts";
import { NodeTable, stopInOrder } from "../wall_cluster/cluster_nodes.ts";
import { LifecycleFaults } from "../wall_cluster/lifecycle_faults.ts";
import { NodeLedger } from "../wall_cluster/node_ledger.ts";
import { RunClock } from "../wall_cluster/run_clock.ts";
import { childEnv, producerStopTimeoutMs, startWorkers, type WorkerProcess } from "../wall_cluster/worker_process.ts";
import { WorkerHistoryBridge, workerSpecs } from "../worker_protocol.ts";
import type { DriverConfig, FaultDriver } from "./fault_driver.ts";

export interface ExternalClusterOptions {
  plan: ClusterPlan;
  namesrvAddr: string;
  driver: FaultDriver;
  config: DriverConfig;
  outDir: string;
  history: HistoryRecorder;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
}

export class ExternalCluster implements Cluster {
  readonly deployer: DeployerName = "external";
  private readonly clock = new RunClock();
  private readonly ledger: NodeLedger;
  private readonly workers = new NodeTable<WorkerProcess>();
  /** Crash and pause of workload clients (never of servers: the driver does those). */
  private readonly clientFaults: LifecycleFaults;
  private readonly down = new Set<string>();
  private tornDown: Promise<void> | undefined;

  constructor(private readonly options: ExternalClusterOptions) {
    this.ledger = new NodeLedger(options.history, this.clock);
    this.clientFaults = new LifecycleFaults((name) => this.workers.get(name), [], this.ledger);
    mkdirSync(this.nodesDir(), { recursive: true });
    writeFileSync(join(options.outDir, "external-deployer.json"), JSON.stringify({ namesrvAddr: options.namesrvAddr, faultDriver: options.driver.name, nodes: options.config.nodes }, null, 2) + "\n");
    options.history.record({ type: "note", timeMs: 0, process: "lab", text: `external cluster at ${options.namesrvAddr}; fault driver ${options.driver.name}` });
  }

  private nodesDir(): string {
    return join(this.options.outDir, "nodes");
  }

  /** Driver callback: a server went down or came back. */
  recordNode(node: string, event: NodeEvent["event"]): void {
    if (event === "crash" || event === "pause") this.down.add(node);
    if (event === "restart" || event === "resume") this.down.delete(node);
    this.ledger.node(node, event);
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  advanceTo(ms: number): Promise<void> {
    return this.clock.advanceTo(ms);
  }

  nodes(): DeployedNode[] {
    const { plan, config } = this.options;
    const servers: DeployedNode[] = [
      ...plan.nameServers.map((name) => ({ name, role: "namesrv" as const })),
      ...plan.brokers.map((broker) => ({ name: broker.node, role: "broker" as const })),
    ].map((node) => ({ ...node, ...(config.nodes[node.name]?.address === undefined ? {} : { address: config.nodes[node.name]?.address }), alive: !this.down.has(node.name) }));
    return [...servers, ...this.workers.describe()];
  }

  namesrvAddr(): string {
    return this.options.namesrvAddr;
  }

  private nemesisLog(line: string): void {
    appendFileSync(join(this.options.outDir, "nemesis.log"), `[${this.nowMs()} ms] ${line}\n`);
  }

  /** The workload client a crash or pause targets, if it is one of ours. */
  private clientTarget(fault: Fault): string | undefined {
    switch (fault.kind) {
      case "crash":
      case "pause":
        return this.workers.find(fault.target) === undefined ? undefined : fault.target;
      case "power-loss":
      case "firewall":
      case "heartbeat-loss":
      case "partition":
      case "flow":
      case "connection-reset":
      case "clock-skew":
      case "slow-disk":
      case "disk-full":
      case "disk-error":
      case "clean-restart":
      case "namesrv-all-down":
      case "acl-secret":
      case "acl-file":
      case "rogue-peer":
        return undefined;
      default: {
        const unreachable: never = fault;
        throw new Error(`unhandled fault ${JSON.stringify(unreachable)}`);
      }
    }
  }

  async inject(fault: Fault, faultIndex: number): Promise<void> {
    const client = this.clientTarget(fault);
    if (client !== undefined) return fault.kind === "crash" ? this.clientFaults.crash(client) : this.clientFaults.pause(client);
    this.nemesisLog(`inject ${faultIndex} ${JSON.stringify(fault)} via ${this.options.driver.name}`);
    await this.options.driver.inject(fault, faultIndex);
  }

  async heal(fault: Fault, faultIndex: number): Promise<void> {
    const client = this.clientTarget(fault);
    if (client !== undefined) return fault.kind === "crash" ? this.clientFaults.restart(client) : this.clientFaults.resume(client);
    this.nemesisLog(`heal ${faultIndex} ${JSON.stringify(fault)} via ${this.options.driver.name}`);
    await this.options.driver.heal(fault, faultIndex);
  }

  async startWorkload(workload: Workload, history: HistoryRecorder): Promise<void> {
    const specs = workerSpecs({ namesrvAddr: this.namesrvAddr(), runStartEpochMs: this.clock.freeze(), seed: this.options.plan.seed, intervals: this.options.plan.intervals, workload });
    await startWorkers(specs, {
      bridge: new WorkerHistoryBridge(history),
      ledger: this.ledger,
      readyTimeoutMs: this.options.readyTimeoutMs,
      stopTimeoutMs: this.options.stopTimeoutMs,
      nodeDir: (node) => join(this.nodesDir(), node),
      command: (spec, specPath) => ({ argv: workerArgv(specPath), env: childEnv({ MQLAB_NODE: spec.node }), cwd: repoRoot, logPath: join(this.nodesDir(), `${spec.node}.log`) }),
      adopt: (worker) => this.workers.add(worker),
    });
  }

  async stopProducers(): Promise<void> {
    const timeoutMs = producerStopTimeoutMs(this.options.plan.intervals.sendTimeoutMs);
    await Promise.all(this.workers.ofRole("producer").map((worker) => worker.stopProducing(timeoutMs)));
  }

  teardown(): Promise<void> {
    this.tornDown ??= this.doTeardown();
    return this.tornDown;
  }

  private async doTeardown(): Promise<void> {
    const problems = await stopInOrder(this.workers.all(), this.ledger);
    for (const problem of await this.options.driver.close()) this.nemesisLog(`teardown: ${problem}`);
    if (problems.length > 0) throw new Error(`teardown of the external run: ${problems.join("; ")}`);
  }
}
