// End-to-end benchmark on real processes: mqnamesrv and mqbroker run as OS processes (ASYNC_FLUSH,
// ASYNC_MASTER defaults); one Producer and one PushConsumer (clustering) run in this process.
// 1 KiB messages; the first 8 bytes of each body carry the send start time (performance.now()),
// so end-to-end latency = consume time − send start, with sub-millisecond precision.
// Phases:
//   throughput — send `--messages` messages with `--inflight` concurrent sync sends while the
//                consumer drains; report produce and consume rates;
//   latency    — send at a fixed `--rate` for `--seconds`; report send RTT and end-to-end
//                latency p50/p90/p99/max.
// `--conf key=value,...` adds broker.conf lines (e.g. flushDiskType=SYNC_FLUSH,readUnCommitted=true).
// Prints plain "name value unit" lines. Run: npx node --import tsx chaos/bench/e2e_bench.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freeBrokerPort, killAll, startBroker, startNamesrv, writeBrokerConf } from "../../system/cli/testing/processes.ts";
import { AdminClient, PushConsumer, Producer } from "../../system/client/index.ts";
import { createRealEnv } from "../../system/env/real/index.ts";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "50000" },
    inflight: { type: "string", default: "64" },
    size: { type: "string", default: "1024" },
    queues: { type: "string", default: "8" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "5" },
    conf: { type: "string", default: "" },
  },
});
const confLines = Object.fromEntries(args.conf.split(",").filter((item) => item.includes("=")).map((item) => {
  const at = item.indexOf("=");
  return [item.slice(0, at).trim(), item.slice(at + 1).trim()];
}));
const messageCount = Number(args.messages);
const inflight = Number(args.inflight);
const sizeBytes = Number(args.size);
const queueCount = Number(args.queues);
const rate = Number(args.rate);
const seconds = Number(args.seconds);

function line(name: string, value: number | string, unit = ""): void {
  console.log(`${name} ${typeof value === "number" ? value.toFixed(2) : value}${unit ? ` ${unit}` : ""}`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function body(): Uint8Array {
  const bytes = new Uint8Array(sizeBytes);
  new DataView(bytes.buffer).setFloat64(0, performance.now(), false);
  return bytes;
}

const sentAt = (bytes: Uint8Array): number => new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, false);

const dir = mkdtempSync(join(tmpdir(), "mqlab-e2e-bench-"));
const env = createRealEnv({ nodeName: "e2e-bench", logLevel: "warn" });
try {
  const namesrv = await startNamesrv(dir);
  const namesrvAddr = `127.0.0.1:${namesrv.port}`;
  const port = await freeBrokerPort();
  await startBroker(writeBrokerConf(dir, port, { namesrvAddr, mapedFileSizeCommitLog: 128 * 1024 * 1024, ...confLines }));
  const admin = new AdminClient(env, { namesrvAddr });
  admin.start();
  await admin.createTopic({ topic: "BenchE2E", clusterName: "DefaultCluster", readQueueNums: queueCount, writeQueueNums: queueCount });
  admin.shutdown();

  const e2eMs: number[] = [];
  let consumed = 0;
  let recording = false;
  const consumer = new PushConsumer(env, {
    namesrvAddr, consumerGroup: "BenchGroup", consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET", heartbeatFirstDelayMs: 100,
  });
  consumer.subscribe("BenchE2E", "*");
  consumer.registerMessageListenerConcurrently(async (messages) => {
    const now = performance.now();
    for (const message of messages) {
      consumed++;
      if (recording) e2eMs.push(now - sentAt(message.body));
    }
    return "CONSUME_SUCCESS";
  });
  await consumer.start();
  while (consumer.assignedQueues().filter((mq) => mq.topic === "BenchE2E").length < queueCount) await new Promise((r) => setTimeout(r, 20));

  const producer = new Producer(env, { namesrvAddr, producerGroup: "BenchProducer" });
  await producer.start();
  const waitConsumed = async (target: number): Promise<void> => {
    while (consumed < target) await new Promise((r) => setTimeout(r, 5));
  };

  // Warm-up (JIT, connections, page cache).
  for (let i = 0; i < 2000; i++) await producer.send({ topic: "BenchE2E", body: body() });
  await waitConsumed(2000);

  // Throughput.
  const base = consumed;
  const startMs = performance.now();
  let next = 0;
  const sender = async (): Promise<void> => {
    while (next < messageCount) {
      next++;
      await producer.send({ topic: "BenchE2E", body: body() });
    }
  };
  await Promise.all([...Array(inflight).keys()].map(() => sender()));
  const producedMs = performance.now() - startMs;
  await waitConsumed(base + messageCount);
  const drainedMs = performance.now() - startMs;
  line("e2e.messages", messageCount, "msgs");
  line("e2e.message_size", sizeBytes, "bytes");
  line("e2e.inflight_sends", inflight, "");
  line("e2e.produce_throughput", messageCount / (producedMs / 1000), "msgs/s");
  line("e2e.produce_throughput_bytes", (messageCount * sizeBytes) / (producedMs / 1000) / 1024 / 1024, "MiB/s");
  line("e2e.consume_throughput", messageCount / (drainedMs / 1000), "msgs/s");

  // Latency at a fixed rate.
  const sendRttMs: number[] = [];
  recording = true;
  const total = rate * seconds;
  const latencyBase = consumed;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const started = performance.now();
    pending.push(producer.send({ topic: "BenchE2E", body: body() }).then(() => {
      sendRttMs.push(performance.now() - started);
    }));
  }
  await Promise.all(pending);
  await waitConsumed(latencyBase + total);
  recording = false;
  const e2eSorted = [...e2eMs].sort((a, b) => a - b);
  const rttSorted = [...sendRttMs].sort((a, b) => a - b);
  line("e2e.latency_rate", rate, "msgs/s");
  line("e2e.send_rtt_p50", percentile(rttSorted, 50), "ms");
  line("e2e.send_rtt_p99", percentile(rttSorted, 99), "ms");
  line("e2e.latency_p50", percentile(e2eSorted, 50), "ms");
  line("e2e.latency_p90", percentile(e2eSorted, 90), "ms");
  line("e2e.latency_p99", percentile(e2eSorted, 99), "ms");
  line("e2e.latency_max", e2eSorted[e2eSorted.length - 1] ?? NaN, "ms");

  await producer.shutdown();
  await consumer.shutdown();
} finally {
  env.close();
  killAll();
  rmSync(dir, { recursive: true, force: true });
}
