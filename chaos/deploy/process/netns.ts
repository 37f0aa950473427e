// One network namespace per run ("mqlab-<runid>"): only `lo` inside, brought up, so all of
// 127.0.0.0/8 is local and each node can own an address; an nftables table ("inet mqlab")
// whose output chain carries the run's fault rules, each tagged with its fault so heal removes
// exactly those; a NAT table ("ip mqlab_nat") for the delaying relays of flow faults.
// Deleting the namespace removes the tables and every rule with them.
import { nftBaseScript, nftChain, nftNatBaseScript, nftNatTable, nftTable } from "../wall_cluster/packet_rules.ts";
import { runCommand, runCommandSyncQuiet } from "../wall_cluster/host_commands.ts";

export const netnsPrefix = "mqlab-";

export async function listNetns(): Promise<string[]> {
  const text = await runCommand(["ip", "netns", "list"]);
  return text.split("\n").map((line) => line.trim().split(/\s+/)[0] ?? "").filter((name) => name !== "");
}

export class NetNamespace {
  private constructor(readonly name: string) {}

  static async create(name: string): Promise<NetNamespace> {
    await runCommand(["ip", "netns", "add", name]);
    const namespace = new NetNamespace(name);
    try {
      await runCommand(namespace.execPrefix(["ip", "link", "set", "lo", "up"]));
      await runCommand(namespace.execPrefix(["nft", "-f", "-"]), { input: nftBaseScript() + nftNatBaseScript() });
    } catch (error) {
      await namespace.destroy();
      throw error;
    }
    return namespace;
  }

  /** argv that runs `argv` inside the namespace (`ip netns exec` execs it: same pid). */
  execPrefix(argv: readonly string[]): string[] {
    return ["ip", "netns", "exec", this.name, ...argv];
  }

  async addRules(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await runCommand(this.execPrefix(["nft", "-f", "-"]), { input: lines.join("\n") + "\n" });
  }

  /** Rules tagged `comment`, as "family table" and handle; `filterOnly` leaves the NAT table out. */
  async ruleHandles(comment: string, filterOnly = false): Promise<{ table: string; handle: number }[]> {
    const found: { table: string; handle: number }[] = [];
    for (const table of filterOnly ? [`inet ${nftTable}`] : [`inet ${nftTable}`, `ip ${nftNatTable}`]) {
      const text = await runCommand(this.execPrefix(["nft", "-j", "-a", "list", "chain", ...table.split(" "), nftChain]));
      const parsed = JSON.parse(text) as { nftables: { rule?: { handle: number; comment?: string } }[] };
      for (const item of parsed.nftables) if (item.rule && item.rule.comment === comment) found.push({ table, handle: item.rule.handle });
    }
    return found;
  }

  async deleteRules(comment: string, filterOnly = false): Promise<number> {
    const handles = await this.ruleHandles(comment, filterOnly);
    await this.addRules(handles.map(({ table, handle }) => `delete rule ${table} ${nftChain} handle ${handle}`));
    return handles.length;
  }

  /** Resets live TCP connections from fromIp to toIp:port (ss -K), so new ones meet new rules. */
  async killConnections(fromIp: string, toIp: string, port: number): Promise<void> {
    await runCommand(this.execPrefix(["ss", "-K", "-t", "src", fromIp, "dst", toIp, "dport", "=", `:${port}`]));
  }

  async listRules(): Promise<string> {
    return runCommand(this.execPrefix(["nft", "list", "table", "inet", nftTable]));
  }

  /** Kills whatever still runs inside, then deletes the namespace (and its rules). */
  async destroy(): Promise<void> {
    await killNetnsProcesses(this.name);
    await runCommand(["ip", "netns", "delete", this.name]).catch(async (error: unknown) => {
      if ((await listNetns()).includes(this.name)) throw error;
    });
  }

  /** Exit-handler version: synchronous, best effort. */
  destroySync(): void {
    runCommandSyncQuiet(["ip", "netns", "delete", this.name]);
  }
}

export async function killNetnsProcesses(name: string): Promise<number[]> {
  const text = await runCommand(["ip", "netns", "pids", name]).catch(() => "");
  const pids = text.split("\n").map((line) => Number(line.trim())).filter((pid) => Number.isSafeInteger(pid) && pid > 0);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone: nothing to kill
    }
  }
  return pids;
}
