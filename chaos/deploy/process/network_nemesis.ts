// Network faults of a netns run, for real: nftables rules in the run's namespace, tagged with
// their fault index so heal removes exactly those, and delaying relays (in the namespace's
// agent) for flow delay. A healed relay route keeps its DNAT rule behind an accept for new
// connections (renderRelayHealRule says why). Every applied rule goes to <outDir>/nemesis.log.
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { UnsupportedFaultError, type Fault } from "../../faults/types.ts";
import type { AddressPlan } from "../address_plan.ts";
import type { AgentClient } from "./agent_client.ts";
import type { NetNamespace } from "./netns.ts";
import type { RelayRoute } from "../wall_cluster/packet_rules.ts";
import { faultPacketRules, flowRelayRoutes, renderNftRules, renderRelayHealRule, renderRelayRule } from "../wall_cluster/packet_rules.ts";
import { relaySourcePorts } from "./relay.ts";

/** Where flow-delay relays listen inside the namespace (no node uses 127.0.9.x). */
const relayIp = "127.0.9.1";
const relayFirstPort = 30_000;

export class NetworkNemesis {
  private readonly relays = new Map<number, { relayIds: string[]; routes: RelayRoute[] }>();
  private nextRelayPort = relayFirstPort;

  constructor(
    private readonly namespace: NetNamespace,
    private readonly agent: AgentClient,
    private readonly addresses: AddressPlan,
    private readonly outDir: string,
  ) {}

  private tag(faultIndex: number): string {
    return `mqlab-fault-${faultIndex}`;
  }

  private log(text: string): void {
    appendFileSync(join(this.outDir, "nemesis.log"), `${new Date().toISOString()} ${text}\n`);
  }

  async inject(fault: Fault, faultIndex: number): Promise<void> {
    const rules = faultPacketRules(fault, this.addresses);
    if (!rules) throw new UnsupportedFaultError("process", fault.kind, "it is not a network fault");
    const tag = this.tag(faultIndex);
    const lines = renderNftRules(rules, tag);
    const routes = fault.kind === "flow" ? flowRelayRoutes(fault, this.addresses) : [];
    const relayIds: string[] = [];
    this.relays.set(faultIndex, { relayIds, routes });
    for (const [index, route] of routes.entries()) {
      const relay = { id: `${tag}-${index}`, ip: relayIp, port: this.nextRelayPort++ };
      await this.agent.startRelay({ id: relay.id, listenHost: relay.ip, listenPort: relay.port, targetHost: route.toIp, targetPort: route.port, forward: route.forward, backward: route.backward });
      relayIds.push(relay.id);
      lines.push(renderRelayRule(route, relay, relaySourcePorts, tag));
    }
    this.log(`inject #${faultIndex} ${fault.kind}\n${lines.join("\n")}`);
    await this.namespace.addRules(lines);
    // NAT applies to new connections only: reset the flow's live ones so they reconnect
    // through the relay (RocketMQ clients reconnect on their next request).
    for (const route of routes) await this.namespace.killConnections(route.fromIp, route.toIp, route.port);
    if (routes.length > 0) this.log(`#${faultIndex}: reset live connections of ${routes.length} relayed routes`);
  }

  async heal(fault: Fault, faultIndex: number): Promise<void> {
    const tag = this.tag(faultIndex);
    const relayed = this.relays.get(faultIndex) ?? { relayIds: [], routes: [] };
    const removed = await this.namespace.deleteRules(tag, relayed.routes.length > 0);
    const healLines = relayed.routes.map((route) => renderRelayHealRule(route, `${tag}-healed`));
    await this.namespace.addRules(healLines);
    // Relayed connections go on undelayed until they close: healing resets nothing.
    for (const relayId of relayed.relayIds) await this.agent.stopRelay(relayId);
    this.relays.delete(faultIndex);
    this.log(`heal #${faultIndex} ${fault.kind}: ${removed} rules removed` +
      (healLines.length > 0 ? `; new connections bypass the relays, live ones go on undelayed\n${healLines.join("\n")}` : ""));
  }
}
