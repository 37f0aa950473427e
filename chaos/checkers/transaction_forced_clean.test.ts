// The forced-clean allowance (transaction_forced_clean.ts) as the transactions checker applies
// it: a half stored on a master before a disk-full fault there healed, when that master's store
// later shows deleted commit-log files, excuses an unresolved UNKNOW and an undelivered commit;
// a half stored after the heal, on the other broker, on a store that kept all its files, or a
// finding of another kind (a delivered rollback) gets no excuse.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HistoryEvent } from "../history/types.ts";
import { HistoryBuilder, testContext } from "./testing/history_builder.ts";
import type { TransactionEvidence } from "./transactions.ts";
import { checkTransactions } from "./transactions.ts";

const diskFullAtMs = 16_000;
const healAtMs = 29_000;

function digest(node: string, minPhysicalOffset: number): HistoryEvent {
  return {
    type: "store-digest", timeMs: 110_000, node, brokerName: node, role: "master",
    minPhysicalOffset, maxPhysicalOffset: minPhysicalOffset + 2_000, sha256: "", chunkSha256: [], chunkSizeBytes: 1_048_576,
  };
}

/** Disk full on broker-a 16 s–29 s; "unknown" (UNKNOW, never checked) and "lost-commit" (committed, never delivered). */
function run(options: { halfStoredAtMs: number; halfOn?: string; minPhysicalOffset?: number; rollbackDelivered?: boolean }) {
  const halfOn = options.halfOn ?? "broker-a";
  const at = options.halfStoredAtMs;
  const builder = new HistoryBuilder()
    .send({ id: "unknown", at: at - 20, outcomeAt: at + 200, outcome: "unknown", queue: `${halfOn}:0` })
    .raw({ type: "attempt", op: "send", opId: 1, timeMs: at, process: "producer-1", broker: halfOn, queue: `${halfOn}:0`, outcome: "ok", latencyMs: 20 })
    .raw({ type: "transaction", timeMs: at + 200, process: "producer-1", messageId: "unknown", phase: "local", decision: "unknown" })
    .send({ id: "lost-commit", at: at - 20, outcomeAt: at + 200, queue: `${halfOn}:1` })
    .raw({ type: "attempt", op: "send", opId: 2, timeMs: at, process: "producer-1", broker: halfOn, queue: `${halfOn}:1`, outcome: "ok", latencyMs: 20 })
    .raw({ type: "transaction", timeMs: at + 200, process: "producer-1", messageId: "lost-commit", phase: "local", decision: "commit" });
  if (options.rollbackDelivered === true) {
    builder
      .send({ id: "rollback", at: at - 20, outcomeAt: at + 200, outcome: "fail", queue: `${halfOn}:0` })
      .raw({ type: "attempt", op: "send", opId: 3, timeMs: at, process: "producer-1", broker: halfOn, queue: `${halfOn}:0`, outcome: "ok", latencyMs: 20 })
      .raw({ type: "transaction", timeMs: at + 200, process: "producer-1", messageId: "rollback", phase: "local", decision: "rollback" })
      .deliver({ id: "rollback", at: at + 500, queue: `${halfOn}:0` });
  }
  const history = [
    ...builder.fault(diskFullAtMs, healAtMs, "disk-full", "broker-a").build(),
    digest("broker-a", options.minPhysicalOffset ?? 49_152), digest("broker-b", 0),
  ];
  const transactions = checkTransactions(history, testContext({ endMs: 110_000 }));
  return { transactions, evidence: transactions.evidence as TransactionEvidence };
}

test("halves stored on the cleaned master before the disk-full heal: the unresolved UNKNOW and the undelivered commit are excused and listed", () => {
  const { transactions, evidence } = run({ halfStoredAtMs: 8_131 });
  assert.equal(transactions.verdict, "pass", transactions.summary);
  assert.deepEqual(evidence.excusedByForcedClean.items.map((each) => [each.id, each.why]), [
    ["unknown", "UNKNOW never resolved by a check"], ["lost-commit", "committed but never delivered"],
  ]);
  assert.match(evidence.excusedByForcedClean.items[0]!.excuse, /broker-a's disk filled at 16\.0 s \(healed at 29\.0 s\) and its store later began at commit-log offset 49152/);
  assert.match(transactions.summary, /2 transactions whose half a forced clean on a full disk deleted/);
  assert.equal(evidence.excusedByCheckStall.count, 0);
});

test("the allowance ends at the heal: a half stored at the heal is excused, one stored just after is not", () => {
  assert.equal(run({ halfStoredAtMs: healAtMs }).transactions.verdict, "pass");
  const late = run({ halfStoredAtMs: healAtMs + 1 });
  assert.equal(late.transactions.verdict, "fail");
  assert.equal(late.evidence.violations.count, 2);
  assert.equal(late.evidence.excusedByForcedClean.count, 0);
});

test("no excuse for a half on the other broker, or when the full disk's store kept all its files", () => {
  for (const options of [{ halfOn: "broker-b" }, { minPhysicalOffset: 0 }]) {
    const { transactions, evidence } = run({ halfStoredAtMs: 8_131, ...options });
    assert.equal(transactions.verdict, "fail", JSON.stringify(options));
    assert.equal(evidence.violations.count, 2, JSON.stringify(options));
    assert.equal(evidence.excusedByForcedClean.count, 0, JSON.stringify(options));
  }
});

test("a delivered rollback on the cleaned master still fails: the forced clean deletes messages, it delivers none", () => {
  const { transactions, evidence } = run({ halfStoredAtMs: 8_131, rollbackDelivered: true });
  assert.equal(transactions.verdict, "fail");
  assert.deepEqual(evidence.violations.items.map((each) => [each.id, each.why]), [["rollback", "rolled back but delivered"]]);
  assert.equal(evidence.excusedByForcedClean.count, 2);
});
