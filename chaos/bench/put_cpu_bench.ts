// `just bench-put-cpu`: the broker's CPU cost per published message, the figure that does not
// depend on how busy the machine is. A real mqnamesrv and mqbroker (ASYNC_FLUSH, 1 KiB bodies,
// a window of 256 sends in flight from this process's Producer, as bench-peers publishes);
// the broker's user+system CPU from /proc/<pid>/stat over the measured sends, divided by the
// messages. With --profile DIR the broker runs with --cpu-prof (written at its graceful exit)
// and the top functions by self time during the measured sends are printed. The client side is
// measured too: this process's CPU (process.cpuUsage) over the same sends, per message, and with
// --client-profile its own top functions (node:inspector's profiler, started and stopped around
// the measured sends). --serialize-type ROCKETMQ runs the producer with binary headers;
// --flush-disk-type SYNC_FLUSH measures the broker with group commit (bench-peers' SYNC row).
// --client-allocations prints the client's allocation sites by bytes a message (V8's sampling heap
// profiler, scavenged objects included); --broker-allocations the broker's (heap_sampling_preload.ts,
// sampled over the measured sends only). The producer's process runs under bench_node_args.ts'
// flags (MQLAB_BENCH_CLIENT_NODE_OPTIONS="" for Node's defaults).
// Run: npx node --import tsx chaos/bench/put_cpu_bench.ts [--n N] [--profile DIR] [--client-profile] [--client-allocations]
//      [--broker-allocations] [--top K]
//      [--serialize-type JSON|ROCKETMQ] [--flush-disk-type ASYNC_FLUSH|SYNC_FLUSH]
import { Session } from "node:inspector/promises";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  freeBrokerPort, killAll, spawnCli, startNamesrv, waitFor, writeBrokerConf,
} from "../../system/cli/testing/processes.ts";
import { AdminClient, Producer } from "../../system/client/index.ts";
import { createRealEnv } from "../../system/env/real/index.ts";
import { processCpuSeconds, runWindow } from "./peers/drivers.ts";
import { reexecWithBenchClientNodeArgs } from "./bench_node_args.ts";

function fail(message: string): never {
  console.error(`bench-put-cpu: ${message}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({ options: {
    n: { type: "string", default: "100000" }, window: { type: "string", default: "256" },
    profile: { type: "string", default: "" }, top: { type: "string", default: "30" },
    "client-profile": { type: "boolean", default: false }, "client-allocations": { type: "boolean", default: false },
    "broker-allocations": { type: "boolean", default: false }, "serialize-type": { type: "string", default: "JSON" },
    "flush-disk-type": { type: "string", default: "ASYNC_FLUSH" },
  } });
} catch (error) {
  fail((error as Error).message);
}
const args = parsed.values;
for (const name of ["n", "window", "top"] as const) if (!/^[1-9]\d*$/.test(args[name])) fail(`--${name} must be a positive integer`);
const total = Number(args.n);
const serializeType = args["serialize-type"];
if (serializeType !== "JSON" && serializeType !== "ROCKETMQ") fail("--serialize-type must be JSON or ROCKETMQ");
const flushDiskType = args["flush-disk-type"];
if (flushDiskType !== "ASYNC_FLUSH" && flushDiskType !== "SYNC_FLUSH") fail("--flush-disk-type must be ASYNC_FLUSH or SYNC_FLUSH");
// The producer runs in this process, under the flags bench-peers gives its clients.
const clientNodeArgs = reexecWithBenchClientNodeArgs("bench-put-cpu");
/** Absolute: the broker runs in the repository root, maybe not where this was started. */
const profileDir = args.profile === "" ? "" : resolve(args.profile);

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number }

/** Monotonic µs, the clock V8 stamps profile samples with (CLOCK_MONOTONIC on Linux). */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Top functions by self time in the broker's main-thread profile in dir (the biggest one; the
 * tsx loader thread writes a small one), as a share of the busy (non-idle) samples.
 */
function topSelf(dir: string, count: number, fromUs: number, toUs: number): string[] {
  const files = readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"));
  const file = files.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
  if (file === undefined) return ["(no profile written)"];
  return topSelfOf(JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile, count, fromUs, toUs);
}

function topSelfOf(profile: Profile, count: number, fromUs: number, toUs: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let atUs = profile.startTime;
  for (let index = 0; index < profile.samples.length; index++) {
    atUs += profile.timeDeltas[index]!;
    if (atUs < fromUs || atUs > toUs) continue;
    const frame = byId.get(profile.samples[index]!)!.callFrame;
    const key = `${frame.functionName || "(anonymous)"} ${frame.url.split("/").at(-1) ?? ""}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  self.delete("(idle) :0");
  const sampleCount = [...self.values()].reduce((sum, hits) => sum + hits, 0);
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)
    .map(([key, hits]) => `${((100 * hits) / sampleCount).toFixed(2).padStart(6)} % of busy  ${key}`);
}

interface AllocationNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: AllocationNode[];
}
interface AllocationProfile { head: AllocationNode }

