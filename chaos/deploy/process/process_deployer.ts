// The `process` deployer: each node an OS process started from the same entry points users run
// (mqnamesrv, mqbroker, the workload worker), each on its own loopback address, inside a
// network namespace of the run's own when this machine allows it (root, ip netns, nftables),
// else in the host's network with network faults refused and ports drawn per run (so runs
// side by side never collide). See process_cluster.ts and port_block.ts.
import type { Fault, FaultKind } from "../../faults/types.ts";
import type { HistoryRecorder } from "../../history/types.ts";
import type { Cluster, ClusterPlan, Deployer, DeployerName, FaultSupport } from "../types.ts";
import type { AddressPlanOptions } from "../address_plan.ts";
import { processFaultSupport, processKindSupport } from "./fault_support.ts";
import { netnsSupport } from "../wall_cluster/host_commands.ts";
import { brokerArgv, namesrvArgv, workerArgv } from "../node_commands.ts";
import { ProcessCluster, type NodeCommandBuilders, type ProcessMode } from "./process_cluster.ts";
import { slaveConnectedLine } from "../wall_cluster/log_wait.ts";

export interface ProcessDeployerOptions {
  /** "auto" (default): netns when available, else host. "netns" fails when unavailable. */
  mode?: "auto" | ProcessMode;
  /** Per node: how long until its port accepts connections. Default 60 s. */
  readyTimeoutMs?: number;
  /** Graceful stop: SIGTERM, then SIGKILL after this. Default 5 s. */
  stopTimeoutMs?: number;
  /** Replaces the real CLIs (tests use tiny stand-ins). */
  commands?: Partial<NodeCommandBuilders>;
  addresses?: AddressPlanOptions;
  workloadModule?: string;
  /**
   * The line a slave logs once its HA connection is up; bring-up waits for it. Default: mqlab's
   * broker's line with the real CLIs, no wait when `commands.broker` replaces them.
   */
  slaveConnectedLine?: RegExp | null;
}

export const realCommands: NodeCommandBuilders = {
  namesrv: (_node, confPath) => namesrvArgv(confPath),
  broker: (_node, confPath, namesrvAddr) => brokerArgv(confPath, namesrvAddr),
  worker: (specPath) => workerArgv(specPath),
};

export class ProcessDeployer implements Deployer {
  readonly name: DeployerName = "process";
  private mode: ProcessMode | undefined;
  private hostWhy: string | undefined;

  private constructor(private readonly options: ProcessDeployerOptions) {}

  /** Probes the machine (root, ip netns, nft) once, so supports() can answer synchronously. */
  static async create(options: ProcessDeployerOptions = {}): Promise<ProcessDeployer> {
    const deployer = new ProcessDeployer(options);
    const wanted = options.mode ?? "auto";
    const support = wanted === "host" ? { available: false as const, why: "host mode was asked for" } : await netnsSupport();
    if (wanted === "netns" && !support.available) throw new Error(`the process deployer cannot use a network namespace: ${support.why}`);
    deployer.mode = support.available ? "netns" : "host";
    deployer.hostWhy = support.available ? undefined : support.why;
    return deployer;
  }

  /** "netns" or "host", and why not netns. */
  describeMode(): { mode: ProcessMode; why?: string } {
    return { mode: this.mode ?? "host", ...(this.hostWhy ? { why: this.hostWhy } : {}) };
  }

  supports(kind: FaultKind): FaultSupport {
    return processKindSupport(kind, this.mode ?? "host", this.hostWhy);
  }

  /** Like supports(), but judges the fault's parameters too (flow delay is refused). */
  supportsFault(fault: Fault): FaultSupport {
    return processFaultSupport(fault, this.mode ?? "host", this.hostWhy);
  }

  async deploy(plan: ClusterPlan, options: { outDir: string; history: HistoryRecorder }): Promise<Cluster> {
    return this.deployProcesses(plan, options);
  }

  /** deploy() with the concrete type (bring-up times, addresses, probe). */
  async deployProcesses(plan: ClusterPlan, options: { outDir: string; history: HistoryRecorder }): Promise<ProcessCluster> {
    return ProcessCluster.start(plan, {
      mode: this.mode ?? "host",
      outDir: options.outDir,
      history: options.history,
      commands: { ...realCommands, ...this.options.commands },
      readyTimeoutMs: this.options.readyTimeoutMs ?? 60_000,
      stopTimeoutMs: this.options.stopTimeoutMs ?? 5_000,
      ...(this.options.addresses ? { addresses: this.options.addresses } : {}),
      ...(this.options.workloadModule ? { workloadModule: this.options.workloadModule } : {}),
      slaveConnectedLine: this.options.slaveConnectedLine !== undefined ? this.options.slaveConnectedLine
        : this.options.commands?.broker === undefined ? slaveConnectedLine : null,
    });
  }
}
