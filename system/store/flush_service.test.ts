import { strict as assert } from "node:assert";
import { test } from "node:test";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { MemoryDisk } from "./testing/memory_disk.ts";
import { makeMessage } from "./testing/messages.ts";
import { createTestEnv } from "./testing/test_env.ts";

/** Wraps a Disk to count fsyncs of commit-log files and hold them until released. */
class GatedDisk {
  commitLogFsyncs = 0;
  private gates: (() => void)[] = [];
  holding = false;
  readonly disk: MemoryDisk;

  constructor() {
    this.disk = new MemoryDisk({
      onFsync: (path) => {
        if (!path.includes("/commitlog/")) return Promise.resolve();
        this.commitLogFsyncs++;
        if (!this.holding) return Promise.resolve();
        return new Promise((resolve) => this.gates.push(resolve));
      },
    });
  }

  releaseAll(): void {
    const gates = this.gates;
    this.gates = [];
    for (const gate of gates) gate();
  }

  pending(): number {
    return this.gates.length;
  }
}

function syncConfig(overrides: Partial<StoreConfig> = {}): StoreConfig {
  return { ...defaultStoreConfig("/store"), mappedFileSizeCommitLog: 64 * 1024, mappedFileSizeConsumeQueue: 2000, maxMessageSize: 32 * 1024,
    flushDiskType: "SYNC_FLUSH", maxHashSlotNum: 16, maxIndexNum: 64, ...overrides };
}

/** A started SYNC_FLUSH store whose commit-log fsyncs are held until released. */
function startHeldSyncStore(): { gated: GatedDisk; env: ReturnType<typeof createTestEnv>; store: DefaultMessageStore } {
  const gated = new GatedDisk();
  const env = createTestEnv({ disk: gated.disk });
  const store = new DefaultMessageStore(env, syncConfig());
  assert.ok(store.load());
  store.start();
  gated.holding = true;
  return { gated, env, store };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Advances virtual time in steps, letting promise callbacks run between timer firings. */
async function advanceSettled(env: ReturnType<typeof createTestEnv>, ms: number, stepMs = 100): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    env.time.advance(Math.min(stepMs, ms - done));
    await settle();
  }
}

test("SYNC_FLUSH: puts resolve only after fsync, and concurrent puts share one group commit", async () => {
  // Arrange
  const { gated, store } = startHeldSyncStore();
  // Act: ten putters at once.
  let resolved = 0;
  const puts = Array.from({ length: 10 }, (_, index) =>
    store.putMessage(makeMessage({ body: `m${index}` })).then((result) => { resolved++; return result; }));
  await settle();
  // Assert: nothing acknowledged while the fsync is held.
  assert.equal(resolved, 0);
  assert.equal(gated.pending(), 1);
  gated.releaseAll();
  await settle();
  gated.releaseAll();
  const results = await Promise.all(puts);
  assert.ok(results.every((result) => result.status === "PUT_OK"));
  assert.ok(gated.commitLogFsyncs <= 2, `fsyncs: ${gated.commitLogFsyncs}`);
  assert.ok(store.getFlushedPhyOffset() >= store.getMaxPhyOffset());
  gated.holding = false;
  await store.shutdown();
});

test("SYNC_FLUSH: a stuck fsync gives FLUSH_DISK_TIMEOUT after syncFlushTimeout; WAIT=false does not wait", async () => {
  const { gated, env, store } = startHeldSyncStore();
  let status: string | undefined;
  const put = store.putMessage(makeMessage()).then((result) => { status = result.status; });
  await settle();
  env.time.advance(4999);
  await settle();
  assert.equal(status, undefined);
  env.time.advance(1);
  await put;
  assert.equal(status, "FLUSH_DISK_TIMEOUT");
  const noWait = await store.putMessage(makeMessage({ properties: { WAIT: "false" } }));
  assert.equal(noWait.status, "PUT_OK");
  gated.holding = false;
  gated.releaseAll();
  await store.shutdown();
});

test("SYNC_FLUSH: the puts of one turn share one flush wait; a stuck fsync times out each turn's puts at their own deadline", async () => {
  // Arrange
  const { gated, env, store } = startHeldSyncStore();
  const statuses: string[] = [];
  const track = (promise: ReturnType<typeof store.putMessage>, label: string): Promise<void> =>
    promise.then((result) => { statuses.push(`${label}:${result.status}`); });
  // Act: eight puts in one turn, then two more a second later.
  const first = Array.from({ length: 8 }, (_, index) => track(store.putMessage(makeMessage({ body: `a${index}` })), "first"));
  await settle();
  assert.equal(store.flusher.waiting, 1, "one wait for the whole turn");
  env.time.advance(1000);
  const second = Array.from({ length: 2 }, (_, index) => track(store.putMessage(makeMessage({ body: `b${index}` })), "second"));
  await settle();
  assert.equal(store.flusher.waiting, 2);
  env.time.advance(3999);
  await settle();
  assert.deepEqual(statuses, []);
  env.time.advance(1);
  await Promise.all(first);
  // Assert: the first turn timed out together; the second still waits for its own deadline.
  assert.deepEqual(statuses, Array(8).fill("first:FLUSH_DISK_TIMEOUT"));
  gated.holding = false;
  gated.releaseAll();
  await advanceSettled(env, 100);
  await Promise.all(second);
  assert.deepEqual(statuses.slice(8), ["second:PUT_OK", "second:PUT_OK"]);
  await store.shutdown();
});

test("ASYNC_FLUSH: periodic flush respects least pages, thorough interval flushes the rest", async () => {
  const disk = new MemoryDisk();
  let fsyncs = 0;
  disk.onFsync = (path) => { if (path.includes("/commitlog/")) fsyncs++; return Promise.resolve(); };
  const env = createTestEnv({ disk });
  const store = new DefaultMessageStore(env, syncConfig({ flushDiskType: "ASYNC_FLUSH" }));
  assert.ok(store.load());
  store.start();
  const put = await store.putMessage(makeMessage({ body: "small" }));
  assert.equal(put.status, "PUT_OK");
  env.time.advance(500);
  await settle();
  assert.equal(fsyncs, 0, "under 4 dirty pages: no flush");
  await store.putMessage(makeMessage({ body: new Uint8Array(5 * 4096) }));
  env.time.advance(500);
  await settle();
  assert.equal(fsyncs, 1);
  await store.putMessage(makeMessage({ body: "tail" }));
  await advanceSettled(env, 10_000);
  assert.equal(fsyncs, 2, "thorough interval flushes a small dirty tail");
  assert.equal(store.getFlushedPhyOffset(), store.getMaxPhyOffset());
  await store.shutdown();
});

