import { test } from "node:test";
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { deriveRandom } from "../sim/random.ts";
import { decodeBodyId } from "./message_identity.ts";
import { MessagePlan, incompressibleBody } from "./message_plan.ts";

const random = (seed: number) => deriveRandom(seed, "producer-1");

test("batches carry one id and indexes, never a delay or a large body; singles may be delayed, large or compressible", () => {
  let opId = 0;
  const context = { node: "producer-1", startToken: "t", random: random(1), nextOpId: () => ++opId, runTimeMs: () => 0 };
  const batched = new MessagePlan({ count: 1, topic: "T", batchSize: 3, delayPercent: 100, largeBodyPercent: 100 }, context);
  const unit = batched.next({ burst: true, sendMode: "sync", remaining: 10 });
  assert.equal(unit.batch, true);
  assert.deepEqual(unit.messages.map((planned) => planned.invoke.batchIndex), [0, 1, 2]);
  assert.equal(new Set(unit.messages.map((planned) => planned.invoke.batchId)).size, 1);
  assert.ok(unit.messages.every((planned) => planned.invoke.delayLevel === undefined && planned.message.delayTimeLevel === undefined && planned.invoke.burst === true));
  assert.ok(unit.messages.every((planned) => (planned.invoke.bodySizeBytes ?? 0) < 4096));
  assert.equal(batched.next({ burst: false, sendMode: "sync", remaining: 2 }).messages.length, 2, "a total cuts the last batch");
  const singles = new MessagePlan({ count: 1, topic: "T", delayPercent: 100, delayLevels: [4], compressiblePercent: 100 }, context);
  const single = singles.next({ burst: false, sendMode: "sync", remaining: 10 }).messages[0]!;
  assert.equal(single.invoke.delayLevel, 4);
  assert.equal(single.message.delayTimeLevel, 4);
  assert.ok((single.invoke.bodySizeBytes ?? 0) > 4096);
  assert.equal(decodeBodyId(single.message.body as Uint8Array), single.invoke.messageId);
});

test("large bodies keep their identity, their size, and do not compress (they stay near the limit on the wire)", () => {
  const body = incompressibleBody("producer-1.t.7", 1_000_000, 12345);
  assert.equal(body.length, 1_000_000);
  assert.equal(decodeBodyId(body), "producer-1.t.7");
  assert.ok(deflateSync(body, { level: 5 }).length > 800_000);
  assert.deepEqual(incompressibleBody("x", 64, 9), incompressibleBody("x", 64, 9));
});
