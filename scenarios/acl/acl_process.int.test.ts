// ACL on the real system: the process deployer starts 1m with plain_acl.yml in the broker's
// rocketmqHome and aclEnable=true, the real workers sign with the workload's keys, and an
// acl-file fault revokes PUB on the topic mid-run: the broker's watcher (5 s) picks it up,
// sends fail with the AclException remark (recorded as `fail`), and after the heal restores
// the file they are acked again. Every acked message reaches the consumer group.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ProcessDeployer } from "../../chaos/deploy/process/process_deployer.ts";
import { MemoryHistory } from "../../chaos/history/types.ts";
import { planCluster } from "../../chaos/plan.ts";
import type { Scenario } from "../../chaos/scenario.ts";
import { sendOps } from "../incidents/readings.ts";
import { aclAdmin, aclClient, aclFile, aclTopic } from "./acl_scenarios.ts";

const scenario: Scenario = {
  name: "test/process-acl", description: "", topology: "1m",
  brokerConfig: { autoCreateTopicEnable: "false" },
  acl: { file: aclFile("PUB|SUB") },
  intervals: { routePollMs: 1_000, clientHeartbeatMs: 1_000, brokerRegisterMs: 1_000, namesrvScanMs: 1_000, brokerExpiryMs: 6_000, clientScanMs: 1_000, clientExpiryMs: 6_000, rebalanceMs: 1_000, offsetPersistMs: 1_000, sendTimeoutMs: 1_000, pullSuspendMs: 2_000 },
  workload: {
    topics: [{ name: aclTopic, queues: 2 }],
    producers: [{ count: 1, topic: aclTopic, ratePerSecond: 20 }],
    consumers: [{ group: "GroupAcl", topic: aclTopic, count: 1 }],
    acl: { clients: aclClient, admin: aclAdmin },
  },
  faults: [], durationMs: 24_000, quiesceMs: 6_000, expectations: { checkers: [] },
};

test("ACL on real processes: signed workers work, a revoked permission refuses sends until restored", { timeout: 180_000 }, async () => {
  const deployer = await ProcessDeployer.create({ mode: "host" });
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-process-acl-"));
  const history = new MemoryHistory();
  const cluster = await deployer.deployProcesses(planCluster(scenario, 3), { outDir, history });
  const fault = { kind: "acl-file", target: "broker-a", text: aclFile("SUB") } as const;
  // The fault window starts once the producer has sent for a while: on a loaded machine its worker
  // process may take seconds to boot (one CI run saw fewer than 10 sends in the first 5 s).
  const window = { atMs: 0, healAtMs: 0 };
  const sendingSinceMs = { value: 0 };
  try {
    await cluster.startWorkload(scenario.workload, history);
    for (let waitedMs = 0; sendOps(history.events).length < 40 && waitedMs < 60_000; waitedMs += 250) await cluster.advanceTo(cluster.nowMs() + 250);
    sendingSinceMs.value = sendOps(history.events)[0]?.invokeMs ?? 0;
    window.atMs = cluster.nowMs();
    window.healAtMs = window.atMs + 9_000;
    await cluster.inject(fault, 0);
    await cluster.advanceTo(window.healAtMs);
    await cluster.heal(fault, 0);
    await cluster.advanceTo(window.healAtMs + 10_000);
    await cluster.stopProducers();
    await cluster.advanceTo(window.healAtMs + 10_000 + scenario.quiesceMs);
  } finally {
    await cluster.teardown();
    rmSync(outDir, { recursive: true, force: true });
  }
  const sends = sendOps(history.events);
  const before = sends.filter((op) => op.invokeMs > sendingSinceMs.value + 500 && op.invokeMs < window.atMs);
  const revoked = sends.filter((op) => op.invokeMs > window.atMs + 6_000 && op.invokeMs < window.healAtMs);
  const after = sends.filter((op) => op.invokeMs > window.healAtMs + 6_000);
  assert.ok(before.length > 10 && before.every((op) => op.outcome === "ok"), JSON.stringify(before.find((op) => op.outcome !== "ok")));
  assert.ok(revoked.length > 5 && revoked.every((op) => op.outcome === "fail"), JSON.stringify(revoked.find((op) => op.outcome !== "fail")));
  assert.match(revoked[0]!.error ?? "", /AclException: No default permission for topic:TopicAcl/);
  assert.ok(after.length > 10 && after.every((op) => op.outcome === "ok"));
  const delivered = new Set(history.events.flatMap((event) => (event.type === "deliver" ? [event.messageId] : [])));
  const acked = history.events.flatMap((event) => (event.type === "ok" && event.op === "send" ? [event.messageId] : []));
  assert.deepEqual(acked.filter((id) => !delivered.has(id)), []);
});
