// A broker whose machine lost power comes back while its disk still fails writes: its restart
// fails (4.9.x BrokerStartup exits when the store cannot create its abort file). The sim deployer
// starts it again when that disk fault heals, as an operator does once the disk is repaired; a
// restart that succeeded, or a disk that never heals, gets no second start. Battery seed 1 runs
// 1179 and 1249 left such a broker down for good, and an acked message safe on its disk counted
// as lost.
import assert from "node:assert/strict";
import { test } from "node:test";
import { executeScenario } from "../../execute.ts";
import type { HistoryEvent } from "../../history/types.ts";
import type { ScheduledFault } from "../../faults/types.ts";
import type { Scenario } from "../../scenario.ts";
import { steadyWorkload } from "../../../scenarios/library/standard.ts";
import { SimDeployer } from "./sim_deployer.ts";

const powerLossAtMs = 6_000;
const powerBackAtMs = 8_000;

function scenarioWith(diskError: Omit<ScheduledFault, "fault">): Scenario {
  return {
    name: "1m/power-loss-under-disk-error",
    description: "a power loss healed while the broker's disk fails writes",
    topology: "1m",
    brokerConfig: { flushDiskType: "SYNC_FLUSH" },
    workload: steadyWorkload(),
    faults: [
      { ...diskError, fault: { kind: "disk-error", target: "broker-a", errors: "write" } },
      { atMs: powerLossAtMs, healAtMs: powerBackAtMs, fault: { kind: "power-loss", target: "broker-a" } },
    ],
    durationMs: 20_000,
    quiesceMs: 15_000,
    expectations: { checkers: [] },
  };
}

async function brokerLifecycle(diskError: Omit<ScheduledFault, "fault">): Promise<{ events: HistoryEvent[]; restarts: number[]; notes: string[] }> {
  const execution = await executeScenario(scenarioWith(diskError), new SimDeployer(), { seed: 7, outDir: "", wallClock: () => 0 });
  assert.equal(execution.error, undefined);
  const events = execution.history.events;
  const restarts = events.flatMap((event) => (event.type === "node" && event.node === "broker-a" && event.event === "restart" ? [event.timeMs] : []));
  const notes = events.flatMap((event) => (event.type === "note" && event.process === "broker-a" ? [`${event.timeMs} ${event.text}`] : []));
  return { events, restarts, notes };
}

function unconsumedAcks(events: readonly HistoryEvent[]): string[] {
  const acked = events.flatMap((event) => (event.type === "ok" && event.op === "send" ? [event.messageId] : []));
  const consumed = new Set(events.flatMap((event) => (event.type === "deliver" && event.result === "success" ? [event.messageId] : [])));
  return acked.filter((messageId) => !consumed.has(messageId));
}

test("a restart that failed on a failing disk is started again when the disk heals; every acked message is consumed", async () => {
  const diskHealAtMs = 12_000;
  const { events, restarts, notes } = await brokerLifecycle({ atMs: 4_000, healAtMs: diskHealAtMs });
  assert.ok(notes.some((note) => note.startsWith(`${powerBackAtMs} restart failed:`) && note.includes("EIO")), notes.join("\n"));
  assert.ok(notes.includes(`${diskHealAtMs} restart again: the disk fault its last start failed under has healed`), notes.join("\n"));
  assert.deepEqual(restarts, [powerBackAtMs, diskHealAtMs]);
  assert.deepEqual(unconsumedAcks(events), [], "SYNC_FLUSH acks survived the power loss and reach the consumers");
});

test("a disk that heals before the power comes back: one restart, which succeeds", async () => {
  const { restarts, notes } = await brokerLifecycle({ atMs: 4_000, healAtMs: 7_000 });
  assert.deepEqual(restarts, [powerBackAtMs]);
  assert.deepEqual(notes.filter((note) => note.includes("restart")), []);
});

test("a disk that never heals: the failed restart is not retried", async () => {
  const { restarts, notes } = await brokerLifecycle({ atMs: 4_000 });
  assert.deepEqual(restarts, [powerBackAtMs]);
  assert.ok(notes.some((note) => note.startsWith(`${powerBackAtMs} restart failed:`)), notes.join("\n"));
  assert.ok(!notes.some((note) => note.includes("restart again")), notes.join("\n"));
});
