// Host-mode lab runs (no network namespace) on one machine at once: each run draws its own
// port block (port_block.ts), so two runs of the same topology started together both pass,
// and a `just cluster 1m` left running on the default ports (9876, 10911) does not stop a lab
// run. Real mqnamesrv, mqbroker and workload workers, checked by the lab's own checkers. These
// run in host mode on every machine (also where namespaces are available), so the collision
// they guard against is tested everywhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { smokeIntervals } from "../../../scenarios/library/smoke.ts";
import { runScenario } from "../../runner.ts";
import type { Scenario } from "../../scenario.ts";
import type { NodeAddress } from "../address_plan.ts";
import { tsEntryArgv } from "../node_commands.ts";
import { brokerEntry, namesrvEntry } from "../node_commands.ts";
import { probeConnect } from "../wall_cluster/probe.ts";
import { ProcessDeployer } from "./process_deployer.ts";

const workloadModule = fileURLToPath(new URL("../../workload/index.ts", import.meta.url));
const clusterCli = fileURLToPath(new URL("../cluster_cli.ts", import.meta.url));
const missing = [namesrvEntry, brokerEntry, workloadModule].filter((path) => !existsSync(path));
const skip = missing.length > 0 ? `not there yet: ${missing.join(", ")}` : false;

const scenario: Scenario = {
  name: "test/host-ports", description: "1m, steady traffic, no fault, in host mode", topology: "1m",
  brokerConfig: { flushDiskType: "SYNC_FLUSH" },
  intervals: smokeIntervals,
  workload: {
    topics: [{ name: "HostPortsTopic", queues: 4 }],
    producers: [{ count: 1, topic: "HostPortsTopic", ratePerSecond: 10, sendMode: "sync", bodySizeBytes: 128 }],
    consumers: [{ group: "HostPortsGroup", topic: "HostPortsTopic", count: 1, mode: "push", model: "CLUSTERING", subscription: "*" }],
  },
  faults: [], durationMs: 8_000, quiesceMs: 10_000, expectations: { checkers: ["delivery", "order"] },
};

interface LabRun {
  verdict: string;
  acked: number;
  consumed: number;
  summary: string;
  ports: number[];
  outDir: string;
}

async function labRun(label: string): Promise<LabRun> {
  const outDir = mkdtempSync(join(tmpdir(), `mqlab-host-ports-${label}-`));
  const deployer = await ProcessDeployer.create({ mode: "host", readyTimeoutMs: 60_000 });
  const result = await runScenario(scenario, { deployer, seed: 3, outDir });
  const written = JSON.parse(readFileSync(join(outDir, "process-deployer.json"), "utf8")) as { nodes: NodeAddress[]; portBlock?: { basePort: number } };
  const ports = written.nodes.flatMap((node) => [node.port, node.vipPort, node.haPort].filter((port): port is number => port !== undefined));
  const summary = `${label}: ${result.verdict}${result.error ? ` (${result.error})` : ""}, ${result.counts.acked} acked, ${result.counts.consumed} consumed, ports ${ports.join(",")} (block ${written.portBlock?.basePort}), ` +
    result.checks.map((check) => `${check.verdict} ${check.name}: ${check.summary}`).join("; ");
  return { verdict: result.verdict, acked: result.counts.acked, consumed: result.counts.consumed, summary, ports, outDir };
}

function finish(runs: LabRun[]): void {
  for (const run of runs) {
    console.log(run.summary);
    assert.equal(run.verdict, "pass", `${run.summary}\n(results kept in ${run.outDir})`);
    // A pass over no traffic would prove nothing: the run's clients must have reached its broker.
    assert.ok(run.acked > 0 && run.consumed >= run.acked, `${run.summary}\n(results kept in ${run.outDir})`);
  }
  for (const run of runs) rmSync(run.outDir, { recursive: true, force: true });
}

test("two host-mode lab runs of the same topology at once: both pass, on ports of their own", { skip, timeout: 240_000 }, async () => {
  const runs = await Promise.all([labRun("first"), labRun("second")]);
  const [first, second] = runs;
  const shared = first.ports.filter((port) => second.ports.includes(port));
  assert.deepEqual(shared, [], "no port planned by both runs");
  for (const port of [9876, 10911]) assert.ok(!first.ports.includes(port) && !second.ports.includes(port), `default port ${port} left to \`just cluster\``);
  finish(runs);
});

test("a lab run while `just cluster 1m` holds the default ports 9876 and 10911", { skip, timeout: 240_000 }, async () => {
  const clusterOut = mkdtempSync(join(tmpdir(), "mqlab-host-ports-cluster-"));
  const [file, ...args] = tsEntryArgv(clusterCli, ["1m", "--out", clusterOut]);
  const cluster = spawn(file ?? process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => cluster.once("exit", (code) => resolve(code)));
  let output = "";
  let ready = false;
  cluster.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    ready = await new Promise<boolean>((resolve) => {
      createInterface({ input: cluster.stdout }).on("line", (line) => {
        output += line + "\n";
        if (line.startsWith("ready:")) resolve(true);
      });
      void exited.then(() => resolve(false));
    });
    // Someone else's cluster on the default ports serves this test's purpose as well as ours.
    if (!ready) console.log(`just cluster 1m did not start here (the default ports are taken?):\n${output}`);
    for (const port of [9876, 10911]) {
      assert.ok((await probeConnect({ host: "127.0.0.1", port, timeoutMs: 2_000 })).ok, `127.0.0.1:${port} is served while the lab runs\n${output}`);
    }
    const run = await labRun("beside-cluster");
    assert.ok(!run.ports.includes(9876) && !run.ports.includes(10911));
    finish([run]);
    if (ready) assert.ok(cluster.exitCode === null, `the cluster kept running beside the lab run\n${output}`);
  } finally {
    cluster.kill("SIGINT");
    const code = await exited;
    rmSync(clusterOut, { recursive: true, force: true });
    if (ready) assert.equal(code, 0, `Ctrl-C stops the cluster cleanly\n${output}`);
  }
});
