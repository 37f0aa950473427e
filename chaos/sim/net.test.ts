// The simulated network: latency, ordering, refusals, firewall rules (DROP, REJECT, one-way),
// partitions, flow faults, pauses and crashes, all seen through the Env interface only.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Env } from "../../system/env/index.ts";
import { NetError } from "../../system/env/index.ts";
import { createWorld, type SimNode, type World } from "./index.ts";
import { echoServer, Recorder, recordingClient, type ClientHandle } from "./testing.ts";

/** "open", "clean" (FIN), or the NetError code the connection closed with. */
function closeState(recorder: Recorder): string {
  const closed = recorder.closedWith;
  if (closed === undefined) return "open";
  if (closed.reason === undefined) return "clean";
  return closed.reason instanceof NetError ? closed.reason.code : String(closed.reason);
}

function twoNodes(seed = 1, network = { latencyMs: 1, jitterMs: 0 }): { world: World; server: SimNode; client: SimNode } {
  const world = createWorld({ seed, network });
  const server = world.addNode({ name: "server", ip: "10.0.0.1" });
  const client = world.addNode({ name: "client", ip: "10.0.0.2" });
  return { world, server, client };
}

async function connected(world: World, server: SimNode, client: SimNode): Promise<ClientHandle> {
  await world.settle(server.start(echoServer(7000)));
  return world.settle(client.start(recordingClient("10.0.0.1", 7000)));
}

/** Starts a node whose entry tries one connect and records the outcome. */
function tryConnect(world: World, node: SimNode, host: string, port: number, timeoutMs: number) {
  const outcome: { code?: string; atMs?: number; ok?: boolean } = {};
  void node.start(async (env: Env) => {
    const startMs = env.clock.monotonicMs();
    try {
      await env.net.connect(host, port, { timeoutMs });
      outcome.ok = true;
    } catch (error) {
      assert.ok(error instanceof NetError);
      outcome.code = error.code;
    }
    outcome.atMs = env.clock.monotonicMs() - startMs;
    return { stop: async () => {} };
  });
  return outcome;
}

test("echo over the sim net: round trip is two latencies, order holds under jitter", async () => {
  const { world, server, client } = twoNodes(1, { latencyMs: 1, jitterMs: 0 });
  const handle = await connected(world, server, client);
  const sentAtMs = handle.env.clock.monotonicMs();
  handle.recorder.send("ping");
  await world.runFor(10);
  assert.equal(handle.recorder.text, "ping");
  assert.equal(handle.recorder.received[0]!.atMs - sentAtMs, 2);

  const jittery = twoNodes(2, { latencyMs: 1, jitterMs: 5 });
  const other = await connected(jittery.world, jittery.server, jittery.client);
  const expected: string[] = [];
  for (let index = 0; index < 200; index++) {
    expected.push(`${index};`);
    other.recorder.send(`${index};`);
  }
  await jittery.world.runFor(100);
  assert.equal(other.recorder.text, expected.join(""), "bytes arrive in order despite jitter");
});

test("ECONNREFUSED when nobody listens, EADDRINUSE for a taken port", async () => {
  const { world, server, client } = twoNodes();
  await world.settle(server.start(echoServer(7000)));
  const refused = tryConnect(world, client, "10.0.0.1", 7001, 5000);
  await world.runFor(100);
  assert.deepEqual(refused, { code: "ECONNREFUSED", atMs: 2 });
  await assert.rejects(world.settle(server.env!.net.listen("0.0.0.0", 7000, () => {})), (error: NetError) => error.code === "EADDRINUSE");
});

test("DROP makes connect time out; REJECT refuses it at once", async () => {
  const { world, server, client } = twoNodes();
  await world.settle(server.start(echoServer(7000)));
  const rule = world.net.addRule({ from: "client", to: "server", port: 7000, action: "drop" });
  const dropped = tryConnect(world, client, "10.0.0.1", 7000, 3000);
  await world.runFor(5000);
  assert.deepEqual(dropped, { code: "ETIMEDOUT", atMs: 3000 });

  world.net.removeRule(rule);
  world.net.addRule({ from: "client", to: "server", action: "reject" });
  client.crash();
  const rejected = tryConnect(world, client, "10.0.0.1", 7000, 3000);
  await world.runFor(5000);
  assert.deepEqual(rejected, { code: "ECONNREFUSED", atMs: 2 });
});

