// `just cluster <topology>`: starts one of the four topologies as real local processes on
// 127.0.0.1 (NameServers on 9876, 9877; brokers on 10911, 10921, 10931, 10941 with VIP = port − 2
// and HA = port + 1), stores under a temp directory, logs under --out; prints the NameServer
// address and a ready line, and stops everything on Ctrl-C. It uses the process deployer in
// host mode, so what runs is exactly what the lab runs; its ports are the fixed ones given here
// (host-mode lab runs draw theirs elsewhere, so a cluster left running never blocks a lab run).
//   cluster_cli.ts <topology> [--out <dir>] [--fast] [--namesrv-port <n>] [--broker-port <n>]
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { listTopologies } from "../topologies/index.ts";
import type { HistoryEvent, HistoryRecorder } from "../history/types.ts";
import { planCluster } from "../plan.ts";
import type { Intervals, Scenario, TopologyName } from "../scenario.ts";
import { ProcessDeployer } from "./process/process_deployer.ts";

/** --fast: liveness in seconds rather than minutes, for trying failover by hand. */
const fastIntervals: Partial<Intervals> = {
  brokerRegisterMs: 2_000, namesrvScanMs: 1_000, brokerExpiryMs: 6_000, clientScanMs: 1_000, clientExpiryMs: 6_000,
};

function consoleHistory(): HistoryRecorder {
  let opId = 0;
  return {
    record(event: HistoryEvent) {
      if (event.type === "node" && event.event !== "start" && event.event !== "stop") console.log(`[${event.timeMs} ms] ${event.node}: ${event.event}`);
      if (event.type === "note") console.log(`[${event.timeMs} ms] ${event.process}: ${event.text}`);
    },
    nextOpId: () => ++opId,
  };
}

async function main(): Promise<void> {
  const program = new Command("cluster")
    .description("start a topology as local processes on 127.0.0.1 until Ctrl-C")
    .argument("<topology>", `one of: ${listTopologies().join(", ")}`)
    .option("--out <dir>", "where node logs and configs go")
    .option("--fast", "shorten registration and expiry intervals (seconds instead of minutes)")
    .option("--namesrv-port <port>", "first NameServer's port (the next ones follow)", "9876")
    .option("--broker-port <port>", "first broker's listenPort (the next ones are 10 apart)", "10911")
    .parse();
  const [topology] = program.args as [string];
  if (!listTopologies().includes(topology)) program.error(`unknown topology "${topology}" (known: ${listTopologies().join(", ")})`);
  const options = program.opts<{ out?: string; fast?: boolean; namesrvPort: string; brokerPort: string }>();
  const outDir = options.out ?? join(tmpdir(), `mqlab-cluster-${topology}-${process.pid}`);
  mkdirSync(outDir, { recursive: true });

  const scenario: Scenario = {
    name: `cluster/${topology}`, description: "local cluster", topology: topology as TopologyName,
    ...(options.fast ? { intervals: fastIntervals } : {}),
    workload: { topics: [], producers: [], consumers: [] }, faults: [], durationMs: 0, quiesceMs: 0, expectations: { checkers: [] },
  };
  const deployer = await ProcessDeployer.create({
    mode: "host",
    addresses: { sharedIp: "127.0.0.1", namesrvBasePort: Number(options.namesrvPort), brokerBasePort: Number(options.brokerPort) },
  });
  console.log(`starting ${topology} (logs and configs in ${outDir}) ...`);
  const cluster = await deployer.deployProcesses(planCluster(scenario, 0), { outDir, history: consoleHistory() });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping ...");
    cluster.teardown().then(
      () => { console.log("stopped; nothing left running"); process.exit(0); },
      (error: unknown) => { console.error((error as Error).message); process.exit(1); },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  for (const node of cluster.nodes()) console.log(`  ${node.name.padEnd(12)} ${node.address ?? ""}  log: ${join(outDir, "nodes", `${node.name}.log`)}`);
  console.log(`NAMESRV_ADDR=${cluster.namesrvAddr()}`);
  console.log(`ready: ${topology} up in ${cluster.times.totalMs} ms — Ctrl-C stops it`);
}

main().catch((error: unknown) => {
  console.error(`cluster: ${(error as Error).message}`);
  process.exit(1);
});
