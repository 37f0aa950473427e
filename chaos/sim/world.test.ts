// Run loop, determinism, node lifecycle and speed of the simulated world.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Env } from "../../system/env/index.ts";
import { hostCpuMs, hostWallMs } from "./host.ts";
import { createWorld, printingSink, type World } from "./index.ts";
import { echoServer, recordingClient, ticker } from "./testing.ts";

/** A busy little system: clients send random bursts through an echo server and log to disk. */
function busyWorld(seed: number): World {
  const world = createWorld({ seed });
  void world.addNode({ name: "server", ip: "10.0.0.1" }).start(echoServer(7000));
  for (let index = 0; index < 3; index++) {
    void world.addNode({ name: `client-${index}`, ip: `10.0.0.${10 + index}` }).start(async (env: Env) => {
      const connection = await env.net.connect("10.0.0.1", 7000, { timeoutMs: 1000 });
      const file = env.disk.open("/journal", { create: true });
      connection.onData((chunk) => file.write(file.sizeBytes(), chunk));
      const handle = env.timers.setInterval(() => {
        connection.write(env.random.bytes(env.random.intBetween(1, 200)));
        if (env.random.chance(1, 4)) void file.fsync();
      }, env.random.intBetween(5, 20));
      return { stop: async () => env.timers.clear(handle) };
    });
  }
  return world;
}

test("same seed gives the same traceHash; another seed gives another", async () => {
  const runs = [];
  for (const seed of [1, 1, 2]) {
    const world = busyWorld(seed);
    await world.runFor(2000);
    runs.push({ hash: world.traceHash(), events: world.eventsProcessed });
  }
  assert.ok(runs[0]!.events > 1000, `expected a busy run, got ${runs[0]!.events} events`);
  assert.equal(runs[0]!.hash, runs[1]!.hash);
  assert.equal(runs[0]!.events, runs[1]!.events);
  assert.notEqual(runs[0]!.hash, runs[2]!.hash);
});

test("virtual time: runFor, runUntil(time), runUntil(predicate), step, runUntilIdle", async () => {
  const world = createWorld({ seed: 3, startEpochMs: Date.UTC(2030, 5, 1) });
  const node = world.addNode({ name: "n", ip: "10.0.0.1" });
  const fired: number[] = [];
  await world.settle(
    node.start(async (env) => {
      for (const delayMs of [30, 10, 20, 10]) env.timers.setTimeout(() => fired.push(delayMs), delayMs);
      assert.equal(env.clock.nowMs(), Date.UTC(2030, 5, 1));
      return { stop: async () => {} };
    }),
  );
  assert.ok(await world.step());
  assert.deepEqual(fired, [10], "one step runs exactly one event");
  assert.ok(await world.runUntil(() => fired.length === 3, { timeoutMs: 100 }));
  assert.deepEqual(fired, [10, 10, 20], "equal times run in scheduling order");
  await world.runUntil(world.startEpochMs + 25);
  assert.equal(world.elapsedMs, 25);
  assert.equal(await world.runUntilIdle(), true);
  assert.deepEqual(fired, [10, 10, 20, 30]);
  assert.equal(await world.step(), false);
  await world.runFor(1000);
  assert.equal(world.elapsedMs, 1030);
  assert.equal(await world.runUntil(() => false, { timeoutMs: 50 }), false);
});

test("timers of a crashed node never fire; a restarted node gets a new incarnation", async () => {
  const world = createWorld({ seed: 4 });
  const node = world.addNode({ name: "n", ip: "10.0.0.1" });
  const first = await world.settle(node.start(ticker(100)));
  await world.runFor(1050);
  assert.equal(first.ticks.length, 10);
  node.crash();
  assert.equal(node.alive, false);
  await world.runFor(5000);
  assert.equal(first.ticks.length, 10, "no tick after the crash");
  assert.equal(world.pendingEvents, 0, "the crashed node left nothing scheduled");
  const second = await world.settle(node.restart<Awaited<ReturnType<ReturnType<typeof ticker>>>>());
  assert.equal(node.incarnation, 2);
  await world.runFor(1000);
  assert.equal(second.ticks.length, 10);
  assert.equal(first.ticks.length, 10);
});

