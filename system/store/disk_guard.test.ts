import { strict as assert } from "node:assert";
import { test } from "node:test";
import { decodeMessageRecord } from "../message/index.ts";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { MemoryDisk } from "./testing/memory_disk.ts";
import { makeMessage } from "./testing/messages.ts";
import { readAllQueues } from "./testing/store_check.ts";
import { createTestEnv } from "./testing/test_env.ts";

function config(overrides: Partial<StoreConfig> = {}): StoreConfig {
  return { ...defaultStoreConfig("/store"), mappedFileSizeCommitLog: 4096, mappedFileSizeConsumeQueue: 200,
    maxMessageSize: 2048, maxHashSlotNum: 8, maxIndexNum: 64, ...overrides };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("over diskMaxUsedSpaceRatio: writes refused as SERVICE_NOT_AVAILABLE 'disk full', resumed when space frees", async () => {
  // Arrange: a 10 000-byte disk, 75 % ratio.
  const disk = new MemoryDisk({ capacityBytes: 10_000 });
  const env = createTestEnv({ disk });
  const store = new DefaultMessageStore(env, config());
  assert.ok(store.load());
  store.start();
  let accepted = 0;
  let refused;
  // Act: fill until refused.
  for (let index = 0; index < 200 && refused === undefined; index++) {
    const result = await store.putMessage(makeMessage({ body: new Uint8Array(200).fill(index) }));
    if (result.status === "PUT_OK") accepted++;
    else refused = result;
    env.time.advance(1000);
  }
  // Assert
  assert.equal(refused?.status, "SERVICE_NOT_AVAILABLE");
  assert.equal(refused?.reason, "disk full");
  assert.equal(refused?.appendResult, undefined);
  assert.equal(readAllQueues(store).get("TopicTest/0")?.length, accepted);
  disk.capacityBytes = 1_000_000;
  env.time.advance(1000);
  assert.equal((await store.putMessage(makeMessage())).status, "PUT_OK");
  await store.shutdown();
});

test("ENOSPC during a commit-log write: the put fails cleanly, nothing half-visible, store usable afterwards", async () => {
  const disk = new MemoryDisk({ capacityBytes: 1_000_000 });
  const env = createTestEnv({ disk });
  const storeConfig = config({ diskMaxUsedSpaceRatio: 100 });
  const store = new DefaultMessageStore(env, storeConfig);
  assert.ok(store.load());
  store.start();
  for (let index = 0; index < 3; index++) assert.equal((await store.putMessage(makeMessage({ body: `ok${index}` }))).status, "PUT_OK");
  const maxBefore = store.getMaxPhyOffset();
  disk.capacityBytes = disk.usedBytes() + 50;
  const failed = await store.putMessage(makeMessage({ body: new Uint8Array(300) }));
  assert.equal(failed.status, "SERVICE_NOT_AVAILABLE");
  assert.equal(failed.reason, "disk full");
  assert.equal(store.getMaxPhyOffset(), maxBefore);
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 3);
  assert.equal((await store.putMessage(makeMessage())).reason, "disk full", "stays refused until space frees");
  disk.capacityBytes = 1_000_000;
  env.time.advance(1000);
  const after = await store.putMessage(makeMessage({ body: "after" }));
  assert.equal(after.status, "PUT_OK");
  assert.equal(after.appendResult?.wroteOffset, maxBefore);
  await store.shutdown();
  const reopened = new DefaultMessageStore(createTestEnv({ disk }), storeConfig);
  assert.ok(reopened.load());
  const bodies = readAllQueues(reopened).get("TopicTest/0")?.map((message) => new TextDecoder().decode(message.body));
  assert.deepEqual(bodies, ["ok0", "ok1", "ok2", "after"]);
});

test("ENOSPC while dispatching to the consume queue: message becomes visible once space frees", async () => {
  const disk = new MemoryDisk({ capacityBytes: 1_000_000 });
  const env = createTestEnv({ disk });
  const store = new DefaultMessageStore(env, config({ diskMaxUsedSpaceRatio: 100, messageIndexEnable: false }));
  assert.ok(store.load());
  store.start();
  assert.equal((await store.putMessage(makeMessage({ body: "first" }))).status, "PUT_OK");
  // Room for the commit-log record (same segment) but not for the consume-queue unit's growth.
  disk.capacityBytes = disk.usedBytes() + 115; // the record is 91 + 6 + 9 = 106 bytes
  const second = await store.putMessage(makeMessage({ body: "second" }));
  assert.equal(second.status, "PUT_OK");
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 1, "not visible yet");
  disk.capacityBytes = 1_000_000;
  env.time.advance(1000);
  await settle();
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 2);
  const got = store.getMessage("g", "TopicTest", 0, 1, 1);
  assert.equal(new TextDecoder().decode(decodeMessageRecord(got.messages[0]!).body), "second");
  await store.shutdown();
});

test("restart on a full disk with lost consume queues: new puts continue the queue's offsets once space frees", async () => {
  // Arrange: three messages stored, then a crash that loses the consume-queue files (never
  // fsynced before a power loss), then a restart while the disk is full, so recovery's
  // re-dispatch fails with ENOSPC (seed 1 swarm run 98).
  const disk = new MemoryDisk({ capacityBytes: 1_000_000 });
  const storeConfig = config({ diskMaxUsedSpaceRatio: 100, messageIndexEnable: false });
  const store = new DefaultMessageStore(createTestEnv({ disk }), storeConfig);
  assert.ok(store.load());
  store.start();
  for (let index = 0; index < 3; index++) assert.equal((await store.putMessage(makeMessage({ body: `old${index}` }))).status, "PUT_OK");
  store.halt();
  for (const path of [...disk.files.keys()]) if (path.includes("/consumequeue/")) disk.remove(path);
  disk.capacityBytes = disk.usedBytes();
  const env = createTestEnv({ disk });
  const reopened = new DefaultMessageStore(env, storeConfig);
  // Act
  assert.ok(reopened.load());
  reopened.start();
  disk.capacityBytes = 1_000_000;
  const put = await reopened.putMessage(makeMessage({ body: "new" }));
  env.time.advance(1000);
  await settle();
  // Assert: the new message takes offset 3, and every message is readable in order.
  assert.equal(put.status, "PUT_OK");
  assert.equal(put.appendResult?.logicsOffset, 3);
  const bodies = readAllQueues(reopened).get("TopicTest/0")?.map((message) => new TextDecoder().decode(message.body));
  assert.deepEqual(bodies, ["old0", "old1", "old2", "new"]);
  await reopened.shutdown();
});
