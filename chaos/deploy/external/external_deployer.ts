// The `external` deployer: runs a scenario's workload and fault timeline against a cluster the
// lab did not start (an Apache RocketMQ 4.9 cluster, or `just cluster` started separately),
// given its NameServer addresses and a fault driver (`local` or `command`, fault_driver.ts).
// The scenario's topology names the nodes (faults say "broker-a"); the driver config maps them.
// Before the run, every scheduled fault is put to the driver; what it cannot inject is refused
// with the reason. The broker.conf in the plan is not applied: the cluster runs its own.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { UnsupportedFaultError, type Fault, type FaultKind } from "../../faults/types.ts";
import type { Scenario } from "../../scenario.ts";
import { clientNodes } from "../address_plan.ts";
import type { HistoryRecorder } from "../../history/types.ts";
import type { Cluster, ClusterPlan, Deployer, DeployerName, FaultSupport } from "../types.ts";
import { CommandFaultDriver } from "./command_driver.ts";
import { ExternalCluster } from "./external_cluster.ts";
import { faultDriverNames, type DriverConfig, type FaultDriver, type FaultDriverName } from "./fault_driver.ts";
import { LocalFaultDriver } from "./local_driver.ts";
import { networkFaultKinds } from "./local_network.ts";

export interface ExternalDeployerOptions {
  /** "host:port;host:port" of the cluster's NameServers. */
  namesrvAddr: string;
  faultDriver: FaultDriverName;
  config: DriverConfig;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
}

/** Reads a driver config file (YAML or JSON); one-line errors. */
export function readDriverConfig(path: string): DriverConfig {
  let value: unknown;
  try {
    value = parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`driver config ${path}: ${(error as Error).message.split("\n")[0]}`, { cause: error });
  }
  const config = value as Partial<DriverConfig> | null;
  if (config === null || typeof config !== "object" || typeof config.nodes !== "object" || config.nodes === null) {
    throw new Error(`driver config ${path}: wants {nodes: {<node>: {address: host:port, pid?, host?}}, commands?: {<fault kind>: {inject, heal?}}}`);
  }
  return { nodes: config.nodes, ...(config.commands === undefined ? {} : { commands: config.commands }) };
}

export function parseFaultDriverName(value: string): FaultDriverName {
  const found = faultDriverNames.find((name) => name === value);
  if (found === undefined) throw new Error(`unknown fault driver "${value}" (known: ${faultDriverNames.join(", ")})`);
  return found;
}

export class ExternalDeployer implements Deployer {
  readonly name: DeployerName = "external";

  constructor(private readonly options: ExternalDeployerOptions) {
    if (!/^[^;:\s]+:\d+(;[^;:\s]+:\d+)*$/.test(options.namesrvAddr)) throw new Error(`--namesrv wants host:port[;host:port...], got "${options.namesrvAddr}"`);
  }

  get faultDriver(): FaultDriverName {
    return this.options.faultDriver;
  }

  private driver(outDir: string, onNode: (node: string, event: "crash" | "restart" | "pause" | "resume") => void, clients: readonly { name: string; role: "producer" | "consumer" }[] = []): FaultDriver {
    return this.options.faultDriver === "local"
      ? new LocalFaultDriver(this.options.config, join(outDir, "nodes"), onNode, this.options.readyTimeoutMs, clients)
      : new CommandFaultDriver(this.options.config, onNode);
  }

  /** Kind-level answer (the runner's pre-check): a representative fault of the kind. */
  supports(kind: FaultKind): FaultSupport {
    // Workload clients are crashed and paused locally, whatever the driver.
    if (kind === "crash" || kind === "pause") return { supported: true };
    if (this.options.faultDriver === "command") {
      const templates = this.options.config.commands ?? {};
      return templates[kind] === undefined
        ? { supported: false, why: `no command template for "${kind}" in the driver config (templates for: ${Object.keys(templates).join(", ") || "none"})` }
        : { supported: true };
    }
    // Whether a packet-filter fault is precise depends on its nodes' addresses: checkScenario decides.
    if (networkFaultKinds.includes(kind)) return { supported: true };
    return this.driver("", () => {}).supports(representative(kind));
  }

  /** The whole fault, nodes and parameters included: refused before the run when unsupported. */
  supportsFault(fault: Fault, clientNodes: readonly string[]): FaultSupport {
    if ((fault.kind === "crash" || fault.kind === "pause") && clientNodes.includes(fault.target)) return { supported: true };
    const clients = clientNodes.map((name) => ({ name, role: name.startsWith("producer-") ? "producer" as const : "consumer" as const }));
    return this.driver("", () => {}, clients).supports(fault);
  }

  /** Every scheduled fault, put to the driver before anything runs (throws the first refusal). */
  checkScenario(scenario: Scenario): void {
    const clients = clientNodes(scenario.workload).map((client) => client.name);
    for (const scheduled of scenario.faults) {
      const support = this.supportsFault(scheduled.fault, clients);
      if (!support.supported) throw new UnsupportedFaultError(`external (${this.options.faultDriver} driver)`, scheduled.fault.kind, support.why);
    }
  }

  async deploy(plan: ClusterPlan, options: { outDir: string; history: HistoryRecorder }): Promise<Cluster> {
    // The driver reports node events to the cluster it is handed to.
    const built: { cluster?: ExternalCluster } = {};
    const driver = this.driver(options.outDir, (node, event) => built.cluster?.recordNode(node, event), clientNodes(plan.workload));
    const cluster = new ExternalCluster({
      plan, namesrvAddr: this.options.namesrvAddr, driver, config: this.options.config, outDir: options.outDir, history: options.history,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 60_000, stopTimeoutMs: this.options.stopTimeoutMs ?? 5_000,
    });
    built.cluster = cluster;
    return cluster;
  }
}

function representative(kind: FaultKind): Fault {
  switch (kind) {
    case "firewall": return { kind, source: "", target: "", port: "broker", mode: "drop", direction: "both" };
    case "heartbeat-loss": return { kind, scope: "broker-to-namesrv", source: "" };
    case "partition": return { kind, shape: "halves" };
    case "flow": return { kind, source: "", target: "", delayMs: 0, jitterMs: 0, lossPercent: 0, direction: "both" };
    case "connection-reset": return { kind, source: "", target: "", midFrame: false };
    case "clock-skew": return { kind, target: "", offsetMs: 0 };
    case "slow-disk": return { kind, target: "", factor: 1 };
    case "namesrv-all-down": return { kind };
    case "acl-secret": return { kind, target: "", secretKey: "" };
    case "acl-file": return { kind, target: "", text: "" };
    case "crash":
    case "power-loss":
    case "pause":
    case "disk-full":
    case "clean-restart":
    case "rogue-peer":
      return { kind, target: "" };
    case "disk-error":
      return { kind, target: "", errors: "both" };
    default: {
      const unreachable: never = kind;
      throw new Error(`no representative fault of kind ${String(unreachable)}`);
    }
  }
}
