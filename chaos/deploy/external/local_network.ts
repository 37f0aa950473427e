// Network faults of the `local` fault driver: the process deployer's packet rules
// (process/packet_rules.ts) on the addresses the driver config names, as nftables rules in a
// table of this machine's own (inet mqlab_external_<pid>, output hook: the cluster runs here, so every
// packet between its nodes leaves through it; the table's name carries the lab's PID), tagged per fault so heal removes exactly those;
// close() deletes the table. Workload clients run here too and connect from 127.0.0.1.
// A rule names a node by its IP (and the service port of the listener it talks to), so a fault
// is precise only when each node it must single out has an IP no other node shares: a cluster
// laid out on 127.0.x.y addresses whose nodes bind their source address (mqlab's do), not one
// with everything on 127.0.0.1 (`just cluster`). What would hit bystanders is refused with the
// nodes that share the address; so is a flow delay (the process deployer's relay lives in its
// namespace) and a connection reset.
import { execFile } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { promisify } from "node:util";
import { join } from "node:path";
import type { Fault } from "../../faults/types.ts";
import { AddressPlan, type NodeAddress } from "../address_plan.ts";
import { faultPacketRules, nftChain, nftTable, renderNftRules } from "../wall_cluster/packet_rules.ts";
import type { FaultSupport } from "../types.ts";
import { hostOf, portOf, type DriverConfig } from "./fault_driver.ts";

const run = promisify(execFile);

/** One table per lab process, so two runs on one machine never touch each other's rules. */
export const externalNftTable = `mqlab_external_${process.pid}`;
export const networkFaultKinds: readonly Fault["kind"][] = ["firewall", "heartbeat-loss", "partition", "flow"];
const clientIp = "127.0.0.1";

/** The driver config's nodes (and the workload's clients, on this machine) as an address plan. */
export class ConfiguredAddresses extends AddressPlan {
  private readonly nodes = new Map<string, NodeAddress>();

  constructor(config: DriverConfig, clients: readonly { name: string; role: "producer" | "consumer" }[]) {
    super([], []);
    for (const [name, entry] of Object.entries(config.nodes)) {
      const ip = hostOf(entry.address);
      const port = portOf(entry.address);
      if (ip === undefined || port === undefined) continue;
      const role = name.startsWith("namesrv-") ? "namesrv" : "broker";
      // A broker's VIP channel and HA port sit at listenPort − 2 and + 1 (RocketMQ's defaults).
      this.nodes.set(name, role === "broker" ? { name, role, ip, port, vipPort: port - 2, haPort: port + 1 } : { name, role, ip, port });
    }
    for (const client of clients) this.nodes.set(client.name, { name: client.name, role: client.role, ip: clientIp });
  }

  override get(name: string): NodeAddress {
    const address = this.nodes.get(name);
    if (address === undefined) throw new Error(`node "${name}" has no address in the driver config (known: ${[...this.nodes.keys()].join(", ")})`);
    return address;
  }

  override has(name: string): boolean {
    return this.nodes.has(name);
  }

  override all(): NodeAddress[] {
    return [...this.nodes.values()];
  }

  /** Nodes other than `name` that share its IP. */
  sharing(name: string): string[] {
    const ip = this.get(name).ip;
    return this.all().filter((node) => node.name !== name && node.ip === ip).map((node) => node.name);
  }
}

/** The nodes a fault's rules must tell apart by IP alone. */
function singledOut(fault: Fault, plan: ConfiguredAddresses): string[] {
  switch (fault.kind) {
    case "firewall":
      return fault.port === "any" ? [fault.source, fault.target] : [fault.source];
    case "heartbeat-loss":
      return [fault.source];
    case "flow":
      return [fault.source, fault.target];
    case "partition":
      return plan.all().filter((node) => node.role === "namesrv" || node.role === "broker").map((node) => node.name);
    default:
      return [];
  }
}

export function localNetworkSupport(fault: Fault, plan: ConfiguredAddresses): FaultSupport {
  if (fault.kind === "flow" && (fault.delayMs > 0 || fault.jitterMs > 0)) return { supported: false, why: "added delay needs the process deployer's relay (in its network namespace); the local driver gives loss only" };
  if (!networkFaultKinds.includes(fault.kind)) return { supported: false, why: `${fault.kind} is not a packet-filter fault` };
  try {
    faultPacketRules(fault, plan);
    for (const node of singledOut(fault, plan)) {
      const others = plan.sharing(node);
      if (others.length > 0) return { supported: false, why: `${node} shares ${plan.get(node).ip} with ${others.join(", ")}: an nftables rule cannot tell their packets apart (give each node its own address)` };
    }
  } catch (error) {
    return { supported: false, why: (error as Error).message };
  }
  return { supported: true };
}

/** Rules on this machine, one tag per fault index. */
export class LocalNetworkFaults {
  private tableMade = false;

  constructor(private readonly plan: ConfiguredAddresses, private readonly logDir: string) {}

  private log(text: string): void {
    mkdirSync(this.logDir, { recursive: true });
    appendFileSync(join(this.logDir, "nftables.log"), `${new Date().toISOString()} ${text}\n`);
  }

  private tag(faultIndex: number): string {
    return `mqlab-external-fault-${faultIndex}`;
  }

  private async nft(script: string): Promise<void> {
    const child = execFile("nft", ["-f", "-"]);
    const done = new Promise<void>((resolve, reject) => {
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("error", reject);
      child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`nft -f -: ${stderr.trim().split("\n")[0] ?? `exit ${code}`}`))));
    });
    child.stdin?.end(script);
    await done;
  }

  async inject(fault: Fault, faultIndex: number): Promise<void> {
    const rules = faultPacketRules(fault, this.plan) ?? [];
    if (!this.tableMade) {
      await this.nft(`table inet ${externalNftTable} {\n  chain ${nftChain} {\n    type filter hook output priority 0; policy accept;\n  }\n}\n`);
      this.tableMade = true;
    }
    // The process deployer's rules name its own table; here they go into this machine's.
    const lines = renderNftRules(rules, this.tag(faultIndex)).map((line) => line.replace(`inet ${nftTable} `, `inet ${externalNftTable} `));
    this.log(`inject #${faultIndex} ${fault.kind}\n${lines.join("\n")}`);
    if (lines.length > 0) await this.nft(lines.join("\n") + "\n");
  }

  async heal(faultIndex: number): Promise<void> {
    if (!this.tableMade) return;
    const { stdout } = await run("nft", ["-j", "-a", "list", "chain", "inet", externalNftTable, nftChain]);
    const parsed = JSON.parse(stdout) as { nftables: { rule?: { handle: number; comment?: string } }[] };
    const handles = parsed.nftables.flatMap((item) => (item.rule?.comment === this.tag(faultIndex) ? [item.rule.handle] : []));
    if (handles.length > 0) await this.nft(handles.map((handle) => `delete rule inet ${externalNftTable} ${nftChain} handle ${handle}`).join("\n") + "\n");
    this.log(`heal #${faultIndex}: ${handles.length} rules removed`);
  }

  /** Deletes the table (every rule a heal did not remove goes with it). */
  async close(): Promise<string[]> {
    if (!this.tableMade) return [];
    this.tableMade = false;
    await this.nft(`delete table inet ${externalNftTable}\n`);
    return [];
  }
}

/** Whether nft can be run here (root and the binary). */
export async function nftUsable(): Promise<boolean> {
  try {
    await run("nft", ["list", "tables"]);
    return true;
  } catch {
    return false;
  }
}