test("a connect held by DROP completes when the rule goes away before the timeout", async () => {
  const { world, server, client } = twoNodes();
  await world.settle(server.start(echoServer(7000)));
  const rule = world.net.addRule({ from: "server", to: "client", action: "drop", direction: "one-way" });
  const outcome = tryConnect(world, client, "10.0.0.1", 7000, 3000);
  await world.runFor(1000);
  assert.deepEqual(outcome, {}, "SYN-ACK lost: still waiting");
  world.net.removeRule(rule);
  await world.runFor(10);
  assert.equal(outcome.ok, true);
});

test("an established stream stalls under DROP and resumes, in order and complete, after heal", async () => {
  const { world, server, client } = twoNodes();
  const handle = await connected(world, server, client);
  handle.recorder.send("a");
  await world.runFor(10);
  const rules = world.net.partition([["client"], ["server"]]);
  for (const text of ["b", "c", "d"]) handle.recorder.send(text);
  await world.runFor(60_000);
  assert.equal(handle.recorder.text, "a", "nothing crosses a partition");
  assert.equal(handle.recorder.connection.closed, false, "a stall is not a close");
  assert.equal(handle.recorder.connection.pendingWriteBytes(), 3);
  world.net.heal(rules);
  await world.runFor(10);
  assert.equal(handle.recorder.text, "abcd");
  assert.equal(handle.recorder.connection.pendingWriteBytes(), 0);
});

test("REJECT resets an established connection when traffic meets it", async () => {
  const { world, server, client } = twoNodes();
  const handle = await connected(world, server, client);
  world.net.addRule({ from: "client", to: "server", port: 7000, action: "reject" });
  handle.recorder.send("x");
  await world.runFor(10);
  assert.equal(closeState(handle.recorder), "ECONNRESET");
});

test("one-way partition: the request arrives, the response does not", async () => {
  const { world, server, client } = twoNodes();
  const handle = await connected(world, server, client);
  world.net.partitionOneWay(["server"], ["client"]);
  handle.recorder.send("req");
  await world.runFor(1000);
  const echo = server.handle as unknown as { bytesEchoed: number };
  assert.equal(echo.bytesEchoed, 3, "the server got the request and answered");
  assert.equal(handle.recorder.text, "", "the answer is held");
  world.net.heal();
  await world.runFor(10);
  assert.equal(handle.recorder.text, "req");
});

test("a paused node sends nothing; what queued up flows on resume", async () => {
  const { world, server, client } = twoNodes();
  const handle = await connected(world, server, client);
  server.pause();
  handle.recorder.send("1");
  handle.recorder.send("2");
  await world.runFor(30_000);
  assert.equal(handle.recorder.text, "", "a paused server answers nothing");
  server.resume();
  await world.runFor(10);
  assert.equal(handle.recorder.text, "12");
});

test("a paused server's kernel still completes connects; accept runs on resume", async () => {
  const { world, server, client } = twoNodes();
  await world.settle(server.start(echoServer(7000)));
  server.pause();
  const handle = await world.settle(client.start(recordingClient("10.0.0.1", 7000)));
  handle.recorder.send("early");
  await world.runFor(100);
  assert.equal(handle.recorder.text, "");
  server.resume();
  await world.runFor(10);
  assert.equal(handle.recorder.text, "early");
});

test("process crash resets the peer's connection; power loss leaves it silent until it writes", async () => {
  const { world, server, client } = twoNodes();
  const handle = await connected(world, server, client);
  server.crash({ mode: "process" });
  await world.runFor(10);
  assert.equal(closeState(handle.recorder), "ECONNRESET");

  const power = twoNodes(3);
  const silent = await connected(power.world, power.server, power.client);
  power.server.crash({ mode: "power" });
  await power.world.runFor(60_000);
  assert.equal(closeState(silent.recorder), "open", "nobody tells the client");
  silent.recorder.send("anyone?");
  await power.world.runFor(60_000);
  assert.equal(closeState(silent.recorder), "open", "the segment waits for the host");
  await power.world.settle(power.server.restart());
  await power.world.runFor(10);
  assert.equal(closeState(silent.recorder), "ECONNRESET", "the rebooted host answers RST");
  const again = tryConnect(power.world, power.world.addNode({ name: "c2", ip: "10.0.0.3" }), "10.0.0.1", 7000, 1000);
  await power.world.runFor(10);
  assert.equal(again.ok, true, "the restarted server listens again");
});

