// Which faults the process deployer gives for real, and why it refuses the others. Nothing is
// faked: a fault the machine cannot produce is refused with the reason, up front.
import type { Fault, FaultKind } from "../../faults/types.ts";
import type { FaultSupport } from "../types.ts";

export type ProcessModeName = "netns" | "host";

const networkKinds: ReadonlySet<FaultKind> = new Set(["firewall", "heartbeat-loss", "partition", "flow"]);

const refusedAlways: Partial<Record<FaultKind, string>> = {
  "power-loss": "an OS process cannot lose the page cache without the whole machine losing power; use the sim deployer",
  "clock-skew": "every process here reads the one host clock (Linux time namespaces offset only monotonic clocks, not the wall clock); use the sim deployer",
  "slow-disk": "there is no per-process way to slow fsync on this machine (no dm-delay device); use the sim deployer",
  "disk-full": "the stores share the host's file system; filling it would hit every node and the machine; use the sim deployer",
  "acl-secret": "changing a worker process's ACL secret mid-run needs a worker protocol message that does not exist yet; use the sim deployer",
  "connection-reset": "nftables `reject with tcp reset` answers the next packet of a flow, so it cannot cut a chosen frame mid-way nor reach one side before the other (a firewall fault with mode reject resets streams that meet it); use the sim deployer",
};


/** Support by kind (what `Deployer.supports` answers). */
export function processKindSupport(kind: FaultKind, mode: ProcessModeName, hostWhy?: string): FaultSupport {
  const refused = refusedAlways[kind];
  if (refused) return { supported: false, why: refused };
  if (networkKinds.has(kind) && mode !== "netns") {
    return { supported: false, why: `network faults need the run's own network namespace with nftables, unavailable here: ${hostWhy ?? "host mode"}` };
  }
  return { supported: true };
}

/**
 * Support for one fault, parameters included. Flow loss is an nftables numgen rule; flow delay
 * and jitter (tc netem is missing from these kernels) go through a delaying TCP relay.
 */
export function processFaultSupport(fault: Fault, mode: ProcessModeName, hostWhy?: string): FaultSupport {
  const byKind = processKindSupport(fault.kind, mode, hostWhy);
  if (!byKind.supported) return byKind;
  if (fault.kind === "flow" && fault.lossPercent >= 100) return { supported: false, why: "100 % loss is a firewall drop: schedule a firewall fault instead" };
  if (fault.kind === "flow" && fault.bandwidthBytesPerSecond !== undefined) return { supported: false, why: "the delaying relay does not limit bandwidth; use the sim deployer" };
  if (fault.kind === "flow" && (fault.resetPercent ?? 0) > 0) return { supported: false, why: "resetting connections inside frames needs the simulator's byte streams; use the sim deployer" };
  return { supported: true };
}
