// The runaway guard: a zero-virtual-time event loop fails the run, naming its source, instead of
// running until the host's memory is gone; ordinary runs are untouched.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createWorld } from "./index.ts";
import { RunawayGuard } from "./runaway_guard.ts";
import { echoServer, recordingClient, ticker } from "./testing.ts";

test("a zero-latency ping-pong (virtual time stuck at one instant) fails the run as a runaway naming its nodes", async () => {
  // Timers are clamped to 1 ms, so the stuck loop here is the network's: with no latency an
  // echo reply and the next request arrive at the same virtual instant forever.
  const world = createWorld({ seed: 1, eventsPerSimSecondMax: 10_000, network: { latencyMs: 0, jitterMs: 0 } });
  await world.settle(world.addNode({ name: "quiet", ip: "10.0.0.1" }).start(ticker(100)));
  void world.addNode({ name: "server", ip: "10.0.0.2" }).start(echoServer(7000));
  const client = await world.settle(world.addNode({ name: "client", ip: "10.0.0.3" }).start(recordingClient("10.0.0.2", 7000)));
  client.recorder.connection.onData((chunk) => client.recorder.connection.write(chunk));
  client.recorder.send("ping");
  await assert.rejects(world.runFor(60_000), (error: Error) => {
    assert.match(error.message, /runaway simulation: more than 10000 events in simulated second 0/);
    assert.match(error.message, /top sources: (server|client) deliver x\d+, (server|client) deliver x\d+/);
    assert.equal((error.cause as Error).name, "RunawayError");
    return true;
  });
  assert.ok(world.elapsedMs < 1000, `stopped at ${world.elapsedMs} ms of virtual time`);
  // The world stays failed: a later drive (the lab's teardown) fails at once instead of spinning on.
  await assert.rejects(world.runFor(1), /runaway simulation/);
});

test("a busy but advancing run stays under the budget: each simulated second starts a new count", async () => {
  const world = createWorld({ seed: 1, eventsPerSimSecondMax: 50 });
  // 10 events per simulated second on each of 4 nodes: 40 < 50 in every second, 400 in all.
  for (let index = 0; index < 4; index++) {
    await world.settle(world.addNode({ name: `n${index}`, ip: `10.0.0.${index + 1}` }).start(ticker(100)));
  }
  await world.runFor(10_000);
  assert.ok(world.eventsProcessed >= 400, `${world.eventsProcessed} events`);
});

test("RunawayGuard counts per simulated second and ranks sources by count", () => {
  const guard = new RunawayGuard(3);
  for (const timeUs of [0, 1, 2]) assert.equal(guard.countEvent(timeUs), false);
  assert.equal(guard.countEvent(999_999), true);
  assert.equal(guard.countEvent(1_000_000), false, "a new second starts a new count");
  guard.countTrace(26, 2);
  guard.countTrace(10, 1);
  guard.countTrace(10, 1);
  const error = guard.error((node) => `node${node}`, (kind) => `kind${kind}`);
  assert.match(error.message, /simulated second 1 .*top sources: node1 kind10 x2, node2 kind26 x1$/);
});
