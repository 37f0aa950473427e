// The acl-secret fault on real processes: the process deployer starts 1m with ACL on (a real
// mqbroker with plain_acl.yml) and two real producer workers signing with the workload's keys.
// producer-1's secret is swapped over its stdin mid-run: every send it starts while the fault
// holds is refused by the broker (4.9's AclException "Check signature failed", code 1, recorded
// as `fail`, never `unknown`) while producer-2 goes on; after the heal its sends are acked again.
// Then, with stand-in servers and the stand-in workload (which cannot sign), what a command that
// cannot apply leaves: a note with the reason, for a module without ACL, a paused worker, a
// crashed one and a node that is no worker.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { MemoryHistory } from "../../history/types.ts";
import { planCluster } from "../../plan.ts";
import type { Scenario } from "../../scenario.ts";
import { aclAdmin, aclClient, aclFile, aclTopic } from "../../../scenarios/acl/acl_scenarios.ts";
import { sendOps } from "../../../scenarios/incidents/readings.ts";
import { fileURLToPath } from "node:url";
import type { NodeAddress } from "../address_plan.ts";
import { ProcessDeployer } from "./process_deployer.ts";

// Heartbeats are signed too, so while the fault holds producer-1's heartbeats are refused and
// the broker's housekeeping closes its channel clientExpiryMs after the last good one; a send in
// flight at that instant ends `unknown` (connection closed), not `fail`. Client expiry is
// therefore well past the 6 s fault: this test is about refused signatures, not expiry.
const scenario: Scenario = {
  name: "test/process-acl-secret", description: "", topology: "1m",
  brokerConfig: { autoCreateTopicEnable: "false" },
  acl: { file: aclFile("PUB|SUB") },
  intervals: { routePollMs: 1_000, clientHeartbeatMs: 1_000, brokerRegisterMs: 1_000, namesrvScanMs: 1_000, brokerExpiryMs: 6_000, clientScanMs: 1_000, clientExpiryMs: 30_000, rebalanceMs: 1_000, offsetPersistMs: 1_000, sendTimeoutMs: 1_000, pullSuspendMs: 2_000 },
  workload: {
    topics: [{ name: aclTopic, queues: 2 }],
    producers: [{ count: 2, topic: aclTopic, ratePerSecond: 20 }],
    consumers: [],
    acl: { clients: aclClient, admin: aclAdmin },
  },
  faults: [], durationMs: 14_000, quiesceMs: 1_000, expectations: { checkers: [] },
};

