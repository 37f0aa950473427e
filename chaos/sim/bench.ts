// Simulator speed, measured: `npx tsx chaos/sim/bench.ts`. Prints events per CPU second and
// virtual-to-CPU time ratios (CPU time, because wall time on a shared CI box mostly measures
// the neighbours) for an idle cluster, a raw echo stream, and the real remoting
// layer doing request/response in closed loops. Wall time comes from host.ts (never the sim).
import type { Env } from "../../system/env/index.ts";
import { RemotingClient, createRequest, createResponse, utf8, RemotingServer } from "../../system/remoting/index.ts";
import { hostCpuMs, hostWallMs } from "./host.ts";
import { createWorld, withWorldTrapped, type World } from "./index.ts";
import { echoServer, recordingClient } from "./testing.ts";

async function measure(name: string, world: World, virtualMs: number): Promise<void> {
  const events = world.eventsProcessed;
  const startMs = hostWallMs();
  const startCpuMs = hostCpuMs();
  await withWorldTrapped(() => world.runFor(virtualMs));
  const wallMs = hostWallMs() - startMs;
  const cpuMs = hostCpuMs() - startCpuMs;
  const ran = world.eventsProcessed - events;
  const perCpuSecond = Math.round(ran / (cpuMs / 1000));
  const ratio = Math.round(virtualMs / cpuMs);
  console.log(
    `${name.padEnd(44)} ${String(ran).padStart(9)} events  wall ${wallMs.toFixed(0).padStart(6)} ms  cpu ${cpuMs.toFixed(0).padStart(6)} ms  ` +
      `${String(perCpuSecond).padStart(9)} events/cpu-s  ${ratio}x real time (per cpu)`,
  );
}

async function idleCluster(): Promise<void> {
  const world = createWorld({ seed: 1 });
  // RocketMQ-like idle timers: heartbeats 30 s, namesrv scan 10 s, flushes 500 ms and 1 s.
  for (let index = 0; index < 5; index++) {
    void world.addNode({ name: `n${index}`, ip: `10.0.0.${index + 1}` }).start(async (env: Env) => {
      for (const intervalMs of [30_000, 10_000, 500, 1000]) env.timers.setInterval(() => {}, intervalMs);
      return { stop: async () => {} };
    });
  }
  await measure("idle 5 nodes, 1 h", world, 3600 * 1000);
}

async function echoStream(): Promise<void> {
  const world = createWorld({ seed: 2 });
  void world.addNode({ name: "server", ip: "10.0.0.1" }).start(echoServer(7000));
  for (let index = 0; index < 8; index++) {
    const handle = await world.settle(world.addNode({ name: `c${index}`, ip: `10.0.1.${index + 1}` }).start(recordingClient("10.0.0.1", 7000)));
    handle.recorder.connection.onData((chunk) => handle.recorder.connection.write(chunk));
    handle.recorder.send("x".repeat(100));
  }
  await measure("raw echo ping-pong, 8 clients, 60 s", world, 60_000);
}

async function remotingRpc(): Promise<void> {
  const world = createWorld({ seed: 3 });
  await world.settle(
    world.addNode({ name: "server", ip: "10.0.0.1" }).start(async (env: Env) => {
      const server = new RemotingServer(env);
      server.registerProcessor(1, (_context, request) => createResponse(request, 0, undefined, {}, request.body));
      await server.listen("0.0.0.0", 10911);
      return { stop: () => server.shutdown() };
    }),
  );
  let calls = 0;
  for (let index = 0; index < 8; index++) {
    void world.addNode({ name: `c${index}`, ip: `10.0.1.${index + 1}` }).start(async (env: Env) => {
      const client = new RemotingClient(env, { connectTimeoutMs: 3000 });
      const loop = async (): Promise<void> => {
        for (;;) {
          await client.invokeSync("10.0.0.1:10911", createRequest(1, { key: "k" }, utf8("y".repeat(200))), 3000);
          calls++;
        }
      };
      void loop();
      return { stop: async () => client.shutdown() };
    });
  }
  await measure("real remoting invokeSync, 8 clients, 20 s", world, 20_000);
  console.log(`  (${calls} RPCs completed)`);
}

await idleCluster();
await echoStream();
await remotingRpc();
