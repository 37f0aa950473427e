// Consumers see only what the configuration calls durable (apache/rocketmq#8239, PR #8240;
// readUnCommitted): a SYNC_FLUSH message is invisible to pulls, max offsets and arrival
// listeners until its fsync completes; a SYNC_MASTER message until the slave acknowledged it.
// readUnCommitted=true restores RocketMQ 4.9.7 (visible at append).
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { DefaultMessageStore } from "./message_store.ts";
import { defaultStoreConfig } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { MemoryDisk } from "./testing/memory_disk.ts";
import { makeMessage } from "./testing/messages.ts";
import { createTestEnv } from "./testing/test_env.ts";

/** Holds commit-log fsyncs until released. */
function gatedDisk(): { disk: MemoryDisk; hold: boolean; release: () => void; held: () => number } {
  const gates: (() => void)[] = [];
  const state = {
    hold: true,
    disk: new MemoryDisk(),
    release: (): void => {
      for (const gate of gates.splice(0)) gate();
    },
    held: (): number => gates.length,
  };
  state.disk.onFsync = (path) => (!path.includes("/commitlog/") || !state.hold ? Promise.resolve() : new Promise((resolve) => gates.push(resolve)));
  return state;
}

function config(overrides: Partial<StoreConfig>): StoreConfig {
  return { ...defaultStoreConfig("/store"), mappedFileSizeCommitLog: 64 * 1024, mappedFileSizeConsumeQueue: 2000, maxMessageSize: 32 * 1024,
    maxHashSlotNum: 16, maxIndexNum: 64, ...overrides };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function open(disk: MemoryDisk, overrides: Partial<StoreConfig>): { store: DefaultMessageStore; arrivals: number[] } {
  const store = new DefaultMessageStore(createTestEnv({ disk }), config(overrides));
  assert.ok(store.load());
  store.start();
  const arrivals: number[] = [];
  store.setMessageArrivingListener((_topic, _queueId, maxOffset) => arrivals.push(maxOffset));
  return { store, arrivals };
}

test("SYNC_FLUSH: a message is invisible to pulls, max offset and long polling until its flush completes", async () => {
  // Arrange
  const gated = gatedDisk();
  const { store, arrivals } = open(gated.disk, { flushDiskType: "SYNC_FLUSH" });
  // Act: the put is appended, its fsync is held.
  let acked = false;
  let visibleAtAck: string | undefined;
  const put = store.putMessage(makeMessage({ body: "durable?" })).then((result) => {
    acked = true;
    visibleAtAck = store.getMessage("g", "TopicTest", 0, 0, 32).status;
    return result;
  });
  await settle();
  // Assert: appended (commit log has it) but not visible.
  assert.equal(gated.held(), 1);
  assert.equal(acked, false);
  assert.ok(store.getMaxPhyOffset() > 0);
  assert.equal(store.confirmOffset(), 0);
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 0);
  assert.equal(store.getMessage("g", "TopicTest", 0, 0, 32).status, "NO_MATCHED_LOGIC_QUEUE");
  assert.deepEqual(arrivals, []);
  assert.equal(store.dispatcher.pendingCount, 1);
  // Act: the fsync completes.
  gated.release();
  const result = await put;
  // Assert: visible (and long polls woken) before the producer hears PUT_OK.
  assert.equal(result.status, "PUT_OK");
  assert.equal(visibleAtAck, "FOUND");
  assert.deepEqual(arrivals, [1]);
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 1);
  assert.equal(store.dispatcher.pendingCount, 0);
  gated.hold = false;
  await store.shutdown();
});

test("SYNC_FLUSH: messages appended during a flush round stay invisible until the next round covers them", async () => {
  const gated = gatedDisk();
  const { store } = open(gated.disk, { flushDiskType: "SYNC_FLUSH" });
  const first = store.putMessage(makeMessage({ body: "a" }));
  await settle();
  const second = store.putMessage(makeMessage({ body: "b" }));
  await settle();
  // The first round started before "b" was appended: it covers "a" only.
  gated.release();
  assert.equal((await first).status, "PUT_OK");
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 1);
  assert.equal(store.getMessage("g", "TopicTest", 0, 1, 32).status, "OFFSET_OVERFLOW_ONE");
  await settle();
  gated.release();
  assert.equal((await second).status, "PUT_OK");
  assert.equal(store.getMessage("g", "TopicTest", 0, 0, 32).messages.length, 2);
  gated.hold = false;
  await store.shutdown();
});

