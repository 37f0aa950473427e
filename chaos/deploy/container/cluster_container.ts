// A node of a container run as a ClusterNode: its NodeContainer plus what a restart must put
// back. A restarted container has a new, empty network namespace, so its packet filter table
// is written again; its incarnation number goes up, so its workers' op ids start a new map.
// Crash is SIGKILL, pause is a cgroup freeze; a worker's crash records no group leave (the
// container deployer never did; its consumers' expiry shows it).
import type { AddressPlan } from "../address_plan.ts";
import type { DeployedNode } from "../types.ts";
import { stopPhase, type ClusterNode } from "../wall_cluster/cluster_nodes.ts";
import type { NodeContainer } from "./node_container.ts";
import type { ContainerPacketFilter } from "./packet_filter.ts";

/** Teardown grace: workers get longer to record their last lines. */
const workerStopGraceSeconds = 10;
const serverStopGraceSeconds = 5;

export class ClusterContainer implements ClusterNode {
  /** Starts so far (1 after the first start): the workers' history incarnation. */
  starts = 1;

  constructor(
    readonly container: NodeContainer,
    private readonly addresses: AddressPlan,
    private readonly filter: ContainerPacketFilter,
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

  crash(): Promise<void> {
    return this.container.kill();
  }

  async restart(): Promise<boolean> {
    if (this.container.alive) return false;
    this.starts++;
    await this.container.restart();
    await this.filter.sync({ name: this.name, ip: this.container.spec.ip, hostPid: () => this.container.hostPid() });
    return true;
  }

  pause(): Promise<void> {
    return this.container.pause();
  }

  resume(): Promise<void> {
    return this.container.resume();
  }

  stop(): Promise<void> {
    return this.container.stop(stopPhase(this.role) === 0 ? workerStopGraceSeconds : serverStopGraceSeconds);
  }
}
