// The `local` fault driver: the cluster runs on this machine (e.g. `just cluster` started
// separately). A node is found by its PID, or by whoever listens on its address's port (`ss`).
// crash = SIGKILL; its heal starts the same command again — the argv, working directory and
// environment read from /proc before the kill, as a supervisor would — and waits for the port.
// pause/resume = SIGSTOP/SIGCONT; namesrv-all-down = crash of every configured NameServer.
// Network faults (firewall, heartbeat-loss, partition, flow loss) are nftables rules on the
// nodes' configured addresses (local_network.ts), refused when a node to single out shares its
// address with another (`just cluster` binds everything to 127.0.0.1). Other kinds have no
// local mechanism (as in the process deployer).
import { execFile, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Fault } from "../../faults/types.ts";
import { probeConnect, waitForPort } from "../wall_cluster/probe.ts";
import type { FaultSupport } from "../types.ts";
import { hostOf, portOf, type DriverConfig, type FaultDriver, type NodeEventSink } from "./fault_driver.ts";
import { ConfiguredAddresses, LocalNetworkFaults, localNetworkSupport, networkFaultKinds } from "./local_network.ts";

const run = promisify(execFile);

interface ProcessImage {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

/** What a restart needs, read from /proc while the process lives. */
export function processImage(pid: number): ProcessImage {
  const split = (path: string): string[] => readFileSync(path, "utf8").split("\0").filter((part) => part.length > 0);
  const env: Record<string, string> = {};
  for (const entry of split(`/proc/${pid}/environ`)) {
    const index = entry.indexOf("=");
    if (index > 0) env[entry.slice(0, index)] = entry.slice(index + 1);
  }
  return { argv: split(`/proc/${pid}/cmdline`), cwd: readlinkSync(`/proc/${pid}/cwd`), env };
}

/** The PID listening on TCP `port` (any address), from `ss -Htlnp`. */
export async function listenerPid(port: number): Promise<number | undefined> {
  const { stdout } = await run("ss", ["-Htlnp", `sport = :${port}`]);
  const match = /pid=(\d+)/.exec(stdout);
  return match === null ? undefined : Number(match[1]);
}

export class LocalFaultDriver implements FaultDriver {
  readonly name = "local" as const;
  /** Crashed nodes: how to start them again. */
  private readonly crashed = new Map<string, ProcessImage>();
  private readonly paused = new Map<string, number>();
  /** PIDs this driver started (restarts): they belong to the user's cluster afterwards. */
  readonly restartedPids: number[] = [];

  private readonly addresses: ConfiguredAddresses;
  private readonly network: LocalNetworkFaults;

  /** `clients`: the workload's client nodes (they run on this machine, at 127.0.0.1). */
  constructor(private readonly config: DriverConfig, private readonly logDir: string, private readonly onNode: NodeEventSink, private readonly readyTimeoutMs = 60_000, clients: readonly { name: string; role: "producer" | "consumer" }[] = []) {
    this.addresses = new ConfiguredAddresses(config, clients);
    this.network = new LocalNetworkFaults(this.addresses, logDir);
  }

