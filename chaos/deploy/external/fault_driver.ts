// How the external deployer injects faults into servers it did not start: a FaultDriver. The
// lab still owns the workload clients (their crashes and pauses stay local); every fault on a
// NameServer or broker goes to the driver. A driver answers supports() for a whole fault (kind
// and parameters) before the run, so what it cannot inject is refused up front, never faked.
// The driver config (YAML or JSON, `--driver-config`) names each server node's address and,
// for the command driver, the shell templates per fault kind.
import type { Fault } from "../../faults/types.ts";
import type { FaultSupport } from "../types.ts";

export type FaultDriverName = "local" | "command";

export const faultDriverNames: readonly FaultDriverName[] = ["local", "command"];

export interface ExternalNodeConfig {
  /** "host:port" of the node's main listener (the NameServer port, the broker's listenPort). */
  address?: string;
  /** Local driver: the node's PID (default: whoever listens on address's port). */
  pid?: number;
  /** Command driver: {host} in templates (default: address's host). */
  host?: string;
}

export interface FaultCommands {
  /** Shell command template that injects the fault. */
  inject: string;
  /** Shell command template that heals it (absent: the fault is not healed by the driver). */
  heal?: string;
}

export interface DriverConfig {
  nodes: Record<string, ExternalNodeConfig>;
  /** Command driver: templates per fault kind ("crash", "pause", "firewall", ...). */
  commands?: Record<string, FaultCommands>;
}

/** Called by drivers when a node goes down or comes back (recorded as the process deployer does). */
export type NodeEventSink = (node: string, event: "crash" | "restart" | "pause" | "resume") => void;

export interface FaultDriver {
  readonly name: FaultDriverName;
  supports(fault: Fault): FaultSupport;
  inject(fault: Fault, faultIndex: number): Promise<void>;
  heal(fault: Fault, faultIndex: number): Promise<void>;
  /** Everything the driver changed that a heal did not undo is undone or reported here. */
  close(): Promise<string[]>;
}

export function hostOf(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const index = address.lastIndexOf(":");
  return index < 0 ? address : address.slice(0, index);
}

export function portOf(address: string | undefined): number | undefined {
  if (address === undefined) return undefined;
  const port = Number(address.slice(address.lastIndexOf(":") + 1));
  return Number.isInteger(port) && port > 0 ? port : undefined;
}
