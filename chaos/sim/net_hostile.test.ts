// The hostile simulated network: segmentation (writes split at any byte, coalesced with the
// next write, leaving in pieces over time) never changes the byte stream, only its chunking;
// middlebox resets cut a stream mid-frame, reach one side before the other, and swallow what
// the late side writes meanwhile. Everything replays from the seed.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Connection, Env } from "../../system/env/index.ts";
import { NetError } from "../../system/env/index.ts";
import { createWorld, withWorldTrapped, type SegmentationSpec, type SimNode, type World } from "./index.ts";
import { recordingClient, type ClientHandle } from "./testing.ts";

interface Sink {
  chunks: Uint8Array[];
  closedWith: { code: string; atMs: number } | undefined;
  connection: Connection | undefined;
}

/** A server that records every chunk it receives (and how its one connection closed). */
function sinkServer(sink: Sink, port: number): (env: Env) => Promise<{ stop(): Promise<void> }> {
  return async (env) => {
    const listener = await env.net.listen("0.0.0.0", port, (connection) => {
      sink.connection = connection;
      connection.onData((chunk) => sink.chunks.push(chunk.slice()));
      connection.onClose((reason) => {
        sink.closedWith = { code: reason instanceof NetError ? reason.code : "clean", atMs: env.clock.monotonicMs() };
      });
    });
    return { stop: () => listener.close() };
  };
}

/** Read through a call: an earlier assert.equal(..., undefined) must not narrow later reads. */
function closedOf(sink: Sink): Sink["closedWith"] {
  return sink.closedWith;
}

function newSink(): Sink {
  return { chunks: [], closedWith: undefined, connection: undefined };
}

function joined(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

async function pair(seed: number, segmentation: SegmentationSpec | null): Promise<{ world: World; sink: Sink; client: ClientHandle; server: SimNode }> {
  const world = createWorld({ seed, network: { latencyMs: 1, jitterMs: 0, segmentation } });
  const server = world.addNode({ name: "server", ip: "10.0.0.1" });
  const sink = newSink();
  await world.settle(server.start(sinkServer(sink, 7000)));
  const client = await world.settle(world.addNode({ name: "client", ip: "10.0.0.2" }).start(recordingClient("10.0.0.1", 7000)));
  await world.runFor(5);
  return { world, sink, client, server };
}

const arbSegmentation: fc.Arbitrary<SegmentationSpec> = fc.record({
  maxSegmentBytes: fc.integer({ min: 1, max: 300 }),
  splitPercent: fc.integer({ min: 0, max: 100 }),
  coalescePercent: fc.integer({ min: 0, max: 100 }),
  pieceGapMaxMs: fc.constantFrom(0, 0.01, 0.5, 3),
});

test("segmentation: any split/coalesce setting delivers exactly the written bytes, in order, replayably", async () => {
  await withWorldTrapped(() =>
    fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), arbSegmentation, fc.array(fc.uint8Array({ minLength: 1, maxLength: 700 }), { minLength: 1, maxLength: 30 }), async (seed, spec, writes) => {
        const outcomes: { chunks: number[]; hash: string }[] = [];
        for (let run = 0; run < 2; run++) {
          const { world, sink, client } = await pair(seed, spec);
          for (const bytes of writes) assert.equal(client.recorder.connection.write(bytes), true);
          client.recorder.connection.end();
          await world.runFor(writes.length * 20 + 100);
          assert.deepEqual(joined(sink.chunks), joined(writes), "the byte stream is intact");
          for (const chunk of sink.chunks) assert.ok(chunk.length <= Math.max(spec.maxSegmentBytes, 65_536));
          assert.equal(sink.closedWith?.code, "clean", "FIN arrives after every byte");
          outcomes.push({ chunks: sink.chunks.map((chunk) => chunk.length), hash: world.traceHash() });
        }
        assert.deepEqual(outcomes[1], outcomes[0], "same seed, same chunking, same trace");
      }),
      { numRuns: 40, seed: 7 },
    ),
  );
});

test("segmentation splits writes and coalesces them: chunk boundaries differ from write boundaries", async () => {
  await withWorldTrapped(async () => {
    const split = await pair(3, { maxSegmentBytes: 7, splitPercent: 0, coalescePercent: 0, pieceGapMaxMs: 0 });
    split.client.recorder.send("0123456789abcdefghij");
    await split.world.runFor(10);
    assert.deepEqual(split.sink.chunks.map((chunk) => chunk.length), [7, 7, 6], "cut at every maxSegmentBytes");

    const merged = await pair(4, { maxSegmentBytes: 1000, splitPercent: 0, coalescePercent: 100, pieceGapMaxMs: 0 });
    for (const text of ["one;", "two;", "three;"]) merged.client.recorder.send(text);
    await merged.world.runFor(10);
    assert.deepEqual(merged.sink.chunks.map((chunk) => new TextDecoder().decode(chunk)), ["one;two;three;"], "three writes, one chunk");

    const random = await pair(5, { maxSegmentBytes: 64, splitPercent: 60, coalescePercent: 40, pieceGapMaxMs: 0.2 });
    const writes: string[] = [];
    for (let index = 0; index < 50; index++) writes.push(`${"w".repeat(index % 37)}${index};`);
    for (const text of writes) random.client.recorder.send(text);
    await random.world.runFor(100);
    const sizes = random.sink.chunks.map((chunk) => chunk.length);
    assert.equal(new TextDecoder().decode(joined(random.sink.chunks)), writes.join(""));
    assert.notDeepEqual(sizes, writes.map((text) => text.length), "the chunking is not the writes'");
  });
});

