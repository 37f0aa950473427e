// The lost-re-put allowance (transaction_reput_loss.ts) as the transactions checker applies it:
// a half due for a check before its master's power loss, which a round could have re-put inside
// the window a put that does not wait for its flush stays off the disk, and which no check
// reached after the restart, excuses an unresolved UNKNOW (and an undelivered commit a check
// answered inside that window); anything else is still judged.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { BrokerFacts } from "./context.ts";
import { HistoryBuilder, testContext, topologyFacts } from "./testing/history_builder.ts";
import type { TransactionEvidence } from "./transactions.ts";
import { checkTransactions } from "./transactions.ts";

const lossAtMs = 17_000;
const restartAtMs = 21_000;

interface RunOptions {
  sentAtMs?: number;
  flush?: BrokerFacts["flushDiskType"];
  clock?: "virtual" | "wall";
  lossAtMs?: number;
  slowDiskFromMs?: number;
  halfOn?: string;
  checkedAfterRestart?: boolean;
  /** "unknown" is answered COMMIT by a check at this time (and never delivered). */
  checkCommitAtMs?: number;
  localCommitUndelivered?: boolean;
}

/** broker-a starts at 0 and loses power (restarting at 21 s); "unknown" said UNKNOW and was never resolved. */
function run(options: RunOptions = {}) {
  const halfOn = options.halfOn ?? "broker-a";
  const at = options.sentAtMs ?? 8_000;
  const loss = options.lossAtMs ?? lossAtMs;
  const builder = new HistoryBuilder()
    .node(0, "broker-a", "start").node(0, "broker-b", "start")
    .send({ id: "unknown", at, outcomeAt: at + 220, outcome: "unknown", queue: `${halfOn}:0` })
    .raw({ type: "attempt", op: "send", opId: 1, timeMs: at + 10, process: "producer-1", broker: halfOn, queue: `${halfOn}:0`, outcome: "ok", latencyMs: 10 })
    .raw({ type: "transaction", timeMs: at + 220, process: "producer-1", messageId: "unknown", phase: "local", decision: "unknown" })
    .fault(loss, restartAtMs, "power-loss", "broker-a", 1)
    .node(loss, "broker-a", "power-loss").node(restartAtMs, "broker-a", "restart");
  if (options.slowDiskFromMs !== undefined) builder.fault(options.slowDiskFromMs, restartAtMs, "slow-disk", "broker-a", 0);
  if (options.checkedAfterRestart === true) {
    builder.raw({ type: "transaction", timeMs: restartAtMs + 5_000, process: "producer-1", messageId: "unknown", phase: "check", decision: "unknown" });
  }
  if (options.checkCommitAtMs !== undefined) {
    builder.raw({ type: "transaction", timeMs: options.checkCommitAtMs, process: "producer-1", messageId: "unknown", phase: "check", decision: "commit" });
  }
  if (options.localCommitUndelivered === true) {
    builder
      .send({ id: "local-commit", at, outcomeAt: at + 220, queue: `${halfOn}:1` })
      .raw({ type: "attempt", op: "send", opId: 2, timeMs: at + 10, process: "producer-1", broker: halfOn, queue: `${halfOn}:1`, outcome: "ok", latencyMs: 10 })
      .raw({ type: "transaction", timeMs: at + 220, process: "producer-1", messageId: "local-commit", phase: "local", decision: "commit" });
  }
  const context = testContext({
    endMs: 110_000, topology: topologyFacts("2m-noslave", options.flush ?? "ASYNC_FLUSH"), options: { clock: options.clock ?? "virtual" },
    faults: [
      { atMs: options.slowDiskFromMs ?? 0, healAtMs: restartAtMs, fault: { kind: "slow-disk", target: "broker-a", factor: 1000 } },
      { atMs: loss, healAtMs: restartAtMs, fault: { kind: "power-loss", target: "broker-a" } },
    ],
  });
  context.brokerConfig = { transactionTimeOut: "3000", transactionCheckInterval: "5000" };
  const transactions = checkTransactions(builder.build(), context);
  return { transactions, evidence: transactions.evidence as TransactionEvidence };
}

