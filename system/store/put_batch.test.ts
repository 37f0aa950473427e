import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { DiskFile } from "../env/env.ts";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { MemoryDisk } from "./testing/memory_disk.ts";
import { makeMessage } from "./testing/messages.ts";
import { readAllQueues } from "./testing/store_check.ts";
import { createTestEnv } from "./testing/test_env.ts";

/** A MemoryDisk that counts write() calls per directory (commitlog, consumequeue, index). */
class CountingDisk extends MemoryDisk {
  readonly writesByArea = new Map<string, number>();

  override open(path: string, options?: { create?: boolean }): DiskFile {
    const file = super.open(path, options);
    const area = ["commitlog", "consumequeue", "index"].find((name) => path.includes(`/${name}/`)) ?? "other";
    const write = file.write.bind(file);
    file.write = (position: number, data: Uint8Array): void => {
      this.writesByArea.set(area, (this.writesByArea.get(area) ?? 0) + 1);
      write(position, data);
    };
    return file;
  }

  writes(area: string): number {
    return this.writesByArea.get(area) ?? 0;
  }
}

function config(overrides: Partial<StoreConfig> = {}): StoreConfig {
  return { ...defaultStoreConfig("/store"), mappedFileSizeCommitLog: 64 * 1024, mappedFileSizeConsumeQueue: 2000,
    maxMessageSize: 2048, maxHashSlotNum: 64, maxIndexNum: 4096, diskMaxUsedSpaceRatio: 100, ...overrides };
}

function startStore(disk: MemoryDisk, env = createTestEnv({ disk })): DefaultMessageStore {
  const store = new DefaultMessageStore(env, config());
  assert.ok(store.load());
  store.start();
  return store;
}

test("puts made in one turn share one commit-log write, one consume-queue write and one index batch", async () => {
  const disk = new CountingDisk();
  const store = startStore(disk);
  const before = { commitlog: disk.writes("commitlog"), consumequeue: disk.writes("consumequeue"), index: disk.writes("index") };
  const puts = Array.from({ length: 20 }, (_, index) => store.putMessage(makeMessage({ body: `m${index}`, keys: `k${index}` })));
  // Same turn: offsets are assigned and the bytes are readable before any write happened.
  assert.equal(disk.writes("commitlog"), before.commitlog);
  assert.ok(store.getMaxPhyOffset() > 0);
  assert.ok(store.selectOneMessageByOffset(0) !== undefined, "reads see the deferred tail");
  const results = await Promise.all(puts);
  assert.deepEqual(results.map((result) => result.status), Array(20).fill("PUT_OK"));
  assert.deepEqual(results.map((result) => result.appendResult?.queueOffset), [...Array(20).keys()]);
  assert.equal(disk.writes("commitlog") - before.commitlog, 1);
  assert.equal(disk.writes("consumequeue") - before.consumequeue, 1);
  // Index: the new file's header, then the entries once; slots wait for the checkpoint.
  const indexWrites = disk.writes("index") - before.index;
  assert.equal(indexWrites, 2, `index writes ${indexWrites}`);
  assert.equal(readAllQueues(store).get("TopicTest/0")?.length, 20);
  assert.deepEqual(store.queryMessage("TopicTest", "k7", 10, 0, Number.MAX_SAFE_INTEGER).messages.length, 1);
  await store.shutdown();
});

test("a put is acknowledged only after its bytes were written: the drain precedes every resolution", async () => {
  const disk = new CountingDisk();
  const store = startStore(disk);
  const put = store.putMessage(makeMessage({ body: "x" }));
  let resolved = false;
  void put.then(() => {
    resolved = true;
  });
  assert.equal(disk.writes("commitlog"), 0);
  assert.equal(resolved, false);
  await put;
  assert.equal(disk.writes("commitlog"), 1);
  await store.shutdown();
});

test("ENOSPC in a turn's write: every put of the turn fails, queue offsets are given back, the store goes on", async () => {
  const disk = new MemoryDisk();
  const env = createTestEnv({ disk });
  const store = startStore(disk, env);
  assert.equal((await store.putMessage(makeMessage({ body: "first" }))).status, "PUT_OK");
  const maxBefore = store.getMaxPhyOffset();
  disk.capacityBytes = disk.usedBytes() + 100;
  const turn = await Promise.all([0, 1, 2].map((index) => store.putMessage(makeMessage({ body: new Uint8Array(200).fill(index) }))));
  assert.deepEqual(turn.map((result) => `${result.status}/${result.reason}`), Array(3).fill("SERVICE_NOT_AVAILABLE/disk full"));
  assert.equal(store.getMaxPhyOffset(), maxBefore);
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 1);
  disk.capacityBytes = 2 ** 40;
  env.time.advance(1000);
  const again = await store.putMessage(makeMessage({ body: "again" }));
  assert.equal(again.status, "PUT_OK");
  assert.equal(again.appendResult?.queueOffset, 1, "the failed turn's queue offsets were given back");
  assert.equal(again.appendResult?.wroteOffset, maxBefore);
  assert.deepEqual(readAllQueues(store).get("TopicTest/0")?.map((message) => new TextDecoder().decode(message.body)), ["first", "again"]);
  await store.shutdown();
});

test("a crash (halt) between the appends and the turn's write loses only unacknowledged puts", async () => {
  const disk = new MemoryDisk();
  const store = startStore(disk);
  assert.equal((await store.putMessage(makeMessage({ body: "acked" }))).status, "PUT_OK");
  const lost = store.putMessage(makeMessage({ body: "never acked" }));
  store.halt();
  const result = await lost;
  assert.equal(result.status, "SERVICE_NOT_AVAILABLE");
  const reopened = startStore(disk);
  assert.deepEqual(readAllQueues(reopened).get("TopicTest/0")?.map((message) => new TextDecoder().decode(message.body)), ["acked"]);
  await reopened.shutdown();
});
