import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import { decodeMessageRecord } from "../message/index.ts";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { makeMessage } from "./testing/messages.ts";
import { MemoryDisk } from "./testing/memory_disk.ts";
import { createTestEnv } from "./testing/test_env.ts";

function config(overrides: Partial<StoreConfig> = {}): StoreConfig {
  return { ...defaultStoreConfig("/store"), mappedFileSizeCommitLog: 8192, mappedFileSizeConsumeQueue: 400,
    maxMessageSize: 2048, maxHashSlotNum: 4, maxIndexNum: 10, ...overrides };
}

test("queryMessage finds every message by KEYS entry and UNIQ_KEY, across index files, newest first", async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 40 }),
    async (keyPairs) => {
      const env = createTestEnv();
      const store = new DefaultMessageStore(env, config());
      assert.ok(store.load());
      store.start();
      const offsetsByKey = new Map<string, number[]>();
      for (const [index, [a, b]] of keyPairs.entries()) {
        const result = await store.putMessage(makeMessage({ keys: `key${a} key${b}`, uniqKey: `U${index}` }));
        const offset = result.appendResult!.wroteOffset;
        for (const key of new Set([`key${a}`, `key${b}`, `U${index}`])) offsetsByKey.set(key, [offset, ...(offsetsByKey.get(key) ?? [])]);
        env.time.advance(1000);
      }
      for (const [key, offsets] of offsetsByKey) {
        const found = store.queryMessage("TopicTest", key, 64, 0, Number.MAX_SAFE_INTEGER);
        const foundOffsets = found.messages.map((record) => decodeMessageRecord(record).commitLogOffset);
        assert.deepEqual(foundOffsets.filter((offset) => offsets.includes(offset)), offsets.slice(0, 32), key);
      }
      assert.equal(store.queryMessage("OtherTopic", "key0", 64, 0, Number.MAX_SAFE_INTEGER).messages.length, 0);
      await store.shutdown();
    }), { numRuns: 30 });
});

test("queryMessage honours maxNum and the time range", async () => {
  const env = createTestEnv();
  const store = new DefaultMessageStore(env, config({ maxIndexNum: 100, maxHashSlotNum: 16 }));
  assert.ok(store.load());
  store.start();
  const times: number[] = [];
  for (let index = 0; index < 10; index++) {
    times.push(env.clock.nowMs());
    await store.putMessage(makeMessage({ keys: "same" }));
    env.time.advance(10_000);
  }
  assert.equal(store.queryMessage("TopicTest", "same", 3, 0, Number.MAX_SAFE_INTEGER).messages.length, 3);
  const middle = store.queryMessage("TopicTest", "same", 32, times[3]!, times[5]!);
  assert.deepEqual(middle.messages.map((record) => decodeMessageRecord(record).storeTimestamp), [times[5], times[4], times[3]]);
  assert.equal(middle.indexLastUpdateTimestamp, times[9]);
  await store.shutdown();
});

// Crash recovery of the index through the whole store: puts with a UNIQ_KEY and KEYS, an
// optional checkpoint (the lazy slot flush) before or after some of them, then a crash —
// process (halt: the page cache survives) or power (only fsynced bytes survive) — and a
// recovery. Every message still in the commit log must be found by each of its keys, exactly
// (no key missing, no offset twice), as before the crash.
test("after a crash before or after the lazy slot flush, every stored message is found by its keys (property)", async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 60 }),
    fc.nat(60), fc.nat(60), fc.constantFrom("process", "power"),
    async (keyChoices, checkpointAfter, flushAfter, crash) => {
      // Arrange: a store whose index seals files often (16 entries) and has few slots (chains).
      const disk = new MemoryDisk();
      const storeConfig = config({ flushDiskType: "ASYNC_FLUSH", maxHashSlotNum: 5, maxIndexNum: 16 });
      const store = new DefaultMessageStore(createTestEnv({ disk }), storeConfig);
      assert.ok(store.load());
      store.start();
      const keysByOffset = new Map<number, string[]>();
      for (const [index, choice] of keyChoices.entries()) {
        const keys = [`U${index}`, `key${choice}`];
        const result = await store.putMessage(makeMessage({ keys: keys[1], uniqKey: keys[0] }));
        assert.equal(result.status, "PUT_OK");
        keysByOffset.set(result.appendResult!.wroteOffset, keys);
        if (index === flushAfter) await store.flusher.flushOnce(0);
        if (index === checkpointAfter) await store.flushConsumeQueues(true);
      }
      // Act
      store.halt();
      if (crash === "power") disk.powerLoss();
      const recovered = new DefaultMessageStore(createTestEnv({ disk }), storeConfig);
      assert.ok(recovered.load());
      recovered.start();
      // Assert: every key of every message the commit log kept, newest first, nothing else.
      const expected = new Map<string, number[]>();
      for (const [offset, keys] of keysByOffset) {
        if (recovered.selectOneMessageByOffset(offset) === undefined) continue;
        for (const key of keys) expected.set(key, [offset, ...(expected.get(key) ?? [])]);
      }
      if (crash === "process") assert.equal(expected.size, keysByOffset.size + new Set(keyChoices).size, "a process crash keeps every acked message");
      for (const [key, offsets] of expected) {
        const found = recovered.queryMessage("TopicTest", key, 64, 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(found.messages.map((record) => decodeMessageRecord(record).commitLogOffset), offsets.slice(0, 32), key);
      }
      await recovered.shutdown();
    }), { numRuns: 60 });
});
