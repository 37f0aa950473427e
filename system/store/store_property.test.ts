import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import { decodeMessageRecord } from "../message/index.ts";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { makeMessage } from "./testing/messages.ts";
import { readAllQueues } from "./testing/store_check.ts";
import { createTestEnv } from "./testing/test_env.ts";
import type { TestEnv } from "./testing/test_env.ts";
import { MemoryDisk } from "./testing/memory_disk.ts";

function config(overrides: Partial<StoreConfig> = {}): StoreConfig {
  return {
    ...defaultStoreConfig("/store"), mappedFileSizeCommitLog: 2048, mappedFileSizeConsumeQueue: 20 * 8,
    maxMessageSize: 1024, maxHashSlotNum: 8, maxIndexNum: 16, ...overrides,
  };
}

function open(env: TestEnv, storeConfig: StoreConfig): DefaultMessageStore {
  const store = new DefaultMessageStore(env, storeConfig);
  assert.ok(store.load());
  store.start();
  return store;
}

const arbPut = fc.record({ queueId: fc.integer({ min: 0, max: 2 }), bodySize: fc.integer({ min: 0, max: 700 }), seed: fc.nat(255) });
type Put = { queueId: number; bodySize: number; seed: number };

function bodyOf(put: Put, index: number): Uint8Array {
  const body = new Uint8Array(put.bodySize);
  for (let at = 0; at < body.length; at++) body[at] = (put.seed + index + at) & 0xff;
  return body;
}

test("append then read back equal, across small segments and a clean restart", async () => {
  await fc.assert(fc.asyncProperty(fc.array(arbPut, { minLength: 1, maxLength: 60 }), async (puts) => {
    const env = createTestEnv();
    const storeConfig = config();
    let store = open(env, storeConfig);
    const expected = new Map<number, Uint8Array[]>();
    for (const [index, put] of puts.entries()) {
      const result = await store.putMessage(makeMessage({ queueId: put.queueId, body: bodyOf(put, index), keys: `key${index}` }));
      assert.equal(result.status, "PUT_OK");
      expected.set(put.queueId, [...(expected.get(put.queueId) ?? []), bodyOf(put, index)]);
    }
    for (const round of [0, 1]) {
      const all = readAllQueues(store);
      for (const [queueId, bodies] of expected) {
        assert.deepEqual(all.get(`TopicTest/${queueId}`)?.map((message) => message.body), bodies, `round ${round}`);
      }
      const probe = Math.floor(puts.length / 2);
      const found = store.queryMessage("TopicTest", `key${probe}`, 4, 0, Number.MAX_SAFE_INTEGER).messages
        .map((record) => decodeMessageRecord(record).keys);
      assert.ok(found.includes(`key${probe}`));
      await store.shutdown();
      if (round === 0) store = open(env, storeConfig);
    }
  }), { numRuns: 40 });
});

/**
 * Tears the commit log beyond `durableEnd` the way a crash does: the unfsynced suffix is cut
 * at a point, or zeroed from a point (a torn last write kept only its prefix), or followed by
 * garbage. Bit flips inside fsynced records are bit rot, not tearing: RocketMQ's CRC covers
 * only the body, so header rot is out of scope here as it is there.
 */
function damageTail(disk: MemoryDisk, storeConfig: StoreConfig, durableEnd: number, damage: { kind: number; at: number; byte: number }): void {
  const names = disk.list(storeConfig.storePathCommitLog);
  const lastName = names.at(-1);
  if (lastName === undefined) return;
  const path = `${storeConfig.storePathCommitLog}/${lastName}`;
  const file = disk.open(path);
  const start = Math.max(0, durableEnd - Number(lastName));
  const size = file.sizeBytes();
  if (size <= start) return;
  const at = start + (damage.at % (size - start));
  if (damage.kind === 0) file.truncate(at);
  else if (damage.kind === 1) file.write(at, new Uint8Array(size - at));
  else if (size + 64 <= storeConfig.mappedFileSizeCommitLog) {
    const garbage = new Uint8Array(64).map((_, index) => (damage.byte * 31 + index * 17) & 0xff);
    file.write(size, garbage);
  }
}

test("recovery after a crash keeps every fsynced record, returns no torn one, and CQs match", async () => {
  const arbCase = fc.record({
    puts: fc.array(arbPut, { minLength: 1, maxLength: 40 }),
    flushAfter: fc.nat(40),
    checkpointAfter: fc.nat(40),
    powerLoss: fc.boolean(),
    loseAbortFile: fc.boolean(),
    damage: fc.record({ kind: fc.integer({ min: 0, max: 2 }), at: fc.nat(), byte: fc.nat(255) }),
  });
  await fc.assert(fc.asyncProperty(arbCase, async ({ puts, flushAfter, checkpointAfter, powerLoss, loseAbortFile, damage }) => {
    // Arrange: async flush with no timer firing, explicit flushes at chosen points.
    const disk = new MemoryDisk();
    const storeConfig = config({ flushDiskType: "ASYNC_FLUSH" });
    const store = open(createTestEnv({ disk }), storeConfig);
    const written: { queueId: number; body: Uint8Array }[] = [];
    let durableCount = 0;
    for (const [index, put] of puts.entries()) {
      assert.equal((await store.putMessage(makeMessage({ queueId: put.queueId, body: bodyOf(put, index) }))).status, "PUT_OK");
      written.push({ queueId: put.queueId, body: bodyOf(put, index) });
      if (index === flushAfter) {
        await store.flusher.flushOnce(0);
        durableCount = index + 1;
      }
      if (index === checkpointAfter) await store.flushConsumeQueues(true);
    }
    if (checkpointAfter < puts.length && checkpointAfter > flushAfter) durableCount = checkpointAfter + 1;
    const durableEnd = store.getFlushedPhyOffset();
    // Act: crash (no shutdown), maybe lose power, tear the unfsynced tail, recover.
    if (powerLoss) disk.powerLoss();
    damageTail(disk, storeConfig, durableEnd, damage);
    // An abort file that was never fsynced may vanish in a power loss: recovery must not rely on it.
    if (loseAbortFile) disk.remove(storeConfig.abortFile);
    const recovered = open(createTestEnv({ disk }), storeConfig);
    // Assert: the recovered messages are a prefix of what was written, covering the durable part.
    assert.equal(recovered.recoveryReport?.lastExitOK, loseAbortFile);
    const all = readAllQueues(recovered);
    const count = [...all.values()].reduce((sum, messages) => sum + messages.length, 0);
    assert.ok(count >= durableCount, `kept ${count} of ${durableCount} durable`);
    const prefix = written.slice(0, count);
    for (const queueId of [0, 1, 2]) {
      const bodies = prefix.filter((item) => item.queueId === queueId).map((item) => item.body);
      assert.deepEqual((all.get(`TopicTest/${queueId}`) ?? []).map((message) => message.body), bodies);
    }
    const lastEnd = [...all.values()].flat().reduce((end, m) => Math.max(end, m.commitLogOffset + m.storeSize), 0);
    assert.ok(recovered.getMaxPhyOffset() >= lastEnd);
    // The store keeps working: the next message continues its queue.
    const next = await recovered.putMessage(makeMessage({ queueId: 0 }));
    assert.equal(next.appendResult?.queueOffset, prefix.filter((item) => item.queueId === 0).length);
    await recovered.shutdown();
  }), { numRuns: 150 });
});
