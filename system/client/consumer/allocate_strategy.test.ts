import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { compareMessageQueues, messageQueueKey } from "../../protocol/message_queue.ts";
import {
  allocateAveragely, allocateAveragelyByCircle, allocateConsistentHash, ConsistentHashRing, md5RingHash, sortClientIds,
} from "./allocate_strategy.ts";
import type { AllocateMessageQueueStrategy } from "./allocate_strategy.ts";

function queues(brokers: number, perBroker: number): MessageQueue[] {
  const all: MessageQueue[] = [];
  for (let b = 0; b < brokers; b++) for (let q = 0; q < perBroker; q++) all.push({ topic: "T", brokerName: `broker-${b}`, queueId: q });
  return all.sort(compareMessageQueues);
}

const shape = fc.record({
  brokers: fc.integer({ min: 1, max: 4 }),
  perBroker: fc.integer({ min: 1, max: 16 }),
  consumers: fc.uniqueArray(fc.stringMatching(/^[0-9.]{1,9}@[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 12 }),
});

function shares(strategy: AllocateMessageQueueStrategy, mqAll: MessageQueue[], cidAll: string[]): Map<string, MessageQueue[]> {
  return new Map(cidAll.map((cid) => [cid, strategy.allocate("G", cid, mqAll, cidAll)]));
}

for (const strategy of [allocateAveragely, allocateAveragelyByCircle, allocateConsistentHash()]) {
  test(`${strategy.name}: every queue goes to exactly one consumer`, () => {
    fc.assert(fc.property(shape, ({ brokers, perBroker, consumers }) => {
      const mqAll = queues(brokers, perBroker);
      const cidAll = sortClientIds(consumers);
      const owners = new Map<string, string>();
      for (const [cid, mine] of shares(strategy, mqAll, cidAll)) {
        for (const mq of mine) {
          assert.equal(owners.has(messageQueueKey(mq)), false, `queue ${messageQueueKey(mq)} assigned twice`);
          owners.set(messageQueueKey(mq), cid);
        }
      }
      assert.equal(owners.size, mqAll.length);
    }));
  });
}

for (const strategy of [allocateAveragely, allocateAveragelyByCircle]) {
  test(`${strategy.name}: balanced within one queue`, () => {
    fc.assert(fc.property(shape, ({ brokers, perBroker, consumers }) => {
      const mqAll = queues(brokers, perBroker);
      const sizes = [...shares(strategy, mqAll, sortClientIds(consumers)).values()].map((mine) => mine.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes.join(",")}`);
    }));
  });
}

test("averagely: contiguous blocks, first (mq mod cid) consumers get one extra (Java example)", () => {
  const mqAll = queues(1, 8);
  const cidAll = ["c1", "c2", "c3"];
  const ids = cidAll.map((cid) => allocateAveragely.allocate("G", cid, mqAll, cidAll).map((mq) => mq.queueId));
  assert.deepEqual(ids, [[0, 1, 2], [3, 4, 5], [6, 7]]);
  assert.deepEqual(allocateAveragelyByCircle.allocate("G", "c2", mqAll, cidAll).map((mq) => mq.queueId), [1, 4, 7]);
});

test("a consumer not in the list gets nothing", () => {
  const mqAll = queues(1, 4);
  assert.deepEqual(allocateAveragely.allocate("G", "x", mqAll, ["a", "b"]), []);
  assert.deepEqual(allocateConsistentHash().allocate("G", "x", mqAll, ["a", "b"]), []);
});

test("md5 ring hash matches Java's MD5Hash (first 4 digest bytes)", () => {
  // md5("a") = 0cc175b9c0f1b6a8...; the first four bytes as an unsigned int.
  assert.equal(md5RingHash("a"), 0x0cc175b9);
});

test("md5 ring hash: remembered values equal fresh digests, across the memo's clearing", () => {
  // More distinct keys than the memo holds, each asked twice: hits and misses agree with md5.
  const keys = Array.from({ length: 5000 }, (_, index) => `10.0.0.${index % 256}@${index}-${index % 10}`);
  for (const round of [0, 1]) {
    for (const key of keys) {
      const fresh = createHash("md5").update(key, "utf8").digest().readUInt32BE(0);
      assert.equal(md5RingHash(key), fresh, `round ${round}: ${key}`);
    }
  }
});

test("consistent hash: adding a consumer moves only queues to the new consumer", () => {
  fc.assert(fc.property(shape, fc.stringMatching(/^new@[a-z]{1,4}$/), ({ brokers, perBroker, consumers }, extra) => {
    fc.pre(!consumers.includes(extra));
    const mqAll = queues(brokers, perBroker);
    const before = new ConsistentHashRing(consumers, 10);
    const after = new ConsistentHashRing([...consumers, extra], 10);
    for (const mq of mqAll) {
      const key = `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`;
      const owner = after.route(key);
      if (owner !== extra) assert.equal(owner, before.route(key));
    }
  }));
});

test("consistent hash is deterministic and independent of consumer order", () => {
  const mqAll = queues(2, 8);
  const a = allocateConsistentHash().allocate("G", "c2", mqAll, ["c1", "c2", "c3"]);
  const b = allocateConsistentHash().allocate("G", "c2", mqAll, ["c3", "c1", "c2"]);
  assert.deepEqual(a, b);
});
