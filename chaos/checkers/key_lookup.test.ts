import { test } from "node:test";
import assert from "node:assert/strict";
import type { LookupEvent, StoreDigestEvent } from "../history/types.ts";
import { checkKeyLookup } from "./key_lookup.ts";
import { HistoryBuilder, testContext, topologyFacts } from "./testing/history_builder.ts";

const context = testContext({ topology: topologyFacts("2m-2s-async") });
const lookup = (messageId: string, found: boolean, extra: Partial<LookupEvent> = {}): LookupEvent => ({
  type: "lookup", timeMs: 60_000, process: "producer-1", messageId, topic: "T", broker: "broker-a", found, ...extra,
});
/** m-0..m-2 stored on broker-a:0 at 1, 2, 3 s and delivered 10 ms later. */
const stored = (): HistoryBuilder => new HistoryBuilder()
  .sends("m-", 3, { from: 1000, everyMs: 1000, queues: ["broker-a:0"] })
  .deliverAll(["m-0", "m-1", "m-2"], 10);
const digest = (node: string, minPhysicalOffset: number): StoreDigestEvent => ({
  type: "store-digest", timeMs: 59_000, node, brokerName: node, role: "master", minPhysicalOffset, maxPhysicalOffset: 4096, sha256: "x",
});

test("every stored message found by key passes; a failed query judges nothing", () => {
  const events = stored().raw(lookup("m-0", true)).raw(lookup("m-1", true)).raw(lookup("m-2", false, { error: "RemotingTimeoutError: timeout" })).build();
  const result = checkKeyLookup(events, context);
  assert.equal(result.verdict, "pass", result.summary);
  assert.match(result.summary, /2 key lookups answered: 2 found, 0 excused.*1 not answered/);
});

test("a delivered message its master cannot find by key fails", () => {
  const events = stored().raw(lookup("m-0", true)).raw(lookup("m-1", false)).raw(lookup("m-2", true)).build();
  const result = checkKeyLookup(events, context);
  assert.equal(result.verdict, "fail");
  assert.match(result.summary, /1 stored message not found by key on the master that stored it; first m-1 on broker-a/);
});

test("no lookups: nothing to judge", () => {
  const result = checkKeyLookup(stored().build(), context);
  assert.equal(result.verdict, "pass");
  assert.match(result.summary, /nothing to judge/);
});

test("a miss of a message never delivered from that broker is left to the delivery check", () => {
  const events = new HistoryBuilder().sends("m-", 1, { from: 1000, queues: ["broker-a:0"] }).raw(lookup("m-0", false)).build();
  const result = checkKeyLookup(events, context);
  assert.equal(result.verdict, "pass", result.summary);
  assert.match(result.summary, /1 excused/);
  // Delivered from another broker (a retry on broker-b) does not say broker-a holds it either.
  const elsewhere = new HistoryBuilder().sends("m-", 1, { from: 1000, queues: ["broker-a:0"] })
    .deliver({ id: "m-0", at: 1500, queue: "broker-b:0" }).raw(lookup("m-0", false)).build();
  assert.equal(checkKeyLookup(elsewhere, context).verdict, "pass");
});

test("a power loss of an ASYNC_FLUSH master after the ack excuses the miss, even if the message is delivered after the restart", () => {
  // Acked at 2 s; broker-a loses power at 5 s, serves again at 8 s; consumers still read m-1 from broker-a-s at 8.6 s.
  const lost = stored().fault(5000, 8000, "power-loss", "broker-a").deliver({ id: "m-1", at: 8600 }).raw(lookup("m-1", false)).build();
  const excused = checkKeyLookup(lost, context);
  assert.equal(excused.verdict, "pass", excused.summary);
  assert.match(excused.summary, /1 excused/);
  // Acked after the restart: stored by the restarted master, which must find it.
  const after = stored().fault(1500, 1800, "power-loss", "broker-a").raw(lookup("m-1", false)).build();
  assert.equal(checkKeyLookup(after, context).verdict, "fail", "m-1 was acked at 2 s, after the loss at 1.5 s");
  // A power loss of the slave, or of the other master, excuses nothing.
  const slaveLost = stored().fault(5000, 8000, "power-loss", "broker-a-s").fault(5000, 8000, "power-loss", "broker-b", 1).raw(lookup("m-1", false)).build();
  assert.equal(checkKeyLookup(slaveLost, context).verdict, "fail");
});

test("a SYNC_FLUSH master's SEND_OK survives its power loss: the restarted master must find it by key", () => {
  const syncFlush = testContext({ topology: topologyFacts("2m-2s-async", "SYNC_FLUSH") });
  const sendOk = new HistoryBuilder().send({ id: "m-0", at: 1000, queue: "broker-a:0", status: "SEND_OK" }).deliverAll(["m-0"], 10)
    .fault(5000, 8000, "power-loss", "broker-a").raw(lookup("m-0", false)).build();
  assert.equal(checkKeyLookup(sendOk, syncFlush).verdict, "fail");
  // FLUSH_DISK_TIMEOUT: stored, but its fsync was not confirmed: the loss may have taken it.
  const timedOut = new HistoryBuilder().send({ id: "m-0", at: 1000, queue: "broker-a:0", status: "FLUSH_DISK_TIMEOUT" }).deliverAll(["m-0"], 10)
    .fault(5000, 8000, "power-loss", "broker-a").raw(lookup("m-0", false)).build();
  assert.equal(checkKeyLookup(timedOut, syncFlush).verdict, "pass");
});

test("a forced clean excuses a miss only when the master's digest shows deleted commit-log files", () => {
  const cleaned = stored().fault(4000, 9000, "disk-full", "broker-a").raw(digest("broker-a", 1024)).raw(lookup("m-0", false)).build();
  assert.equal(checkKeyLookup(cleaned, context).verdict, "pass");
  const nothingDeleted = stored().fault(4000, 9000, "disk-full", "broker-a").raw(digest("broker-a", 0)).raw(lookup("m-0", false)).build();
  assert.equal(checkKeyLookup(nothingDeleted, context).verdict, "fail");
});