test("connect to a powered-off host times out", async () => {
  const { world, server, client } = twoNodes();
  await world.settle(server.start(echoServer(7000)));
  server.crash({ mode: "power" });
  const outcome = tryConnect(world, client, "10.0.0.1", 7000, 2000);
  await world.runFor(3000);
  assert.deepEqual(outcome, { code: "ETIMEDOUT", atMs: 2000 });
});

test("end() half-closes: the peer sees a clean close, data in flight still arrives", async () => {
  const { world, server, client } = twoNodes();
  const serverSide: { recorder?: Recorder } = {};
  await world.settle(
    server.start(async (env) => {
      const listener = await env.net.listen("0.0.0.0", 7000, (connection) => {
        serverSide.recorder = new Recorder(connection, env);
        connection.write(new TextEncoder().encode("bye"));
      });
      return { stop: () => listener.close() };
    }),
  );
  const handle = await world.settle(client.start(recordingClient("10.0.0.1", 7000)));
  handle.recorder.send("last words");
  handle.recorder.connection.end();
  assert.equal(handle.recorder.send("too late"), false);
  await world.runFor(10);
  assert.equal(serverSide.recorder!.text, "last words");
  assert.equal(closeState(serverSide.recorder!), "clean");
  assert.equal(handle.recorder.text, "bye", "the server's bytes sent before our FIN arrived");
  assert.equal(closeState(handle.recorder), "clean");
  assert.equal(world.net.stats().segmentsDelivered > 0, true);
});

test("a flow fault adds delay, and loss becomes retransmission delay, never reordering", async () => {
  const { world, server, client } = twoNodes();
  const handle = await connected(world, server, client);
  const fault = world.net.addFlowFault({ from: "client", to: "server", delayMs: 50, lossNumerator: 1, lossDenominator: 2, retransmitMs: 200 });
  const sentAtMs = handle.env.clock.monotonicMs();
  for (let index = 0; index < 50; index++) handle.recorder.send(`${index},`);
  await world.runFor(20_000);
  assert.equal(handle.recorder.text, Array.from({ length: 50 }, (_, index) => `${index},`).join(""));
  const lastAtMs = handle.recorder.received.at(-1)!.atMs - sentAtMs;
  assert.ok(lastAtMs >= 252, `loss must cost retransmissions, last arrival after ${lastAtMs} ms`);
  world.net.removeFlowFault(fault);
  const quietAtMs = handle.env.clock.monotonicMs();
  handle.recorder.send("!");
  await world.runFor(20_000);
  assert.equal(handle.recorder.received.at(-1)!.atMs - quietAtMs, 2);
});

test("rules and partitions name existing nodes only", () => {
  const { world } = twoNodes();
  assert.throws(() => world.net.partition([["client"], ["srever"]]), /no node named srever/);
});

test("a stream stalled past the retransmission timeout fails with ETIMEDOUT; the peer learns by RST", async () => {
  const world = createWorld({ seed: 5, network: { latencyMs: 1, jitterMs: 0, retransmitTimeoutMs: 60_000 } });
  const server = world.addNode({ name: "server", ip: "10.0.0.1" });
  const client = world.addNode({ name: "client", ip: "10.0.0.2" });
  const serverSide: { recorder?: Recorder } = {};
  await world.settle(
    server.start(async (env) => {
      const listener = await env.net.listen("0.0.0.0", 7000, (connection) => (serverSide.recorder = new Recorder(connection, env)));
      return { stop: () => listener.close() };
    }),
  );
  const handle = await world.settle(client.start(recordingClient("10.0.0.1", 7000)));
  await world.runFor(10);
  world.net.partition([["client"], ["server"]]);
  await world.runFor(120_000);
  assert.equal(closeState(handle.recorder), "open", "an idle connection survives a partition");
  handle.recorder.send("stuck");
  await world.runFor(59_000);
  assert.equal(closeState(handle.recorder), "open");
  await world.runFor(2000);
  assert.equal(closeState(handle.recorder), "ETIMEDOUT");
  world.net.heal();
  serverSide.recorder!.send("late reply");
  await world.runFor(10);
  assert.equal(closeState(serverSide.recorder!), "ECONNRESET");
});
