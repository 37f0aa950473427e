// Index cost per message on the real disk (issue 15): puts 1 KiB messages with a UNIQ_KEY each
// (what a broker indexes for every message), 256 in flight per turn, ASYNC_FLUSH, default
// index geometry (5,000,000 slots). Counts pwrite/pread calls per store area through a
// CountingDisk, and CPU time per message (process.cpuUsage), which load on a shared machine
// changes far less than throughput. Prints "name value unit" lines and one JSON line.
// Run: npx node --import tsx chaos/bench/index_bench.ts [--count N]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealEnv } from "../../system/env/real/index.ts";
import type { MessageExtBrokerInner } from "../../system/message/index.ts";
import { DefaultMessageStore, defaultStoreConfig } from "../../system/store/index.ts";
import { CountingDisk } from "../../system/store/testing/counting_disk.ts";

const IN_FLIGHT = 256;
const countArg = process.argv.indexOf("--count");
const total = countArg > 0 ? Number(process.argv[countArg + 1]) : 100_000;
const realEnv = createRealEnv({ nodeName: "index-bench", logLevel: "warn" });
const disk = new CountingDisk(realEnv.disk);
const env = { ...realEnv, disk };
const body = new Uint8Array(1024).fill(3);

function message(index: number): MessageExtBrokerInner {
  const uniqKey = `7F0000010001${index.toString(16).padStart(20, "0")}`;
  return {
    topic: "BenchTopic", queueId: index % 8, flag: 0, body, sysFlag: 0, bornTimestamp: Date.now(),
    properties: new Map([["UNIQ_KEY", uniqKey], ["TAGS", "bench"]]),
    bornHost: "127.0.0.1:40000", storeHost: "127.0.0.1:10911", reconsumeTimes: 0, preparedTransactionOffset: 0,
  };
}

function line(name: string, value: number): void {
  console.log(`${name} ${value.toFixed(3)}`);
}

/** Puts `count` messages from `first` and prints the per-message costs under `phase`. */
async function measure(phase: string, store: DefaultMessageStore, first: number, count: number): Promise<Record<string, number>> {
  const before = { index: disk.snapshot("index"), commitlog: disk.snapshot("commitlog"), cpu: process.cpuUsage() };
  let failed = 0;
  for (let sent = 0; sent < count; sent += IN_FLIGHT) {
    const turn = Array.from({ length: Math.min(IN_FLIGHT, count - sent) }, (_, at) => store.putMessage(message(first + sent + at)));
    for (const result of await Promise.all(turn)) if (result.status !== "PUT_OK") failed++;
  }
  const cpu = process.cpuUsage(before.cpu);
  const index = disk.snapshot("index");
  const commitlog = disk.snapshot("commitlog");
  const result = {
    failed,
    cpuUsPerMsg: (cpu.user + cpu.system) / count,
    indexWritesPerMsg: (index.writes - before.index.writes) / count,
    indexReadsPerMsg: (index.reads - before.index.reads) / count,
    indexBytesPerMsg: (index.writtenBytes - before.index.writtenBytes) / count,
    commitLogWritesPerMsg: (commitlog.writes - before.commitlog.writes) / count,
  };
  for (const [name, value] of Object.entries(result)) line(`index_bench.${phase}.${name}`, value);
  const flushBefore = disk.snapshot("index");
  await store.flushConsumeQueues(true);
  line(`index_bench.${phase}.checkpoint_index_writes`, disk.counts.index.writes - flushBefore.writes);
  line(`index_bench.${phase}.checkpoint_index_bytes`, disk.counts.index.writtenBytes - flushBefore.writtenBytes);
  return result;
}

function openStore(dir: string): DefaultMessageStore {
  const store = new DefaultMessageStore(env, { ...defaultStoreConfig(dir), flushDiskType: "ASYNC_FLUSH" });
  if (!store.load()) throw new Error("store load failed");
  store.start();
  return store;
}

const dir = mkdtempSync(join(tmpdir(), "mqlab-index-bench-"));
line("index_bench.messages_per_phase", total);
const fresh = openStore(dir);
const freshResult = await measure("fresh_file", fresh, 0, total);
await fresh.shutdown();
// A restarted broker appends to the index file it opened from disk (the strace in issue 15).
const reopened = openStore(dir);
const reopenedResult = await measure("reopened_file", reopened, total, total);
await reopened.shutdown();
console.log(JSON.stringify({ bench: "index", messagesPerPhase: total, fresh: freshResult, reopened: reopenedResult }));
rmSync(dir, { recursive: true, force: true });
realEnv.close();
