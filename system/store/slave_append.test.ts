import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { CountingDisk } from "./testing/counting_disk.ts";
import { MemoryDisk } from "./testing/memory_disk.ts";
import { makeMessage } from "./testing/messages.ts";
import { readAllQueues } from "./testing/store_check.ts";
import { createTestEnv } from "./testing/test_env.ts";

function config(role: StoreConfig["brokerRole"]): StoreConfig {
  return { ...defaultStoreConfig("/store"), mappedFileSizeCommitLog: 1024, mappedFileSizeConsumeQueue: 100,
    maxMessageSize: 512, maxHashSlotNum: 8, maxIndexNum: 64, brokerRole: role };
}

test("a slave fed raw commit-log bytes in arbitrary chunks builds the same queues", async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 300 })), { minLength: 1, maxLength: 30 }),
    fc.integer({ min: 1, max: 700 }),
    async (puts, chunkBytes) => {
      const master = new DefaultMessageStore(createTestEnv(), config("SYNC_MASTER"));
      const slave = new DefaultMessageStore(createTestEnv(), config("SLAVE"));
      assert.ok(master.load() && slave.load());
      master.start();
      slave.start();
      const arrived: number[] = [];
      slave.setMessageArrivingListener((_topic, _queueId, offset) => arrived.push(offset));
      for (const [queueId, size] of puts) {
        assert.equal((await master.putMessage(makeMessage({ queueId, body: new Uint8Array(size).fill(queueId) }))).status, "PUT_OK");
      }
      assert.equal((await slave.putMessage(makeMessage())).status, "SERVICE_NOT_AVAILABLE");
      while (slave.getMaxPhyOffset() < master.getMaxPhyOffset()) {
        const offset = slave.getMaxPhyOffset();
        const data = master.getCommitLogData(offset, chunkBytes)!;
        assert.ok(data.length > 0);
        assert.ok(slave.appendToCommitLog(offset, data));
      }
      assert.equal(slave.appendToCommitLog(0, new Uint8Array(1)), false, "must continue at max offset");
      const [left, right] = [readAllQueues(master), readAllQueues(slave)];
      assert.deepEqual([...right.keys()].sort(), [...left.keys()].sort());
      for (const [key, messages] of left) assert.deepEqual(right.get(key), messages);
      assert.equal(arrived.length, puts.length);
      await master.shutdown();
      await slave.shutdown();
    }), { numRuns: 40 });
});

test("an empty slave accepts the master's last segment onwards", async () => {
  const master = new DefaultMessageStore(createTestEnv(), config("ASYNC_MASTER"));
  const slave = new DefaultMessageStore(createTestEnv(), config("SLAVE"));
  assert.ok(master.load() && slave.load());
  master.start();
  slave.start();
  for (let index = 0; index < 20; index++) await master.putMessage(makeMessage({ body: new Uint8Array(100) }));
  const lastStart = master.commitLog.queue.last()!.fileFromOffset;
  assert.ok(lastStart > 0);
  assert.equal(slave.appendToCommitLog(lastStart + 1, new Uint8Array(1)), false, "unaligned start refused");
  for (let offset = lastStart; offset < master.getMaxPhyOffset();) {
    const data = master.getCommitLogData(offset, 333)!;
    assert.ok(slave.appendToCommitLog(offset, data));
    offset += data.length;
  }
  assert.equal(slave.getMinPhyOffset(), lastStart);
  assert.equal(slave.getMaxPhyOffset(), master.getMaxPhyOffset());
  const tail = readAllQueues(slave).get("TopicTest/0")!;
  assert.equal(tail.at(-1)?.queueOffset, 19);
  assert.equal(slave.getMinOffsetInQueue("TopicTest", 0), tail[0]!.queueOffset);
  await master.shutdown();
  await slave.shutdown();
});

test("truncateDirtyFiles cuts a slave back to a record boundary and it can continue", async () => {
  const master = new DefaultMessageStore(createTestEnv(), config("ASYNC_MASTER"));
  assert.ok(master.load());
  master.start();
  const ends: number[] = [];
  for (let index = 0; index < 12; index++) {
    const result = await master.putMessage(makeMessage({ body: new Uint8Array(100) }));
    ends.push(result.appendResult!.wroteOffset + result.appendResult!.wroteBytes);
  }
  const cut = master.commitLog.queue.files[1]!.fileFromOffset + 0;
  master.truncateDirtyFiles(cut);
  assert.equal(master.getMaxPhyOffset(), cut);
  const kept = ends.filter((end) => end <= cut).length;
  assert.equal(master.getMaxOffsetInQueue("TopicTest", 0), kept);
  const next = await master.putMessage(makeMessage());
  assert.equal(next.appendResult?.queueOffset, kept);
  assert.equal(readAllQueues(master).get("TopicTest/0")?.length, kept + 1);
  await master.shutdown();
});