test("a paused node runs nothing; its due timers run on resume, late and in order", async () => {
  const world = createWorld({ seed: 5 });
  const node = world.addNode({ name: "n", ip: "10.0.0.1" });
  const handle = await world.settle(node.start(ticker(100)));
  await world.runFor(250);
  node.pause();
  await world.runFor(1000);
  assert.deepEqual(handle.ticks, [100, 200]);
  node.resume();
  await world.runFor(1);
  assert.deepEqual(handle.ticks, [100, 200, 1250], "the due tick runs once, at resume");
  await world.runFor(100);
  assert.deepEqual(handle.ticks, [100, 200, 1250, 1350], "the interval re-arms from the late run");
});

test("clock skew moves the node's wall clock, not its monotonic clock", async () => {
  const world = createWorld({ seed: 6 });
  const node = world.addNode({ name: "n", ip: "10.0.0.1" });
  await world.settle(node.start(async () => ({ stop: async () => {} })));
  const env = node.env!;
  const before = { wall: env.clock.nowMs(), mono: env.clock.monotonicMs() };
  node.setClockSkewMs(-30_000);
  assert.equal(env.clock.nowMs(), before.wall - 30_000);
  assert.equal(env.clock.monotonicMs(), before.mono);
});

test("a callback that throws fails the run (default) or crashes the node (nodeErrors: crash)", async () => {
  for (const mode of ["throw", "crash"] as const) {
    const world = createWorld({ seed: 7, nodeErrors: mode });
    const node = world.addNode({ name: "n", ip: "10.0.0.1" });
    void node.start(async (env) => {
      env.timers.setTimeout(() => {
        throw new Error("boom");
      }, 10);
      return { stop: async () => {} };
    });
    if (mode === "throw") {
      await assert.rejects(world.runFor(100), /simulation failed at 10 ms: Error: boom/);
    } else {
      await world.runFor(100);
      assert.equal(node.alive, false);
      assert.match(String(node.failure), /boom/);
    }
    assert.equal(world.failures.length, 1);
  }
});

test("entry rejection is recorded on the node and rejects start()", async () => {
  const world = createWorld({ seed: 8, nodeErrors: "crash" });
  const node = world.addNode({ name: "n", ip: "10.0.0.1" });
  const started = node.start(async () => {
    throw new Error("bad config");
  });
  await assert.rejects(world.settle(started), /bad config/);
  assert.equal(node.alive, false);
});

test("speed: 2 hours of an idle 5-node cluster with periodic timers take well under a second", async () => {
  const world = createWorld({ seed: 9 });
  const tickers = [];
  for (let index = 0; index < 5; index++) {
    const node = world.addNode({ name: `n${index}`, ip: `10.0.0.${index + 1}` });
    tickers.push(node.start(ticker(1000 + index * 100)));
  }
  const wallStartMs = hostWallMs();
  const cpuStartMs = hostCpuMs();
  await world.runFor(2 * 3600 * 1000);
  const wallMs = hostWallMs() - wallStartMs;
  const cpuMs = hostCpuMs() - cpuStartMs;
  const ratio = (2 * 3600 * 1000) / cpuMs;
  console.log(`idle 5 nodes, 2 h virtual: ${world.eventsProcessed} events, ${cpuMs.toFixed(1)} ms cpu, ${wallMs.toFixed(1)} ms wall (${Math.round(ratio)}x real time per cpu)`);
  // CPU time, not wall time: on a shared CI box wall time mostly measures the neighbours.
  assert.ok(cpuMs < 1000, `took ${cpuMs} ms of cpu`);
});

