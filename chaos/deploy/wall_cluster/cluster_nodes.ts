// The nodes of a wall-clock cluster (process, container, external): each deployer wraps its own
// handle (an OS process, a container, a worker process) in a ClusterNode, and the NodeTable
// keeps them by name in start order (servers first, then workload clients). The table answers
// nodes() (the DeployedNode records), finds a fault's target, and stops everything in the one
// teardown order every deployer uses: clients, then brokers, then NameServers.
import type { DeployedNode, NodeRole } from "../types.ts";
import type { NodeLedger } from "./node_ledger.ts";

/** What a deployer does to one of its nodes for the life-cycle faults and teardown. */
export interface ClusterNode {
  readonly name: string;
  readonly role: NodeRole;
  /** The record nodes() gives (address, and whether it runs now as this deployer sees it). */
  describe(): DeployedNode;
  /** SIGKILL-like; resolves once it is gone (a consumer's leave is the node's own record). */
  crash(): Promise<void>;
  /** Starts it again after a crash; false when it was running and nothing was done. */
  restart(): Promise<boolean>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Graceful stop at teardown (the node's own grace period, then SIGKILL). */
  stop(): Promise<void>;
}

export class NodeTable<Node extends ClusterNode = ClusterNode> {
  private readonly byName = new Map<string, Node>();

  add(node: Node): Node {
    if (this.byName.has(node.name)) throw new Error(`node "${node.name}" deployed twice`);
    this.byName.set(node.name, node);
    return node;
  }

  get(name: string): Node {
    const node = this.byName.get(name);
    if (node === undefined) throw new Error(`unknown node "${name}" (known: ${[...this.byName.keys()].join(", ")})`);
    return node;
  }

  /** Forgets a node that is gone for good (a rogue peer after its heal): teardown no longer stops it. */
  remove(name: string): void {
    this.byName.delete(name);
  }

  find(name: string): Node | undefined {
    return this.byName.get(name);
  }

  all(): Node[] {
    return [...this.byName.values()];
  }

  ofRole(role: NodeRole): Node[] {
    return this.all().filter((node) => node.role === role);
  }

  describe(): DeployedNode[] {
    return this.all().map((node) => node.describe());
  }
}

/** Teardown phase of a role: clients stop first (their last history lines), NameServers last. */
export function stopPhase(role: NodeRole): 0 | 1 | 2 {
  switch (role) {
    case "producer":
    case "consumer":
    case "rogue":
      return 0;
    case "broker":
      return 1;
    case "namesrv":
      return 2;
    default: {
      const unreachable: never = role;
      throw new Error(`no teardown phase for role ${String(unreachable)}`);
    }
  }
}

/**
 * Stops every node, phase by phase (nodes of a phase together), recording "stop" for each as
 * it stops. Never throws: what failed comes back as "stop <node>: <reason>" lines.
 */
export async function stopInOrder(nodes: readonly ClusterNode[], ledger: NodeLedger): Promise<string[]> {
  const problems: string[] = [];
  for (const phase of [0, 1, 2] as const) {
    await Promise.all(nodes.filter((node) => stopPhase(node.role) === phase).map(async (node) => {
      try {
        await node.stop();
        ledger.node(node.name, "stop");
      } catch (error) {
        problems.push(`stop ${node.name}: ${(error as Error).message}`);
      }
    }));
  }
  return problems;
}
