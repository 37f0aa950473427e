// A node of a container run as a ClusterNode: its NodeContainer plus what a restart must put
// back. A restarted container has a new, empty network namespace, so its packet filter table
// is written again; its incarnation number goes up, so its workers' op ids start a new map.
// Crash is SIGKILL, pause is a cgroup freeze. A killed consumer worker cannot say it left its
// group, so the deployer records the leave for it once the container is gone and its last lines
// are read, before LifecycleFaults records the crash — where the process and external deployers
// record it (wall_cluster/worker_process.ts). A graceful stop needs no such record: the worker
// leaves on SIGTERM and its own line says so.
// Stopping producers is a standing order (as wall_cluster/worker_process.ts): a producer
// container down or frozen when the run stops producing is told once it runs again (a heal
// after the send phase restarts or unfreezes it), and its answer is awaited from before the
// signal, so a quick "producers-stopped" is never missed.
import type { AddressPlan } from "../address_plan.ts";
import type { DeployedNode } from "../types.ts";
import { controlPrefix } from "../worker_protocol.ts";
import { stopPhase, type ClusterNode } from "../wall_cluster/cluster_nodes.ts";
import type { NodeLedger } from "../wall_cluster/node_ledger.ts";
import type { NodeContainer } from "./node_container.ts";
import type { ContainerPacketFilter } from "./packet_filter.ts";

/** Teardown grace: workers get longer to record their last lines. */
const workerStopGraceSeconds = 10;
const serverStopGraceSeconds = 5;

/** What a ClusterContainer does to its container: a NodeContainer, a stand-in in unit tests. */
export type ContainerHandle = Pick<NodeContainer, "spec" | "alive" | "paused" | "kill" | "restart" | "pause" | "resume" | "stop" | "hostPid" | "signal" | "waitLine">;

/** The worker's answer to SIGUSR2 (worker.ts). */
const producersStoppedLine = new RegExp(`^${controlPrefix}\\{"event":"producers-stopped"`);

/** A consumer worker's group and where its leave goes when the deployer kills it. */
export interface ConsumerLeave {
  group: string;
  ledger: NodeLedger;
}

export class ClusterContainer<Handle extends ContainerHandle = NodeContainer> implements ClusterNode {
  /** Starts so far (1 after the first start): the workers' history incarnation. */
  starts = 1;
  /** Set by stopProducing (its timeout): every later start or unfreeze is told too. */
  private stopOrderTimeoutMs: number | undefined;
  /** The start that was last told to stop producing; 0: none. */
  private stopToldStart = 0;

  constructor(
    readonly container: Handle,
    private readonly addresses: AddressPlan,
    private readonly filter: ContainerPacketFilter,
    private readonly consumer?: ConsumerLeave,
  ) {}

  get name(): string {
    return this.container.spec.name;
  }

  get role(): NodeContainer["spec"]["role"] {
    return this.container.spec.role;
  }

  describe(): DeployedNode {
    const address = this.addresses.get(this.name);
    return { name: this.name, role: this.role, ...(address.port === undefined ? {} : { address: `${address.ip}:${address.port}` }), alive: this.container.alive };
  }

  async crash(): Promise<void> {
    // Only a kill that ended a running worker is a leave; crashing a dead one changes nothing.
    const wasAlive = this.container.alive;
    await this.container.kill();
    if (wasAlive && this.consumer !== undefined) this.consumer.ledger.left(this.name, this.consumer.group);
  }

  async restart(): Promise<boolean> {
    if (this.container.alive) return false;
    this.starts++;
    await this.container.restart();
    await this.filter.sync({ name: this.name, ip: this.container.spec.ip, hostPid: () => this.container.hostPid() });
    await this.applyStopOrder();
    return true;
  }

  pause(): Promise<void> {
    return this.container.pause();
  }

  async resume(): Promise<void> {
    await this.container.resume();
    await this.applyStopOrder();
  }

  /**
   * A worker: stop sending now if it runs, else when it next runs (the order stands for the
   * rest of the run). Waits at most timeoutMs for its answer; a silent worker is not an error
   * (it may be exiting), as before.
   */
  async stopProducing(timeoutMs: number): Promise<void> {
    this.stopOrderTimeoutMs = timeoutMs;
    await this.applyStopOrder();
  }

  private async applyStopOrder(): Promise<void> {
    const timeoutMs = this.stopOrderTimeoutMs;
    if (timeoutMs === undefined || !this.container.alive || this.container.paused || this.stopToldStart === this.starts) return;
    this.stopToldStart = this.starts;
    const answered = this.container.waitLine(producersStoppedLine, timeoutMs).catch(() => undefined);
    await this.container.signal("SIGUSR2");
    await answered;
  }

  stop(): Promise<void> {
    return this.container.stop(stopPhase(this.role) === 0 ? workerStopGraceSeconds : serverStopGraceSeconds);
  }
}
