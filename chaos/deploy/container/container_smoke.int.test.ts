// The container smoke suite CI runs after `just docker-up`: the real mqnamesrv and mqbroker in
// containers. First a host admin client asks the NameServer (at its container address) for the
// cluster and reaches the broker it names. Then `1m` with one broker crash through mqlab's own
// runner, as `mqlab run <scenario> --deployer container` does: the same result files as the
// simulator, acked sends, a crash and a restart in the history, and nothing left behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AdminClient } from "../../../system/client/index.ts";
import { createRealEnv } from "../../../system/env/real/index.ts";
import { MemoryHistory, parseHistoryJsonl } from "../../history/types.ts";
import { planCluster } from "../../plan.ts";
import { historyFileName, reportFileName, resultFileName, type RunResult } from "../../result.ts";
import { runScenario } from "../../runner.ts";
import { writeRunReport } from "../../../reports/run_dir.ts";
import { scenarioFileName } from "../../scenario_json.ts";
import type { Intervals, Scenario } from "../../scenario.ts";
import { listLeftovers } from "./cleanup.ts";
import { ContainerDeployer } from "./container_deployer.ts";
import { connectEngine } from "./engine.ts";
import { containerTestsSkip } from "./testing/skip.ts";

const skip = await containerTestsSkip();

/** Seconds instead of RocketMQ's tens of seconds: a real-time run must stay short. */
const fastIntervals: Partial<Intervals> = {
  routePollMs: 2_000, clientHeartbeatMs: 2_000, brokerRegisterMs: 2_000, namesrvScanMs: 2_000, brokerExpiryMs: 10_000,
  clientScanMs: 2_000, clientExpiryMs: 10_000, rebalanceMs: 2_000, offsetPersistMs: 1_000,
};

export const smokeScenario: Scenario = {
  name: "smoke/1m-broker-crash",
  description: "1m: the broker is killed and restarted 6 s later, in containers",
  topology: "1m",
  brokerConfig: { flushDiskType: "SYNC_FLUSH" },
  intervals: fastIntervals,
  workload: {
    topics: [{ name: "TopicTest", queues: 4 }],
    producers: [{ count: 1, topic: "TopicTest", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 128 }],
    consumers: [{ group: "GroupTest", topic: "TopicTest", count: 1, mode: "push", model: "CLUSTERING", subscription: "*" }],
  },
  faults: [{ atMs: 8_000, healAtMs: 14_000, fault: { kind: "crash", target: "broker-a" } }],
  durationMs: 25_000,
  quiesceMs: 20_000,
  expectations: { checkers: ["delivery"] },
};

test("1m with the real CLIs: a host admin client sees broker-a at its container address", { skip, timeout: 300_000 }, async () => {
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-container-smoke-"));
  const scenario: Scenario = { ...smokeScenario, workload: { topics: [], producers: [], consumers: [] }, faults: [] };
  const cluster = await new ContainerDeployer().deploy(planCluster(scenario, 1), { outDir, history: new MemoryHistory() });
  const env = createRealEnv({ nodeName: "smoke-admin", logLevel: "warn" });
  const admin = new AdminClient(env, { namesrvAddr: cluster.namesrvAddr() });
  try {
    console.log(`real 1m bring-up in containers: ${JSON.stringify(cluster.times)}`);
    const brokerAddress = cluster.nodes().find((node) => node.name === "broker-a")?.address;
    admin.start();
    let addrs: string[] = [];
    for (let attempt = 0; attempt < 20 && addrs.length === 0; attempt++) {
      const info = await admin.clusterInfo();
      addrs = [...(info.brokerAddrTable.get("broker-a")?.brokerAddrs.values() ?? [])];
      if (addrs.length === 0) await sleep(500);
    }
    assert.deepEqual(addrs, [brokerAddress], "the NameServer names broker-a at its container address");
    const rows = await admin.clusterList();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.error, undefined, "the host reaches the broker the NameServer named");
    assert.ok((rows[0]?.runtime?.size ?? 0) > 0, "the broker answered its runtime info");
  } finally {
    admin.shutdown();
    env.close();
    await cluster.teardown();
    rmSync(outDir, { recursive: true, force: true });
  }
  assert.deepEqual(await listLeftovers(await connectEngine(), cluster.runId), { containers: [], networks: [], volumes: [] });
});

test("1m + one broker crash through the runner: the simulator's result files, acked sends, nothing left", { skip, timeout: 600_000 }, async () => {
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-container-smoke-"));
  const result: RunResult = await runScenario(smokeScenario, { deployer: new ContainerDeployer(), seed: 1, outDir });
  // The runner writes run records; the report is rendered from them, as the CLI does.
  writeRunReport(outDir);
  const summary = `verdict ${result.verdict}${result.error ? ` (${result.error})` : ""}; counts ${JSON.stringify(result.counts)}; checks ${JSON.stringify(result.checks.map((check) => [check.name, check.verdict]))}`;
  console.log(`container smoke: ${summary}`);
  for (const file of [resultFileName, historyFileName, reportFileName, scenarioFileName, "container-deploy.json"]) {
    assert.ok(existsSync(join(outDir, file)), `${file} written`);
  }
  assert.notEqual(result.verdict, "error", summary);
  assert.equal(result.deployer, "container");
  assert.ok(result.counts.acked > 50, summary);
  assert.ok(result.counts.consumed > 0, summary);
  const history = parseHistoryJsonl(readFileSync(join(outDir, historyFileName), "utf8"));
  const nodeEvents = history.flatMap((event) => (event.type === "node" ? [`${event.node}:${event.event}`] : []));
  assert.ok(nodeEvents.includes("broker-a:crash") && nodeEvents.includes("broker-a:restart"), nodeEvents.join(", "));
  const runId = (JSON.parse(readFileSync(join(outDir, "container-deploy.json"), "utf8")) as { runId: string }).runId;
  assert.deepEqual(await listLeftovers(await connectEngine(), runId), { containers: [], networks: [], volumes: [] });
  rmSync(outDir, { recursive: true, force: true });
});
