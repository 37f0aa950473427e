// The swarm's newer knobs reach the probes they were added for (system/env/probe.ts), in runs
// the checkers pass: each case is a hand-built SwarmCase, run in the simulator as the battery
// runs it. A knob that stops reaching its path fails here, before the battery's coverage drops.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScenario } from "../runner.ts";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import { findProperty } from "../check/properties.ts";
import type { ProbeName } from "../../system/env/index.ts";
import { defaultSwarmConfig, type SwarmConfig } from "./config.ts";
import type { FaultDraw } from "./faults.ts";
import { swarmScenario, type SwarmCase, type SwarmMix } from "./swarm_case.ts";
import type { Fault } from "../faults/types.ts";

const root = mkdtempSync(join(tmpdir(), "mqlab-probe-reach-"));
test.after(() => rmSync(root, { recursive: true, force: true }));

function draw(fault: Fault & { target: string }, role: FaultDraw["role"]): FaultDraw {
  return { kind: fault.kind === "disk-error" ? "disk-error" : "clean-restart", role, faults: [{ atMs: 5_000, healAtMs: 12_000, fault }] };
}

async function reach(name: string, config: Partial<SwarmConfig>, draws: FaultDraw[], probes: ProbeName[], mixes: SwarmMix[] = [], property = "all"): Promise<Awaited<ReturnType<typeof runScenario>>> {
  const swarmCase: SwarmCase = { draws, config: { ...defaultSwarmConfig(), ...config }, ordered: false, mixes, seed: 7 };
  const result = await runScenario(swarmScenario(swarmCase, findProperty(property)), { deployer: new SimDeployer(), seed: 7, outDir: join(root, name) });
  const failed = result.checks.filter((check) => check.verdict === "fail").map((check) => `${check.name}: ${check.summary}`);
  assert.equal(result.verdict, "pass", `${name}: ${failed.join("; ")}`);
  assert.ok(result.probes?.collected === true);
  for (const probe of probes) assert.ok((result.probes.hits[probe] ?? 0) > 0, `${name} reaches ${probe}`);
  return result;
}

test("short HA housekeeping: a replication cut longer than it closes both ends", async () => {
  const cut: Fault = { kind: "firewall", source: "broker-a-s", target: "broker-a", port: "ha", mode: "drop", direction: "both" };
  await reach("ha", { topology: "2m-2s-async", haHousekeeping: "short", haSendHeartbeatInterval: 1_000 },
    [{ kind: "partition-replication-only", role: "slave", faults: [{ atMs: 5_000, healAtMs: 12_000, fault: cut }] }],
    ["ha.master.housekeeping-expired", "ha.slave.master-silent"]);
});

test("a page-cache stall on broker-a answers SYSTEM_BUSY; a 5000x slow disk times SYNC_FLUSH puts out and they are retried", async () => {
  await reach("stall", { pageCacheStall: "queue-timeout", burst: true }, [], ["broker.flow.timeout-clean-queue"]);
  await reach("busy", { pageCacheStall: "busy", producers: 2, ratePerSecond: 20 }, [], ["broker.flow.page-cache-busy"]);
  const slow: Fault = { kind: "slow-disk", target: "broker-a", factor: 5_000 };
  await reach("slow-disk", { flushDiskType: "SYNC_FLUSH", retryAnotherBrokerWhenNotStoreOK: true, syncFlushTimeout: 1_000 },
    [{ kind: "slow-disk", role: "master", faults: [{ atMs: 5_000, healAtMs: 12_000, fault: slow }] }],
    ["store.flush.group-commit-timeout", "client.producer.retry-not-store-ok"]);
});

test("slow consumers past consumeTimeout are sent back; a pull lost to a cut expires its queue", async () => {
  await reach("slow-consume", { slowConsume: "timeout" }, [], ["client.consume.timeout-send-back"]);
  const cut: Fault = { kind: "firewall", source: "consumer-GroupTest-1", target: "broker-a", port: "broker", mode: "drop", direction: "both" };
  await reach("pull-idle", { pullMaxIdle: "short" }, [{ kind: "firewall-drop", role: "master", faults: [{ atMs: 5_000, healAtMs: 15_000, fault: cut }] }],
    ["client.rebalance.pull-expired"]);
});

test("the transactions mix commits, rolls back and checks, also while its producer is down", async () => {
  await reach("tx", {}, [], ["broker.transaction.commit", "broker.transaction.rollback", "broker.transaction.check", "broker.transaction.check-no-producer"], ["transactions"], "hostile");
});

test("disk errors fail writes, fsyncs and segment creation; a clean restart removes the abort file", async () => {
  await reach("eio", { mapedFileSizeCommitLog: 16 * 1024 }, [draw({ kind: "disk-error", target: "broker-a", errors: "both" }, "master")],
    ["store.disk.write-failed", "store.flush.failed"]);
  await reach("inodes", { mapedFileSizeCommitLog: 16 * 1024 }, [draw({ kind: "disk-error", target: "broker-a", errors: "create" }, "master")],
    ["store.segment.create-failed"]);
  await reach("clean-restart", { topology: "2m-2s-sync" }, [draw({ kind: "clean-restart", target: "broker-a" }, "master")],
    ["store.abort-file.removed", "store.recovery.normal"]);
});

test("a small broker memory: late joiners start where consumeFromWhere says, lagging consumers are sent to the slave", async () => {
  await reach("late-old", { brokerMemory: "small" }, [], ["client.offset.from-last", "client.offset.from-timestamp"], ["late-join"], "hostile");
  // A consumer paused for 7 s falls ~140 messages a queue behind (the budget is ~6.5 KB, ~20 messages).
  const pause: FaultDraw = { kind: "pause", role: "consumer", faults: [{ atMs: 5_000, healAtMs: 12_000, fault: { kind: "pause", target: "consumer-GroupTest-1" } }] };
  await reach("slave-read", { topology: "2m-2s-async", brokerMemory: "small", slaveReadEnable: true, consumers: 1, queues: 1, producers: 2, ratePerSecond: 20 }, [pause],
    ["broker.pull.suggest-slave"]);
});

test("rogue peers: a swarm draw on a master and a NameServer reaches the remoting decode-error path, judged by the rogue-peer checker", async () => {
  const rogue = (target: string, role: FaultDraw["role"]): FaultDraw =>
    ({ kind: "rogue-peer", role, faults: [{ atMs: 5_000, healAtMs: 12_000, fault: { kind: "rogue-peer", target } }] });
  const result = await reach("rogue-peer", { topology: "2m-2s-sync" }, [rogue("broker-a", "master"), rogue("namesrv-1", "namesrv")], ["remoting.decode.error"]);
  const judged = result.checks.find((check) => check.name === "rogue-peer");
  assert.ok(judged !== undefined && (judged.evidence["attacks"] as number) > 10, judged?.summary ?? "the rogue-peer checker ran");
});
