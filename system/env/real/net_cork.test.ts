// Corked writes of the real net (net.ts): frames written in one turn leave together, intact and
// in order, a write in a later turn is not held back, and end() right after writes in the
// same turn still delivers every byte before the close.
import assert from "node:assert/strict";
import test from "node:test";
import type { Connection } from "../env.ts";
import { createRealEnv } from "./index.ts";

function collect(connection: Connection, expectedBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  return new Promise((resolve) => {
    const finish = (): void => {
      const all = new Uint8Array(total);
      let at = 0;
      for (const chunk of chunks) {
        all.set(chunk, at);
        at += chunk.length;
      }
      resolve(all);
    };
    connection.onData((chunk) => {
      chunks.push(Uint8Array.from(chunk));
      total += chunk.length;
      if (total >= expectedBytes) finish();
    });
    connection.onClose(() => finish());
  });
}

test("writes of one turn arrive in order, later turns are not held back, end() flushes", async () => {
  const env = createRealEnv({ nodeName: "t", logLevel: "silent" });
  try {
    const frames = Array.from({ length: 200 }, (_, index) => new Uint8Array(1000).fill(index % 251));
    const expected = frames.length * 1000 + 3;
    let serverSide: Connection | undefined;
    let onAccepted: () => void = () => undefined;
    const accepted = new Promise<void>((resolve) => (onAccepted = resolve));
    const listening = await env.net.listen("127.0.0.1", 0, (connection) => {
      serverSide = connection;
      onAccepted();
    });
    const client = await env.net.connect("127.0.0.1", listening.port, { timeoutMs: 1000 });
    await accepted;
    const received = collect(client, expected);
    for (const frame of frames) assert.equal(serverSide!.write(frame), true);
    await new Promise((resolve) => setImmediate(resolve));
    serverSide!.write(Uint8Array.of(1, 2));
    serverSide!.write(Uint8Array.of(3));
    serverSide!.end();
    const bytes = await received;
    assert.equal(bytes.length, expected);
    for (let index = 0; index < frames.length; index++) assert.equal(bytes[index * 1000 + 999], index % 251);
    assert.deepEqual([...bytes.subarray(frames.length * 1000)], [1, 2, 3]);
    await listening.close();
  } finally {
    env.close();
  }
});
