// `just bench-server-flags`: what the servers' node flags (MQLAB_NODE_OPTIONS) cost a real broker
// (issue 15: a bounded young generation). For each candidate (a MQLAB_NODE_OPTIONS value, or
// "default" = Node's own), one mqnamesrv and one mqbroker process (ASYNC_FLUSH, or SYNC_FLUSH with
// --flush-disk-type: its puts live until their fsync, which a small young generation promotes; 4 queues) started
// as users' are, plus --trace-gc; this process's Producer sends 1 KiB messages, 256 in flight. Per candidate:
// publish msgs/s (noisy on a shared machine), broker CPU µs per message (/proc/PID/stat, what
// load changes least), scavenges and their pause ms per 1,000 messages, mark-compacts, and
// the broker's RSS after. Candidates are interleaved over rounds so drift hits them alike.
// Run: npx node --import tsx chaos/bench/server_flags_bench.ts [--configs "A;B;default"] [--n N] [--rounds R]
//      [--flush-disk-type ASYNC_FLUSH|SYNC_FLUSH]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freeBrokerPort, startBroker, startNamesrv, stopAll, writeBrokerConf } from "../../system/cli/testing/processes.ts";
import { serverNodeArgsProblem } from "../../system/cli/index.ts";
import { AdminClient, Producer } from "../../system/client/index.ts";
import { createRealEnv } from "../../system/env/real/index.ts";
import type { Env } from "../../system/env/index.ts";
import { processCpuSeconds, processRssMiB, runWindow } from "./peers/drivers.ts";
import { gcTotals } from "./trace_gc.ts";
import type { GcTotals } from "./trace_gc.ts";

interface Row { config: string; round: number; msgsPerS: number; cpuUsPerMsg: number; gc: GcTotals; rssMiB: number }

const topic = "FlagsBench";

function fail(message: string): never {
  console.error(`bench-server-flags: ${message}`);
  process.exit(2);
}

async function createTopic(env: Env, namesrvAddr: string): Promise<void> {
  const admin = new AdminClient(env, { namesrvAddr });
  admin.start();
  try {
    await admin.createTopic({ topic, clusterName: "DefaultCluster", readQueueNums: 4, writeQueueNums: 4 });
  } finally {
    admin.shutdown();
  }
}

async function measureOne(env: Env, config: string, round: number, count: number): Promise<Row> {
  process.env["MQLAB_NODE_OPTIONS"] = config === "default" ? "" : config;
  process.env["MQLAB_SERVER_NODE_ARGS"] = "--trace-gc";
  const dir = mkdtempSync(join(tmpdir(), "mqlab-flags-bench-"));
  const body = new Uint8Array(1024).fill(3);
  try {
    const namesrv = await startNamesrv(dir);
    const namesrvAddr = `127.0.0.1:${namesrv.port}`;
    const port = await freeBrokerPort();
    const broker = await startBroker(writeBrokerConf(dir, port, { namesrvAddr, flushDiskType, mapedFileSizeCommitLog: 256 * 1024 * 1024, mapedFileSizeConsumeQueue: 6_000_000 }));
    const pid = broker.child.pid;
    await createTopic(env, namesrvAddr);
    const producer = new Producer(env, { namesrvAddr, producerGroup: "FlagsBenchProducer" });
    await producer.start();
    const send = (): Promise<unknown> => producer.send({ topic, body });
    await runWindow(5_000, 256, 60, send);
    const traceFrom = broker.stdout().length;
    const cpuBefore = processCpuSeconds(pid);
    const measured = await runWindow(count, 256, 600, send);
    const cpuSeconds = processCpuSeconds(pid) - cpuBefore;
    const gc = gcTotals(broker.stdout().slice(traceFrom));
    const row = { config, round, msgsPerS: measured.rate, cpuUsPerMsg: (cpuSeconds * 1e6) / measured.count, gc, rssMiB: processRssMiB(pid) };
    await producer.shutdown();
    return row;
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(row: Row, count: number): void {
  const perK = 1000 / count;
  console.log([
    `${row.config.padEnd(50)} round ${row.round}`, `${Math.round(row.msgsPerS)} msgs/s`, `cpu ${row.cpuUsPerMsg.toFixed(1)} µs/msg`,
    `scavenges ${(row.gc.scavenges * perK).toFixed(2)}/1k msgs (${(row.gc.scavengeMs * perK).toFixed(2)} ms/1k)`,
    `mark-compacts ${row.gc.markCompacts} (${row.gc.markCompactMs.toFixed(1)} ms)`, `rss ${row.rssMiB.toFixed(1)} MiB`,
  ].join("  "));
}

let parsed;
try {
  parsed = parseArgs({ options: {
  configs: { type: "string", default: "--max-semi-space-size=2;--max-semi-space-size=4;--max-semi-space-size=8;default" }, n: { type: "string", default: "100000" }, rounds: { type: "string", default: "2" },
  "flush-disk-type": { type: "string", default: "ASYNC_FLUSH" },
  } });
} catch (error) {
  fail(`${(error as Error).message.split("\n")[0] ?? ""} (usage: --configs="A;B;default" --n N --rounds R --flush-disk-type ASYNC_FLUSH|SYNC_FLUSH)`);
}
const values = parsed.values;
const configs = values.configs.split(";").map((config) => config.trim()).filter((config) => config !== "");
for (const config of configs) {
  const problem = config === "default" ? null : serverNodeArgsProblem({ MQLAB_NODE_OPTIONS: config });
  if (problem !== null) fail(`--configs: ${problem}`);
}
if (!/^[1-9]\d*$/.test(values.n) || !/^[1-9]\d*$/.test(values.rounds)) fail("--n and --rounds must be positive integers");
const flushDiskType = values["flush-disk-type"];
if (flushDiskType !== "ASYNC_FLUSH" && flushDiskType !== "SYNC_FLUSH") fail("--flush-disk-type must be ASYNC_FLUSH or SYNC_FLUSH");
const env = createRealEnv({ nodeName: "flags-bench", logLevel: "warn" });
const rows: Row[] = [];
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const config of configs) {
      const row = await measureOne(env, config, round, Number(values.n));
      print(row, Number(values.n));
      rows.push(row);
    }
  }
} finally {
  env.close();
}
console.log(JSON.stringify({ bench: "server-flags", n: Number(values.n), flushDiskType, rows }));
