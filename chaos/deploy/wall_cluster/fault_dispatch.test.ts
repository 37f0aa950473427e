import { test } from "node:test";
import assert from "node:assert/strict";
import { UnsupportedFaultError, type Fault } from "../../faults/types.ts";
import { MemoryHistory } from "../../history/types.ts";
import { NodeTable } from "./cluster_nodes.ts";
import { healFault, injectFault, type FaultActions } from "./fault_dispatch.ts";
import { LifecycleFaults } from "./lifecycle_faults.ts";
import { NodeLedger } from "./node_ledger.ts";
import { RunClock } from "./run_clock.ts";
import { FakeNode } from "./testing/fake_node.ts";

function actions(log: string[]): FaultActions {
  const table = new NodeTable<FakeNode>();
  for (const name of ["namesrv-1", "broker-a"]) table.add(new FakeNode(name, name.startsWith("namesrv") ? "namesrv" : "broker", log));
  const ledger = new NodeLedger(new MemoryHistory(), new RunClock());
  return {
    deployer: "process",
    lifecycle: new LifecycleFaults((name) => table.get(name), ["namesrv-1"], ledger),
    injectNetwork: async (fault, faultIndex) => void log.push(`network ${fault.kind} #${faultIndex}`),
    healNetwork: async (fault, faultIndex) => void log.push(`unnetwork ${fault.kind} #${faultIndex}`),
    injectAclFile: async (fault) => void log.push(`acl ${fault.target}`),
    healAclFile: async (fault) => void log.push(`unacl ${fault.target}`),
    injectAclSecret: async (fault) => void log.push(`secret ${fault.target} ${fault.secretKey}`),
    healAclSecret: async (fault) => void log.push(`unsecret ${fault.target}`),
    injectRogue: async (fault, faultIndex) => void log.push(`rogue ${fault.target} #${faultIndex}`),
    healRogue: async (fault, faultIndex) => void log.push(`unrogue ${fault.target} #${faultIndex}`),
  };
}

test("each fault goes to its action on inject and on heal", async () => {
  const log: string[] = [];
  const given = actions(log);
  const faults: Fault[] = [
    { kind: "crash", target: "broker-a" },
    { kind: "pause", target: "broker-a" },
    { kind: "namesrv-all-down" },
    { kind: "partition", shape: "halves" },
    { kind: "flow", source: "producer-1", target: "broker-a", delayMs: 0, jitterMs: 0, lossPercent: 5, direction: "both" },
    { kind: "acl-file", target: "broker-a", text: "" },
    { kind: "acl-secret", target: "producer-1", secretKey: "rotated1" },
    { kind: "rogue-peer", target: "namesrv-1" },
  ];
  for (const [index, fault] of faults.entries()) {
    await injectFault(fault, index, given);
    await healFault(fault, index, given);
  }
  assert.deepEqual(log, [
    "crash broker-a", "restart broker-a", "pause broker-a", "resume broker-a", "crash namesrv-1", "restart namesrv-1",
    "network partition #3", "unnetwork partition #3", "network flow #4", "unnetwork flow #4", "acl broker-a", "unacl broker-a",
    "secret producer-1 rotated1", "unsecret producer-1", "rogue namesrv-1 #7", "unrogue namesrv-1 #7",
  ]);
});

test("a kind the deployer refused before the run is an UnsupportedFaultError, never a silent no-op", async () => {
  const log: string[] = [];
  const given = actions(log);
  for (const fault of [{ kind: "power-loss", target: "broker-a" }, { kind: "clock-skew", target: "broker-a", offsetMs: 5 }, { kind: "disk-full", target: "broker-a" }] as Fault[]) {
    await assert.rejects(injectFault(fault, 0, given), UnsupportedFaultError);
    await assert.rejects(healFault(fault, 0, given), UnsupportedFaultError);
  }
  assert.deepEqual(log, []);
});
