import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import { decodeMessageRecord } from "../message/index.ts";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { makeMessage } from "./testing/messages.ts";
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
