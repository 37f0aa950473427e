// The real remoting layer (system/remoting) on the simulator: request/response over the sim
// net, a partition turning into the client's own timeout, and healing restoring service,
// all on virtual time, deterministically, with the real world trapped.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Env } from "../../system/env/index.ts";
import {
  RemotingClient, decodeFramePayload, createRequest, createResponse, fromUtf8, utf8, RemotingServer,
} from "../../system/remoting/index.ts";
import { createWorld, withWorldTrapped, type World } from "./index.ts";

async function echoCluster(seed: number): Promise<{ world: World; client: RemotingClient }> {
  const world = createWorld({ seed });
  await world.settle(
    world.addNode({ name: "server", ip: "10.0.0.1" }).start(async (env: Env) => {
      const server = new RemotingServer(env);
      for (const code of [1, 2]) server.registerProcessor(code, (_context, request) => createResponse(request, 0, undefined, {}, request.body));
      await server.listen("0.0.0.0", 10911);
      return { stop: () => server.shutdown() };
    }),
  );
  const handle = await world.settle(
    world.addNode({ name: "client", ip: "10.0.0.2" }).start(async (env: Env) => {
      const client = new RemotingClient(env, { connectTimeoutMs: 3000 });
      return { client, stop: async () => client.shutdown() };
    }),
  );
  return { world, client: handle.client };
}

async function invoke(world: World, client: RemotingClient, text: string, code = 1): Promise<string> {
  const response = await world.settle(client.invokeSync("10.0.0.1:10911", createRequest(code, {}, utf8(text)), 3000));
  return fromUtf8(response.body!);
}

test("real RemotingServer/RemotingClient over the sim net: RPC, partition timeout, heal", async () => {
  const hashes: string[] = [];
  for (let run = 0; run < 2; run++) {
    await withWorldTrapped(async () => {
      const { world, client } = await echoCluster(21);
      assert.equal(await invoke(world, client, "hello"), "hello");
      world.net.partition([["client"], ["server"]]);
      const startMs = world.elapsedMs;
      await assert.rejects(invoke(world, client, "lost"), (error: Error) => /timeout/i.test(error.name + error.message));
      assert.ok(world.elapsedMs - startMs >= 3000, "the client's own 3 s timeout fired, on virtual time");
      world.net.heal();
      await world.runFor(100);
      assert.equal(await invoke(world, client, "again"), "again");
      hashes.push(world.traceHash());
    });
  }
  assert.equal(hashes[0], hashes[1], "the same seed replays byte for byte");
});

test("a segment filter drops only frames with one request code (protocol-aware fault)", async () => {
  await withWorldTrapped(async () => {
    const { world, client } = await echoCluster(22);
    // Frame = 4-byte length + payload; the remoting channel writes one frame per write().
    const filterId = world.net.addSegmentFilter(({ from, bytes }) =>
      from === "client" && decodeFramePayload(bytes.subarray(4)).code === 2 ? "drop" : "pass",
    );
    assert.equal(await invoke(world, client, "code one", 1), "code one");
    await assert.rejects(invoke(world, client, "code two", 2), (error: Error) => /timeout/i.test(error.name + error.message));
    assert.equal(await invoke(world, client, "still fine", 1), "still fine", "the stream stays intact");
    world.net.removeSegmentFilter(filterId);
    assert.equal(await invoke(world, client, "code two again", 2), "code two again");
  });
});
