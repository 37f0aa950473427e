// Request timeouts on virtual time: each request fails exactly at its own deadline (send time +
// timeoutMs) although a channel keeps a single timer, whatever order the deadlines come in, and
// an answered request never times out.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Env } from "../env/index.ts";
import { createWorld, withWorldTrapped } from "../../chaos/sim/index.ts";
import type { World } from "../../chaos/sim/index.ts";
import { RemotingClient } from "./remoting_client.ts";
import { createRequest, createResponse } from "./remoting_command.ts";
import { RemotingTimeoutError } from "./remoting_errors.ts";
import { RemotingServer } from "./remoting_server.ts";

const ECHO = 1;
const HOLD = 2;

async function cluster(world: World): Promise<RemotingClient> {
  let release: () => void = () => {};
  await world.settle(world.addNode({ name: "server", ip: "10.0.0.1" }).start(async (env: Env) => {
    const server = new RemotingServer(env);
    server.registerProcessor(ECHO, (_context, request) => createResponse(request, 0));
    // Never answered while the test runs; released at stop so nothing dangles.
    const held = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
    server.registerProcessor(HOLD, () => held);
    await server.listen("0.0.0.0", 10911);
    return { stop: () => { release(); return server.shutdown(); } };
  }));
  const handle = await world.settle(world.addNode({ name: "client", ip: "10.0.0.2" }).start(async (env: Env) => {
    const client = new RemotingClient(env, { connectTimeoutMs: 3000 });
    return { client, stop: async () => client.shutdown() };
  }));
  return handle.client;
}

test("one timer per channel: every request times out at send time + timeoutMs, answered ones never", async () => {
  await withWorldTrapped(async () => {
    const world = createWorld({ seed: 5 });
    const client = await cluster(world);
    const addr = "10.0.0.1:10911";
    await world.settle(client.invokeSync(addr, createRequest(ECHO), 1000));
    const failedAtMs = new Map<string, number>();
    const sentAtMs = new Map<string, number>();
    const send = (name: string, code: number, timeoutMs: number): Promise<unknown> => {
      sentAtMs.set(name, world.elapsedMs);
      return client.invokeSync(addr, createRequest(code), timeoutMs).then(
        () => "ok",
        (error: unknown) => {
          assert.ok(error instanceof RemotingTimeoutError, String(error));
          failedAtMs.set(name, world.elapsedMs);
          return "timeout";
        },
      );
    };
    const outcomes = [send("a", HOLD, 500)];
    await world.runFor(50);
    outcomes.push(send("b", HOLD, 200), send("c", ECHO, 1000));
    await world.runFor(50);
    outcomes.push(send("d", HOLD, 500), send("e", HOLD, 500));
    await world.runFor(2000);
    assert.deepEqual(await world.settle(Promise.all(outcomes)), ["timeout", "timeout", "ok", "timeout", "timeout"]);
    for (const [name, timeoutMs] of [["a", 500], ["b", 200], ["d", 500], ["e", 500]] as const) {
      assert.equal(failedAtMs.get(name)! - sentAtMs.get(name)!, timeoutMs, `${name} failed at its own deadline`);
    }
  });
});