test("speed: a busy workload processes hundreds of thousands of events per CPU second", async () => {
  const world = createWorld({ seed: 10 });
  void world.addNode({ name: "server", ip: "10.0.0.1" }).start(echoServer(7000));
  const clients = [];
  for (let index = 0; index < 4; index++) {
    clients.push(world.addNode({ name: `c${index}`, ip: `10.0.0.${index + 2}` }).start(recordingClient("10.0.0.1", 7000)));
  }
  const handles = await world.settle(Promise.all(clients));
  // Each echo reply triggers the next send: a closed loop of request/response traffic.
  for (const handle of handles) {
    handle.recorder.connection.onData((chunk) => handle.recorder.connection.write(chunk));
    handle.recorder.send("ping");
  }
  const wallStartMs = hostWallMs();
  const cpuStartMs = hostCpuMs();
  const eventsBefore = world.eventsProcessed;
  await world.runFor(20_000);
  const wallMs = hostWallMs() - wallStartMs;
  const cpuMs = hostCpuMs() - cpuStartMs;
  const events = world.eventsProcessed - eventsBefore;
  const perSecond = Math.round(events / (cpuMs / 1000));
  console.log(`busy echo: ${events} events, ${cpuMs.toFixed(0)} ms cpu, ${wallMs.toFixed(0)} ms wall = ${perSecond} events per cpu second`);
  assert.ok(events > 100_000);
  assert.ok(perSecond > 100_000, `${perSecond} events/s`);
});

test("after(): a lab action runs as an event at an exact virtual time; a throwing one fails the run", async () => {
  const world = createWorld({ seed: 13 });
  const node = world.addNode({ name: "n", ip: "10.0.0.1" });
  const handle = await world.settle(node.start(ticker(100)));
  world.after(350, () => node.crash());
  await world.runFor(1000);
  assert.deepEqual(handle.ticks, [100, 200, 300]);
  world.after(10, () => {
    throw new Error("bad fault");
  });
  await assert.rejects(world.runFor(100), /bad fault/);
});

test("settle() reports a deadlock when nothing is left that could settle the promise", async () => {
  const world = createWorld({ seed: 14 });
  await assert.rejects(world.settle(new Promise(() => {})), /deadlock/);
});

test("stop() runs the handle's graceful stop, then the process is gone", async () => {
  const world = createWorld({ seed: 15 });
  const node = world.addNode({ name: "n", ip: "10.0.0.1" });
  let stopped = false;
  await world.settle(node.start(async () => ({ stop: async () => void (stopped = true) })));
  await world.settle(node.stop());
  assert.equal(stopped, true);
  assert.equal(node.alive, false);
});

test("logs: a bounded ring per machine with skewed timestamps; debug is off by default; a sink sees lines", async () => {
  const seen: string[] = [];
  const world = createWorld({ seed: 16, log: { ringLines: 3, sink: (line) => seen.push(`${line.node}:${line.message}`) } });
  const node = world.addNode({ name: "n", ip: "10.0.0.1" });
  await world.settle(node.start(async () => ({ stop: async () => {} })));
  node.setClockSkewMs(5000);
  const log = node.env!.log.child({ component: "test" });
  log.debug("hidden");
  for (const message of ["a", "b", "c", "d"]) log.info(message, { n: 1 });
  assert.deepEqual(node.logs().map((line) => line.message), ["b", "c", "d"]);
  assert.deepEqual(node.logs()[0]!.fields, { component: "test", n: 1 });
  assert.equal(node.logs()[0]!.timeMs, world.startEpochMs + 5000);
  assert.deepEqual(seen, ["n:a", "n:b", "n:c", "n:d"]);
  const printed: string[] = [];
  printingSink((text) => printed.push(text))(node.logs()[0]!);
  assert.equal(printed[0], '2026-01-01T00:00:05.000Z        0.000 n#1 INFO b {"component":"test","n":1}\n');
});
