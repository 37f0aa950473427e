import { strict as assert } from "node:assert";
import { test } from "node:test";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { MemoryDisk } from "./testing/memory_disk.ts";
import { makeMessage } from "./testing/messages.ts";
import { createTestEnv } from "./testing/test_env.ts";

function config(overrides: Partial<StoreConfig> = {}): StoreConfig {
  return { ...defaultStoreConfig("/store"), mappedFileSizeCommitLog: 2048, mappedFileSizeConsumeQueue: 20 * 4,
    maxMessageSize: 1024, maxHashSlotNum: 8, maxIndexNum: 8, deleteWhen: "13", ...overrides };
}

const HOUR_MS = 3_600_000;

async function filledStore(storeConfig: StoreConfig, disk = new MemoryDisk()): Promise<{ store: DefaultMessageStore; env: ReturnType<typeof createTestEnv> }> {
  const env = createTestEnv({ disk });
  const store = new DefaultMessageStore(env, storeConfig);
  assert.ok(store.load());
  store.start();
  for (let index = 0; index < 30; index++) {
    assert.equal((await store.putMessage(makeMessage({ body: new Uint8Array(400), keys: `k${index}` }))).status, "PUT_OK");
  }
  return { store, env };
}

test("retention: nothing before fileReservedTime or outside deleteWhen; then old files go, queues follow", async () => {
  // Arrange: written at 12:00 UTC.
  const { store, env } = await filledStore(config());
  const files = store.commitLog.queue.files.length;
  assert.ok(files >= 6);
  // Act + Assert: 25 h later at 13:00 — the hour matches but nothing is 72 h old.
  env.time.skewWallClock(25 * HOUR_MS);
  assert.equal(store.cleanService.run(), 0);
  // 73 h later but at 14:00 — old enough, wrong hour.
  env.time.skewWallClock(49 * HOUR_MS);
  assert.equal(store.cleanService.run(), 0);
  // 96 h + 1 h later, 13:00 again: every file but the newest goes.
  env.time.skewWallClock(23 * HOUR_MS);
  assert.equal(store.cleanService.run(), files - 1);
  assert.equal(store.commitLog.queue.files.length, 1);
  const minPhy = store.getMinPhyOffset();
  assert.ok(minPhy > 0);
  const minQueue = store.getMinOffsetInQueue("TopicTest", 0);
  assert.ok(minQueue > 0);
  assert.equal(store.getMessage("g", "TopicTest", 0, 0, 4).status, "OFFSET_TOO_SMALL");
  assert.equal(store.getMessage("g", "TopicTest", 0, 0, 4).nextBeginOffset, minQueue);
  const found = store.getMessage("g", "TopicTest", 0, minQueue, 32);
  assert.equal(found.status, "FOUND");
  assert.equal(found.messages.length, 30 - minQueue);
  assert.ok(store.consumeQueues.find("TopicTest", 0)!.queue.first()!.fileFromOffset > 0, "old CQ files deleted");
  assert.ok((store.indexService?.files.length ?? 0) >= 1);
  assert.ok(store.indexService!.files[0]!.header.endPhyOffset >= minPhy, "old index files deleted");
  await store.shutdown();
});

test("retention: over the disk ratio deletes expired files at any hour; over the forcible ratio, young ones too", async () => {
  const disk = new MemoryDisk();
  const { store, env } = await filledStore(config({ deleteWhen: "03" }), disk);
  const files = store.commitLog.queue.files.length;
  disk.capacityBytes = Math.floor(disk.usedBytes() / 0.8);
  assert.equal(store.cleanService.run(), 0, "80 % full but nothing expired");
  env.time.skewWallClock(73 * HOUR_MS);
  assert.equal(store.cleanService.run(), files - 1);
  await store.shutdown();
  const second = await filledStore(config({ deleteWhen: "03", deleteFilesBatchMax: 2 }));
  second.env.memoryDisk.capacityBytes = Math.floor(second.env.memoryDisk.usedBytes() / 0.9);
  assert.equal(second.store.cleanService.run(), 2, "forcible clean, batch-limited");
  assert.equal(second.store.cleanService.run(), 0, "below the forcible ratio again: young files stay");
  await second.store.shutdown();
});

test("retention survives a restart: age comes from the next file's first store time", async () => {
  const disk = new MemoryDisk();
  const storeConfig = config();
  const { store } = await filledStore(storeConfig, disk);
  const files = store.commitLog.queue.files.length;
  await store.shutdown();
  const env = createTestEnv({ disk });
  env.time.skewWallClock(73 * HOUR_MS);
  const reopened = new DefaultMessageStore(env, storeConfig);
  assert.ok(reopened.load());
  reopened.start();
  assert.equal(reopened.cleanService.run(), files - 1);
  await reopened.shutdown();
});