test("SYNC_FLUSH with readUnCommitted=true (RocketMQ 4.9.7): visible at append, before any flush", async () => {
  const gated = gatedDisk();
  const { store, arrivals } = open(gated.disk, { flushDiskType: "SYNC_FLUSH", readUnCommitted: true });
  const put = store.putMessage(makeMessage({ body: "early" }));
  await settle();
  assert.equal(gated.held(), 1);
  assert.equal(store.getMessage("g", "TopicTest", 0, 0, 32).status, "FOUND");
  assert.deepEqual(arrivals, [1]);
  assert.equal(store.confirmOffset(), store.getMaxPhyOffset());
  gated.release();
  assert.equal((await put).status, "PUT_OK");
  gated.hold = false;
  await store.shutdown();
});

test("ASYNC_FLUSH + ASYNC_MASTER (no durability promised): visible at append, as before", async () => {
  const gated = gatedDisk();
  const { store } = open(gated.disk, {});
  assert.equal(store.boundsVisibility(), false);
  assert.equal((await store.putMessage(makeMessage())).status, "PUT_OK");
  assert.equal(store.getMessage("g", "TopicTest", 0, 0, 32).status, "FOUND");
  gated.hold = false;
  await store.shutdown();
});

test("SYNC_MASTER: visible once the slave acknowledged it; with no slave connected, at append", async () => {
  const disk = new MemoryDisk();
  const { store, arrivals } = open(disk, { brokerRole: "SYNC_MASTER" });
  let acked = 0;
  let connected = true;
  store.setReplicaProgress({ ackedOffset: () => acked, slaveConnected: () => connected });
  await store.putMessage(makeMessage({ body: "one" }), { waitStoreMsgOK: false });
  const end = store.getMaxPhyOffset();
  await store.putMessage(makeMessage({ body: "two" }), { waitStoreMsgOK: false });
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 0);
  // A slave ack covering part of "one" (HA chunks need not end on a record) shows nothing.
  acked = end - 1;
  store.onDurabilityAdvanced();
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 0);
  acked = end;
  store.onDurabilityAdvanced();
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 1);
  assert.deepEqual(arrivals, [1]);
  // The slave goes away: visibility falls back to local durability (ASYNC_FLUSH: the append).
  connected = false;
  store.onDurabilityAdvanced();
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 2);
  assert.deepEqual(arrivals, [1, 2]);
  await store.shutdown();
});

test("SYNC_MASTER: a pull for an offset appended but not yet acknowledged waits (OVERFLOW_ONE); one past the appended end still moves the consumer", async () => {
  // The slave dispatches what it receives before its ack reaches the master, so a consumer that
  // read the newest message from the slave may next ask the master for the offset after it.
  // Arrange: "one" acknowledged (visible); "two" and "three" appended, not acknowledged.
  const { store } = open(new MemoryDisk(), { brokerRole: "SYNC_MASTER" });
  let acked = 0;
  store.setReplicaProgress({ ackedOffset: () => acked, slaveConnected: () => true });
  await store.putMessage(makeMessage({ body: "one" }), { waitStoreMsgOK: false });
  acked = store.getMaxPhyOffset();
  store.onDurabilityAdvanced();
  await store.putMessage(makeMessage({ body: "two" }), { waitStoreMsgOK: false });
  await store.putMessage(makeMessage({ body: "three" }), { waitStoreMsgOK: false });
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 1);
  // Act
  const inFlight = store.getMessage("g", "TopicTest", 0, 2, 32);
  const appendedEnd = store.getMessage("g", "TopicTest", 0, 3, 32);
  const beyond = store.getMessage("g", "TopicTest", 0, 4, 32);
  // Assert: offsets 2 and 3 exist (or are next) in the commit log: stay, do not rewind to 0.
  assert.equal(inFlight.status, "OFFSET_OVERFLOW_ONE");
  assert.equal(inFlight.nextBeginOffset, 2);
  assert.equal(inFlight.maxOffset, 1);
  assert.equal(appendedEnd.status, "OFFSET_OVERFLOW_ONE");
  assert.equal(appendedEnd.nextBeginOffset, 3);
  assert.equal(beyond.status, "OFFSET_OVERFLOW_BADLY");
  assert.equal(beyond.nextBeginOffset, 0);
  await store.shutdown();
});

