import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryHistory } from "../../history/types.ts";
import type { NodeRole } from "../types.ts";
import { NodeTable, stopInOrder, stopPhase } from "./cluster_nodes.ts";
import { LifecycleFaults } from "./lifecycle_faults.ts";
import { NodeLedger } from "./node_ledger.ts";
import { RunClock } from "./run_clock.ts";
import { FakeNode } from "./testing/fake_node.ts";

function cluster(): { table: NodeTable<FakeNode>; log: string[]; history: MemoryHistory; ledger: NodeLedger } {
  const log: string[] = [];
  const table = new NodeTable<FakeNode>();
  const roles: [string, NodeRole][] = [["namesrv-1", "namesrv"], ["namesrv-2", "namesrv"], ["broker-a", "broker"], ["producer-1", "producer"], ["consumer-g-1", "consumer"]];
  for (const [name, role] of roles) table.add(new FakeNode(name, role, log));
  const history = new MemoryHistory();
  return { table, log, history, ledger: new NodeLedger(history, new RunClock()) };
}

function nodeEvents(history: MemoryHistory): string[] {
  return history.events.flatMap((event) => (event.type === "node" ? [`${event.event} ${event.node}`] : []));
}

test("the table keeps start order, names the known nodes for an unknown one, refuses a name twice", () => {
  const { table, log } = cluster();
  assert.deepEqual(table.describe().map((node) => node.name), ["namesrv-1", "namesrv-2", "broker-a", "producer-1", "consumer-g-1"]);
  assert.deepEqual(table.ofRole("namesrv").map((node) => node.name), ["namesrv-1", "namesrv-2"]);
  assert.throws(() => table.get("broker-z"), /unknown node "broker-z" \(known: namesrv-1, namesrv-2, broker-a, producer-1, consumer-g-1\)/);
  assert.throws(() => table.add(new FakeNode("broker-a", "broker", log)), /deployed twice/);
  assert.equal(table.find("broker-z"), undefined);
});

test("teardown stops clients, then brokers, then NameServers, recording each stop and collecting failures", async () => {
  const { table, log, history, ledger } = cluster();
  table.get("broker-a").stopError = new Error("would not die");
  const problems = await stopInOrder(table.all(), ledger);
  assert.deepEqual(log, ["stop producer-1", "stop consumer-g-1", "stop broker-a", "stop namesrv-1", "stop namesrv-2"]);
  assert.deepEqual(problems, ["stop broker-a: would not die"]);
  assert.deepEqual(nodeEvents(history), ["stop producer-1", "stop consumer-g-1", "stop namesrv-1", "stop namesrv-2"]);
  assert.deepEqual((["producer", "consumer", "broker", "namesrv"] as const).map(stopPhase), [0, 0, 1, 2]);
});

test("life-cycle faults act, then record; a restart of a running node records nothing", async () => {
  const { table, log, history, ledger } = cluster();
  const faults = new LifecycleFaults((name) => table.get(name), ["namesrv-1", "namesrv-2"], ledger);
  await faults.crash("broker-a");
  await faults.restart("broker-a");
  await faults.restart("broker-a");
  await faults.pause("consumer-g-1");
  await faults.resume("consumer-g-1");
  await faults.crashNameServers();
  await faults.restartNameServers();
  assert.deepEqual(log, [
    "crash broker-a", "restart broker-a", "pause consumer-g-1", "resume consumer-g-1",
    "crash namesrv-1", "crash namesrv-2", "restart namesrv-1", "restart namesrv-2",
  ]);
  assert.deepEqual(nodeEvents(history), log);
  await assert.rejects(faults.crash("nobody"), /unknown node "nobody"/);
});

test("the ledger writes run times, notes and a killed consumer's leave", async () => {
  const history = new MemoryHistory();
  const clock = new RunClock(Date.now() - 1_000);
  const ledger = new NodeLedger(history, clock);
  ledger.note("broker-a", "exited on its own");
  ledger.left("consumer-g-1", "g");
  const [note, leave] = history.events;
  assert.equal(note?.type, "note");
  assert.ok(note !== undefined && note.timeMs >= 1_000 && note.timeMs < 60_000);
  assert.deepEqual(leave && { ...leave, timeMs: 0 }, { type: "membership", timeMs: 0, process: "consumer-g-1", group: "g", change: "leave" });
});

test("run time 0 moves only until workers were given it; advanceTo waits for a run time", async () => {
  const clock = new RunClock(Date.now() - 5_000);
  assert.ok(clock.nowMs() >= 5_000);
  clock.restartNow();
  assert.ok(clock.nowMs() < 1_000);
  const startEpochMs = clock.freeze();
  assert.equal(startEpochMs, clock.startEpochMs);
  assert.throws(() => clock.restartNow(), /moved after workers/);
  const targetMs = clock.nowMs() + 30;
  await clock.advanceTo(targetMs);
  assert.ok(clock.nowMs() >= targetMs);
});
