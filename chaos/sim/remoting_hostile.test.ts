// The real remoting layer over the hostile simulated network. A frame split at every byte
// position (inside the 4-byte length, the header word, the header, the body) and frames
// coalesced into one chunk decode exactly as the whole frame does: through the real
// FrameDecoder on a raw socket, and end to end through RemotingClient <-> RemotingServer
// (requests and responses both cut). Resets mid-frame fail pending requests at once with a
// clear error, and the client reconnects.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Env } from "../../system/env/index.ts";
import {
  decodeFramePayload, encodeFrame, FrameDecoder, RemotingClient, createRequest, createResponse, fromUtf8, utf8, type RemotingCommand, RemotingConnectionClosedError, RemotingServer,
} from "../../system/remoting/index.ts";
import { arbAnyCommand } from "../../system/remoting/remoting_arbitraries.test_support.ts";
import { createWorld, withWorldTrapped, type SegmentationSpec, type World } from "./index.ts";
import { recordingClient, type ClientHandle } from "./testing.ts";

const remotingPort = 10911;
const tapPort = 7000;

interface Tap {
  chunks: number[];
  commands: RemotingCommand[];
  errors: string[];
}

/** A raw listener feeding what it receives into the real FrameDecoder, recording the chunking. */
function tapServer(tap: Tap): (env: Env) => Promise<{ stop(): Promise<void> }> {
  return async (env) => {
    const listener = await env.net.listen("0.0.0.0", tapPort, (connection) => {
      const decoder = new FrameDecoder((command) => tap.commands.push(command));
      connection.onData((chunk) => {
        tap.chunks.push(chunk.length);
        try {
          decoder.push(chunk);
        } catch (error) {
          tap.errors.push(String(error));
        }
      });
      connection.onClose(() => {});
    });
    return { stop: () => listener.close() };
  };
}

/** Echo server: the response carries the request's body and ext fields back. */
function echoRemotingServer(env: Env): Promise<{ stop(): Promise<void> }> {
  const server = new RemotingServer(env);
  server.registerProcessor(1, (_context, request) => createResponse(request, 0, request.remark, { ...request.extFields }, request.body));
  return server.listen("0.0.0.0", remotingPort).then(() => ({ stop: () => server.shutdown() }));
}

async function hostileWorld(seed: number, segmentation: SegmentationSpec | null): Promise<{ world: World; tap: Tap; client: RemotingClient; raw: ClientHandle }> {
  const world = createWorld({ seed, network: { segmentation } });
  const tap: Tap = { chunks: [], commands: [], errors: [] };
  const server = world.addNode({ name: "server", ip: "10.0.0.1" });
  await world.settle(server.start(async (env) => {
    const tapHandle = await tapServer(tap)(env);
    const echo = await echoRemotingServer(env);
    return { stop: async () => { await tapHandle.stop(); await echo.stop(); } };
  }));
  const clientNode = world.addNode({ name: "client", ip: "10.0.0.2" });
  const handle = await world.settle(clientNode.start(async (env) => {
    const client = new RemotingClient(env, { connectTimeoutMs: 3000 });
    const raw = await recordingClient("10.0.0.1", tapPort)(env);
    return { client, raw, stop: async () => { client.shutdown(); await raw.stop(); } };
  }));
  return { world, tap, client: handle.client, raw: handle.raw };
}

const exactCut = (maxSegmentBytes: number): SegmentationSpec => ({ maxSegmentBytes, splitPercent: 0, coalescePercent: 0, pieceGapMaxMs: 0 });

test("a frame split at every byte position decodes identically (raw FrameDecoder and client <-> server)", async () => {
  await withWorldTrapped(async () => {
    const { world, tap, client, raw } = await hostileWorld(31, null);
    const request = createRequest(1, { topic: "TopicTest", queueId: "3", tags: "TagA" }, utf8("body: the bytes after the header"));
    request.remark = "split me";
    const frame = encodeFrame({ ...request, opaque: 77 });
    const whole = decodeFramePayload(frame.subarray(4));
    for (let cut = 1; cut <= frame.length; cut++) {
      world.net.setSegmentation(exactCut(cut));
      const before = tap.commands.length;
      const chunksBefore = tap.chunks.length;
      assert.equal(raw.recorder.connection.write(frame), true);
      await world.runFor(5);
      assert.equal(tap.chunks[chunksBefore], Math.min(cut, frame.length), `first chunk cut at byte ${cut}`);
      assert.equal(tap.commands.length, before + 1, `one command for the frame cut at ${cut}`);
      assert.deepEqual(tap.commands[before], whole, `decoded identically with the cut at byte ${cut}`);

      // End to end: the request is cut at `cut` on its way, and the response on its way back.
      const response = await world.settle(client.invokeSync("10.0.0.1:10911", createRequest(1, { ...request.extFields, cut: String(cut) }, request.body), 3000));
      assert.equal(response.code, 0);
      assert.equal(fromUtf8(response.body!), fromUtf8(request.body!));
      assert.equal(response.extFields?.cut, String(cut));
    }
    assert.deepEqual(tap.errors, []);
    assert.ok(frame.length > 60, `the frame has a real header (${frame.length} bytes)`);
  });
});

