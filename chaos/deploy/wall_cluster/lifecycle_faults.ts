// The life-cycle faults of a wall-clock cluster, given once for every deployer: crash and its
// heal (restart), pause and resume, namesrv-all-down (every NameServer crashed, in plan order;
// healed together). The deployer's ClusterNode does the act; this records it, after the act
// succeeded, as the run's history wants it: crash, restart (only when the node was restarted),
// pause, resume. Which deployer supports which kind stays each deployer's decision (its own
// exhaustive switch); this only acts.
import type { NodeLedger } from "./node_ledger.ts";
import type { ClusterNode } from "./cluster_nodes.ts";

export class LifecycleFaults {
  constructor(
    private readonly node: (name: string) => ClusterNode,
    private readonly nameServers: readonly string[],
    private readonly ledger: NodeLedger,
  ) {}

  async crash(target: string): Promise<void> {
    await this.node(target).crash();
    this.ledger.node(target, "crash");
  }

  async restart(target: string): Promise<void> {
    if (await this.node(target).restart()) this.ledger.node(target, "restart");
  }

  async pause(target: string): Promise<void> {
    await this.node(target).pause();
    this.ledger.node(target, "pause");
  }

  async resume(target: string): Promise<void> {
    await this.node(target).resume();
    this.ledger.node(target, "resume");
  }

  /** One after the other: the NameServers go down in plan order. */
  async crashNameServers(): Promise<void> {
    for (const name of this.nameServers) await this.crash(name);
  }

  async restartNameServers(): Promise<void> {
    await Promise.all(this.nameServers.map((name) => this.restart(name)));
  }
}
