// A NameServer or broker of a process run as a ClusterNode: one supervised OS process
// (node_process.ts) at its planned address. Ready means its main port accepts a connection from
// inside the run's network; a port that already accepts before the start belongs to someone
// else and fails the start (readiness would pass for the wrong process otherwise).
import type { NodeAddress } from "../address_plan.ts";
import type { DeployedNode } from "../types.ts";
import type { ClusterNode } from "../wall_cluster/cluster_nodes.ts";
import type { NodeProcess } from "../wall_cluster/node_process.ts";
import { waitForPort, type ProbeRequest, type ProbeResult } from "../wall_cluster/probe.ts";

export interface ServerLaunch {
  /** A TCP connect probe from inside the run's network. */
  probe(request: ProbeRequest): Promise<ProbeResult>;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
  /** Where its log is (named in errors). */
  logPath: string;
}

export class ServerProcess implements ClusterNode {
  constructor(
    readonly address: NodeAddress,
    readonly process: NodeProcess,
    private readonly launch: ServerLaunch,
  ) {}

  get name(): string {
    return this.address.name;
  }

  get role(): NodeAddress["role"] {
    return this.address.role;
  }

  describe(): DeployedNode {
    return { name: this.name, role: this.role, address: `${this.address.ip}:${this.address.port}`, alive: this.process.running && !this.process.isPaused };
  }

  /** Starts the process and waits until its port accepts connections. */
  async start(): Promise<void> {
    const port = this.address.port ?? 0;
    const before = await this.launch.probe({ host: this.address.ip, port, timeoutMs: 500 });
    if (before.ok) throw new Error(`${this.name}: ${this.address.ip}:${port} is already served by another process; stop it or pick other ports`);
    this.process.start();
    try {
      await waitForPort((request) => this.launch.probe(request), { host: this.address.ip, port }, this.launch.readyTimeoutMs, () => this.process.running);
    } catch (error) {
      throw new Error(`${this.name}: ${(error as Error).message} (log: ${this.launch.logPath})`, { cause: error });
    }
  }

  crash(): Promise<void> {
    return this.process.crash();
  }

  async restart(): Promise<boolean> {
    await this.start();
    return true;
  }

  pause(): Promise<void> {
    this.process.pause();
    return Promise.resolve();
  }

  resume(): Promise<void> {
    this.process.resume();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.process.stop(this.launch.stopTimeoutMs);
  }
}
