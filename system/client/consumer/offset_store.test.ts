import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Log } from "../../env/env.ts";
import { MQBrokerError } from "../client_errors.ts";
import type { ClientMessageExt } from "../message.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { decodeOffsetFile, encodeOffsetFile, LocalFileOffsetStore } from "./local_file_offset_store.ts";
import { MemoryDisk } from "../../store/testing/memory_disk.ts";
import { OFFSET_ERROR, OFFSET_NONE, RemoteBrokerOffsetStore } from "./offset_store.ts";
import { ProcessQueue } from "./process_queue.ts";
import { MessageQueueMap } from "../message_queue.ts";

const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLog };
const mq: MessageQueue = { topic: "T", brokerName: "b", queueId: 0 };

function message(queueOffset: number, bodySize = 10): ClientMessageExt {
  return { queueOffset, body: new Uint8Array(bodySize) } as unknown as ClientMessageExt;
}

test("process queue: the committable offset never passes a message still in flight", () => {
  // Any pull batches, consumed in any order: the offset returned after each completion is the
  // smallest offset still buffered (or one past the largest when empty), and never decreases
  // below a consumed prefix.
  fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 1000 }), fc.infiniteStream(fc.nat()), (count, start, picks) => {
    const pq = new ProcessQueue(new FakeClock());
    const messages = [...Array(count).keys()].map((i) => message(start + i));
    pq.putMessage(messages.slice(0, Math.ceil(count / 2)));
    pq.putMessage(messages.slice(Math.ceil(count / 2)));
    const inFlight = new Set(messages.map((m) => m.queueOffset));
    const iterator = picks[Symbol.iterator]();
    while (inFlight.size > 0) {
      const remaining = [...inFlight];
      const done = remaining[iterator.next().value % remaining.length]!;
      inFlight.delete(done);
      const committable = pq.removeMessage([message(done)]);
      const expected = inFlight.size > 0 ? Math.min(...inFlight) : start + count;
      assert.equal(committable, expected);
      assert.ok([...inFlight].every((offset) => offset >= committable));
    }
    assert.equal(pq.msgCount, 0);
    assert.equal(pq.msgSizeBytes, 0);
  }));
});

test("process queue: counters, span, duplicates and orderly take/commit/put back", () => {
  const pq = new ProcessQueue(new FakeClock());
  assert.equal(pq.putMessage([message(5), message(6), message(9)]), true);
  assert.equal(pq.putMessage([message(6)]), false, "already consuming; a duplicate offset is ignored");
  assert.equal(pq.msgCount, 3);
  assert.equal(pq.msgSizeBytes, 30);
  assert.equal(pq.maxSpan(), 4);
  assert.deepEqual(pq.takeMessages(2).map((m) => m.queueOffset), [5, 6]);
  pq.makeMessageToConsumeAgain([message(6)]);
  assert.deepEqual(pq.bufferedOffsets(), [6, 9]);
  assert.equal(pq.commit(), 6, "commit moves past the batch still taken (5)");
  assert.deepEqual(pq.takeMessages(5).map((m) => m.queueOffset), [6, 9]);
  assert.equal(pq.commit(), 10);
  assert.equal(pq.msgCount, 0);
  assert.deepEqual(pq.takeMessages(1), []);
  assert.equal(pq.consuming, false, "an empty take ends the orderly dispatch");
});

test("process queue: pull and lock expiry use the clock", () => {
  const clock = new FakeClock();
  const pq = new ProcessQueue(clock);
  clock.advance(120_000);
  assert.equal(pq.isPullExpired(), false);
  clock.advance(1);
  assert.equal(pq.isPullExpired(), true);
  assert.equal(pq.isLockExpired(), true);
});

function remoteStore(query: (mq: MessageQueue) => Promise<number>) {
  const sent: [number, MessageQueue][] = [];
  const commits: number[] = [];
  const store = new RemoteBrokerOffsetStore("G", {
    queryConsumerOffset: async (_group, queue) => query(queue),
    updateConsumerOffsetOneway: async (_group, queue, offset) => {
      sent.push([offset, queue]);
    },
  }, silentLog, (_queue, offset) => commits.push(offset));
  return { store, sent, commits };
}

