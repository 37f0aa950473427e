import { strict as assert } from "node:assert";
import { test } from "node:test";
import { decodeMessageRecord, decodeMessageRecords, javaStringHashCode } from "../message/index.ts";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { makeMessage } from "./testing/messages.ts";
import { createTestEnv } from "./testing/test_env.ts";
import type { TestEnv } from "./testing/test_env.ts";

export function smallConfig(overrides: Partial<StoreConfig> = {}): StoreConfig {
  return {
    ...defaultStoreConfig("/store"),
    mappedFileSizeCommitLog: 4096, mappedFileSizeConsumeQueue: 20 * 10, maxMessageSize: 1024,
    maxHashSlotNum: 16, maxIndexNum: 32, ...overrides,
  };
}

export function openStore(env: TestEnv, config: StoreConfig): DefaultMessageStore {
  const store = new DefaultMessageStore(env, config);
  assert.ok(store.load());
  store.start();
  return store;
}

test("put then get: offsets, msgId, raw records, queue bounds", async () => {
  // Arrange
  const env = createTestEnv();
  const store = openStore(env, smallConfig());
  // Act
  const first = await store.putMessage(makeMessage({ body: "hello", tags: "TagA", keys: "k1 k2" }));
  const second = await store.putMessage(makeMessage({ body: "world", tags: "TagB" }));
  // Assert
  assert.equal(first.status, "PUT_OK");
  assert.equal(first.appendResult?.wroteOffset, 0);
  assert.equal(first.appendResult?.queueOffset, 0);
  assert.equal(second.appendResult?.queueOffset, 1);
  assert.equal(second.appendResult?.wroteOffset, first.appendResult?.wroteBytes);
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 2);
  assert.equal(store.getMinOffsetInQueue("TopicTest", 0), 0);
  const got = store.getMessage("g", "TopicTest", 0, 0, 32);
  assert.equal(got.status, "FOUND");
  assert.equal(got.nextBeginOffset, 2);
  const messages = got.messages.map((record) => decodeMessageRecord(record, 0, { checkCRC: true }));
  assert.deepEqual(messages.map((message) => new TextDecoder().decode(message.body)), ["hello", "world"]);
  assert.equal(messages[0]!.msgId, first.appendResult?.msgId);
  assert.equal(messages[0]!.storeTimestamp, env.clock.nowMs());
  const filtered = store.getMessage("g", "TopicTest", 0, 0, 32, (code) => code === javaStringHashCode("TagB"));
  assert.equal(filtered.messages.length, 1);
  assert.equal(decodeMessageRecord(filtered.messages[0]!).tags, "TagB");
  assert.equal(store.getMessage("g", "TopicTest", 0, 2, 32).status, "OFFSET_OVERFLOW_ONE");
  assert.equal(store.getMessage("g", "TopicTest", 0, 5, 32).status, "OFFSET_OVERFLOW_BADLY");
  assert.equal(store.getMessage("g", "TopicTest", 1, 0, 32).status, "NO_MATCHED_LOGIC_QUEUE");
  assert.equal(store.lookMessageByOffset(second.appendResult.wroteOffset)?.tags, "TagB");
  const query = store.queryMessage("TopicTest", "k2", 10, 0, Number.MAX_SAFE_INTEGER);
  assert.equal(query.messages.length, 1);
  assert.equal(decodeMessageRecords(query.messages[0]!)[0]!.keys, "k1 k2");
  await store.shutdown();
});

test("messages cross segment boundaries with BLANK fillers and survive a clean restart", async () => {
  const env = createTestEnv();
  const config = smallConfig();
  const store = openStore(env, config);
  const bodies: string[] = [];
  for (let index = 0; index < 100; index++) {
    const body = `message-${index}-${"x".repeat(index * 3)}`;
    bodies.push(body);
    const result = await store.putMessage(makeMessage({ body, queueId: index % 2 }));
    assert.equal(result.status, "PUT_OK");
  }
  assert.ok(store.commitLog.queue.files.length > 3);
  await store.shutdown();
  assert.equal(env.disk.exists(config.abortFile), false);
  const reopened = openStore(env, config);
  assert.equal(reopened.recoveryReport?.lastExitOK, true);
  const read: string[] = [];
  for (const queueId of [0, 1]) {
    for (let offset = 0; offset < reopened.getMaxOffsetInQueue("TopicTest", queueId);) {
      const result = reopened.getMessage("g", "TopicTest", queueId, offset, 4);
      assert.equal(result.status, "FOUND");
      for (const record of result.messages) read.push(new TextDecoder().decode(decodeMessageRecord(record).body));
      offset = result.nextBeginOffset;
    }
  }
  assert.deepEqual(read.sort(), bodies.sort());
  const next = await reopened.putMessage(makeMessage({ queueId: 1 }));
  assert.equal(next.appendResult?.queueOffset, 50);
  await reopened.shutdown();
});
