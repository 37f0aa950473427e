// `just bench-peers`: mqlab (real broker process, ASYNC_FLUSH and SYNC_FLUSH) side by side with
// NATS JetStream and Redis Streams (appendfsync everysec and always) on this machine, all driven
// from this one Node process with the same budget: 1 KiB payloads, a window of 256 publishes in
// flight, sequential publishes (p50/p99), then a 200k backlog drained (pull, and push for mqlab).
// mqlab-async runs its clients with JSON headers (RocketMQ 4.x's default), mqlab-async-rocketmq
// the same with the binary ROCKETMQ headers (client option serializeType).
// Servers are installed with apt-get when missing, run on loopback ports with fresh data dirs
// and stopped afterwards. Prints one Markdown table with mqlab/peer ratios, then the JSON.
// Warm-up: --warm-n unmeasured publishes at least, then more until the rate holds steady
// (drivers.ts warmUp; the same rule for every system). Rounds (--rounds, default 2): every peer is measured once per round, odd rounds in the order
// given and even rounds in reverse. Why: on a shared 2-core box the first system measured pays
// for this process's cold JIT (mqlab's client is by far the most code) and the box's speed drifts
// by a quarter within minutes; a single pass measured mqlab ASYNC at 0.61x NATS when it ran first
// and on par with its ROCKETMQ-header twin when it ran second. Each ratio is taken within a round.
// Run: npx node --import tsx chaos/bench/peers_bench.ts [--peers nats,redis-everysec,...] [--rounds R] [--n N] [--warm-n N]
import { parseArgs } from "node:util";
import { createRealEnv } from "../../system/env/real/index.ts";
import type { Figure } from "./peers/drivers.ts";
import { benchMqlab } from "./peers/mqlab_peer.ts";
import { ensureInstalled, killAllServers, versionOf } from "./peers/peer_servers.ts";
import { benchNats, benchRedis } from "./peers/peers.ts";
import type { BenchConfig } from "./peers/peers.ts";
import { renderTable, type RoundFigure } from "./peers/report.ts";
import { reexecWithBenchClientNodeArgs } from "./bench_node_args.ts";

const ALL_PEERS = ["mqlab-async", "mqlab-async-rocketmq", "mqlab-sync", "nats", "redis-everysec", "redis-always"];

function fail(message: string): never {
  console.error(`bench-peers: ${message}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      peers: { type: "string", default: ALL_PEERS.join(",") },
      n: { type: "string", default: "100000" },
      "warm-n": { type: "string", default: "30000" },
      rounds: { type: "string", default: "2" },
      "sequential-n": { type: "string", default: "5000" },
      backlog: { type: "string", default: "200000" },
      window: { type: "string", default: "256" },
      "max-seconds": { type: "string", default: "15" },
      json: { type: "string", default: "" },
    },
  });
} catch (error) {
  fail((error as Error).message);
}
const args = parsed.values;
const peers = args.peers.split(",").filter((peer) => peer !== "");
for (const peer of peers) if (!ALL_PEERS.includes(peer)) fail(`unknown peer ${peer} (known: ${ALL_PEERS.join(", ")})`);
const numbers = ["n", "warm-n", "sequential-n", "backlog", "window", "max-seconds", "rounds"] as const;
for (const name of numbers) if (!/^[1-9]\d*$/.test(args[name])) fail(`--${name} must be a positive integer`);
// Every system's clients run in this process: under the same node flags (bench_node_args.ts).
const clientNodeArgs = reexecWithBenchClientNodeArgs("bench-peers");
console.error(`client process node flags: ${clientNodeArgs.length === 0 ? "Node's defaults" : clientNodeArgs.join(" ")}`);

const payload = new Uint8Array(1024);
for (let index = 0; index < payload.length; index++) payload[index] = (index * 31 + 7) & 0xff;
const config: BenchConfig = {
  n: Number(args.n), warmN: Number(args["warm-n"]), sequentialN: Number(args["sequential-n"]), backlog: Number(args.backlog), window: Number(args.window),
  maxSeconds: Number(args["max-seconds"]), fillMaxSeconds: 120, payload, dataDir: "/tmp/mqlab-peer-bench", natsPort: 14222, redisPort: 16379,
};

const missing = ensureInstalled([
  ...(peers.includes("nats") ? [{ binary: "nats-server", aptPackage: "nats-server" }] : []),
  ...(peers.some((peer) => peer.startsWith("redis")) ? [{ binary: "redis-server", aptPackage: "redis-server" }] : []),
]);
const runnable = peers.filter((peer) => !(peer === "nats" && missing.includes("nats-server")) && !(peer.startsWith("redis") && missing.includes("redis-server")));
if (missing.length > 0) console.error(`skipping peers whose servers could not be installed: ${missing.join(", ")}`);

process.on("SIGINT", () => {
  killAllServers();
  process.exit(130);
});
const env = createRealEnv({ nodeName: "peer-bench", logLevel: "warn" });
const rounds = Number(args.rounds);
const figures: RoundFigure[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? runnable : [...runnable].reverse();
    for (const peer of order) {
      console.error(`round ${round}, ${peer}:`);
      for (const figure of await benchPeer(peer)) figures.push({ ...figure, round });
    }
  }
} finally {
  killAllServers();
  env.close();
}
function benchPeer(peer: string): Promise<Figure[]> {
  switch (peer) {
    case "mqlab-async": return benchMqlab(env, config, "ASYNC_FLUSH");
    case "mqlab-async-rocketmq": return benchMqlab(env, config, "ASYNC_FLUSH", "ROCKETMQ");
    case "mqlab-sync": return benchMqlab(env, config, "SYNC_FLUSH");
    case "nats": return benchNats(config);
    case "redis-everysec": return benchRedis(config, "everysec");
    case "redis-always": return benchRedis(config, "always");
    default: return fail(`unknown peer ${peer}`);
  }
}

const versions = { node: process.version, nats: versionOf("nats-server", ["--version"]), redis: versionOf("redis-server", ["--version"]) };
console.log(`Every client ran in this one process, node flags: ${clientNodeArgs.length === 0 ? "Node's defaults" : clientNodeArgs.join(" ")}.`);
console.log("");
console.log(renderTable(figures));
console.log("");
console.log(JSON.stringify({ config: { ...config, payload: undefined, payloadBytes: payload.length, rounds, clientNodeArgs }, versions, figures }));
