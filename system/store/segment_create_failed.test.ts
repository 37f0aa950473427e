// A put that closes a full commit-log segment with its BLANK filler and then cannot create the
// next segment (inode exhaustion: CREATE_MAPEDFILE_FAILED) still leaves the filler in the log,
// as 4.9.x's filler sits in the mmap: written to the page cache in the same turn, so a process
// crash keeps what HA may already have shipped to a slave (seed 1 swarm run 444 diverged).

import { strict as assert } from "node:assert";
import { test } from "node:test";
import { DiskError } from "../env/env.ts";
import { BLANK_MAGIC_CODE, readInt32BE } from "../message/index.ts";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig, type StoreConfig } from "./store_config.ts";
import { makeMessage } from "./testing/messages.ts";
import { createTestEnv, type TestEnv } from "./testing/test_env.ts";

const SEGMENT_BYTES = 4096;
const config: StoreConfig = {
  ...defaultStoreConfig("/store"), mappedFileSizeCommitLog: SEGMENT_BYTES, mappedFileSizeConsumeQueue: 20 * 10, maxMessageSize: 1024,
  maxHashSlotNum: 16, maxIndexNum: 32,
};

function openStore(env: TestEnv): DefaultMessageStore {
  const store = new DefaultMessageStore(env, config);
  assert.ok(store.load());
  store.start();
  return store;
}

/** Makes creating a file fail with ENOSPC while `refuse()` says so (existing files still open). */
function refuseCreates(env: TestEnv, refuse: () => boolean): void {
  const disk = env.memoryDisk;
  const open = disk.open.bind(disk);
  disk.open = (path, options) => {
    if (refuse() && options?.create === true && !disk.exists(path)) throw new DiskError("ENOSPC", `no inode left to create ${path}`);
    return open(path, options);
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("a refused put that closed its segment writes the BLANK filler this turn; a crash keeps it", async () => {
  // Arrange: a segment too full for one more record, and no inode for the next segment.
  const env = createTestEnv();
  let inodesLeft = true;
  refuseCreates(env, () => !inodesLeft);
  const store = openStore(env);
  const message = () => makeMessage({ body: "x".repeat(300) });
  const first = await store.putMessage(message());
  const recordBytes = first.appendResult!.wroteBytes;
  while (store.getMaxPhyOffset() + 2 * recordBytes + 8 <= SEGMENT_BYTES) assert.equal((await store.putMessage(message())).status, "PUT_OK");
  assert.equal((await store.putMessage(message())).status, "PUT_OK");
  const fillerAt = store.getMaxPhyOffset();
  assert.ok(fillerAt + recordBytes + 8 > SEGMENT_BYTES && fillerAt < SEGMENT_BYTES, "the next record does not fit");
  inodesLeft = false;

  // Act: the put closes the segment, then fails to create the next one.
  const refused = await store.putMessage(message());
  await settle();

  // Assert: refused, the segment closed, and the filler on disk (nothing left in memory).
  assert.equal(refused.status, "CREATE_MAPEDFILE_FAILED");
  assert.equal(store.getMaxPhyOffset(), SEGMENT_BYTES, "the filler closed the segment");
  assert.equal(store.commitLog.hasPending(), false, "no deferred tail outlives the turn");
  const onDisk = env.memoryDisk.readFile("/store/commitlog/00000000000000000000")!;
  assert.equal(readInt32BE(onDisk, fillerAt), SEGMENT_BYTES - fillerAt);
  assert.equal(readInt32BE(onDisk, fillerAt + 4), BLANK_MAGIC_CODE);
  // ASYNC_FLUSH ticks drain before each fsync: none finds an orphaned tail.
  env.time.advance(2_000);
  await settle();
  assert.deepEqual(env.memoryLog.lines.filter((line) => line.includes("flush failed")), []);

  // Act: a process crash (the page cache stays), a restart, inodes again.
  store.halt();
  inodesLeft = true;
  const restarted = openStore(env);
  // Assert: the log still ends where HA could have read it; the next put opens segment 2.
  assert.equal(restarted.getMaxPhyOffset(), SEGMENT_BYTES);
  const next = await restarted.putMessage(message());
  assert.equal(next.status, "PUT_OK");
  assert.equal(next.appendResult!.wroteOffset, SEGMENT_BYTES);
  await restarted.shutdown();
});

test("a dispatch run that wrote one queue's unit before another queue's file could not be created tells of both on its retry (battery seed 19 run 682)", async () => {
  // A delayed message's SCHEDULE_TOPIC unit was written, the run failed on a new consume-queue
  // file, and the retry found the unit a duplicate: no arrival, so its delay level slept forever.
  const env = createTestEnv();
  let inodesLeft = true;
  refuseCreates(env, () => !inodesLeft);
  const store = openStore(env);
  const arrivals: string[] = [];
  store.setMessageArrivingListener((topic, queueId, logicOffset) => arrivals.push(`${topic}:${queueId}@${logicOffset}`));
  assert.equal((await store.putMessage(makeMessage({ topic: "T", queueId: 0 }))).status, "PUT_OK");
  await settle();
  arrivals.length = 0;
  inodesLeft = false;

  // Act: one turn puts to queue 0 (its file exists) and queue 1 (its first file cannot be created).
  const puts = [store.putMessage(makeMessage({ topic: "T", queueId: 0 })), store.putMessage(makeMessage({ topic: "T", queueId: 1 }))];
  await Promise.all(puts);
  await settle();
  assert.deepEqual(arrivals, [], "nothing dispatched while the file cannot be created");
  inodesLeft = true;
  env.time.advance(1_000);
  await settle();

  // Assert: both units arrive once the retry succeeds, in log order.
  assert.deepEqual(arrivals, ["T:0@2", "T:1@1"]);
  await store.shutdown();
});