test("an UNKNOW half due before an ASYNC_FLUSH master's power loss, never checked after its restart, is excused and listed", () => {
  const { transactions, evidence } = run();
  assert.equal(transactions.verdict, "pass", transactions.summary);
  assert.deepEqual(evidence.excusedByReputLoss.items.map((each) => [each.id, each.why]), [["unknown", "UNKNOW never resolved by a check"]]);
  assert.match(evidence.excusedByReputLoss.items[0]!.excuse, /its round at 15\.0 s may have re-put it inside its 10\.5 s window .*ASYNC_FLUSH.* power loss at 17\.0 s/);
  assert.match(transactions.summary, /1 transaction whose check re-put a power loss may have taken/);
});

test("a healthy SYNC_FLUSH master flushes a re-put within two fsyncs: only a round in those few ms before the loss excuses", () => {
  // Rounds at 5, 10, 15 s: the 15 s round's re-puts were on disk long before a 17 s loss.
  const far = run({ flush: "SYNC_FLUSH" });
  assert.equal(far.transactions.verdict, "fail");
  assert.deepEqual(far.evidence.violations.items.map((each) => each.why), ["UNKNOW never resolved by a check"]);
  assert.equal(far.evidence.excusedByReputLoss.count, 0);
  const inside = run({ flush: "SYNC_FLUSH", lossAtMs: 15_003 });
  assert.equal(inside.transactions.verdict, "pass", inside.transactions.summary);
  assert.match(inside.evidence.excusedByReputLoss.items[0]!.excuse, /its round at 15\.0 s may have re-put it inside its 4 ms window/);
});

test("a slow disk drags a round's re-puts out (battery seed 19 run 1447): any round from the due time may have been lost", () => {
  const { transactions, evidence } = run({ flush: "SYNC_FLUSH", slowDiskFromMs: 12_000 });
  assert.equal(transactions.verdict, "pass", transactions.summary);
  assert.match(evidence.excusedByReputLoss.items[0]!.excuse, /a round from 11\.0 s on \(its due time\) may have re-put it inside its 4000 ms window .*SYNC_FLUSH, a 1000x slow disk/);
});

test("on a wall clock the rounds' phase is unknown: a due half on a healthy SYNC_FLUSH master is excused", () => {
  const { transactions } = run({ flush: "SYNC_FLUSH", clock: "wall" });
  assert.equal(transactions.verdict, "pass", transactions.summary);
});

test("no excuse for a half not yet due at the loss, on the other broker, or checked again after the restart", () => {
  for (const options of [{ sentAtMs: 14_500 }, { halfOn: "broker-b" }, { checkedAfterRestart: true }] satisfies RunOptions[]) {
    const { transactions, evidence } = run(options);
    assert.equal(transactions.verdict, "fail", JSON.stringify(options));
    assert.equal(evidence.excusedByReputLoss.count, 0, JSON.stringify(options));
  }
});

test("an undelivered commit is excused only when a check answered it inside the window; a local commit never is", () => {
  const answered = run({ flush: "SYNC_FLUSH", slowDiskFromMs: 12_000, checkCommitAtMs: 15_010 });
  assert.equal(answered.transactions.verdict, "pass", answered.transactions.summary);
  assert.deepEqual(answered.evidence.excusedByReputLoss.items.map((each) => each.why), ["committed but never delivered"]);
  const early = run({ flush: "SYNC_FLUSH", slowDiskFromMs: 12_000, checkCommitAtMs: 12_010 });
  assert.equal(early.transactions.verdict, "fail");
  assert.deepEqual(early.evidence.violations.items.map((each) => each.why), ["committed but never delivered"]);
  const local = run({ localCommitUndelivered: true });
  assert.deepEqual(local.evidence.violations.items.map((each) => [each.id, each.why]), [["local-commit", "committed but never delivered"]]);
  assert.equal(local.evidence.excusedByReputLoss.count, 1);
});
