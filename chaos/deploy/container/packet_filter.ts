// Network faults of a container run, for real: the packet rules the process deployer derives
// from a fault (chaos/deploy/wall_cluster/packet_rules.ts) go into the network namespace of the
// container that sends the packets — a rule "from A to B" sits in A's output hook — entered
// from the engine's host with `nsenter -t <container pid> -n nft -f -`, since the image has no
// tools. Each container's table is rebuilt whole from the active faults on every change, in
// one atomic `nft -f`, so heal is exact and a restarted container (whose namespace is new and
// empty) gets its rules back with one call.
import { runCommand } from "../wall_cluster/host_commands.ts";
import { nftBaseScript, nftTable, renderNftRules, type PacketRule } from "../wall_cluster/packet_rules.ts";

export interface FilterTarget {
  name: string;
  ip: string;
  /** The container's pid on the host, 0 while it is not running. */
  hostPid(): Promise<number>;
}

/** `nft -f` text that replaces the node's table with exactly `rules`. */
export function tableScript(rules: readonly { faultIndex: number; rules: readonly PacketRule[] }[]): string {
  const lines = [`table inet ${nftTable}`, `delete table inet ${nftTable}`, nftBaseScript().trimEnd()];
  for (const entry of rules) lines.push(...renderNftRules(entry.rules, `fault-${entry.faultIndex}`));
  return lines.join("\n") + "\n";
}

export class ContainerPacketFilter {
  /** Active faults' rules, by fault index. */
  private readonly active = new Map<number, PacketRule[]>();

  constructor(private readonly nodes: () => readonly FilterTarget[]) {}

  private rulesFrom(ip: string): { faultIndex: number; rules: PacketRule[] }[] {
    return [...this.active.entries()]
      .sort(([a], [b]) => a - b)
      .map(([faultIndex, rules]) => ({ faultIndex, rules: rules.filter((rule) => rule.fromIp === ip) }))
      .filter((entry) => entry.rules.length > 0);
  }

  private senders(rules: readonly PacketRule[]): FilterTarget[] {
    const ips = new Set(rules.map((rule) => rule.fromIp));
    const targets = this.nodes().filter((node) => ips.has(node.ip));
    const known = new Set(targets.map((node) => node.ip));
    const unknown = [...ips].filter((ip) => !known.has(ip));
    if (unknown.length > 0) throw new Error(`packet rules name addresses of no container: ${unknown.join(", ")}`);
    return targets;
  }

  async add(faultIndex: number, rules: PacketRule[]): Promise<void> {
    this.active.set(faultIndex, rules);
    for (const node of this.senders(rules)) await this.sync(node);
  }

  async remove(faultIndex: number): Promise<void> {
    const rules = this.active.get(faultIndex);
    if (rules === undefined) return;
    this.active.delete(faultIndex);
    for (const node of this.senders(rules)) await this.sync(node);
  }

  /** Writes the node's whole table; a stopped container gets it when it restarts. */
  async sync(node: FilterTarget): Promise<void> {
    const pid = await node.hostPid();
    if (pid === 0) return;
    const entries = this.rulesFrom(node.ip);
    await runCommand(["nsenter", "-t", String(pid), "-n", "nft", "-f", "-"], { input: tableScript(entries) });
  }

  /** The node's table as nft prints it (tests, debugging). */
  static async listTable(pid: number): Promise<string> {
    return runCommand(["nsenter", "-t", String(pid), "-n", "nft", "list", "table", "inet", nftTable]).catch(() => "");
  }

  activeFaults(): number[] {
    return [...this.active.keys()];
  }
}

