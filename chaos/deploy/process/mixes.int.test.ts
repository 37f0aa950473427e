// The workload mixes as real processes: the process deployer (netns when available, else host
// mode: no network fault is needed here) runs 1m with the failing, delayed and ordered mixes in
// worker processes. Their records cross the worker protocol: poison messages end in the DLQ
// (read when the consumer worker stops), delayed messages arrive no earlier than their level,
// orderly deliveries record a held lock, and every send attempt and route view is recorded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DeliverEvent, SendInvoke } from "../../history/types.ts";
import { MemoryHistory } from "../../history/types.ts";
import { planCluster } from "../../plan.ts";
import type { Scenario } from "../../scenario.ts";
import { buildMix, combineMixes } from "../../workload/mixes.ts";
import { isPoison } from "../../workload/consumer_verdicts.ts";
import { brokerEntry, namesrvEntry } from "../node_commands.ts";
import { ProcessDeployer } from "./process_deployer.ts";

const workloadModule = fileURLToPath(new URL("../../workload/index.ts", import.meta.url));
const missing = [namesrvEntry, brokerEntry, workloadModule].filter((path) => !existsSync(path));
const deployer = await ProcessDeployer.create();
const sendMs = 10_000;

const failing = buildMix("failing", { sendMs, ratePerSecond: 8 });
const scenario: Scenario = {
  name: "test/process-mixes", description: "", topology: "1m", brokerConfig: { flushDiskType: "SYNC_FLUSH" },
  intervals: { routePollMs: 1_000, clientHeartbeatMs: 1_000, brokerRegisterMs: 1_000, namesrvScanMs: 1_000, brokerExpiryMs: 6_000, clientScanMs: 1_000, clientExpiryMs: 6_000, rebalanceMs: 1_000, offsetPersistMs: 1_000, sendTimeoutMs: 3_000, pullSuspendMs: 2_000 },
  workload: combineMixes(
    // One reconsume (10 s later, level 3), then the DLQ: the run stays short.
    { ...failing, consumers: failing.consumers.map((group) => ({ ...group, maxReconsumeTimes: 1, poisonPercent: 10 })) },
    buildMix("delayed", { sendMs, ratePerSecond: 4 }),
    buildMix("ordered", { sendMs, ratePerSecond: 4 }),
  ),
  faults: [], durationMs: sendMs, quiesceMs: 20_000, expectations: { checkers: [] },
};

test("mixes as worker processes: DLQ, delay, orderly locks, attempts and routes reach the history", { skip: missing.length > 0 ? `not there yet: ${missing.join(", ")}` : false, timeout: 240_000 }, async () => {
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-process-mixes-"));
  const history = new MemoryHistory();
  const cluster = await deployer.deployProcesses(planCluster(scenario, 3), { outDir, history });
  try {
    await cluster.startWorkload(scenario.workload, history);
    await cluster.advanceTo(scenario.durationMs);
    await cluster.stopProducers();
    await cluster.advanceTo(scenario.durationMs + scenario.quiesceMs);
  } finally {
    await cluster.teardown();
  }
  const events = history.events;
  const invokes = events.filter((event): event is SendInvoke => event.type === "invoke");
  const deliveries = events.filter((event): event is DeliverEvent => event.type === "deliver");
  const poison = invokes.filter((invoke) => invoke.topic === "TopicRetry" && isPoison(invoke.messageId, "GroupFailing", 10));
  const dead = events.flatMap((event) => (event.type === "dlq" ? [event] : []));
  console.log(`mode ${deployer.describeMode().mode}: invokes ${invokes.length}, deliveries ${deliveries.length}, poison ${poison.length}, dlq ${dead.length}`);
  assert.ok(poison.length > 0);
  // Poison sent in the last 10 s may not have failed twice yet; every earlier one is dead-lettered.
  const settled = poison.filter((invoke) => invoke.timeMs < scenario.durationMs + scenario.quiesceMs - 15_000).map((invoke) => invoke.messageId);
  assert.deepEqual(settled.filter((id) => !dead.some((event) => event.messageId === id)), []);
  // The failing group and the ordered mix's poison messages dead-letter. The broker stores a DLQ
  // copy sent back with CONSUMER_SEND_MSG_BACK at the stored message's reconsumeTimes + 1: 2 after
  // the failing group's two retry copies, 1 for an orderly message (its retries are local, and
  // mqlab's orderly service sends an exhausted message back that way; 4.9.x's re-sends it to
  // %RETRY% through the inner producer with the count it reached).
  const expectedReconsume: Record<string, number> = { GroupFailing: 2, GroupOrderly: 1 };
  assert.ok(dead.every((event) => event.reconsumeTimes === expectedReconsume[event.group]), JSON.stringify(dead));
  const delayMs = [1_000, 5_000, 10_000];
  for (const invoke of invokes.filter((candidate) => candidate.delayLevel !== undefined)) {
    const delivered = deliveries.find((event) => event.messageId === invoke.messageId);
    if (delivered !== undefined) assert.ok(delivered.startMs! >= invoke.timeMs + delayMs[invoke.delayLevel! - 1]! - 50, invoke.messageId);
  }
  const orderly = deliveries.filter((event) => event.group === "GroupOrderly");
  assert.ok(orderly.length > 0 && orderly.every((event) => event.lockHeld === true));
  assert.ok(events.some((event) => event.type === "attempt" && event.opId !== undefined));
  assert.ok(events.some((event) => event.type === "route" && event.writableBrokers.includes("broker-a")));
  rmSync(outDir, { recursive: true, force: true });
});