test("coalesced frames: many frames in one chunk decode in order; pipelined RPCs all answer", async () => {
  await withWorldTrapped(async () => {
    const { world, tap, client, raw } = await hostileWorld(32, { maxSegmentBytes: 65_536, splitPercent: 0, coalescePercent: 100, pieceGapMaxMs: 0 });
    const frames = Array.from({ length: 12 }, (_, index) => encodeFrame({ ...createRequest(1, { index: String(index) }, utf8(`#${index}`)), opaque: index }));
    for (const frame of frames) raw.recorder.connection.write(frame);
    await world.runFor(5);
    assert.deepEqual(tap.chunks, [frames.reduce((sum, frame) => sum + frame.length, 0)], "twelve frames arrived as one chunk");
    assert.deepEqual(tap.commands, frames.map((frame) => decodeFramePayload(frame.subarray(4))));

    world.net.setSegmentation({ maxSegmentBytes: 37, splitPercent: 50, coalescePercent: 70, pieceGapMaxMs: 0.05 });
    const calls = Array.from({ length: 40 }, (_, index) => client.invokeSync("10.0.0.1:10911", createRequest(1, { index: String(index) }, utf8(`call ${index}`)), 3000));
    const responses = await world.settle(Promise.all(calls));
    assert.deepEqual(responses.map((response) => fromUtf8(response.body!)), calls.map((_, index) => `call ${index}`));
  });
});

test("property: any commands under any segmentation decode as written (real FrameDecoder over the sim net)", async () => {
  const arbSpec: fc.Arbitrary<SegmentationSpec> = fc.record({
    maxSegmentBytes: fc.integer({ min: 1, max: 200 }),
    splitPercent: fc.integer({ min: 0, max: 100 }),
    coalescePercent: fc.integer({ min: 0, max: 100 }),
    pieceGapMaxMs: fc.constantFrom(0, 0.02, 1),
  });
  await withWorldTrapped(() =>
    fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), arbSpec, fc.array(arbAnyCommand, { minLength: 1, maxLength: 12 }), async (seed, spec, commands) => {
        const { world, tap, raw } = await hostileWorld(seed, spec);
        const frames = commands.map((command) => encodeFrame(command));
        for (const frame of frames) raw.recorder.connection.write(frame);
        // Worst case: every byte its own piece, each leaving up to pieceGapMaxMs after the last.
        const totalBytes = frames.reduce((sum, frame) => sum + frame.length, 0);
        await world.runFor(totalBytes * Math.max(1, spec.pieceGapMaxMs) + 50);
        assert.deepEqual(tap.errors, []);
        assert.deepEqual(tap.commands, frames.map((frame) => decodeFramePayload(frame.subarray(4))));
      }),
      { numRuns: 60, seed: 11 },
    ),
  );
});

test("a reset mid-frame fails the pending request at once with a clear error; the next call reconnects", async () => {
  await withWorldTrapped(async () => {
    const { world, client } = await hostileWorld(33, { maxSegmentBytes: 16, splitPercent: 30, coalescePercent: 30, pieceGapMaxMs: 0.5 });
    assert.equal(fromUtf8((await world.settle(client.invokeSync("10.0.0.1:10911", createRequest(1, {}, utf8("warm up")), 3000))).body!), "warm up");
    const startMs = world.elapsedMs;
    // Armed while the connection is quiet: it cuts the next frame (the request, written at once).
    const handle = world.net.resetConnections({ from: "server", to: "client", port: remotingPort, midFrame: true, asymmetricDelayMs: 20 });
    assert.deepEqual({ reset: handle.reset, armed: handle.armed }, { reset: 0, armed: 1 });
    const pending = client.invokeSync("10.0.0.1:10911", createRequest(1, {}, utf8("x".repeat(400))), 3000);
    await assert.rejects(world.settle(pending), (error: Error) => error instanceof RemotingConnectionClosedError && /ECONNRESET/.test(error.message));
    const failedAfterMs = world.elapsedMs - startMs;
    assert.ok(failedAfterMs >= 20 && failedAfterMs < 100, `failed ${failedAfterMs} ms after the reset, not at the 3 s timeout`);
    assert.equal(fromUtf8((await world.settle(client.invokeSync("10.0.0.1:10911", createRequest(1, {}, utf8("again")), 3000))).body!), "again");
  });
});
