// Transactional messages (issue 16), judged from the producers' TransactionEvents and the
// deliveries: a message is committed when its local transaction or a check answered COMMIT,
// rolled back when one answered ROLLBACK (and none COMMIT).
// - a rolled-back message is never delivered;
// - a committed message is delivered, and never before its commit decision was recorded (the
//   decision is recorded before END_TRANSACTION leaves the producer);
// - a message whose local transaction said UNKNOW is resolved by a check (commit or rollback);
// - a message whose producer died before deciding (an invoke with neither local decision nor
//   outcome) is counted: resolved when a check of another producer decided it, else "open at
//   crash" (not a failure: the half message may never have been stored).
// Delivery's own checker still judges ok outcomes (local commits) for loss; this one adds the
// check-committed ones and the never-delivered side.
import type { HistoryEvent, TransactionEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import type { CappedList } from "./evidence.ts";
import { capped, idsMax, plural, quoteIds } from "./evidence.ts";
import { indexHistory } from "./history_index.ts";

export type TransactionViolation = { id: string; why: string };

export type TransactionEvidence = {
  transactions: number;
  committedLocally: number;
  rolledBackLocally: number;
  unknownLocally: number;
  resolvedByCheck: number;
  checksAnswered: number;
  openAtCrash: CappedList<string>;
  violations: CappedList<TransactionViolation>;
};

interface Decisions {
  local: TransactionEvent | undefined;
  checks: TransactionEvent[];
}

export function checkTransactions(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const byId = new Map<string, Decisions>();
  for (const event of history) {
    if (event.type !== "transaction") continue;
    const entry = byId.get(event.messageId) ?? { local: undefined, checks: [] };
    if (event.phase === "local") entry.local ??= event;
    else entry.checks.push(event);
    byId.set(event.messageId, entry);
  }
  if (byId.size === 0) {
    const evidence: TransactionEvidence = {
      transactions: 0, committedLocally: 0, rolledBackLocally: 0, unknownLocally: 0, resolvedByCheck: 0, checksAnswered: 0,
      openAtCrash: capped([], 0), violations: capped([], 0),
    };
    return { name: "transactions", verdict: "pass", summary: "No transactional message in this run: nothing to judge.", evidence };
  }
  const index = indexHistory(history);
  const firstDelivered = new Map<string, number>();
  for (const delivery of index.deliveries) {
    const seen = firstDelivered.get(delivery.messageId);
    if (seen === undefined || delivery.timeMs < seen) firstDelivered.set(delivery.messageId, delivery.timeMs);
  }
  const violations: TransactionViolation[] = [];
  const openAtCrash: string[] = [];
  const evidence = { committedLocally: 0, rolledBackLocally: 0, unknownLocally: 0, resolvedByCheck: 0, checksAnswered: 0 };
  for (const [id, { local, checks }] of byId) judgeOne(id, local, checks, firstDelivered.get(id), violations, evidence);
  // Transactional invokes whose producer died before any decision (no local event, no outcome).
  const topics = transactionalTopics(byId, index.sends);
  for (const send of index.sends) {
    if (send.outcome !== "pending" || byId.has(send.messageId)) continue;
    if (topics.has(send.topic)) openAtCrash.push(send.messageId);
  }
  const max = idsMax(context);
  const total = byId.size + openAtCrash.length;
  const result: TransactionEvidence = {
    transactions: total, ...evidence, openAtCrash: capped(openAtCrash, max), violations: capped(violations, max),
  };
  const verdict = violations.length === 0 ? "pass" : "fail";
  const summary = verdict === "pass"
      ? `${plural(total, "transaction")}: ${evidence.committedLocally} committed, ${evidence.rolledBackLocally} rolled back, ${evidence.unknownLocally} UNKNOW (${evidence.resolvedByCheck} resolved by a check, ${evidence.checksAnswered} checks answered); every commit delivered after its decision, no rollback delivered${openAtCrash.length > 0 ? `, ${openAtCrash.length} open when their producer died` : ""}.`
      : `${plural(violations.length, "transaction violation")}: ${quoteIds(violations.map((violation) => `${violation.id} (${violation.why})`))}.`;
  return { name: "transactions", verdict, summary, evidence: result };
}

function judgeOne(
  id: string, local: TransactionEvent | undefined, checks: readonly TransactionEvent[], deliveredMs: number | undefined,
  violations: TransactionViolation[], counts: { committedLocally: number; rolledBackLocally: number; unknownLocally: number; resolvedByCheck: number; checksAnswered: number },
): void {
  counts.checksAnswered += checks.length;
  if (local?.decision === "commit") counts.committedLocally += 1;
  if (local?.decision === "rollback") counts.rolledBackLocally += 1;
  const decided = checks.filter((check) => check.decision !== "unknown");
  if (local === undefined || local.decision === "unknown") {
    if (local !== undefined) counts.unknownLocally += 1;
    if (decided.length > 0) counts.resolvedByCheck += 1;
    else if (local !== undefined) violations.push({ id, why: "UNKNOW never resolved by a check" });
  }
  const all = [...(local === undefined ? [] : [local]), ...decided];
  const commit = all.filter((event) => event.decision === "commit").sort((a, b) => a.timeMs - b.timeMs)[0];
  const rollback = all.find((event) => event.decision === "rollback");
  if (commit === undefined && rollback !== undefined && deliveredMs !== undefined) violations.push({ id, why: "rolled back but delivered" });
  if (commit !== undefined && deliveredMs === undefined) violations.push({ id, why: "committed but never delivered" });
  if (commit !== undefined && deliveredMs !== undefined && deliveredMs < commit.timeMs) violations.push({ id, why: "delivered before its commit" });
}

function transactionalTopics(byId: ReadonlyMap<string, Decisions>, sends: readonly { messageId: string; topic: string }[]): Set<string> {
  const topics = new Set<string>();
  for (const send of sends) if (byId.has(send.messageId)) topics.add(send.topic);
  return topics;
}
