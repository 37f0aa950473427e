// Fault → packet rule translation and the address plan, without root.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { AddressPlan, clientNodes } from "../address_plan.ts";
import { faultPacketRules, partitionGrudge, renderNftRules } from "./packet_rules.ts";

const servers = ["namesrv-1", "namesrv-2", "broker-a", "broker-a-s", "broker-b", "broker-b-s"];

function plan(): AddressPlan {
  const addresses = new AddressPlan(["namesrv-1", "namesrv-2"], ["broker-a", "broker-a-s", "broker-b", "broker-b-s"]);
  for (const client of clientNodes({ topics: [], producers: [{ count: 2, topic: "T" }], consumers: [{ group: "g", topic: "T", count: 1 }] })) {
    addresses.addClient(client.name, client.role);
  }
  return addresses;
}

test("address plan: one loopback address per node, distinct ports, NameServer list", () => {
  const addresses = plan();
  assert.equal(addresses.namesrvAddr(), "127.0.1.1:9876;127.0.1.2:9877");
  assert.deepEqual(addresses.get("broker-b"), { name: "broker-b", role: "broker", ip: "127.0.2.3", port: 10931, vipPort: 10929, haPort: 10932 });
  assert.equal(addresses.get("producer-2").ip, "127.0.3.2");
  assert.equal(addresses.get("consumer-g-1").ip, "127.0.3.3");
  assert.equal(addresses.portOf("namesrv-1", "broker"), undefined);
  const ips = addresses.all().map((node) => node.ip);
  assert.equal(new Set(ips).size, ips.length);
  assert.throws(() => addresses.get("nope"), /unknown node "nope"/);
});

test("firewall: one-way matches requests and replies on the service port; both adds the reverse", () => {
  const rules = faultPacketRules({ kind: "firewall", source: "producer-1", target: "broker-a", port: "broker", mode: "drop", direction: "one-way" }, plan());
  assert.deepEqual(rules, [{ fromIp: "127.0.3.1", toIp: "127.0.2.1", ports: [10911], action: { kind: "drop" } }]);
  assert.deepEqual(renderNftRules(rules ?? [], "mqlab-fault-0"), [
    'add rule inet mqlab output ip saddr 127.0.3.1 ip daddr 127.0.2.1 tcp dport { 10911 } drop comment "mqlab-fault-0"',
    'add rule inet mqlab output ip saddr 127.0.3.1 ip daddr 127.0.2.1 tcp sport { 10911 } drop comment "mqlab-fault-0"',
  ]);
  const both = faultPacketRules({ kind: "firewall", source: "broker-a", target: "broker-a-s", port: "ha", mode: "reject", direction: "both" }, plan());
  assert.deepEqual(both?.map((rule) => [rule.fromIp, rule.toIp, rule.ports]), [["127.0.2.1", "127.0.2.2", [10922, 10912]], ["127.0.2.2", "127.0.2.1", [10922, 10912]]]);
  assert.match(renderNftRules(both ?? [], "x")[0] ?? "", /reject with tcp reset/);
  assert.throws(() => faultPacketRules({ kind: "firewall", source: "producer-1", target: "namesrv-1", port: "ha", mode: "drop", direction: "both" }, plan()), /names no listener/);
});

test("heartbeat loss drops the source's requests to every NameServer (or broker)", () => {
  const rules = faultPacketRules({ kind: "heartbeat-loss", scope: "broker-to-namesrv", source: "broker-b" }, plan());
  assert.deepEqual(rules?.map((rule) => `${rule.fromIp}>${rule.toIp}:${rule.ports?.join()}`), ["127.0.2.3>127.0.1.1:9876", "127.0.2.3>127.0.1.2:9877"]);
  const clientRules = faultPacketRules({ kind: "heartbeat-loss", scope: "client-to-broker", source: "consumer-g-1" }, plan());
  assert.equal(clientRules?.length, 4);
});

test("flow loss is a numgen rule; non-network faults have no packet rules", () => {
  const rules = faultPacketRules({ kind: "flow", source: "producer-1", target: "broker-a", delayMs: 0, jitterMs: 0, lossPercent: 30, direction: "one-way" }, plan());
  assert.deepEqual(renderNftRules(rules ?? [], "f"), ['add rule inet mqlab output ip saddr 127.0.3.1 ip daddr 127.0.2.1 numgen random mod 100 < 30 drop comment "f"']);
  assert.equal(faultPacketRules({ kind: "crash", target: "broker-a" }, plan()), undefined);
});

test("partitions: isolate cuts the node from everyone, halves split servers, ring keeps majorities", () => {
  const isolate = partitionGrudge("isolate", servers, ["producer-1"], "broker-a");
  assert.equal(isolate.length, 6);
  assert.deepEqual(partitionGrudge("halves", servers, [], undefined).length, 9);
  const bridge = partitionGrudge("bridge", servers, [], "broker-a");
  assert.ok(bridge.every(([a, b]) => a !== "broker-a" && b !== "broker-a"));
  fc.assert(fc.property(fc.integer({ min: 3, max: 12 }), (count) => {
    const nodes = Array.from({ length: count }, (_, index) => `n${index}`);
    const cut = new Set(partitionGrudge("majorities-ring", nodes, [], undefined).map(([a, b]) => `${a}|${b}`));
    const views = nodes.map((node) => nodes.filter((other) => other === node || (!cut.has(`${node}|${other}`) && !cut.has(`${other}|${node}`))).join());
    for (const view of views) assert.ok(view.split(",").length > count / 2, `${view} is not a majority of ${count}`);
    if (count >= 4) assert.equal(new Set(views).size, count);
  }));
});
