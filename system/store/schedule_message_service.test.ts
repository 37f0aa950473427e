import { strict as assert } from "node:assert";
import { test } from "node:test";
import { SystemTopic, decodeMessageRecord } from "../message/index.ts";
import { DefaultMessageStore } from "./message_store.ts";
import { decodeDelayOffsets, encodeDelayOffsets, rewriteForDelay } from "./schedule_message_service.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { MemoryDisk } from "./testing/memory_disk.ts";
import { makeMessage } from "./testing/messages.ts";
import { createTestEnv } from "./testing/test_env.ts";

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function advance(env: ReturnType<typeof createTestEnv>, ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 100) {
    env.time.advance(100);
    await settle();
  }
}

function config(overrides: Partial<StoreConfig> = {}): StoreConfig {
  return { ...defaultStoreConfig("/store"), mappedFileSizeCommitLog: 8192, mappedFileSizeConsumeQueue: 400,
    maxMessageSize: 2048, maxHashSlotNum: 8, maxIndexNum: 64, ...overrides };
}

test("rewriteForDelay parks a DELAY message in SCHEDULE_TOPIC_XXXX, capping the level", () => {
  const parked = rewriteForDelay(makeMessage({ topic: "T", queueId: 3, properties: { DELAY: "99" } }), 18);
  assert.equal(parked.topic, SystemTopic.SCHEDULE_TOPIC);
  assert.equal(parked.queueId, 17);
  assert.equal(parked.properties.get("REAL_TOPIC"), "T");
  assert.equal(parked.properties.get("REAL_QID"), "3");
  assert.equal(rewriteForDelay(parked, 18), parked);
  const plain = makeMessage();
  assert.equal(rewriteForDelay(plain, 18), plain);
});

test("delay offsets: fastjson bare keys round trip", () => {
  const text = encodeDelayOffsets(new Map([[2, 5], [1, 0]]));
  assert.equal(text, '{"offsetTable":{1:0,2:5}}');
  assert.deepEqual(decodeDelayOffsets(text), new Map([[1, 0], [2, 5]]));
  assert.deepEqual(decodeDelayOffsets('{"offsetTable":{"3":7}}'), new Map([[3, 7]]));
  assert.equal(decodeDelayOffsets("{nope"), undefined);
});

test("a level-2 (5 s) message reaches its real topic after 5 s, not before, and offsets persist", async () => {
  // Arrange
  const disk = new MemoryDisk();
  const env = createTestEnv({ disk });
  const storeConfig = config();
  const store = new DefaultMessageStore(env, storeConfig);
  assert.ok(store.load());
  store.start();
  const arrivals: string[] = [];
  store.setMessageArrivingListener((topic, queueId, offset) => arrivals.push(`${topic}/${queueId}@${offset}`));
  // Act
  const put = await store.putMessage(rewriteForDelay(makeMessage({ topic: "Real", queueId: 1, body: "later", properties: { DELAY: "2" } }), 18));
  assert.equal(put.status, "PUT_OK");
  const unit = store.consumeQueues.find(SystemTopic.SCHEDULE_TOPIC, 1)!.unitAt(0)!;
  assert.equal(unit.tagsCode, put.appendResult!.storeTimestamp + 5000);
  await advance(env, 4800);
  assert.equal(store.getMaxOffsetInQueue("Real", 1), 0);
  await advance(env, 400);
  // Assert
  assert.equal(store.getMaxOffsetInQueue("Real", 1), 1);
  const delivered = decodeMessageRecord(store.getMessage("g", "Real", 1, 0, 1).messages[0]!);
  assert.equal(new TextDecoder().decode(delivered.body), "later");
  assert.equal(delivered.properties.get("DELAY"), undefined);
  assert.ok(arrivals.includes("Real/1@1"));
  assert.equal(store.scheduleService.offsetTable.get(2), 1);
  await store.shutdown();
  const saved = decodeDelayOffsets(new TextDecoder().decode(disk.readFile(storeConfig.delayOffsetStorePath)));
  assert.equal(saved?.get(2), 1);
  const reopened = new DefaultMessageStore(createTestEnv({ disk }), storeConfig);
  assert.ok(reopened.load());
  assert.equal(reopened.scheduleService.offsetTable.get(2), 1);
});

test("idle levels sleep without polling and wake on arrival; due times hold for a burst", async () => {
  const env = createTestEnv();
  const store = new DefaultMessageStore(env, config());
  assert.ok(store.load());
  store.start();
  await advance(env, 30_000);
  const timersWhenIdle = env.time.pendingTimers();
  await advance(env, 1000);
  assert.equal(env.time.pendingTimers(), timersWhenIdle, "no per-level polling timers while idle");
  const putAt = env.clock.nowMs();
  for (let index = 0; index < 3; index++) {
    await store.putMessage(rewriteForDelay(makeMessage({ topic: "Real", body: `m${index}`, properties: { DELAY: "1" } }), 18));
    await advance(env, 200);
  }
  await advance(env, 700); // puts at +0, +200, +400; now +1300
  assert.equal(store.getMaxOffsetInQueue("Real", 0), 2, "first two due (1 s after their puts)");
  await advance(env, 200);
  assert.equal(store.getMaxOffsetInQueue("Real", 0), 3);
  const delivered = store.getMessage("g", "Real", 0, 0, 8).messages.map((record) => decodeMessageRecord(record).storeTimestamp);
  delivered.forEach((storedAt, index) => assert.ok(storedAt >= putAt + index * 200 + 1000, `message ${index} not early`));
  await store.shutdown();
});

test("a stored delay offset past its queue's end is clamped at start, so messages stored below it are not skipped", async () => {
  // delayOffset.json ran ahead of a queue that came back shorter (the power-loss case).
  const disk = new MemoryDisk();
  const storeConfig = config();
  disk.mkdirs(storeConfig.delayOffsetStorePath.substring(0, storeConfig.delayOffsetStorePath.lastIndexOf("/")));
  await disk.writeFileAtomic(storeConfig.delayOffsetStorePath, new TextEncoder().encode(encodeDelayOffsets(new Map([[2, 7]]))));
  const env = createTestEnv({ disk });
  const store = new DefaultMessageStore(env, storeConfig);
  assert.ok(store.load());
  assert.equal(store.scheduleService.offsetTable.get(2), 7);
  store.start();
  assert.equal(store.scheduleService.offsetTable.get(2), 0);
  const put = await store.putMessage(rewriteForDelay(makeMessage({ topic: "Real", queueId: 0, body: "parked", properties: { DELAY: "2" } }), 18));
  assert.equal(put.status, "PUT_OK");
  await advance(env, 5_400);
  assert.equal(store.getMaxOffsetInQueue("Real", 0), 1);
  await store.shutdown();
});