test("whole records appended by HA are dispatched from the bytes in hand: no commit-log read per frame", async () => {
  const counting = new CountingDisk(new MemoryDisk());
  const master = new DefaultMessageStore(createTestEnv(), config("SYNC_MASTER"));
  const slave = new DefaultMessageStore(createTestEnv({ disk: counting as unknown as MemoryDisk }), config("SLAVE"));
  assert.ok(master.load() && slave.load());
  master.start();
  slave.start();
  const arrived: number[] = [];
  slave.setMessageArrivingListener((_topic, _queueId, offset) => arrived.push(offset));
  let appendReads = 0;
  for (let index = 0; index < 12; index++) {
    const offset = master.getMaxPhyOffset();
    assert.equal((await master.putMessage(makeMessage({ keys: `k${index}`, body: new Uint8Array(40).fill(index) }))).status, "PUT_OK");
    // One frame per put, as the master pushes at each append (a segment roll sends the blank alone).
    for (let at = offset; at < master.getMaxPhyOffset();) {
      const data = master.getCommitLogData(at, 4096)!;
      const readsBefore = counting.snapshot("commitlog").reads;
      assert.ok(slave.appendToCommitLog(at, data));
      appendReads += counting.snapshot("commitlog").reads - readsBefore;
      at += data.length;
    }
  }
  assert.ok(master.commitLog.queue.files.length > 1, "the puts crossed a segment");
  assert.equal(arrived.length, 12);
  assert.deepEqual(readAllQueues(slave), readAllQueues(master));
  assert.equal(slave.queryMessage("TopicTest", "k11", 10, 0, Number.MAX_SAFE_INTEGER).messages.length, 1);
  // Only a segment's blank filler sends dispatch to the disk walk (which moves to the next file).
  const rolls = master.commitLog.queue.files.length - 1;
  assert.ok(appendReads <= 2 * rolls, `${appendReads} commit-log reads for 12 frames and ${rolls} segment roll(s)`);
  await master.shutdown();
  await slave.shutdown();
});

test("a slave that lost its commit log and resumes at the master's last segment starts its queues there: a pull below is OFFSET_TOO_SMALL, never the records past the hole", async () => {
  // 4.9.x ConsumeQueue.truncateDirtyLogicFiles deletes a queue's last file too when its first
  // unit lies past the cut, so the first unit replicated afterwards sets the queue's min offset
  // (putMessagePositionInfo: isFirstCreateInQueue). Seed 2 swarm run 328: the slave kept an empty
  // file, its queue read as holes up to the replicated records, and a slave read skipped the two
  // messages in the hole (acked SEND_OK, never delivered).
  const master = new DefaultMessageStore(createTestEnv(), config("SYNC_MASTER"));
  const slaveEnv = createTestEnv();
  const slave = new DefaultMessageStore(slaveEnv, config("SLAVE"));
  assert.ok(master.load() && slave.load());
  master.start();
  slave.start();
  for (let index = 0; index < 20; index++) await master.putMessage(makeMessage({ body: new Uint8Array(100) }));
  for (let offset = 0; offset < master.getMaxPhyOffset();) {
    const data = master.getCommitLogData(offset, 500)!;
    assert.ok(slave.appendToCommitLog(offset, data));
    offset += data.length;
  }
  await slave.shutdown();
  // The slave's commit log is gone (a dying disk lost it at a power loss); its consume queues are not.
  slaveEnv.disk.remove("/store/commitlog");
  slaveEnv.disk.mkdirs("/store/commitlog");
  const restarted = new DefaultMessageStore(slaveEnv, config("SLAVE"));
  assert.ok(restarted.load());
  restarted.start();
  assert.equal(restarted.getMaxOffsetInQueue("TopicTest", 0), 0);
  const lastStart = master.commitLog.queue.last()!.fileFromOffset;
  for (let offset = lastStart; offset < master.getMaxPhyOffset();) {
    const data = master.getCommitLogData(offset, 333)!;
    assert.ok(restarted.appendToCommitLog(offset, data));
    offset += data.length;
  }
  const replicated = readAllQueues(restarted).get("TopicTest/0")!;
  const firstReplicated = replicated[0]!.queueOffset;
  assert.ok(firstReplicated > 0);
  assert.equal(restarted.getMinOffsetInQueue("TopicTest", 0), firstReplicated);
  const below = restarted.getMessage("G", "TopicTest", 0, firstReplicated - 2, 4);
  assert.equal(below.status, "OFFSET_TOO_SMALL");
  assert.equal(below.messages.length, 0);
  await master.shutdown();
  await restarted.shutdown();
});