test("acl-secret on real processes: the worker's sends are refused until the heal, the other producer's are not", { timeout: 180_000 }, async (t) => {
  const deployer = await ProcessDeployer.create({ mode: "host" });
  assert.equal(deployer.supports("acl-secret").supported, true);
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-process-acl-secret-"));
  const history = new MemoryHistory();
  const cluster = await deployer.deployProcesses(planCluster(scenario, 5), { outDir, history });
  const fault = { kind: "acl-secret", target: "producer-1", secretKey: "rotatedElsewhere1" } as const;
  // Times from when the workers are ready (starting tsx workers takes seconds on a busy machine).
  const at = { readyMs: 0, injectStartMs: 0, injectedMs: 0, healStartMs: 0, healedMs: 0, endMs: 0 };
  try {
    await cluster.startWorkload(scenario.workload, history);
    at.readyMs = cluster.nowMs();
    await cluster.advanceTo(at.readyMs + 3_000);
    at.injectStartMs = cluster.nowMs();
    await cluster.inject(fault, 0);
    at.injectedMs = cluster.nowMs();
    await cluster.advanceTo(at.injectedMs + 6_000);
    at.healStartMs = cluster.nowMs();
    await cluster.heal(fault, 0);
    at.healedMs = cluster.nowMs();
    await cluster.advanceTo(at.healedMs + 5_000);
    at.endMs = cluster.nowMs();
    await cluster.stopProducers();
  } finally {
    await cluster.teardown();
    rmSync(outDir, { recursive: true, force: true });
  }
  const sends = sendOps(history.events);
  const of = (process: string, fromMs: number, toMs: number) => sends.filter((op) => op.process === process && op.invokeMs >= fromMs && op.invokeMs < toMs);
  // Inject and heal resolve once the worker answered, so every send it starts between the end of
  // the inject and the start of the heal signs with the wrong secret, and every send outside the
  // fault with its own (200 ms of slack for run clocks read in two processes; a send started
  // during the heal may be refused, then acked on a retry).
  const before = of("producer-1", at.readyMs + 1_000, at.injectStartMs - 200);
  const during = of("producer-1", at.injectedMs + 200, at.healStartMs);
  const after = of("producer-1", at.healedMs + 200, at.endMs);
  const counts = JSON.stringify({ ...at, before: before.length, during: during.length, after: after.length });
  t.diagnostic(counts);
  assert.ok(before.length > 10, counts);
  assert.ok(before.every((op) => op.outcome === "ok"), JSON.stringify(before.find((op) => op.outcome !== "ok")));
  assert.ok(during.length > 30, counts);
  assert.ok(during.every((op) => op.outcome === "fail"), JSON.stringify(during.find((op) => op.outcome !== "fail")));
  assert.match(during[0]!.error ?? "", /AclException: Check signature failed for accessKey=labClient1/);
  assert.ok(after.length > 30, counts);
  assert.ok(after.every((op) => op.outcome === "ok"), JSON.stringify(after.find((op) => op.outcome !== "ok")));
  const other = of("producer-2", at.injectStartMs, at.healedMs);
  assert.ok(other.length > 30 && other.every((op) => op.outcome === "ok"), `producer-2 keeps its own secret: ${JSON.stringify(other.find((op) => op.outcome !== "ok"))}`);
  const notes = history.events.flatMap((event) => (event.type === "note" && event.process === "producer-1" ? [event.text] : []));
  assert.deepEqual(notes, ["ACL secret replaced", "ACL secret restored"]);
});

const echoServer = (node: NodeAddress): string[] => [
  process.execPath, "-e", `require("net").createServer((s) => s.on("data", (d) => s.write(d))).listen(${node.port}, "${node.ip}")`,
];

test("acl-secret that cannot apply is a note with the reason, never a hang or a silent no-op", { timeout: 60_000 }, async () => {
  const deployer = await ProcessDeployer.create({
    mode: "host", readyTimeoutMs: 10_000, stopTimeoutMs: 2_000, commands: { namesrv: echoServer, broker: echoServer },
    workloadModule: fileURLToPath(new URL("../testing/fake_workload.ts", import.meta.url)), addresses: { ipPrefix: "127.78" },
  });
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-process-acl-secret-"));
  const history = new MemoryHistory();
  const stand = { ...scenario, acl: undefined, workload: { topics: [{ name: "T", queues: 1 }], producers: [{ count: 1, topic: "T" }], consumers: [] } };
  const cluster = await deployer.deployProcesses(planCluster(stand, 1), { outDir, history });
  const fault = (target: string) => ({ kind: "acl-secret", target, secretKey: "rotated1" }) as const;
  try {
    await cluster.startWorkload(stand.workload, history);
    await cluster.inject(fault("producer-1"), 0);
    await cluster.inject({ kind: "pause", target: "producer-1" }, 1);
    await cluster.heal(fault("producer-1"), 0);
    await cluster.heal({ kind: "pause", target: "producer-1" }, 1);
    // The answer to the line written while paused is not taken for this command's.
    await cluster.inject(fault("producer-1"), 5);
    await cluster.inject({ kind: "crash", target: "producer-1" }, 2);
    await cluster.inject(fault("producer-1"), 3);
    await cluster.inject(fault("broker-a"), 4);
  } finally {
    await cluster.teardown();
    rmSync(outDir, { recursive: true, force: true });
  }
  const notes = history.events.flatMap((event) => (event.type === "note" ? [`${event.process}: ${event.text}`] : []));
  assert.deepEqual(notes, [
    "producer-1: acl-secret skipped: the worker's workload module cannot change its secret",
    "producer-1: ACL secret restored once the paused worker resumes",
    "producer-1: acl-secret skipped: the worker's workload module cannot change its secret",
    "producer-1: acl-secret skipped: not a running workload client",
    "broker-a: acl-secret skipped: not a running workload client",
  ]);
});
