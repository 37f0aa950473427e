// Fault kind → action for the wall-clock deployers that run the servers themselves (process,
// container): one switch, ending in a never check, so a new fault kind fails to compile here
// and in each deployer's support switch until it is decided. Life-cycle faults act through
// LifecycleFaults; network and ACL faults through the deployer's FaultActions; the kinds
// a deployer refuses never get here (the runner asks supports() before the run), so reaching
// one is an UnsupportedFaultError, not a silent no-op.
import { UnsupportedFaultError, type Fault } from "../../faults/types.ts";
import type { DeployerName } from "../types.ts";
import type { LifecycleFaults } from "./lifecycle_faults.ts";

export type NetworkFault = Extract<Fault, { kind: "firewall" | "heartbeat-loss" | "partition" | "flow" }>;
export type AclFileFault = Extract<Fault, { kind: "acl-file" }>;
export type AclSecretFault = Extract<Fault, { kind: "acl-secret" }>;
export type RoguePeerFault = Extract<Fault, { kind: "rogue-peer" }>;

/** What a deployer does for the faults that are not about a node's life. */
export interface FaultActions {
  readonly deployer: DeployerName;
  readonly lifecycle: LifecycleFaults;
  injectNetwork(fault: NetworkFault, faultIndex: number): Promise<void>;
  healNetwork(fault: NetworkFault, faultIndex: number): Promise<void>;
  injectAclFile(fault: AclFileFault): Promise<void>;
  healAclFile(fault: AclFileFault): Promise<void>;
  /** A workload client signs with the fault's secret; heal gives it back its own. */
  injectAclSecret(fault: AclSecretFault): Promise<void>;
  healAclSecret(fault: AclSecretFault): Promise<void>;
  /** A rogue peer attacks the target's remoting port from a node of its own until the heal. */
  injectRogue(fault: RoguePeerFault, faultIndex: number): Promise<void>;
  healRogue(fault: RoguePeerFault, faultIndex: number): Promise<void>;
}

function refused(actions: FaultActions, fault: Fault): Promise<never> {
  return Promise.reject(new UnsupportedFaultError(actions.deployer, fault.kind, "refused before the run (see the deployer's supports)"));
}

export function injectFault(fault: Fault, faultIndex: number, actions: FaultActions): Promise<void> {
  switch (fault.kind) {
    case "crash":
      return actions.lifecycle.crash(fault.target);
    case "pause":
      return actions.lifecycle.pause(fault.target);
    case "namesrv-all-down":
      return actions.lifecycle.crashNameServers();
    case "firewall":
    case "heartbeat-loss":
    case "partition":
    case "flow":
      return actions.injectNetwork(fault, faultIndex);
    case "acl-file":
      return actions.injectAclFile(fault);
    case "acl-secret":
      return actions.injectAclSecret(fault);
    case "rogue-peer":
      return actions.injectRogue(fault, faultIndex);
    case "power-loss":
    case "connection-reset":
    case "clock-skew":
    case "slow-disk":
    case "disk-full":
    case "disk-error":
    case "clean-restart":
      return refused(actions, fault);
    default: {
      const unreachable: never = fault;
      throw new Error(`unhandled fault ${JSON.stringify(unreachable)}`);
    }
  }
}

export function healFault(fault: Fault, faultIndex: number, actions: FaultActions): Promise<void> {
  switch (fault.kind) {
    case "crash":
      return actions.lifecycle.restart(fault.target);
    case "pause":
      return actions.lifecycle.resume(fault.target);
    case "namesrv-all-down":
      return actions.lifecycle.restartNameServers();
    case "firewall":
    case "heartbeat-loss":
    case "partition":
    case "flow":
      return actions.healNetwork(fault, faultIndex);
    case "acl-file":
      return actions.healAclFile(fault);
    case "acl-secret":
      return actions.healAclSecret(fault);
    case "rogue-peer":
      return actions.healRogue(fault, faultIndex);
    case "power-loss":
    case "connection-reset":
    case "clock-skew":
    case "slow-disk":
    case "disk-full":
    case "disk-error":
    case "clean-restart":
      return refused(actions, fault);
    default: {
      const unreachable: never = fault;
      throw new Error(`unhandled fault ${JSON.stringify(unreachable)}`);
    }
  }
}
