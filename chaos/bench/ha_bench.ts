// Replication benchmark on real processes (loopback): mqnamesrv, a master and its slave run as
// OS processes (ASYNC_FLUSH everywhere, so the disk is not what is measured); one Producer runs
// in this process. 1 KiB messages. For ASYNC_MASTER and then SYNC_MASTER:
//   throughput — `--messages` sends with `--inflight` concurrent sync sends; produce rate, and
//                how long after the last ack the slave holds every byte (replication lag);
//   latency    — a fixed `--rate` for `--seconds`; send RTT p50/p99. SYNC − ASYNC is what
//                waiting for the slave adds to a send.
// Then catch-up: the master takes `--catchup-mib` MiB with no slave attached; a fresh slave
// starts and the time until it holds everything gives the HA transfer rate.
// Prints plain "name value unit" lines. Run: npx node --import tsx chaos/bench/ha_bench.ts
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freeHaBrokerPort, killAll, startBroker, startNamesrv, writeBrokerConf } from "../../system/cli/testing/processes.ts";
import { AdminClient, Producer } from "../../system/client/index.ts";
import { createRealEnv } from "../../system/env/real/index.ts";
import type { RealEnv } from "../../system/env/real/index.ts";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "20000" },
    inflight: { type: "string", default: "64" },
    size: { type: "string", default: "1024" },
    rate: { type: "string", default: "500" },
    seconds: { type: "string", default: "5" },
    "catchup-mib": { type: "string", default: "256" },
  },
});
const messageCount = Number(args.messages);
const inflight = Number(args.inflight);
const sizeBytes = Number(args.size);
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const catchupMiB = Number(args["catchup-mib"]);

function line(name: string, value: number | string, unit = ""): void {
  console.log(`${name} ${typeof value === "number" ? value.toFixed(2) : value}${unit ? ` ${unit}` : ""}`);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));


interface Pair {
  admin: AdminClient;
  producer: Producer;
  masterAddr: string;
  slaveAddr: string;
  /** SIGKILLs the pair's broker processes. */
  kills: (() => void)[];
}

async function maxOffset(admin: AdminClient, addr: string): Promise<number> {
  return Number((await admin.brokerStatus(addr)).get("commitLogMaxOffset") ?? "-1");
}

/** Waits until the slave's commit log reaches the master's; returns the wait in ms. */
async function waitReplicated(admin: AdminClient, masterAddr: string, slaveAddr: string, timeoutMs = 120_000): Promise<number> {
  const target = await maxOffset(admin, masterAddr);
  const start = performance.now();
  while ((await maxOffset(admin, slaveAddr)) < target) {
    if (performance.now() - start > timeoutMs) throw new Error(`slave ${slaveAddr} did not reach ${target} in ${timeoutMs} ms`);
    await sleep(2);
  }
  return performance.now() - start;
}

async function startPair(env: RealEnv, dir: string, role: "ASYNC_MASTER" | "SYNC_MASTER", namesrvAddr: string, withSlave: boolean): Promise<Pair> {
  const common = { namesrvAddr, registerNameServerPeriod: 2000, mapedFileSizeCommitLog: 512 * 1024 * 1024, brokerName: `broker-${role.toLowerCase()}` };
  const masterPort = await freeHaBrokerPort();
  const master = await startBroker(writeBrokerConf(dir, masterPort, { ...common, brokerRole: role }));
  const admin = new AdminClient(env, { namesrvAddr });
  admin.start();
  const pair: Pair = {
    admin, producer: new Producer(env, { namesrvAddr, producerGroup: `Bench${role}` }), masterAddr: `127.0.0.1:${masterPort}`, slaveAddr: "",
    kills: [() => master.child.kill("SIGKILL")],
  };
  if (withSlave) await attachSlave(dir, pair, common);
  // Only on this pair's master: the other pair's brokers share the cluster and NameServer.
  await admin.createTopic({ topic: `BenchHA_${role}`, brokerAddr: pair.masterAddr, readQueueNums: 8, writeQueueNums: 8 });
  await pair.producer.start();
  return pair;
}

async function attachSlave(dir: string, pair: Pair, common: Record<string, string | number>): Promise<void> {
  const slavePort = await freeHaBrokerPort();
  const slave = await startBroker(writeBrokerConf(dir, slavePort, { ...common, brokerId: 1, brokerRole: "SLAVE" }));
  pair.slaveAddr = `127.0.0.1:${slavePort}`;
  pair.kills.push(() => slave.child.kill("SIGKILL"));
  for (;;) {
    const status = await pair.admin.brokerStatus(pair.slaveAddr).catch(() => undefined);
    if (status?.get("haClientConnected") === "true") break;
    await sleep(20);
  }
}

