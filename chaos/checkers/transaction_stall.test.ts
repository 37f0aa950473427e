// The check-stall allowance (transaction_stall.ts) as the transactions and delivery checkers
// apply it: a forward clock skew on the master holding a half excuses that half's missing
// resolution only until its clock has passed the skewed timestamps plus one check round; a
// skew on another broker, a backward skew, a later end or a non-transactional message get no
// excuse.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ScheduledFault } from "../faults/types.ts";
import type { DeliveryEvidence } from "./delivery.ts";
import { checkDelivery } from "./delivery.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";
import type { TransactionEvidence } from "./transactions.ts";
import { checkTransactions } from "./transactions.ts";

/** Skew from 25 s to 29 s; check interval 5 s: excused until 29 + offset + 5 + 5 s. */
function run(options: { offsetMs: number; skewed?: string; halfOn?: string; endMs: number }) {
  const skewed = options.skewed ?? "broker-b";
  const halfOn = options.halfOn ?? "broker-b";
  const faults: ScheduledFault[] = [{ atMs: 25_000, healAtMs: 29_000, fault: { kind: "clock-skew", target: skewed, offsetMs: options.offsetMs } }];
  const history = new HistoryBuilder()
    // "unknown": UNKNOW locally, never checked; "lost-commit": committed locally, END_TRANSACTION lost.
    .send({ id: "unknown", at: 8_000, outcome: "unknown", queue: `${halfOn}:0` })
    .raw({ type: "attempt", op: "send", opId: 1, timeMs: 8_001, process: "producer-1", broker: halfOn, queue: `${halfOn}:0`, outcome: "ok", latencyMs: 1 })
    .raw({ type: "transaction", timeMs: 8_200, process: "producer-1", messageId: "unknown", phase: "local", decision: "unknown" })
    .send({ id: "lost-commit", at: 11_000, queue: `${halfOn}:1` })
    .raw({ type: "attempt", op: "send", opId: 2, timeMs: 11_001, process: "producer-1", broker: halfOn, queue: `${halfOn}:1`, outcome: "ok", latencyMs: 1 })
    .raw({ type: "transaction", timeMs: 11_200, process: "producer-1", messageId: "lost-commit", phase: "local", decision: "commit" })
    .fault(25_000, 29_000, "clock-skew", skewed)
    .build();
  const context = { ...testContext({ faults, endMs: options.endMs }), brokerConfig: { transactionCheckInterval: "5000" } };
  const transactions = checkTransactions(history, context);
  const delivery = checkDelivery(history, context);
  return { transactions, delivery, txEvidence: transactions.evidence as TransactionEvidence, deliveryEvidence: delivery.evidence as DeliveryEvidence };
}

test("a forward skew on the half's master, still stalling its checks at the end: both findings excused and listed", () => {
  const { transactions, delivery, txEvidence, deliveryEvidence } = run({ offsetMs: 86_000, endMs: 110_000 });
  assert.equal(transactions.verdict, "pass", transactions.summary);
  assert.deepEqual(txEvidence.excusedByCheckStall.items.map((each) => [each.id, each.why]), [
    ["unknown", "UNKNOW never resolved by a check"], ["lost-commit", "committed but never delivered"],
  ]);
  assert.match(txEvidence.excusedByCheckStall.items[0]!.excuse, /\+86\.0 s clock skew on broker-b/);
  assert.match(transactions.summary, /2 transactions left open by a check stalled by a forward clock skew/);
  assert.equal(delivery.verdict, "pass", delivery.summary);
  assert.deepEqual(deliveryEvidence.allowedLoss.items.map((each) => each.id), ["lost-commit"]);
  assert.match(deliveryEvidence.allowedLoss.items[0]!.mechanism ?? "", /^transaction check stalled: half on broker-b/);
});

test("the allowance ends one check round and a settling margin after the clock passes the skewed halves", () => {
  // Excused until 29 + 60 + 5 + 5 = 99 s.
  assert.equal(run({ offsetMs: 60_000, endMs: 98_999 }).transactions.verdict, "pass");
  const late = run({ offsetMs: 60_000, endMs: 99_000 });
  assert.equal(late.transactions.verdict, "fail");
  assert.equal(late.txEvidence.violations.count, 2);
  assert.equal(late.delivery.verdict, "fail");
});

test("no excuse for a skew on the other broker, or a backward skew", () => {
  for (const options of [{ offsetMs: 86_000, skewed: "broker-a" }, { offsetMs: -86_000 }]) {
    const { transactions, delivery, txEvidence } = run({ ...options, endMs: 110_000 });
    assert.equal(transactions.verdict, "fail", JSON.stringify(options));
    assert.equal(txEvidence.excusedByCheckStall.count, 0);
    assert.equal(delivery.verdict, "fail", JSON.stringify(options));
  }
});

test("a plain message on the stalled broker is not excused: only transactional ones wait for a check", () => {
  const faults: ScheduledFault[] = [{ atMs: 25_000, healAtMs: 29_000, fault: { kind: "clock-skew", target: "broker-b", offsetMs: 86_000 } }];
  const history = new HistoryBuilder()
    .send({ id: "plain", at: 11_000, queue: "broker-b:1" })
    .raw({ type: "attempt", op: "send", opId: 1, timeMs: 11_001, process: "producer-1", broker: "broker-b", queue: "broker-b:1", outcome: "ok", latencyMs: 1 })
    .fault(25_000, 29_000, "clock-skew", "broker-b")
    .build();
  const context = { ...testContext({ faults, endMs: 110_000 }), brokerConfig: { transactionCheckInterval: "5000" } };
  assert.equal(checkDelivery(history, context).verdict, "fail");
});
