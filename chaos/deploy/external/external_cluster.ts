// A cluster the lab did not start: its NameServers are given by address. The lab runs only the
// workload here (worker processes on this machine, the same workers as the process deployer's)
// and plays the fault timeline: faults on workload clients are local (SIGKILL / SIGSTOP of the
// worker), faults on servers go to the fault driver. Node names are the scenario's (namesrv-1,
// broker-a, ...): the driver config maps them to the real cluster. Teardown stops the workers
// and undoes what the driver left; the servers keep running (they are the user's).
import { runNowMs, waitForRunTime } from "../run_clock.ts";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Fault } from "../../faults/types.ts";
import type { HistoryRecorder, NodeEvent } from "../../history/types.ts";
import type { Workload } from "../../scenario.ts";
import { repoRoot, workerArgv } from "../process/node_commands.ts";
import { WorkerProcess } from "../process/worker_process.ts";
import type { Cluster, ClusterPlan, DeployedNode, DeployerName } from "../types.ts";
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
  private readonly runStartEpochMs = Date.now();
  private readonly workers = new Map<string, WorkerProcess>();
  private readonly down = new Set<string>();
  private tornDown: Promise<void> | undefined;

  constructor(private readonly options: ExternalClusterOptions) {
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
    this.options.history.record({ type: "node", timeMs: this.nowMs(), node, event });
  }

  nowMs(): number {
    return runNowMs(this.runStartEpochMs);
  }

  advanceTo(ms: number): Promise<void> {
    return waitForRunTime(this.runStartEpochMs, ms);
  }

  nodes(): DeployedNode[] {
    const { plan, config } = this.options;
    const servers: DeployedNode[] = [
      ...plan.nameServers.map((name) => ({ name, role: "namesrv" as const })),
      ...plan.brokers.map((broker) => ({ name: broker.node, role: "broker" as const })),
    ].map((node) => ({ ...node, ...(config.nodes[node.name]?.address === undefined ? {} : { address: config.nodes[node.name]?.address }), alive: !this.down.has(node.name) }));
    const workers = [...this.workers.values()].map((worker) => ({ name: worker.name, role: worker.spec.role, alive: worker.process.running && !worker.process.isPaused }));
    return [...servers, ...workers];
  }

  namesrvAddr(): string {
    return this.options.namesrvAddr;
  }

  private nemesisLog(line: string): void {
    appendFileSync(join(this.options.outDir, "nemesis.log"), `[${this.nowMs()} ms] ${line}\n`);
  }

  async inject(fault: Fault, faultIndex: number): Promise<void> {
    const worker = "target" in fault && fault.target !== undefined ? this.workers.get(fault.target) : undefined;
    if (worker !== undefined && (fault.kind === "crash" || fault.kind === "pause")) {
      if (fault.kind === "crash") {
        await worker.crash();
        const group = worker.spec.consumer?.group;
        if (group !== undefined) this.options.history.record({ type: "membership", timeMs: this.nowMs(), process: worker.name, group, change: "leave" });
      } else {
        worker.process.pause();
      }
      this.recordNode(worker.name, fault.kind);
      return;
    }
    this.nemesisLog(`inject ${faultIndex} ${JSON.stringify(fault)} via ${this.options.driver.name}`);
    await this.options.driver.inject(fault, faultIndex);
  }

  async heal(fault: Fault, faultIndex: number): Promise<void> {
    const worker = "target" in fault && fault.target !== undefined ? this.workers.get(fault.target) : undefined;
    if (worker !== undefined && (fault.kind === "crash" || fault.kind === "pause")) {
      if (fault.kind === "crash") {
        worker.start();
        await worker.waitFor("ready", this.options.readyTimeoutMs);
        this.recordNode(worker.name, "restart");
      } else {
        worker.process.resume();
        this.recordNode(worker.name, "resume");
      }
      return;
    }
    this.nemesisLog(`heal ${faultIndex} ${JSON.stringify(fault)} via ${this.options.driver.name}`);
    await this.options.driver.heal(fault, faultIndex);
  }

  async startWorkload(workload: Workload, history: HistoryRecorder): Promise<void> {
    const bridge = new WorkerHistoryBridge(history);
    const specs = workerSpecs({ namesrvAddr: this.namesrvAddr(), runStartEpochMs: this.runStartEpochMs, seed: this.options.plan.seed, intervals: this.options.plan.intervals, workload });
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith("NODE_TEST")) env[key] = value;
    await Promise.all(specs.map(async (baseSpec) => {
      const nodeDir = join(this.nodesDir(), baseSpec.node);
      mkdirSync(nodeDir, { recursive: true });
      const spec = { ...baseSpec, stateDir: join(nodeDir, "state") };
      const specPath = join(nodeDir, "worker.json");
      const worker = new WorkerProcess(spec, { argv: workerArgv(specPath), env: { ...env, MQLAB_NODE: spec.node }, cwd: repoRoot, logPath: join(this.nodesDir(), `${spec.node}.log`) }, specPath, bridge, history, () => this.nowMs());
      this.workers.set(spec.node, worker);
      worker.start();
      await worker.waitFor("ready", this.options.readyTimeoutMs);
      this.recordNode(spec.node, "start");
    }));
  }

  async stopProducers(): Promise<void> {
    const timeoutMs = this.options.plan.intervals.sendTimeoutMs * 3 + 5_000;
    await Promise.all([...this.workers.values()].filter((worker) => worker.spec.role === "producer").map((worker) => worker.stopProducing(timeoutMs)));
  }

  teardown(): Promise<void> {
    this.tornDown ??= this.doTeardown();
    return this.tornDown;
  }

  private async doTeardown(): Promise<void> {
    const problems: string[] = [];
    await Promise.all([...this.workers.values()].map((worker) => worker.stop(this.options.stopTimeoutMs * 2).then(
      () => this.recordNode(worker.name, "stop"),
      (error: unknown) => { problems.push(`stop ${worker.name}: ${(error as Error).message}`); },
    )));
    for (const problem of await this.options.driver.close()) this.nemesisLog(`teardown: ${problem}`);
    if (problems.length > 0) throw new Error(`teardown of the external run: ${problems.join("; ")}`);
  }
}