/** Sampled bytes allocated by each function itself, per message, largest first. */
function topAllocations(profile: AllocationProfile, count: number, messages: number): string[] {
  const self = new Map<string, number>();
  const visit = (node: AllocationNode): void => {
    const frame = node.callFrame;
    const key = `${frame.functionName || "(anonymous)"} ${frame.url.split("/").at(-1) ?? ""}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    for (const child of node.children) visit(child);
  };
  visit(profile.head);
  const totalBytes = [...self.values()].reduce((sum, bytes) => sum + bytes, 0);
  return [`${(totalBytes / messages).toFixed(0).padStart(7)} B  in all`, ...[...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)
    .map(([key, bytes]) => `${(bytes / messages).toFixed(0).padStart(7)} B  ${key}`)];
}

const dir = mkdtempSync(join(tmpdir(), "mqlab-put-cpu-"));
const env = createRealEnv({ nodeName: "put-cpu-bench", logLevel: "warn" });
try {
  const namesrv = await startNamesrv(dir);
  const namesrvAddr = `127.0.0.1:${namesrv.port}`;
  const port = await freeBrokerPort();
  const conf = writeBrokerConf(dir, port, { namesrvAddr, flushDiskType, mapedFileSizeCommitLog: 256 * 1024 * 1024, mapedFileSizeConsumeQueue: 6_000_000 });
  const heapSampleFile = args["broker-allocations"] ? join(dir, "broker-heap-sample.json") : "";
  const nodeFlags = [
    ...(profileDir === "" ? [] : [`--cpu-prof --cpu-prof-interval=200 --cpu-prof-dir=${profileDir}`]),
    ...(heapSampleFile === "" ? [] : [`--import=${join(import.meta.dirname, "heap_sampling_preload.ts")}`]),
  ];
  const nodeOptions: Record<string, string> = nodeFlags.length === 0 ? {} : { NODE_OPTIONS: nodeFlags.join(" "), MQLAB_HEAP_SAMPLE_FILE: heapSampleFile };
  const broker = spawnCli("mqbroker", ["-c", conf], nodeOptions);
  await waitFor(() => broker.stdout().includes("boot success"), `broker boot (stderr: ${broker.stderr()})`);
  const admin = new AdminClient(env, { namesrvAddr });
  admin.start();
  await admin.createTopic({ topic: "BenchPub", clusterName: "DefaultCluster", readQueueNums: 4, writeQueueNums: 4 });
  admin.shutdown();
  const producer = new Producer(env, { namesrvAddr, producerGroup: "BenchProducer", serializeType });
  await producer.start();
  const payload = new Uint8Array(1024);
  for (let index = 0; index < payload.length; index++) payload[index] = (index * 31 + 7) & 0xff;
  const send = (): Promise<unknown> => producer.send({ topic: "BenchPub", body: payload });
  await runWindow(10_000, Number(args.window), 60, send);
  const pid = broker.child.pid;
  const session = args["client-profile"] || args["client-allocations"] ? new Session() : undefined;
  session?.connect();
  if (session !== undefined && args["client-profile"]) {
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 200 });
    await session.post("Profiler.start");
  }
  if (session !== undefined && args["client-allocations"]) {
    // Every sampled allocation, the ones scavenged since included: what the send path allocates,
    // not what survives it.
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
    });
  }
  if (heapSampleFile !== "") {
    broker.child.kill("SIGUSR2");
    await waitFor(() => broker.stdout().includes("heap sampling started"), "the broker's heap sampler to start");
  }
  const cpuBefore = processCpuSeconds(pid);
  console.error(`measuring (broker pid ${pid})`);
  const fromUs = monotonicUs();
  const clientBefore = process.cpuUsage();
  const measured = await runWindow(total, Number(args.window), 300, send);
  const clientCpu = process.cpuUsage(clientBefore);
  const toUs = monotonicUs();
  const cpuSeconds = processCpuSeconds(pid) - cpuBefore;
  const clientProfile = session === undefined || !args["client-profile"] ? undefined : (await session.post("Profiler.stop")).profile as unknown as Profile;
  const allocations = session === undefined || !args["client-allocations"]
    ? undefined : (await session.post("HeapProfiler.stopSampling")).profile as unknown as AllocationProfile;
  session?.disconnect();
  if (heapSampleFile !== "") {
    broker.child.kill("SIGUSR2");
    await waitFor(() => broker.stdout().includes("heap sample written"), "the broker's heap sample");
  }
  await producer.shutdown();
  broker.child.kill("SIGTERM");
  await broker.exit;
  const clientCpuUs = clientCpu.user + clientCpu.system;
  const result = {
    messages: measured.count, serializeType, flushDiskType, brokerCpuSeconds: cpuSeconds, brokerCpuUsPerMessage: (cpuSeconds * 1e6) / measured.count,
    clientCpuUsPerMessage: clientCpuUs / measured.count, rate: Math.round(measured.rate), clientNodeArgs,
  };
  console.log(JSON.stringify(result));
  if (profileDir !== "") {
    console.log("broker:");
    for (const line of topSelf(profileDir, Number(args.top), fromUs, toUs)) console.log(line);
  }
  if (clientProfile !== undefined) {
    console.log("client (this process):");
    for (const line of topSelfOf(clientProfile, Number(args.top), 0, Number.MAX_SAFE_INTEGER)) console.log(line);
  }
  if (heapSampleFile !== "") {
    console.log("broker allocations, bytes a message:");
    const profile = JSON.parse(readFileSync(heapSampleFile, "utf8")) as AllocationProfile;
    for (const line of topAllocations(profile, Number(args.top), measured.count)) console.log(line);
  }
  if (allocations !== undefined) {
    console.log("client (this process) allocations, bytes a message:");
    for (const line of topAllocations(allocations, Number(args.top), measured.count)) console.log(line);
  }
} finally {
  killAll();
  env.close();
  rmSync(dir, { recursive: true, force: true });
}
