// Store benchmark on the real Env in a temp dir. Prints plain "name value unit" lines:
// - append throughput of 1 KiB messages, ASYNC_FLUSH (one putter) and SYNC_FLUSH (1, 16, 64
//   concurrent putters, where group commit matters); SYNC_FLUSH with 16 and 64 putters also
//   with readUnCommitted=true (RocketMQ 4.9.7: dispatch at append, not after the fsync), so
//   the cost of bounding visibility by durability shows as the difference;
// - RSS and heap while one queue holds 1 000 000 messages, and after reading through them.
// Run: npx node --expose-gc --import tsx chaos/bench/store_bench.ts [--million-count N]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealEnv } from "../../system/env/real/index.ts";
import type { MessageExtBrokerInner } from "../../system/message/index.ts";
import { DefaultMessageStore, defaultStoreConfig } from "../../system/store/index.ts";
import type { StoreConfig } from "../../system/store/index.ts";

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
    const cpu = process.cpuUsage(cpuBefore);
    line(`${name}.cpu_per_msg`, (cpu.user + cpu.system) / total, "us");
  });
}

/** Every memory sample, printed as JSON at the end (`just bench-all` collects it). */
const samples: Record<string, { rssMiB: number; heapUsedMiB: number }> = {};

function memory(label: string): void {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  samples[label] = { rssMiB: usage.rss / (1024 * 1024), heapUsedMiB: usage.heapUsed / (1024 * 1024) };
  line(`${label}.rss`, usage.rss / (1024 * 1024), "MiB");
  line(`${label}.heap_used`, usage.heapUsed / (1024 * 1024), "MiB");
  line(`${label}.external`, usage.external / (1024 * 1024), "MiB");
}

async function millionInOneQueue(count: number): Promise<void> {
  // 1 KiB bodies, as in the performance issue's "1,000,000 × 1 KiB in one queue".
  const body = new Uint8Array(1024).fill(1);
  memory("million.before");
  await withStore({ flushDiskType: "ASYNC_FLUSH" }, async (store) => {
    memory("million.empty");
    const started = performance.now();
    for (let index = 0; index < count; index++) {
      await store.putMessage(message(body, index));
      if ((index + 1) % Math.floor(count / 4) === 0) memory(`million.written_${index + 1}`);
    }
    line("million.write_msgs_per_s", count / ((performance.now() - started) / 1000));
    line("million.queue_max_offset", store.getMaxOffsetInQueue("BenchTopic", 0), "msgs");
    memory("million.written");
    for (const pass of [1, 2]) {
      const readStarted = performance.now();
      let read = 0;
      for (let offset = 0; offset < store.getMaxOffsetInQueue("BenchTopic", 0);) {
        const result = store.getMessage("bench", "BenchTopic", 0, offset, 32, undefined, true);
        read += result.messages.length;
        offset = result.nextBeginOffset;
      }
      line(`million.read_pass_${pass}.msgs_per_s`, read / ((performance.now() - readStarted) / 1000));
      line(`million.read_pass_${pass}.msgs`, read);
      memory(`million.read_pass_${pass}`);
    }
  });
}

const millionArg = process.argv.indexOf("--million-count");
const millionCount = millionArg > 0 ? Number(process.argv[millionArg + 1]) : 1_000_000;
line("node", process.version);
await appendThroughput("async_flush.putters_1", "ASYNC_FLUSH", 1, 100_000);
await appendThroughput("sync_flush.putters_1", "SYNC_FLUSH", 1, 2_000);
await appendThroughput("sync_flush.putters_16", "SYNC_FLUSH", 16, 20_000);
await appendThroughput("sync_flush.putters_64", "SYNC_FLUSH", 64, 50_000);
await appendThroughput("sync_flush_read_uncommitted.putters_16", "SYNC_FLUSH", 16, 20_000, true);
await appendThroughput("sync_flush_read_uncommitted.putters_64", "SYNC_FLUSH", 64, 50_000, true);
await millionInOneQueue(millionCount);
const empty = samples["million.empty"]?.rssMiB ?? NaN;
for (const label of ["million.written", "million.read_pass_1", "million.read_pass_2"]) {
  line(`${label}.rss_above_empty`, (samples[label]?.rssMiB ?? NaN) - empty, "MiB");
}
console.log(JSON.stringify({ bench: "store", samples }));
env.close();
