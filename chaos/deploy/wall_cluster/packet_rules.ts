// Network faults as packet filter rules: a fault (chaos/faults/types.ts) becomes a list of
// (source ip, destination ip, service ports, action) rules, rendered as nftables rules for the
// run's own table. Pure: no I/O, so the translation is tested without root.
//
// Matching follows the simulator (chaos/sim/net_policy.ts): a port is the connection's service
// (listening) port whichever way the packet goes, so a rule matches `tcp dport P` (requests)
// and `tcp sport P` (replies) from source to destination; "both" adds the reverse pair.
// Partitions cut server pairs (NameServers and brokers) in both directions on every port; an
// isolated node is also cut from the clients. Clients otherwise stay outside partitions, as
// Jepsen's clients do.
import { assert } from "../../../system/stdx/index.ts";
import type { Fault, PortRole } from "../../faults/types.ts";
import type { AddressPlan } from "../address_plan.ts";

export const nftTable = "mqlab";
export const nftChain = "output";
/** The process deployer's NAT table: flow delay sends connections through a relay. */
export const nftNatTable = "mqlab_nat";

export type PacketAction = { kind: "drop" } | { kind: "reject" } | { kind: "loss"; percent: number };

export interface PacketRule {
  fromIp: string;
  toIp: string;
  /** Service ports; absent: every port. */
  ports?: number[];
  action: PacketAction;
}

/** Unordered node pairs a partition cuts, given servers in plan order. */
export function partitionGrudge(
  shape: "isolate" | "halves" | "bridge" | "majorities-ring",
  servers: readonly string[],
  clients: readonly string[],
  target: string | undefined,
): [string, string][] {
  const pairs: [string, string][] = [];
  const cutBetween = (left: readonly string[], right: readonly string[]): void => {
    for (const a of left) for (const b of right) if (a !== b) pairs.push([a, b]);
  };
  switch (shape) {
    case "isolate": {
      const isolated = target ?? servers[servers.length - 1];
      assert(isolated !== undefined, "nothing to isolate");
      cutBetween([isolated], [...servers, ...clients]);
      return pairs;
    }
    case "halves": {
      const middle = Math.ceil(servers.length / 2);
      cutBetween(servers.slice(0, middle), servers.slice(middle));
      return pairs;
    }
    case "bridge": {
      const bridge = target ?? servers[Math.floor(servers.length / 2)];
      const others = servers.filter((name) => name !== bridge);
      const middle = Math.ceil(others.length / 2);
      cutBetween(others.slice(0, middle), others.slice(middle));
      return pairs;
    }
    case "majorities-ring": {
      // Each node keeps its ring neighbours within `reach`: it sees a majority, and no two
      // nodes see the same one.
      const count = servers.length;
      const majority = Math.floor(count / 2) + 1;
      const reach = Math.ceil((majority - 1) / 2);
      for (let i = 0; i < count; i++) {
        for (let j = i + 1; j < count; j++) {
          const distance = Math.min(j - i, count - (j - i));
          if (distance > reach) pairs.push([servers[i] ?? "", servers[j] ?? ""]);
        }
      }
      return pairs;
    }
    default: {
      const unreachable: never = shape;
      throw new Error(`unknown partition shape ${String(unreachable)}`);
    }
  }
}

function servicePorts(plan: AddressPlan, source: string, target: string, role: PortRole): number[] | undefined {
  if (role === "any") return undefined;
  const ports = [plan.portOf(target, role), plan.portOf(source, role)].filter((port): port is number => port !== undefined);
  if (ports.length === 0) throw new Error(`port "${role}" names no listener of ${source} or ${target}`);
  return [...new Set(ports)];
}

function pairRules(fromIp: string, toIp: string, ports: number[] | undefined, action: PacketAction, both: boolean): PacketRule[] {
  const rules: PacketRule[] = [{ fromIp, toIp, ...(ports ? { ports } : {}), action }];
  if (both) rules.push({ fromIp: toIp, toIp: fromIp, ...(ports ? { ports } : {}), action });
  return rules;
}

/** The packet rules of a network fault; undefined for faults that are not about the network. */
export function faultPacketRules(fault: Fault, plan: AddressPlan): PacketRule[] | undefined {
  const ip = (name: string): string => plan.get(name).ip;
  switch (fault.kind) {
    case "firewall": {
      const ports = servicePorts(plan, fault.source, fault.target, fault.port);
      const action: PacketAction = { kind: fault.mode };
      return pairRules(ip(fault.source), ip(fault.target), ports, action, fault.direction === "both");
    }
    case "heartbeat-loss": {
      const targets = plan.ofRole(fault.scope === "broker-to-namesrv" ? "namesrv" : "broker");
      return targets.flatMap((target) =>
        pairRules(ip(fault.source), target.ip, target.port === undefined ? undefined : [target.port], { kind: "drop" }, false));
    }
    case "partition": {
      const servers = [...plan.ofRole("namesrv"), ...plan.ofRole("broker")].map((node) => node.name);
      const clients = [...plan.ofRole("producer"), ...plan.ofRole("consumer")].map((node) => node.name);
      return partitionGrudge(fault.shape, servers, clients, fault.target).flatMap(([a, b]) =>
        pairRules(ip(a), ip(b), undefined, { kind: "drop" }, true));
    }
    case "flow": {
      if (fault.lossPercent <= 0) return [];
      assert(fault.lossPercent < 100, "lossPercent must be below 100 (use a firewall drop for 100)");
      const percent = Math.round(fault.lossPercent);
      return pairRules(ip(fault.source), ip(fault.target), undefined, { kind: "loss", percent }, fault.direction === "both");
    }
    case "crash":
    case "power-loss":
    case "pause":
    case "connection-reset":
    case "clock-skew":
    case "slow-disk":
    case "disk-full":
    case "disk-error":
    case "clean-restart":
    case "namesrv-all-down":
    case "acl-secret":
    case "acl-file":
    case "rogue-peer":
      return undefined;
    default: {
      const unreachable: never = fault;
      throw new Error(`no packet rules decided for ${JSON.stringify(unreachable)}`);
    }
  }
}

