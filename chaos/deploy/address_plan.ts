// Where every node of a deployed cluster lives, for every deployer (the container deployer
// with its network's prefix, the sim deployer for names and ports): one loopback address per
// node (NameServers 127.0.1.N, brokers 127.0.2.N, clients 127.0.3.N) so packet filter rules can
// name a node pair, and one port set per listener. Every listener also gets its own port (NameServers
// 9876, 9877, ...; brokers 10911, 10921, ... with VIP = port − 2 and HA = port + 1), so a node
// that binds 0.0.0.0 instead of its own address still cannot collide with another. These are
// the defaults of a namespace run; a host-mode run passes base ports from a block of its own
// (process/port_block.ts), because the host's ports are shared with every other run. Pure: no I/O.
import { assert } from "../../system/stdx/index.ts";
import type { PortRole } from "../faults/types.ts";
import type { Workload } from "../scenario.ts";
import { consumerNodeCount } from "../workload/consumer_schedule.ts";
import type { NodeRole } from "./types.ts";

export interface NodeAddress {
  name: string;
  role: NodeRole;
  ip: string;
  /** Main listener (NameServer port, broker listenPort); absent for clients. */
  port?: number;
  /** Broker only: the VIP channel (listenPort − 2) and the HA port (listenPort + 1). */
  vipPort?: number;
  haPort?: number;
}

export interface AddressPlanOptions {
  /** First two octets of every address: "127.0" gives 127.0.1.1 ... */
  ipPrefix?: string;
  /** IP for every node (host mode for humans: everything on 127.0.0.1, ports tell nodes apart). */
  sharedIp?: string;
  namesrvBasePort?: number;
  brokerBasePort?: number;
  /** Distance between consecutive brokers' listenPorts (VIP and HA sit inside it). */
  brokerPortStep?: number;
}

export const namesrvBasePort = 9876;
export const brokerBasePort = 10911;
export const brokerPortStep = 10;

/** Client node names of a workload, in start order: producer-1.., consumer-<group>-1.. */
export function clientNodes(workload: Workload): { name: string; role: "producer" | "consumer" }[] {
  const nodes: { name: string; role: "producer" | "consumer" }[] = [];
  let producerIndex = 0;
  for (const producer of workload.producers) {
    for (let index = 0; index < producer.count; index++) nodes.push({ name: `producer-${++producerIndex}`, role: "producer" });
  }
  for (const group of workload.consumers) {
    for (let index = 1; index <= consumerNodeCount(group); index++) nodes.push({ name: `consumer-${group.group}-${index}`, role: "consumer" });
  }
  return nodes;
}

export class AddressPlan {
  private readonly byName = new Map<string, NodeAddress>();
  private clientCount = 0;

  constructor(
    nameServers: readonly string[],
    brokers: readonly string[],
    private readonly options: AddressPlanOptions = {},
  ) {
    assert(nameServers.length < 250 && brokers.length < 250, "too many nodes for one octet");
    const nsBase = options.namesrvBasePort ?? namesrvBasePort;
    const brokerBase = options.brokerBasePort ?? brokerBasePort;
    const step = options.brokerPortStep ?? brokerPortStep;
    assert(step >= 4, "a broker needs listenPort-2 .. listenPort+1");
    nameServers.forEach((name, index) => {
      this.add({ name, role: "namesrv", ip: this.ip(1, index + 1), port: nsBase + index });
    });
    brokers.forEach((name, index) => {
      const port = brokerBase + index * step;
      this.add({ name, role: "broker", ip: this.ip(2, index + 1), port, vipPort: port - 2, haPort: port + 1 });
    });
  }

  private ip(group: number, index: number): string {
    return this.options.sharedIp ?? `${this.options.ipPrefix ?? "127.0"}.${group}.${index}`;
  }

  private add(address: NodeAddress): void {
    assert(!this.byName.has(address.name), `node ${address.name} planned twice`);
    this.byName.set(address.name, address);
  }

  /** Gives a client node (a workload client, or a fault's rogue peer) its address (idempotent). */
  addClient(name: string, role: "producer" | "consumer" | "rogue"): NodeAddress {
    const known = this.byName.get(name);
    if (known) return known;
    assert(this.clientCount < 250, "too many clients for one octet");
    const address: NodeAddress = { name, role, ip: this.ip(3, ++this.clientCount) };
    this.add(address);
    return address;
  }

  get(name: string): NodeAddress {
    const address = this.byName.get(name);
    if (!address) throw new Error(`unknown node "${name}" (known: ${[...this.byName.keys()].join(", ")})`);
    return address;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  all(): NodeAddress[] {
    return [...this.byName.values()];
  }

  ofRole(role: NodeRole): NodeAddress[] {
    return this.all().filter((node) => node.role === role);
  }

  /** "ip:port;ip:port" as clients and brokers are given it. */
  namesrvAddr(): string {
    return this.ofRole("namesrv").map((node) => `${node.ip}:${node.port}`).join(";");
  }

  /** The port a role names on one node, or undefined when the node has no such listener. */
  portOf(name: string, role: Exclude<PortRole, "any">): number | undefined {
    const node = this.get(name);
    switch (role) {
      case "namesrv":
        return node.role === "namesrv" ? node.port : undefined;
      case "broker":
        return node.role === "broker" ? node.port : undefined;
      case "broker-vip":
        return node.vipPort;
      case "ha":
        return node.haPort;
      default: {
        const unreachable: never = role;
        throw new Error(`unknown port role ${String(unreachable)}`);
      }
    }
  }
}
