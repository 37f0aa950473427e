// Store benchmark on the real Env in a temp dir. Prints plain "name value unit" lines:
// - append throughput of 1 KiB messages, ASYNC_FLUSH (one putter) and SYNC_FLUSH (1, 16, 64
//   concurrent putters, where group commit matters); SYNC_FLUSH with 16 and 64 putters also
//   with readUnCommitted=true (RocketMQ 4.9.7: dispatch at append, not after the fsync), so
//   the cost of bounding visibility by durability shows as the difference;
// - memory of a broker-like process (issue 15): a child process started with the broker's node
//   flags (MQLAB_NODE_OPTIONS, MQLAB_SERVER_NODE_ARGS; system/cli/server_node_args.ts) runs the
//   store on the real Env, fills one queue with 1 000 000 × 1 KiB messages and reads it twice;
//   RSS, heap, external, array buffers and V8 space sizes when empty, during and after the fill
//   and after each read pass (store_memory.ts), then the verdict against the issue's target.
// Ends with one JSON line: {"bench":"store", throughput, memory: the child's report, rssAboveEmptyMiB}.
// Run: npx node --expose-gc --import tsx chaos/bench/store_bench.ts [--million-count N] [--memory-only]

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serverNodeArgs } from "../../system/cli/index.ts";
import { createRealEnv } from "../../system/env/real/index.ts";
import type { MessageExtBrokerInner } from "../../system/message/index.ts";
import { DefaultMessageStore, defaultStoreConfig } from "../../system/store/index.ts";
import type { StoreConfig } from "../../system/store/index.ts";
import { memoryTargetMiB, parseMemoryReport, rssAboveEmpty, sampleLines, sampleMemory } from "./store_memory.ts";
import type { MemoryReport, MemorySample } from "./store_memory.ts";

const env = createRealEnv({ nodeName: "store-bench", logLevel: "warn" });

function message(body: Uint8Array, index: number): MessageExtBrokerInner {
  return {
    topic: "BenchTopic", queueId: 0, flag: 0, body, sysFlag: 0, bornTimestamp: Date.now(),
    properties: new Map([["KEYS", `k${index}`], ["TAGS", "bench"]]),
    bornHost: "127.0.0.1:40000", storeHost: "127.0.0.1:10911", reconsumeTimes: 0, preparedTransactionOffset: 0,
  };
}

function line(name: string, value: number | string, unit = ""): void {
  console.log(`${name} ${typeof value === "number" ? value.toFixed(2) : value}${unit ? ` ${unit}` : ""}`);
}

