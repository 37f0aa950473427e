// withWorldTrapped: inside it the real world's time, timers and randomness throw, a whole
// simulation still runs, and everything is restored afterwards.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createWorld, withWorldTrapped, WorldAccessError } from "./index.ts";
import { echoServer, recordingClient } from "./testing.ts";

const worldAccesses: [string, () => unknown][] = [
  ["Date.now", () => Date.now()],
  ["new Date()", () => new Date()],
  ["Date()", () => (Date as unknown as () => string)()],
  ["setTimeout", () => setTimeout(() => {}, 1)],
  ["setInterval", () => setInterval(() => {}, 1)],
  ["setImmediate", () => setImmediate(() => {})],
  ["Math.random", () => Math.random()],
  ["performance.now", () => performance.now()],
  ["crypto.randomUUID", () => crypto.randomUUID()],
  ["crypto.getRandomValues", () => crypto.getRandomValues(new Uint8Array(4))],
];

test("inside withWorldTrapped every real-world primitive throws, and the sim still runs", async () => {
  const hashes: string[] = [];
  for (let run = 0; run < 2; run++) {
    await withWorldTrapped(async () => {
      for (const [name, access] of worldAccesses) {
        assert.throws(access, WorldAccessError, `${name} must be trapped`);
      }
      assert.equal(new Date(0).toISOString(), "1970-01-01T00:00:00.000Z", "new Date(ms) stays usable");
      assert.ok(new Date(5) instanceof Date);
      const world = createWorld({ seed: 11 });
      void world.addNode({ name: "server", ip: "10.0.0.1" }).start(echoServer(7000));
      const client = world.addNode({ name: "client", ip: "10.0.0.2" });
      const handle = await world.settle(client.start(recordingClient("10.0.0.1", 7000)));
      handle.recorder.send("trapped");
      await world.runFor(10_000);
      assert.equal(handle.recorder.text, "trapped");
      hashes.push(world.traceHash());
    });
  }
  assert.equal(hashes[0], hashes[1]);
  const realSetTimeout = globalThis.setTimeout;
  clearTimeout(realSetTimeout(() => {}, 1));
  assert.ok(Math.random() < 1 && performance.now() > 0 && crypto.randomUUID().length === 36);
  assert.ok(Date.now() > 0, "restored after the run");
});

test("system code that reaches for Date.now inside a sim run fails the run", async () => {
  await withWorldTrapped(async () => {
    const world = createWorld({ seed: 12 });
    void world.addNode({ name: "cheater", ip: "10.0.0.1" }).start(async (env) => {
      env.timers.setTimeout(() => Date.now(), 5);
      return { stop: async () => {} };
    });
    await assert.rejects(world.runFor(100), /Date\.now\(\) reached the real world/);
  });
});

test("nested withWorldTrapped restores only at the outermost exit", async () => {
  await withWorldTrapped(async () => {
    await withWorldTrapped(async () => {});
    assert.throws(() => Date.now(), WorldAccessError);
  });
  assert.doesNotThrow(() => Date.now());
});
