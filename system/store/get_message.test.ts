// The read path's buffers (get_message.ts readPicked): owned reads return records the caller
// keeps, transient reads reuse one store buffer, and both return the same bytes.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { decodeMessageRecord } from "../message/index.ts";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import { makeMessage } from "./testing/messages.ts";
import { createTestEnv } from "./testing/test_env.ts";

function openStore(): DefaultMessageStore {
  const store = new DefaultMessageStore(createTestEnv(), { ...defaultStoreConfig("/store"), mappedFileSizeCommitLog: 4096, mappedFileSizeConsumeQueue: 200, maxMessageSize: 1024 });
  assert.ok(store.load());
  store.start();
  return store;
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

test("owned reads: records are back-to-back views of one buffer that later reads leave alone", async () => {
  // Arrange
  const store = openStore();
  for (const body of ["a1", "b22", "c333"]) await store.putMessage(makeMessage({ body }));
  // Act
  const first = store.getMessage("g", "TopicTest", 0, 0, 32);
  const second = store.getMessage("g", "TopicTest", 0, 1, 32);
  // Assert
  assert.equal(first.messages.length, 3);
  const buffer = first.messages[0]!.buffer;
  let end = first.messages[0]!.byteOffset;
  for (const record of first.messages) {
    assert.equal(record.buffer, buffer);
    assert.equal(record.byteOffset, end);
    end += record.length;
  }
  assert.equal(end - first.messages[0]!.byteOffset, first.bufferTotalSize);
  assert.notEqual(second.messages[0]!.buffer, buffer);
  assert.deepEqual(first.messages.map((record) => text(decodeMessageRecord(record, 0, { checkCRC: true }).body)), ["a1", "b22", "c333"]);
});

test("transient reads: the same bytes, in one reused buffer", async () => {
  // Arrange
  const store = openStore();
  for (let index = 0; index < 6; index++) await store.putMessage(makeMessage({ body: `m${index}` }));
  const owned = store.getMessage("g", "TopicTest", 0, 0, 3);
  // Act
  const first = store.getMessage("g", "TopicTest", 0, 0, 3, undefined, true);
  const firstBytes = first.messages.map((record) => record.slice());
  const second = store.getMessage("g", "TopicTest", 0, 3, 3, undefined, true);
  // Assert
  assert.deepEqual(firstBytes, owned.messages.map((record) => record.slice()));
  assert.equal(second.messages[0]!.buffer, first.messages[0]!.buffer, "one buffer for every transient read");
  assert.deepEqual(second.messages.map((record) => text(decodeMessageRecord(record, 0, { checkCRC: true }).body)), ["m3", "m4", "m5"]);
  assert.equal(second.nextBeginOffset, 6);
});
