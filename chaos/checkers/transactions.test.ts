// The transactions checker on hand-written histories: a clean mix passes; a delivered rollback,
// an undelivered commit, a delivery before the commit decision and an UNKNOW never checked each
// fail with their reason; a producer that died before deciding is counted, not failed.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HistoryEvent, TransactionEvent } from "../history/types.ts";
import { testContext } from "./testing/history_builder.ts";
import { checkTransactions } from "./transactions.ts";
import type { TransactionEvidence } from "./transactions.ts";

const context = testContext();
let opId = 0;

function sent(id: string, timeMs: number, outcome: "ok" | "fail" | "unknown" | undefined): HistoryEvent[] {
  opId += 1;
  const invoke: HistoryEvent = { type: "invoke", op: "send", opId, timeMs, process: "producer-1", topic: "TxTopic", messageId: id, sendMode: "sync" };
  return outcome === undefined ? [invoke] : [invoke, { type: outcome, op: "send", opId, timeMs: timeMs + 1, process: "producer-1", messageId: id }];
}

function tx(id: string, timeMs: number, phase: TransactionEvent["phase"], decision: TransactionEvent["decision"], process = "producer-1"): HistoryEvent {
  return { type: "transaction", timeMs, process, messageId: id, phase, decision };
}

function delivered(id: string, timeMs: number): HistoryEvent {
  return { type: "deliver", op: "consume", timeMs, process: "consumer-1", group: "G", messageId: id, topic: "TxTopic", queue: "broker-a:0", queueOffset: 0, reconsumeTimes: 0, result: "success" };
}

function judge(history: HistoryEvent[]) {
  const result = checkTransactions(history, context);
  return { result, evidence: result.evidence as TransactionEvidence };
}

test("commits delivered after their decision, rollbacks never, UNKNOW resolved by another producer's check: pass", () => {
  const { result, evidence } = judge([
    ...sent("c", 0, "ok"), tx("c", 1, "local", "commit"), delivered("c", 5),
    ...sent("r", 0, "fail"), tx("r", 1, "local", "rollback"),
    ...sent("u", 0, "unknown"), tx("u", 1, "local", "unknown"), tx("u", 8000, "check", "commit", "producer-2"), delivered("u", 8001),
    ...sent("open", 10, undefined),
  ]);
  assert.equal(result.verdict, "pass", result.summary);
  assert.equal(evidence.resolvedByCheck, 1);
  assert.equal(evidence.openAtCrash.count, 1);
});

test("each broken transaction rule fails with its reason", () => {
  const cases: [string, HistoryEvent[]][] = [
    ["rolled back but delivered", [...sent("a", 0, "fail"), tx("a", 1, "local", "rollback"), delivered("a", 3)]],
    ["committed but never delivered", [...sent("b", 0, "unknown"), tx("b", 1, "local", "unknown"), tx("b", 50, "check", "commit")]],
    ["delivered before its commit", [...sent("d", 0, "unknown"), tx("d", 1, "local", "unknown"), delivered("d", 20), tx("d", 50, "check", "commit")]],
    ["UNKNOW never resolved by a check", [...sent("e", 0, "unknown"), tx("e", 1, "local", "unknown")]],
  ];
  for (const [why, history] of cases) {
    const { result, evidence } = judge(history);
    assert.equal(result.verdict, "fail", why);
    assert.deepEqual(evidence.violations.items.map((violation) => violation.why), [why]);
  }
});

test("no transactional message: nothing to judge", () => {
  const { result } = judge([...sent("x", 0, "ok"), delivered("x", 2)]);
  assert.equal(result.verdict, "pass");
  assert.match(result.summary, /nothing to judge/);
});