async function throughputAndLatency(env: RealEnv, dir: string, role: "ASYNC_MASTER" | "SYNC_MASTER", namesrvAddr: string): Promise<number[]> {
  const pair = await startPair(env, dir, role, namesrvAddr, true);
  const tag = role === "SYNC_MASTER" ? "sync" : "async";
  const topic = `BenchHA_${role}`;
  const body = new Uint8Array(sizeBytes);
  const statuses = new Map<string, number>();
  const send = async (): Promise<void> => {
    const result = await pair.producer.send({ topic, body });
    statuses.set(result.sendStatus, (statuses.get(result.sendStatus) ?? 0) + 1);
  };
  for (let i = 0; i < 2000; i++) await send(); // warm-up: JIT, connections, page cache
  let next = 0;
  const startMs = performance.now();
  await Promise.all([...Array(inflight).keys()].map(async () => {
    while (next < messageCount) {
      next++;
      await send();
    }
  }));
  const producedMs = performance.now() - startMs;
  const lagMs = await waitReplicated(pair.admin, pair.masterAddr, pair.slaveAddr);
  line(`ha.${tag}.produce_throughput`, messageCount / (producedMs / 1000), "msgs/s");
  line(`ha.${tag}.produce_throughput_bytes`, (messageCount * sizeBytes) / (producedMs / 1000) / 1024 / 1024, "MiB/s");
  line(`ha.${tag}.replication_lag_after_last_ack`, lagMs, "ms");
  const rttMs: number[] = [];
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < rate * seconds; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    const started = performance.now();
    pending.push(send().then(() => {
      rttMs.push(performance.now() - started);
    }));
  }
  await Promise.all(pending);
  const sorted = [...rttMs].sort((a, b) => a - b);
  line(`ha.${tag}.send_rtt_p50`, percentile(sorted, 50), "ms");
  line(`ha.${tag}.send_rtt_p99`, percentile(sorted, 99), "ms");
  line(`ha.${tag}.send_status`, [...statuses].map(([status, count]) => `${status}=${count}`).join(","));
  await stopPair(pair);
  return [percentile(sorted, 50), percentile(sorted, 99)];
}

async function catchUp(env: RealEnv, dir: string, namesrvAddr: string): Promise<void> {
  const pair = await startPair(env, dir, "ASYNC_MASTER", namesrvAddr, false);
  // Random bytes: the producer would compress a zero body (compressMsgBodyOverHowmuch 4 KiB).
  const body = randomBytes(64 * 1024);
  const count = Math.ceil((catchupMiB * 1024 * 1024) / body.length);
  let next = 0;
  await Promise.all([...Array(16).keys()].map(async () => {
    while (next < count) {
      next++;
      await pair.producer.send({ topic: "BenchHA_ASYNC_MASTER", body });
    }
  }));
  const bytes = await maxOffset(pair.admin, pair.masterAddr);
  const startMs = performance.now();
  await attachSlave(dir, pair, { namesrvAddr, registerNameServerPeriod: 2000, mapedFileSizeCommitLog: 512 * 1024 * 1024, brokerName: "broker-async_master" });
  const waitedMs = await waitReplicated(pair.admin, pair.masterAddr, pair.slaveAddr, 600_000);
  const totalMs = performance.now() - startMs;
  line("ha.catchup_bytes", bytes / 1024 / 1024, "MiB");
  line("ha.catchup_seconds", totalMs / 1000, "s (slave start included)");
  line("ha.catchup_throughput", bytes / 1024 / 1024 / (totalMs / 1000), "MiB/s");
  line("ha.catchup_after_connect", waitedMs / 1000, "s");
  await stopPair(pair);
}

async function stopPair(pair: Pair): Promise<void> {
  await pair.producer.shutdown();
  pair.admin.shutdown();
  for (const kill of pair.kills) kill();
}

const dir = mkdtempSync(join(tmpdir(), "mqlab-ha-bench-"));
const env = createRealEnv({ nodeName: "ha-bench", logLevel: "warn" });
const cpuStart = process.cpuUsage();
try {
  const namesrv = await startNamesrv(dir);
  const namesrvAddr = `127.0.0.1:${namesrv.port}`;
  line("ha.message_size", sizeBytes, "bytes");
  line("ha.inflight_sends", inflight, "");
  line("ha.latency_rate", rate, "msgs/s");
  const [asyncP50, asyncP99] = await throughputAndLatency(env, dir, "ASYNC_MASTER", namesrvAddr);
  const [syncP50, syncP99] = await throughputAndLatency(env, dir, "SYNC_MASTER", namesrvAddr);
  line("ha.sync_added_send_latency_p50", syncP50! - asyncP50!, "ms");
  line("ha.sync_added_send_latency_p99", syncP99! - asyncP99!, "ms");
  await catchUp(env, dir, namesrvAddr);
  const cpu = process.cpuUsage(cpuStart);
  line("ha.bench_process_cpu", (cpu.user + cpu.system) / 1e6, "s (this process; brokers are children)");
} finally {
  env.close();
  killAll();
  rmSync(dir, { recursive: true, force: true });
}