test("remote offset store: increaseOnly never moves back; persistAll sends held queues and forgets others", async () => {
  const { store, sent, commits } = remoteStore(async () => 0);
  store.updateOffset(mq, 10, true);
  store.updateOffset(mq, 7, true);
  assert.equal(await store.readOffset(mq, "READ_FROM_MEMORY"), 10);
  store.updateOffset(mq, 7, false);
  assert.equal(await store.readOffset(mq, "READ_FROM_MEMORY"), 7);
  const other: MessageQueue = { ...mq, queueId: 1 };
  store.updateOffset(other, 3, false);
  await store.persistAll([mq]);
  assert.deepEqual(sent.map(([offset]) => offset), [7]);
  assert.deepEqual(commits, [7]);
  assert.equal(await store.readOffset(other, "READ_FROM_MEMORY"), OFFSET_NONE, "a queue not held any more is forgotten");
});

test("remote offset store: broker 'not found' → -1, transport failure → -2, found → cached", async () => {
  const notFound = remoteStore(async () => {
    throw new MQBrokerError(22, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first");
  });
  assert.equal(await notFound.store.readOffset(mq, "READ_FROM_STORE"), OFFSET_NONE);
  const down = remoteStore(async () => {
    throw new Error("connect to b:1 failed: ECONNREFUSED");
  });
  assert.equal(await down.store.readOffset(mq, "READ_FROM_STORE"), OFFSET_ERROR);
  const found = remoteStore(async () => 42);
  assert.equal(await found.store.readOffset(mq, "MEMORY_FIRST_THEN_STORE"), 42);
  assert.equal(await found.store.readOffset(mq, "READ_FROM_MEMORY"), 42);
});

test("local offset file: Java's OffsetSerializeWrapper shape round-trips", () => {
  const table = new MessageQueueMap<number>();
  table.set(mq, 5);
  table.set({ topic: "%RETRY%G", brokerName: "b-2", queueId: 3 }, 0);
  const text = encodeOffsetFile(table);
  assert.match(text, /^\{"offsetTable":\{\{"brokerName":"b","queueId":0,"topic":"T"\}:5,/);
  assert.deepEqual(decodeOffsetFile(text).entriesList(), table.entriesList());
});

test("local offset store: persisting the allocated queues keeps the file's other entries, and persist(mq) writes one (4.9.8, apache/rocketmq#7740)", async () => {
  // The OFFSET_ILLEGAL fix sets mq's offset to the broker's correction, persists it and removes
  // the process queue; the next periodic persistAll no longer names mq. The rebalance that
  // re-adds mq reads the file (READ_FROM_STORE): it must find the correction, not nothing
  // (nothing → CONSUME_FROM_FIRST_OFFSET's 0 → OFFSET_ILLEGAL again, forever).
  const disk = new MemoryDisk();
  const other: MessageQueue = { topic: "T", brokerName: "b", queueId: 1 };
  const store = new LocalFileOffsetStore(disk, "/offsets/c/G/offsets.json", silentLog);
  store.updateOffset(mq, 3, false);
  store.updateOffset(other, 7, false);
  await store.persistAll([mq, other]);
  store.updateOffset(mq, 40, false); // the delayed fix: the broker's min offset after a forced clean
  await store.persist(mq);
  await store.persistAll([other]); // mq's process queue is gone
  assert.equal(await store.readOffset(mq, "READ_FROM_STORE"), 40);
  assert.equal(await store.readOffset(other, "READ_FROM_STORE"), 7);
  // A fresh store (a restarted consumer) loads both.
  const restarted = new LocalFileOffsetStore(disk, "/offsets/c/G/offsets.json", silentLog);
  await restarted.load();
  assert.deepEqual([restarted.cloneOffsetTable("T").get(mq), restarted.cloneOffsetTable("T").get(other)], [40, 7]);
});
