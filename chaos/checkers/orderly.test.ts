import { test } from "node:test";
import assert from "node:assert/strict";
import type { OrderlyEvidence } from "./orderly.ts";
import { checkOrderly } from "./orderly.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";

const orderly = testContext({ groups: [{ group: "G", topic: "T", count: 2, orderly: true }] });
const locked = (startMs: number): { extra: { startMs: number; lockHeld: boolean } } => ({ extra: { startMs, lockHeld: true } });

test("one lock holder at a time, handing the queue over: passes", () => {
  const events = new HistoryBuilder().sends("m-", 4)
    .deliver({ id: "m-0", at: 100, process: "consumer-G-1", ...locked(90) })
    .deliver({ id: "m-1", at: 120, process: "consumer-G-1", ...locked(100) })
    // consumer-G-2 takes the queue after G-1 finished (touching ends are not an overlap) and replays m-1.
    .deliver({ id: "m-1", at: 130, process: "consumer-G-2", ...locked(120) })
    .deliver({ id: "m-2", at: 140, process: "consumer-G-2", ...locked(130) })
    .deliver({ id: "m-3", at: 150, process: "consumer-G-2", ...locked(140) })
    .build();
  const result = checkOrderly(events, orderly);
  assert.equal(result.verdict, "pass", result.summary);
  assert.equal((result.evidence as OrderlyEvidence).lockedDeliveries, 5);
});

test("two consumers inside the listener on one queue, both holding the lock: fails naming both", () => {
  const events = new HistoryBuilder().sends("m-", 3)
    .deliver({ id: "m-0", at: 200, process: "consumer-G-1", ...locked(100) })
    .deliver({ id: "m-1", at: 180, process: "consumer-G-2", ...locked(150) })
    .deliver({ id: "m-2", at: 260, process: "consumer-G-2", ...locked(250) })
    .build();
  const result = checkOrderly(events, orderly);
  assert.equal(result.verdict, "fail");
  const overlap = (result.evidence as OrderlyEvidence).overlaps.items[0];
  assert.deepEqual([overlap?.queue, overlap?.first.process, overlap?.first.id, overlap?.second.process, overlap?.second.id, overlap?.overlapMs],
    ["broker-a:0", "consumer-G-1", "m-0", "consumer-G-2", "m-1", 30]);
  assert.match(result.summary, /lock overlap.*broker-a:0.*consumer-G-1.*m-0.*consumer-G-2.*m-1/);
  // The same overlap while one side knew it had lost the lock is not exclusivity's business.
  const unlocked = events.map((event) => event.type === "deliver" && event.process === "consumer-G-2" ? { ...event, lockHeld: false } : event);
  assert.equal((checkOrderly(unlocked, orderly).evidence as OrderlyEvidence).overlaps.count, 0);
});

test("first deliveries going back in offset across owners fail; a per-key reorder of an orderly group fails", () => {
  const interleaved = new HistoryBuilder().sends("m-", 3)
    .deliver({ id: "m-0", at: 10, process: "consumer-G-1" })
    .deliver({ id: "m-2", at: 11, process: "consumer-G-2" })
    .deliver({ id: "m-1", at: 12, process: "consumer-G-1" })
    .build();
  const result = checkOrderly(interleaved, orderly);
  assert.equal(result.verdict, "fail");
  const reorder = (result.evidence as OrderlyEvidence).crossOwnerReorders.items[0];
  assert.deepEqual([reorder?.earlier.process, reorder?.earlier.id, reorder?.later.process, reorder?.later.id], ["consumer-G-2", "m-2", "consumer-G-1", "m-1"]);
  const keyed = new HistoryBuilder()
    .send({ id: "k-0", at: 0, key: "k", seq: 0, queue: "broker-b:1", offset: 1 })
    .send({ id: "k-1", at: 3, key: "k", seq: 1, queue: "broker-b:1", offset: 0 })
    .deliver({ id: "k-1", at: 10 }).deliver({ id: "k-0", at: 11, offset: 5, reconsume: 0 }).build();
  const keyResult = checkOrderly(keyed, orderly);
  assert.equal(keyResult.verdict, "fail");
  assert.equal((keyResult.evidence as OrderlyEvidence).keyReorders.items[0]?.key, "k");
});

test("a power loss of the queue's master between two owners' first deliveries restarts the queue's order (seed 1 battery run 650)", () => {
  // G-2 had offset 8 before the master lost power; it came back shorter and gave offset 7 to a
  // new message, which G-1 (the queue's next owner) first-delivered after it.
  const handedOver = (lossAt: number) => new HistoryBuilder()
    .send({ id: "m-69", at: 0, offset: 8 }).send({ id: "m-85", at: 6_000, offset: 7 })
    .deliver({ id: "m-69", at: 4_696, process: "consumer-G-2" })
    .fault(lossAt, lossAt + 6_000, "power-loss", "broker-a")
    .deliver({ id: "m-85", at: 11_173, process: "consumer-G-1" }).build();
  assert.equal(checkOrderly(handedOver(5_000), orderly).verdict, "pass");
  // The same hand-over without a power loss between the two deliveries is a cross-owner reorder.
  const result = checkOrderly(handedOver(20_000), orderly);
  assert.equal(result.verdict, "fail");
  assert.equal((result.evidence as OrderlyEvidence).crossOwnerReorders.count, 1);
});

test("no orderly group: nothing to judge", () => {
  const events = new HistoryBuilder().sends("m-", 2).deliverAll(["m-0", "m-1"], 5).build();
  const result = checkOrderly(events, testContext());
  assert.equal(result.verdict, "pass");
  assert.match(result.summary, /nothing to judge/);
});