test("SYNC_MASTER: the first message of a queue, appended but not acknowledged, makes offset 1 wait rather than move", async () => {
  const { store } = open(new MemoryDisk(), { brokerRole: "SYNC_MASTER" });
  store.setReplicaProgress({ ackedOffset: () => 0, slaveConnected: () => true });
  await store.putMessage(makeMessage({ body: "one" }), { waitStoreMsgOK: false });
  assert.equal(store.getMessage("g", "TopicTest", 0, 1, 32).status, "OFFSET_OVERFLOW_ONE");
  assert.equal(store.getMessage("g", "TopicTest", 0, 2, 32).status, "NO_MATCHED_LOGIC_QUEUE");
  await store.shutdown();
});

test("the retry timer dispatches what became durable even if nobody called onDurabilityAdvanced", async () => {
  const disk = new MemoryDisk();
  const env = createTestEnv({ disk });
  const store = new DefaultMessageStore(env, config({ brokerRole: "SYNC_MASTER" }));
  assert.ok(store.load());
  store.start();
  let acked = 0;
  store.setReplicaProgress({ ackedOffset: () => acked, slaveConnected: () => true });
  await store.putMessage(makeMessage(), { waitStoreMsgOK: false });
  acked = store.getMaxPhyOffset();
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 0);
  env.time.advance(1000);
  await settle();
  assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 1);
  await store.shutdown();
});

test("property: under any interleaving of puts (across segment ends) and partial slave acks, exactly the acknowledged records are visible, in order", async () => {
  const { default: fc } = await import("fast-check");
  await fc.assert(fc.asyncProperty(
    fc.array(fc.oneof(
      fc.record({ kind: fc.constant("put" as const), sizeBytes: fc.integer({ min: 1, max: 900 }), queueId: fc.integer({ min: 0, max: 1 }) }),
      fc.record({ kind: fc.constant("ack" as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
    ), { minLength: 1, maxLength: 40 }),
    async (ops) => {
      const disk = new MemoryDisk();
      const store = new DefaultMessageStore(createTestEnv({ disk }), config({ brokerRole: "SYNC_MASTER", mappedFileSizeCommitLog: 4096, maxMessageSize: 1024 }));
      assert.ok(store.load());
      store.start();
      let acked = 0;
      store.setReplicaProgress({ ackedOffset: () => acked, slaveConnected: () => true });
      const ends: { end: number; queueId: number }[] = [];
      const visibleCount = (queueId: number): number => store.getMaxOffsetInQueue("TopicTest", queueId);
      for (const op of ops) {
        if (op.kind === "put") {
          const result = await store.putMessage(makeMessage({ body: new Uint8Array(op.sizeBytes), queueId: op.queueId }), { waitStoreMsgOK: false });
          assert.equal(result.status, "PUT_OK");
          ends.push({ end: result.appendResult!.wroteOffset + result.appendResult!.wroteBytes, queueId: op.queueId });
        } else {
          acked = Math.max(acked, Math.floor(store.getMaxPhyOffset() * op.fraction));
          store.onDurabilityAdvanced();
        }
        for (const queueId of [0, 1]) {
          const expected = ends.filter((item) => item.queueId === queueId && item.end <= acked).length;
          assert.equal(visibleCount(queueId), expected, `queue ${queueId} after ${op.kind}`);
        }
      }
      acked = store.getMaxPhyOffset();
      store.onDurabilityAdvanced();
      for (const queueId of [0, 1]) {
        const total = ends.filter((item) => item.queueId === queueId).length;
        assert.equal(visibleCount(queueId), total);
        if (total > 0) assert.deepEqual(store.getMessage("g", "TopicTest", queueId, 0, 64).messageQueueOffsets, [...Array(total).keys()]);
      }
      assert.equal(store.dispatcher.pendingCount, 0);
      await store.shutdown();
    },
  ), { numRuns: 60, seed: 11 });
});