async function withStore<T>(overrides: Partial<StoreConfig>, run: (store: DefaultMessageStore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-bench-"));
  const store = new DefaultMessageStore(env, { ...defaultStoreConfig(dir), ...overrides });
  if (!store.load()) throw new Error("store load failed");
  store.start();
  try {
    return await run(store);
  } finally {
    await store.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** msgs/s of every throughput case, for the JSON line. */
const throughput: Record<string, number> = {};

async function appendThroughput(name: string, flushDiskType: StoreConfig["flushDiskType"], putters: number, total: number, readUnCommitted = false): Promise<void> {
  const body = new Uint8Array(1024).fill(7);
  await withStore({ flushDiskType, readUnCommitted }, async (store) => {
    let next = 0;
    let failed = 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({ length: putters }, async () => {
      while (next < total) {
        const index = next++;
        const result = await store.putMessage(message(body, index));
        if (result.status !== "PUT_OK") failed++;
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    const bytes = store.getMaxPhyOffset();
    line(`${name}.msgs_per_s`, total / seconds);
    line(`${name}.mb_per_s`, bytes / seconds / (1024 * 1024));
    line(`${name}.failed`, failed, "msgs");
    throughput[`${name}.msgs_per_s`] = total / seconds;
    const cpu = process.cpuUsage(cpuBefore);
    line(`${name}.cpu_per_msg`, (cpu.user + cpu.system) / total, "us");
    throughput[`${name}.cpu_per_msg_us`] = (cpu.user + cpu.system) / total;
  });
}

/** The child: fill one queue, read it twice, sample memory at each step, print the report. */
async function memoryChild(count: number): Promise<void> {
  // 1 KiB bodies, as in the performance issue's "1,000,000 × 1 KiB in one queue".
  const body = new Uint8Array(1024).fill(1);
  const samples: MemorySample[] = [sampleMemory("before_store")];
  let writeMsgsPerS = 0;
  await withStore({ flushDiskType: "ASYNC_FLUSH" }, async (store) => {
    samples.push(sampleMemory("empty"));
    const started = performance.now();
    const quarter = Math.max(1, Math.floor(count / 4));
    for (let index = 0; index < count; index++) {
      await store.putMessage(message(body, index));
      if ((index + 1) % quarter === 0 && index + 1 < count) samples.push(sampleMemory(`written_${index + 1}`));
    }
    writeMsgsPerS = count / ((performance.now() - started) / 1000);
    if (store.getMaxOffsetInQueue("BenchTopic", 0) !== count) throw new Error("the queue does not hold every message");
    samples.push(sampleMemory("written"));
    for (const pass of [1, 2]) {
      let read = 0;
      for (let offset = 0; offset < count;) {
        const result = store.getMessage("bench", "BenchTopic", 0, offset, 32, undefined, true);
        read += result.messages.length;
        offset = result.nextBeginOffset;
      }
      if (read !== count) throw new Error(`read pass ${pass} read ${read} of ${count}`);
      samples.push(sampleMemory(`read_pass_${pass}`));
    }
  });
  const report: MemoryReport = { bench: "store-memory", nodeArgs: process.execArgv, messageCount: count, writeMsgsPerS, samples };
  console.log(JSON.stringify(report));
}

/** Runs the child under the broker's node flags and prints what it measured. */
function memoryInBrokerProcess(count: number): { report: MemoryReport; aboveEmpty: Record<string, number> } {
  const self = fileURLToPath(import.meta.url);
  const nodeArgs = [...serverNodeArgs(process.env), "--expose-gc", "--import", "tsx"];
  const child = spawnSync(process.execPath, [...nodeArgs, self, "--memory-child", "--million-count", String(count)], {
    encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`the memory child exited with ${String(child.status ?? child.signal)}`);
  const report = parseMemoryReport(child.stdout);
  const aboveEmpty = rssAboveEmpty(report);
  line("million.node_args", report.nodeArgs.join(" "));
  line("million.write_msgs_per_s", report.writeMsgsPerS);
  for (const sample of report.samples) for (const text of sampleLines(sample, aboveEmpty[sample.label] ?? NaN)) console.log(text);
  const worst = Math.max(...report.samples.filter((sample) => sample.label !== "before_store").map((sample) => aboveEmpty[sample.label] ?? NaN));
  line("million.rss_above_empty_max", worst, "MiB");
  line("million.target", `${worst < memoryTargetMiB ? "met" : "missed"} (< ${memoryTargetMiB} MiB above empty)`);
  return { report, aboveEmpty };
}

function optionValue(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`store_bench: ${name} wants a positive integer`);
    process.exit(2);
  }
  return value;
}

const millionCount = optionValue("--million-count", 1_000_000);
if (process.argv.includes("--memory-child")) {
  await memoryChild(millionCount);
} else {
  line("node", process.version);
  if (!process.argv.includes("--memory-only")) {
    await appendThroughput("async_flush.putters_1", "ASYNC_FLUSH", 1, 100_000);
    await appendThroughput("sync_flush.putters_1", "SYNC_FLUSH", 1, 2_000);
    await appendThroughput("sync_flush.putters_16", "SYNC_FLUSH", 16, 20_000);
    await appendThroughput("sync_flush.putters_64", "SYNC_FLUSH", 64, 50_000);
    await appendThroughput("sync_flush_read_uncommitted.putters_16", "SYNC_FLUSH", 16, 20_000, true);
    await appendThroughput("sync_flush_read_uncommitted.putters_64", "SYNC_FLUSH", 64, 50_000, true);
  }
  const { report, aboveEmpty } = memoryInBrokerProcess(millionCount);
  console.log(JSON.stringify({ bench: "store", throughput, memory: report, rssAboveEmptyMiB: aboveEmpty }));
}
env.close();
