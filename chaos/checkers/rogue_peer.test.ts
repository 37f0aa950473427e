import { test } from "node:test";
import assert from "node:assert/strict";
import type { RogueEvent } from "../history/types.ts";
import { checkRoguePeer, quietAfterMs } from "./rogue_peer.ts";
import { HistoryBuilder, testContext, topologyFacts } from "./testing/history_builder.ts";

const context = testContext({ topology: topologyFacts("2m-2s-async") });
const attack = (timeMs: number, fields: Pick<RogueEvent, "attack" | "outcome"> & Partial<RogueEvent>): RogueEvent => ({
  type: "rogue", timeMs, endMs: timeMs + 5, process: "rogue-1", target: "broker-a", ...fields,
});
const refused = (timeMs: number): RogueEvent => attack(timeMs, { attack: "unknown-code", outcome: "response", responseCode: 3, opaqueMatches: true, requestCode: 9001 });

test("closed malformed frames and refused requests pass", () => {
  const events = new HistoryBuilder()
    .fault(1_000, 20_000, "rogue-peer", "broker-a")
    .raw(attack(2_000, { attack: "header-not-json", outcome: "closed" }))
    .raw(refused(2_500))
    .raw(attack(3_000, { attack: "missing-fields", outcome: "response", responseCode: 1, opaqueMatches: true, requestCode: 310 }))
    .build();
  const result = checkRoguePeer(events, context);
  assert.equal(result.verdict, "pass", result.summary);
  assert.match(result.summary, /3 rogue attacks on broker-a closed or refused as 4\.9\.x does \(3 in quiet spans/);
});

test("no rogue peer: nothing to judge", () => {
  const result = checkRoguePeer(new HistoryBuilder().build(), context);
  assert.equal(result.verdict, "pass");
  assert.match(result.summary, /nothing to judge/);
});

test("SUCCESS to a request the server cannot serve fails, and so does another request's opaque", () => {
  const success = checkRoguePeer([refused(1_000), attack(2_000, { attack: "missing-fields", outcome: "response", responseCode: 0, opaqueMatches: true, requestCode: 105 })], context);
  assert.equal(success.verdict, "fail");
  assert.match(success.summary, /answered request code 105 it cannot serve with SUCCESS/);
  const opaque = checkRoguePeer([attack(2_000, { attack: "unknown-code", outcome: "response", responseCode: 3, opaqueMatches: false, requestCode: 9001 })], context);
  assert.equal(opaque.verdict, "fail");
  assert.match(opaque.summary, /opaque is not the request's/);
});

test("any frame in answer to an undecodable one fails, faults or not", () => {
  const events = new HistoryBuilder()
    .node(1_000, "broker-a", "pause")
    .raw(attack(2_000, { attack: "length-oversized", outcome: "response", responseCode: 0 }))
    .raw(attack(3_000, { attack: "length-below-header", outcome: "garbled", error: "frame length 2" }))
    .build();
  const result = checkRoguePeer(events, context);
  assert.equal(result.verdict, "fail");
  assert.match(result.summary, /2 rogue attacks got a wrong answer; first at 2000 ms on broker-a \(length-oversized\): the server answered an undecodable frame/);
});

test("silence, a close without an answer and a refused connect fail in a quiet span", () => {
  const events = [
    attack(1_000, { attack: "serialize-type-unknown", outcome: "silent" }),
    attack(2_000, { attack: "unknown-code", outcome: "closed", requestCode: 9001 }),
    attack(3_000, { attack: "header-not-json", outcome: "connect-failed", error: "ECONNREFUSED: refused" }),
  ];
  const result = checkRoguePeer(events, context);
  assert.equal(result.verdict, "fail");
  assert.equal((result.evidence.wrong as { count: number }).count, 3);
  assert.match(result.summary, /left an undecodable frame's connection open/);
});

test("silence and refusals are excused while the target is down, paused or cut off, and for a while after", () => {
  const events = new HistoryBuilder()
    .node(1_000, "broker-a", "crash").node(4_000, "broker-a", "restart")
    .fault(20_000, 25_000, "partition", "broker-a", 1)
    .raw(attack(2_000, { attack: "header-not-json", outcome: "connect-failed", error: "ECONNREFUSED: refused" }))
    .raw(attack(4_000 + quietAfterMs - 1_000, { attack: "unknown-code", outcome: "silent", requestCode: 9001 }))
    .raw(attack(22_000, { attack: "length-oversized", outcome: "silent" }))
    .build();
  const result = checkRoguePeer(events, context);
  assert.equal(result.verdict, "pass", result.summary);
  assert.match(result.summary, /0 in quiet spans/);
});

test("a fault on another node does not excuse the target's silence", () => {
  const events = new HistoryBuilder()
    .node(1_000, "broker-b", "crash")
    .raw(attack(2_000, { attack: "unknown-code", outcome: "silent", requestCode: 9001 }))
    .build();
  assert.equal(checkRoguePeer(events, context).verdict, "fail");
});

test("a partition of any shape excuses a refused connect: its event names only the bridge node, yet the rogue may sit across it", () => {
  // Seed 3 swarm run 911: a bridge partition named consumer-GroupTest-2 and timed the rogue's connects to the target out.
  const events = new HistoryBuilder()
    .fault(20_000, 29_000, "partition", "consumer-GroupTest-2", 1)
    .raw(attack(20_268, { attack: "length-below-header", outcome: "connect-failed", error: "ETIMEDOUT: connect timed out" }))
    .build();
  const result = checkRoguePeer(events, context);
  assert.equal(result.verdict, "pass", result.summary);
  // A crash of another node still does not (above); nor does a refused connect long after the partition healed.
  const later = new HistoryBuilder()
    .fault(20_000, 29_000, "partition", "consumer-GroupTest-2", 1)
    .raw(attack(29_000 + quietAfterMs + 1_000, { attack: "length-below-header", outcome: "connect-failed", error: "ETIMEDOUT: connect timed out" }))
    .build();
  assert.equal(checkRoguePeer(later, context).verdict, "fail");
});
