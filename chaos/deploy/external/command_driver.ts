// The `command` fault driver: a shell command template per fault kind, run on this machine
// (`ssh {host} sudo systemctl kill -s KILL rocketmq-broker`), with an optional heal template.
// Placeholders: {node} {host} {address} {port} for single-node faults (crash, pause, ...; a
// clock-skew adds {offsetMs}, a slow-disk {factor}); {source} {target} {sourceHost}
// {targetHost} {targetPort} for flows (firewall also {mode} {direction} {portRole}); {shape}
// for partitions; {faultIndex} always. A fault kind without a template, or a template naming a
// placeholder the fault cannot fill, is refused before the run. A command that exits non-zero
// fails the run with its stderr.
import { exec } from "node:child_process";
import { promisify } from "node:util";
import type { Fault } from "../../faults/types.ts";
import type { FaultSupport } from "../types.ts";
import { hostOf, portOf, type DriverConfig, type FaultDriver, type NodeEventSink } from "./fault_driver.ts";

const runShell = promisify(exec);

function nodeValues(config: DriverConfig, prefix: "" | "source" | "target", node: string): Record<string, string> {
  const entry = config.nodes[node];
  const address = entry?.address;
  const host = entry?.host ?? hostOf(address);
  const key = (name: string): string => prefix === "" ? name : `${prefix}${name[0]!.toUpperCase()}${name.slice(1)}`;
  const values: Record<string, string> = { [prefix === "" ? "node" : prefix]: node };
  if (host !== undefined) values[key("host")] = host;
  if (address !== undefined) values[key("address")] = address;
  const port = portOf(address);
  if (port !== undefined) values[key("port")] = String(port);
  return values;
}

/** The values a fault's templates may use. */
export function templateValues(config: DriverConfig, fault: Fault, faultIndex: number): Record<string, string> {
  const base = { faultIndex: String(faultIndex), kind: fault.kind };
  switch (fault.kind) {
    case "firewall":
      return { ...base, ...nodeValues(config, "source", fault.source), ...nodeValues(config, "target", fault.target), mode: fault.mode, direction: fault.direction, portRole: fault.port };
    case "flow":
      return { ...base, ...nodeValues(config, "source", fault.source), ...nodeValues(config, "target", fault.target), delayMs: String(fault.delayMs), jitterMs: String(fault.jitterMs), lossPercent: String(fault.lossPercent), direction: fault.direction };
    case "connection-reset":
      return { ...base, ...nodeValues(config, "source", fault.source), ...nodeValues(config, "target", fault.target) };
    case "heartbeat-loss":
      return { ...base, ...nodeValues(config, "source", fault.source), scope: fault.scope };
    case "partition":
      return { ...base, shape: fault.shape, ...(fault.target === undefined ? {} : nodeValues(config, "", fault.target)) };
    case "namesrv-all-down":
      return base;
    case "clock-skew":
      return { ...base, ...nodeValues(config, "", fault.target), offsetMs: String(fault.offsetMs) };
    case "slow-disk":
      return { ...base, ...nodeValues(config, "", fault.target), factor: String(fault.factor) };
    case "crash":
    case "power-loss":
    case "pause":
    case "disk-full":
    case "disk-error":
    case "clean-restart":
    case "acl-secret":
    case "acl-file":
    case "rogue-peer":
      return { ...base, ...nodeValues(config, "", fault.target) };
    default: {
      const unreachable: never = fault;
      throw new Error(`command driver: no template values for ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The template with every {name} filled, or the names it lacks. */
export function fillTemplate(template: string, values: Record<string, string>): { command: string } | { missing: string[] } {
  const missing = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!).filter((name) => values[name] === undefined);
  if (missing.length > 0) return { missing: [...new Set(missing)] };
  return { command: template.replace(/\{(\w+)\}/g, (_, name: string) => values[name]!) };
}

const downEvents: Partial<Record<Fault["kind"], ["crash" | "pause", "restart" | "resume"]>> = {
  crash: ["crash", "restart"], "power-loss": ["crash", "restart"], pause: ["pause", "resume"],
};

export class CommandFaultDriver implements FaultDriver {
  readonly name = "command" as const;
  /** Every command run, in order (written to the run's nemesis log by the cluster). */
  readonly ran: { command: string; phase: "inject" | "heal" }[] = [];

  constructor(private readonly config: DriverConfig, private readonly onNode: NodeEventSink, private readonly timeoutMs = 60_000) {}

  supports(fault: Fault): FaultSupport {
    const commands = this.config.commands?.[fault.kind];
    if (commands === undefined) {
      return { supported: false, why: `no command template for "${fault.kind}" in the driver config (templates for: ${Object.keys(this.config.commands ?? {}).join(", ") || "none"})` };
    }
    const values = templateValues(this.config, fault, 0);
    for (const template of [commands.inject, commands.heal ?? ""]) {
      const filled = fillTemplate(template, values);
      if ("missing" in filled) return { supported: false, why: `the "${fault.kind}" template needs {${filled.missing.join("}, {")}}, which this fault or the driver config's nodes do not give` };
    }
    return { supported: true };
  }

  async inject(fault: Fault, faultIndex: number): Promise<void> {
    await this.runTemplate(fault, faultIndex, "inject");
    const events = downEvents[fault.kind];
    if (events !== undefined && "target" in fault && fault.target !== undefined) this.onNode(fault.target, events[0]);
  }

  async heal(fault: Fault, faultIndex: number): Promise<void> {
    if (this.config.commands?.[fault.kind]?.heal === undefined) return;
    await this.runTemplate(fault, faultIndex, "heal");
    const events = downEvents[fault.kind];
    if (events !== undefined && "target" in fault && fault.target !== undefined) this.onNode(fault.target, events[1]);
  }

  private async runTemplate(fault: Fault, faultIndex: number, phase: "inject" | "heal"): Promise<void> {
    const template = phase === "inject" ? this.config.commands?.[fault.kind]?.inject : this.config.commands?.[fault.kind]?.heal;
    if (template === undefined) throw new Error(`command driver: no ${phase} template for ${fault.kind}`);
    const filled = fillTemplate(template, templateValues(this.config, fault, faultIndex));
    if ("missing" in filled) throw new Error(`command driver: ${fault.kind} ${phase} lacks {${filled.missing.join("}, {")}}`);
    this.ran.push({ command: filled.command, phase });
    try {
      await runShell(filled.command, { timeout: this.timeoutMs });
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? "").trim().split("\n")[0];
      throw new Error(`command driver: \`${filled.command}\` failed: ${stderr || (error as Error).message}`, { cause: error });
    }
  }

  close(): Promise<string[]> {
    return Promise.resolve([]);
  }
}
