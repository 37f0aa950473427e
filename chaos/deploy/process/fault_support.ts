// Which faults the process deployer gives for real, and why it refuses the others. Nothing is
// faked: a fault the machine cannot produce is refused with the reason, up front.
import type { Fault, FaultKind } from "../../faults/types.ts";
import type { FaultSupport } from "../types.ts";

export type ProcessModeName = "netns" | "host";

/** Support by kind (what `Deployer.supports` answers); every kind is decided here. */
export function processKindSupport(kind: FaultKind, mode: ProcessModeName, hostWhy?: string): FaultSupport {
  switch (kind) {
    case "crash":
    case "pause":
    case "namesrv-all-down":
    case "acl-file":
    case "acl-secret":
      return { supported: true };
    case "firewall":
    case "heartbeat-loss":
    case "partition":
    case "flow":
      return mode === "netns"
        ? { supported: true }
        : { supported: false, why: `network faults need the run's own network namespace with nftables, unavailable here: ${hostWhy ?? "host mode"}` };
    case "power-loss":
      return { supported: false, why: "an OS process cannot lose the page cache without the whole machine losing power; use the sim deployer" };
    case "clock-skew":
      return { supported: false, why: "every process here reads the one host clock (Linux time namespaces offset only monotonic clocks, not the wall clock); use the sim deployer" };
    case "slow-disk":
      return { supported: false, why: "there is no per-process way to slow fsync on this machine (no dm-delay device); use the sim deployer" };
    case "disk-full":
      return { supported: false, why: "the stores share the host's file system; filling it would hit every node and the machine; use the sim deployer" };
    case "clean-restart":
      return { supported: false, why: "SIGTERM then a restart of one process is not wired into the process nemesis yet; use the sim deployer" };
    case "disk-error":
      return { supported: false, why: "failing one node's I/O with EIO needs a device-mapper target per store; use the sim deployer" };
    case "connection-reset":
      return { supported: false, why: "nftables `reject with tcp reset` answers the next packet of a flow, so it cannot cut a chosen frame mid-way nor reach one side before the other (a firewall fault with mode reject resets streams that meet it); use the sim deployer" };
    case "rogue-peer":
      // A worker process of its own attacks the target's port (namespace or host network alike).
      return { supported: true };
    default: {
      const unreachable: never = kind;
      throw new Error(`the process deployer has not decided on fault kind ${String(unreachable)}`);
    }
  }
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