function verdict(action: PacketAction): string {
  switch (action.kind) {
    case "drop":
      return "drop";
    case "reject":
      // A TCP reset refuses a connect at once (ECONNREFUSED) and resets a live connection.
      // The reset itself must pass: on loopback it crosses the same chain, and with
      // direction "both" the reverse rule would otherwise swallow it.
      return "tcp flags & rst == 0 reject with tcp reset";
    case "loss":
      return `numgen random mod 100 < ${action.percent} drop`;
  }
}

/** The table and chain every run's rules go into (inside the run's network namespace). */
export function nftBaseScript(): string {
  return `table inet ${nftTable} {\n  chain ${nftChain} {\n    type filter hook output priority 0; policy accept;\n  }\n}\n`;
}

/** `nft -f` lines adding the rules, each tagged with `comment` so heal can find them. */
export function renderNftRules(rules: readonly PacketRule[], comment: string): string[] {
  assert(/^[a-z0-9-]+$/.test(comment), "comment must be a plain tag");
  const lines: string[] = [];
  for (const rule of rules) {
    const head = `add rule inet ${nftTable} ${nftChain} ip saddr ${rule.fromIp} ip daddr ${rule.toIp}`;
    const tail = `${verdict(rule.action)} comment "${comment}"`;
    if (rule.ports) {
      const set = `{ ${rule.ports.join(", ")} }`;
      lines.push(`${head} tcp dport ${set} ${tail}`, `${head} tcp sport ${set} ${tail}`);
    } else {
      lines.push(`${head} ${tail}`);
    }
  }
  return lines;
}

/** A flow's connections to one service port, sent through a delaying relay. */
export interface RelayRoute {
  fromIp: string;
  toIp: string;
  port: number;
  forward: { delayMs: number; jitterMs: number };
  backward: { delayMs: number; jitterMs: number };
}

function listenerPorts(plan: AddressPlan, name: string): number[] {
  const node = plan.get(name);
  return [node.port, node.vipPort, node.haPort].filter((port): port is number => port !== undefined);
}

/**
 * Relay routes of a flow fault with delay: connections from source to every listener of the
 * target; with "both", replies are delayed too and so are connections the target opens to
 * the source's listeners.
 */
export function flowRelayRoutes(fault: Extract<Fault, { kind: "flow" }>, plan: AddressPlan): RelayRoute[] {
  if (fault.delayMs <= 0 && fault.jitterMs <= 0) return [];
  const delay = { delayMs: fault.delayMs, jitterMs: fault.jitterMs };
  const none = { delayMs: 0, jitterMs: 0 };
  const both = fault.direction === "both";
  const routes = (from: string, to: string): RelayRoute[] => listenerPorts(plan, to).map((port) => ({
    fromIp: plan.get(from).ip, toIp: plan.get(to).ip, port, forward: delay, backward: both ? delay : none,
  }));
  return [...routes(fault.source, fault.target), ...(both ? routes(fault.target, fault.source) : [])];
}

export function nftNatBaseScript(): string {
  return `table ip ${nftNatTable} {\n  chain ${nftChain} {\n    type nat hook output priority -100; policy accept;\n  }\n}\n`;
}

/**
 * The DNAT rule of a relay route; the relay's own connections (reserved source ports) pass. It is
 * inserted at the head of the chain: a newer fault's rule goes before the rules an older fault of
 * the same route left behind (see renderRelayHealRule).
 */
export function renderRelayRule(route: RelayRoute, relay: { ip: string; port: number }, sourcePorts: { first: number; last: number }, comment: string): string {
  assert(/^[a-z0-9-]+$/.test(comment), "comment must be a plain tag");
  return `insert rule ip ${nftNatTable} ${nftChain} ip saddr ${route.fromIp} ip daddr ${route.toIp} tcp dport ${route.port} ` +
    `tcp sport != ${sourcePorts.first}-${sourcePorts.last} dnat to ${relay.ip}:${relay.port} comment "${comment}"`;
}

/**
 * Heal of a relay route: new connections of the route skip the DNAT rule (an accept ahead of it)
 * while the DNAT rule itself stays. Deleting a DNAT rule breaks the connections it translated on
 * Linux (their next packet meets a reset), so a heal that deleted it would add a fault of its own:
 * a request in flight through the relay would wait out its timeout.
 */
export function renderRelayHealRule(route: RelayRoute, comment: string): string {
  assert(/^[a-z0-9-]+$/.test(comment), "comment must be a plain tag");
  return `insert rule ip ${nftNatTable} ${nftChain} ip saddr ${route.fromIp} ip daddr ${route.toIp} tcp dport ${route.port} accept comment "${comment}"`;
}