  supports(fault: Fault): FaultSupport {
    switch (fault.kind) {
      case "crash":
      case "pause":
        return this.config.nodes[fault.target] === undefined
          ? { supported: false, why: `node "${fault.target}" is not in the driver config (nodes: ${Object.keys(this.config.nodes).join(", ") || "none"})` }
          : { supported: true };
      case "namesrv-all-down":
        return Object.keys(this.config.nodes).some((node) => node.startsWith("namesrv-")) ? { supported: true } : { supported: false, why: "no namesrv-N node in the driver config" };
      case "firewall": case "heartbeat-loss": case "partition": case "flow":
        return localNetworkSupport(fault, this.addresses);
      case "connection-reset":
        return { supported: false, why: "resetting live connections mid-frame needs the process deployer's agent (in its network namespace)" };
      case "power-loss": case "clock-skew": case "slow-disk": case "disk-full": case "disk-error": case "clean-restart": case "acl-secret": case "acl-file": case "rogue-peer":
        return { supported: false, why: "no per-process mechanism on a local machine (as in the process deployer)" };
      default: {
        const unreachable: never = fault;
        throw new Error(`local driver: undecided fault ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private async pidOf(node: string): Promise<number> {
    const entry = this.config.nodes[node];
    if (entry === undefined) throw new Error(`local driver: node "${node}" is not in the driver config`);
    if (entry.pid !== undefined) return entry.pid;
    const port = portOf(entry.address);
    if (port === undefined) throw new Error(`local driver: node "${node}" has neither pid nor address host:port`);
    const pid = await listenerPid(port);
    if (pid === undefined) throw new Error(`local driver: nothing listens on port ${port} for node "${node}"`);
    return pid;
  }

  private namesrvNodes(): string[] {
    return Object.keys(this.config.nodes).filter((node) => node.startsWith("namesrv-"));
  }

  async inject(fault: Fault, faultIndex = 0): Promise<void> {
    if (networkFaultKinds.includes(fault.kind)) return this.network.inject(fault, faultIndex);
    switch (fault.kind) {
      case "crash": return this.crash(fault.target);
      case "pause": {
        const pid = await this.pidOf(fault.target);
        process.kill(pid, "SIGSTOP");
        this.paused.set(fault.target, pid);
        this.onNode(fault.target, "pause");
        return;
      }
      case "namesrv-all-down":
        for (const node of this.namesrvNodes()) await this.crash(node);
        return;
      case "firewall": case "heartbeat-loss": case "partition": case "flow": case "connection-reset":
      case "power-loss": case "clock-skew": case "slow-disk": case "disk-full": case "disk-error": case "clean-restart": case "acl-secret": case "acl-file": case "rogue-peer":
        // Refused by supports() before the run.
        throw new Error(`local driver cannot inject ${fault.kind}`);
      default: {
        const unreachable: never = fault;
        throw new Error(`local driver: undecided fault ${JSON.stringify(unreachable)}`);
      }
    }
  }

  async heal(fault: Fault, faultIndex = 0): Promise<void> {
    if (networkFaultKinds.includes(fault.kind)) return this.network.heal(faultIndex);
    switch (fault.kind) {
      case "crash": return this.restart(fault.target);
      case "pause": {
        const pid = this.paused.get(fault.target);
        if (pid === undefined) return;
        process.kill(pid, "SIGCONT");
        this.paused.delete(fault.target);
        this.onNode(fault.target, "resume");
        return;
      }
      case "namesrv-all-down":
        await Promise.all(this.namesrvNodes().map((node) => this.restart(node)));
        return;
      case "firewall": case "heartbeat-loss": case "partition": case "flow": case "connection-reset":
      case "power-loss": case "clock-skew": case "slow-disk": case "disk-full": case "disk-error": case "clean-restart": case "acl-secret": case "acl-file": case "rogue-peer":
        // Never injected by this driver: nothing to heal.
        return;
      default: {
        const unreachable: never = fault;
        throw new Error(`local driver: undecided fault ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private async crash(node: string): Promise<void> {
    const pid = await this.pidOf(node);
    const image = processImage(pid);
    process.kill(pid, "SIGKILL");
    this.crashed.set(node, image);
    // Known pids go stale with the crash: later faults find the restarted process by its port.
    const entry = this.config.nodes[node];
    if (entry?.pid !== undefined) delete entry.pid;
    this.onNode(node, "crash");
    const port = portOf(entry?.address);
    if (port !== undefined) await waitForPortFree(hostOf(entry?.address) ?? "127.0.0.1", port, this.readyTimeoutMs);
  }

  private async restart(node: string): Promise<void> {
    const image = this.crashed.get(node);
    if (image === undefined) return;
    this.crashed.delete(node);
    mkdirSync(this.logDir, { recursive: true });
    const log = openSync(join(this.logDir, `${node}.restart.log`), "a");
    const [command, ...args] = image.argv;
    if (command === undefined) throw new Error(`local driver: ${node} had an empty command line`);
    const child = spawn(command, args, { cwd: image.cwd, env: image.env, detached: true, stdio: ["ignore", log, log] });
    closeSync(log);
    child.unref();
    if (child.pid !== undefined) this.restartedPids.push(child.pid);
    const address = this.config.nodes[node]?.address;
    const port = portOf(address);
    if (port !== undefined) {
      await waitForPort(probeConnect, { host: hostOf(address) ?? "127.0.0.1", port }, this.readyTimeoutMs, () => child.exitCode === null);
    }
    this.onNode(node, "restart");
  }

  async close(): Promise<string[]> {
    const problems: string[] = [];
    for (const [node, pid] of this.paused) {
      process.kill(pid, "SIGCONT");
      problems.push(`${node} was still paused: resumed`);
    }
    for (const node of this.crashed.keys()) problems.push(`${node} was crashed without a heal: left down`);
    await this.network.close();
    return problems;
  }
}

async function waitForPortFree(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await probeConnect({ host, port, timeoutMs: 300 })).ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