test("back-pressure: a write leaves in pieces over time and pendingWriteBytes drains piece by piece", async () => {
  await withWorldTrapped(async () => {
    const { world, sink, client } = await pair(6, { maxSegmentBytes: 10, splitPercent: 0, coalescePercent: 0, pieceGapMaxMs: 2 });
    const connection = client.recorder.connection;
    connection.write(new Uint8Array(100).fill(1));
    assert.equal(connection.pendingWriteBytes(), 100);
    const pending: number[] = [];
    for (let step = 0; step < 40 && connection.pendingWriteBytes() > 0; step++) {
      await world.runFor(0.5);
      pending.push(connection.pendingWriteBytes());
    }
    assert.equal(connection.pendingWriteBytes(), 0);
    assert.equal(joined(sink.chunks).length, 100);
    const distinct = new Set(pending.filter((bytes) => bytes > 0 && bytes < 100));
    assert.ok(distinct.size >= 3, `the backlog shrank in steps: ${pending.join(",")}`);
  });
});

test("reset mid-frame with bytes in flight: a strict prefix arrives, then ECONNRESET; the other side hears it later", async () => {
  await withWorldTrapped(async () => {
    const { world, sink, client } = await pair(8, null);
    const frame = new Uint8Array(1000).map((_, index) => index & 0xff);
    const startMs = world.elapsedMs;
    client.recorder.connection.write(frame);
    const handle = world.net.resetConnections({ from: "client", to: "server", midFrame: true, asymmetricDelayMs: 50 });
    assert.deepEqual({ reset: handle.reset, armed: handle.armed }, { reset: 1, armed: 0 });
    // The late side (server) writes into the void before it hears the reset.
    await world.runFor(10);
    assert.equal(sink.closedWith, undefined, "the server has not heard yet");
    assert.equal(sink.connection!.write(new TextEncoder().encode("into the void")), true);
    await world.runFor(100);
    const got = joined(sink.chunks);
    assert.ok(got.length < frame.length, `a strict prefix (${got.length} bytes)`);
    assert.deepEqual(got, frame.subarray(0, got.length));
    assert.equal(client.recorder.closedWith?.reason instanceof NetError && client.recorder.closedWith.reason.code, "ECONNRESET");
    assert.equal(client.recorder.text, "", "nothing written into the void arrived");
    const closed = closedOf(sink);
    assert.equal(closed?.code, "ECONNRESET");
    assert.ok(closed.atMs - startMs >= 50, `the server heard ${closed.atMs - startMs} ms after the reset`);
    assert.deepEqual({ ...world.net.stats(), segmentsDelivered: 0, bytesDelivered: 0 }, { segmentsDelivered: 0, bytesDelivered: 0, connectionsReset: 1, bytesIntoVoid: 13 });
  });
});

test("reset between frames: everything written arrives, then ECONNRESET; an idle connection is armed for mid-frame", async () => {
  await withWorldTrapped(async () => {
    const clean = await pair(9, null);
    clean.client.recorder.send("whole frame");
    clean.world.net.resetConnections({ from: "server", to: "client", midFrame: false });
    await clean.world.runFor(20);
    assert.equal(new TextDecoder().decode(joined(clean.sink.chunks)), "whole frame");
    assert.equal(clean.sink.closedWith?.code, "ECONNRESET");

    const armed = await pair(10, null);
    const handle = armed.world.net.resetConnections({ from: "client", to: "server", midFrame: true });
    assert.deepEqual({ reset: handle.reset, armed: handle.armed }, { reset: 0, armed: 1 });
    await armed.world.runFor(50);
    assert.equal(armed.sink.closedWith, undefined, "an armed connection lives until it writes");
    armed.client.recorder.send("x".repeat(100));
    await armed.world.runFor(20);
    assert.ok(joined(armed.sink.chunks).length < 100, "the next write was cut");
    assert.equal(closedOf(armed.sink)?.code, "ECONNRESET");

    const disarmed = await pair(11, null);
    disarmed.world.net.resetConnections({ from: "client", to: "server", midFrame: true }).disarm();
    disarmed.client.recorder.send("safe");
    await disarmed.world.runFor(20);
    assert.equal(new TextDecoder().decode(joined(disarmed.sink.chunks)), "safe");
    assert.equal(disarmed.sink.closedWith, undefined);
  });
});

test("a flow fault with resetMidFrame resets connections inside writes, replayably", async () => {
  const hashes: string[] = [];
  for (let run = 0; run < 2; run++) {
    await withWorldTrapped(async () => {
      const { world, sink, client } = await pair(12, { maxSegmentBytes: 50, splitPercent: 50, coalescePercent: 50, pieceGapMaxMs: 0.1 });
      world.net.addFlowFault({ from: "client", to: "server", direction: "one-way", resetMidFrame: { numerator: 1, denominator: 1, asymmetricDelayMs: 5 } });
      client.recorder.send("a".repeat(300));
      await world.runFor(50);
      assert.ok(joined(sink.chunks).length < 300);
      assert.equal(sink.closedWith?.code, "ECONNRESET");
      assert.equal(client.recorder.closedWith?.reason instanceof NetError && client.recorder.closedWith.reason.code, "ECONNRESET");
      hashes.push(world.traceHash());
    });
  }
  assert.equal(hashes[0], hashes[1]);
});
