import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { buildMix, combineMixes, isMixName, mixNames } from "./mixes.ts";
import { ciWorkload } from "../../scenarios/library/standard.ts";

test("every mix is a consistent workload: named topics, unique groups, schedules inside the send phase", () => {
  fc.assert(fc.property(fc.constantFrom(...mixNames), fc.integer({ min: 10, max: 600 }), fc.integer({ min: 1, max: 16 }), (name, sendS, queues) => {
    const sendMs = sendS * 1000;
    const workload = buildMix(name, { sendMs, queues });
    const topics = new Set(workload.topics.map((topic) => topic.name));
    assert.ok(workload.producers.length > 0 && workload.consumers.length > 0);
    for (const spec of [...workload.producers, ...workload.consumers]) assert.ok(topics.has(spec.topic), `${name}: ${spec.topic}`);
    assert.ok(workload.topics.every((topic) => topic.queues === queues));
    assert.equal(new Set(workload.consumers.map((group) => group.group)).size, workload.consumers.length);
    for (const producer of workload.producers) for (const burst of producer.bursts ?? []) assert.ok(burst.atMs + burst.durationMs <= sendMs);
    for (const group of workload.consumers) {
      assert.ok((group.startAtMs ?? 0) < sendMs);
      for (const step of group.scale ?? []) assert.ok(step.atMs < sendMs);
    }
  }));
});

test("hostile is every other mix at once (large bodies only on request); a group may not appear twice", () => {
  const hostile = buildMix("hostile");
  const groups = hostile.consumers.map((group) => group.group);
  for (const expected of ["GroupTest", "GroupOrderly", "GroupFailing", "GroupBatch", "GroupDelay", "GroupBroadcast", "GroupLateLast", "GroupScaling", "GroupBurst"]) {
    assert.ok(groups.includes(expected), expected);
  }
  assert.ok(!groups.includes("GroupLarge"));
  assert.ok(!groups.includes("GroupTx"), "transactions need broker settings a mix cannot carry: never in hostile");
  assert.ok(buildMix("transactions").producers.every((producer) => producer.transactional !== undefined));
  assert.ok(buildMix("hostile", {}, { large: true }).consumers.some((group) => group.group === "GroupLarge"));
  assert.equal(hostile.producers[0]?.topic, "TopicTest", "steady first: producer-1 is the one standard faults name");
  assert.throws(() => combineMixes(buildMix("steady"), buildMix("steady")), /GroupTest appears twice/);
  assert.ok(isMixName("late-join") && !isMixName("gentle"));
});

test("the CI workload has an orderly, a failing, a batch, a delayed, a broadcasting and a late group, and a burst", () => {
  const workload = ciWorkload(240_000);
  const groups = workload.consumers;
  assert.ok(groups.some((group) => group.orderly === true));
  assert.ok(groups.some((group) => (group.failurePercent ?? 0) > 0 && (group.poisonPercent ?? 0) > 0 && (group.consumeBatchMaxSize ?? 1) > 1));
  assert.ok(groups.some((group) => group.model === "BROADCASTING"));
  assert.ok(groups.some((group) => group.startAtMs !== undefined && group.consumeFromWhere === "CONSUME_FROM_LAST_OFFSET"));
  assert.ok(workload.producers.some((producer) => (producer.delayPercent ?? 0) > 0));
  assert.ok(workload.producers.some((producer) => (producer.batchSize ?? 1) > 1));
  assert.ok(workload.producers.some((producer) => (producer.bursts ?? []).length > 0));
  assert.equal(groups[0]?.group, "GroupTest");
});
