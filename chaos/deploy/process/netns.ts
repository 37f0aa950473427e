// One network namespace per run ("mqlab-<runid>"): only `lo` inside, brought up, so all of
// 127.0.0.0/8 is local and each node can own an address; an nftables table ("inet mqlab")
// whose output chain carries the run's fault rules, each tagged with its fault so heal removes
// exactly those. Deleting the namespace removes the table and every rule with it.
import { nftBaseScript, nftChain, nftTable } from "./packet_rules.ts";
import { runCommand, runCommandSyncQuiet } from "./host_commands.ts";

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
      await runCommand(namespace.execPrefix(["nft", "-f", "-"]), { input: nftBaseScript() });
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

  /** Handles of the rules tagged `comment`. */
  async ruleHandles(comment: string): Promise<number[]> {
    const text = await runCommand(this.execPrefix(["nft", "-j", "-a", "list", "chain", "inet", nftTable, nftChain]));
    const parsed = JSON.parse(text) as { nftables: { rule?: { handle: number; comment?: string } }[] };
    return parsed.nftables.flatMap((item) => (item.rule && item.rule.comment === comment ? [item.rule.handle] : []));
  }

  async deleteRules(comment: string): Promise<number> {
    const handles = await this.ruleHandles(comment);
    const lines = handles.map((handle) => `delete rule inet ${nftTable} ${nftChain} handle ${handle}`);
    await this.addRules(lines);
    return handles.length;
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
