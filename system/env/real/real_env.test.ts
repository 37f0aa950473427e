// The real Env against real sockets and files: what every other test stands on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealEnv } from "./index.ts";
import { DiskError, NetError, type Connection } from "../env.ts";

test("net: echo over loopback, close is reported once", async () => {
  const env = createRealEnv({ nodeName: "t", logLevel: "silent" });
  try {
    const listener = await env.net.listen("127.0.0.1", 0, (server: Connection) => {
      server.onData((chunk) => server.write(chunk));
    });
    const client = await env.net.connect("127.0.0.1", listener.port, { timeoutMs: 1000 });
    const received: number[] = [];
    const echoed = new Promise<void>((resolve) => {
      client.onData((chunk) => {
        received.push(...chunk);
        if (received.length === 3) resolve();
      });
    });
    let closes = 0;
    const closed = new Promise<void>((resolve) => client.onClose(() => { closes++; resolve(); }));
    client.write(new Uint8Array([1, 2, 3]));
    await echoed;
    assert.deepEqual(received, [1, 2, 3]);
    client.destroy();
    await closed;
    assert.equal(closes, 1);
    assert.equal(client.write(new Uint8Array([4])), false);
    await listener.close();
  } finally {
    env.close();
  }
});

test("net: connect to a closed port is refused; a taken port is EADDRINUSE", async () => {
  const env = createRealEnv({ nodeName: "t", logLevel: "silent" });
  try {
    const listener = await env.net.listen("127.0.0.1", 0, () => {});
    await assert.rejects(env.net.listen("127.0.0.1", listener.port, () => {}), (e: unknown) =>
      e instanceof NetError && e.code === "EADDRINUSE");
    await listener.close();
    await assert.rejects(env.net.connect("127.0.0.1", listener.port, { timeoutMs: 1000 }), (e: unknown) =>
      e instanceof NetError && e.code === "ECONNREFUSED");
  } finally {
    env.close();
  }
});

test("disk: write, read, truncate, fsync, atomic write, list", async () => {
  const env = createRealEnv({ nodeName: "t", logLevel: "silent" });
  const dir = mkdtempSync(join(tmpdir(), "mqlab-env-"));
  try {
    env.disk.mkdirs(join(dir, "a/b"));
    const file = env.disk.open(join(dir, "a/b/f"), { create: true });
    file.write(0, new Uint8Array([1, 2, 3, 4]));
    file.write(10, new Uint8Array([9]));
    assert.equal(file.sizeBytes(), 11);
    assert.deepEqual([...file.read(2, 4)], [3, 4, 0, 0]);
    assert.equal(file.read(9, 100).length, 2);
    file.truncate(2);
    assert.equal(file.sizeBytes(), 2);
    await file.fsync();
    file.close();
    await env.disk.writeFileAtomic(join(dir, "cfg.json"), new TextEncoder().encode("{}"));
    assert.equal(new TextDecoder().decode(env.disk.readFile(join(dir, "cfg.json"))), "{}");
    assert.equal(env.disk.readFile(join(dir, "missing")), undefined);
    assert.deepEqual(env.disk.list(dir), ["a", "cfg.json"]);
    assert.throws(() => env.disk.open(join(dir, "nope")), (e: unknown) => e instanceof DiskError && e.code === "ENOENT");
    const space = env.disk.space(join(dir, "not/yet"));
    assert.ok(space.totalBytes > 0 && space.freeBytes >= 0);
  } finally {
    env.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("timers and random", async () => {
  const env = createRealEnv({ nodeName: "t", logLevel: "silent" });
  try {
    let fired = 0;
    const handle = env.timers.setTimeout(() => fired++, 1);
    const cleared = env.timers.setTimeout(() => fired += 100, 1);
    env.timers.clear(cleared);
    env.timers.clear(handle);
    env.timers.setTimeout(() => fired++, 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(fired, 1);
    for (let i = 0; i < 100; i++) {
      const value = env.random.intBetween(3, 5);
      assert.ok(value >= 3 && value <= 5);
    }
    assert.equal(env.random.chance(0, 10), false);
    assert.equal(env.random.chance(10, 10), true);
  } finally {
    env.close();
  }
});
