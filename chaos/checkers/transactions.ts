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
// - an unresolved UNKNOW or an undelivered commit whose half sat on a master whose checks a
//   forward clock skew stalled past the run's end (transaction_stall.ts) is counted and listed
//   ("excusedByCheckStall"), not failed: 4.9.x's check stalls the same way.
// - the same two findings for a transaction whose half was stored on a master before a disk-full
//   fault there healed, when that master's store later shows deleted commit-log files
//   (transaction_forced_clean.ts), are counted and listed ("excusedByForcedClean"), not failed:
//   4.9.x's forced clean deletes half messages like any other record.
// - the same two findings for a transaction whose check re-put may have been lost in its master's
//   power loss (transaction_reput_loss.ts) are counted and listed ("excusedByReputLoss"), not
//   failed: 4.9.x's check re-puts without waiting for the flush and moves its progress on.
// Delivery's own checker still judges ok outcomes (local commits) for loss; this one adds the
// check-committed ones and the never-delivered side.
import type { HistoryEvent, TransactionEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import type { CappedList } from "./evidence.ts";
import { capped, idsMax, plural, quoteIds } from "./evidence.ts";
import { indexHistory } from "./history_index.ts";
import type { StallExcuse } from "./transaction_stall.ts";
import { stallExcuse } from "./transaction_stall.ts";
import type { ForcedCleanExcuse } from "./transaction_forced_clean.ts";
import { forcedCleanExcuse } from "./transaction_forced_clean.ts";
import type { ReputLossExcuse } from "./transaction_reput_loss.ts";
import { reputLossExcuse } from "./transaction_reput_loss.ts";

export type TransactionViolation = { id: string; why: string };
export type ExcusedTransaction = TransactionViolation & { excuse: string };

export type TransactionEvidence = {
  transactions: number;
  committedLocally: number;
  rolledBackLocally: number;
  unknownLocally: number;
  resolvedByCheck: number;
  checksAnswered: number;
  openAtCrash: CappedList<string>;
  violations: CappedList<TransactionViolation>;
  excusedByCheckStall: CappedList<ExcusedTransaction>;
  excusedByForcedClean: CappedList<ExcusedTransaction>;
  excusedByReputLoss: CappedList<ExcusedTransaction>;
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
      openAtCrash: capped([], 0), violations: capped([], 0), excusedByCheckStall: capped([], 0), excusedByForcedClean: capped([], 0),
      excusedByReputLoss: capped([], 0),
    };
    return { name: "transactions", verdict: "pass", summary: "No transactional message in this run: nothing to judge.", evidence };
  }
  const index = indexHistory(history);
  const firstDelivered = new Map<string, number>();
  for (const delivery of index.deliveries) {
    const seen = firstDelivered.get(delivery.messageId);
    if (seen === undefined || delivery.timeMs < seen) firstDelivered.set(delivery.messageId, delivery.timeMs);
  }
  const found: TransactionViolation[] = [];
  const openAtCrash: string[] = [];
  const evidence = { committedLocally: 0, rolledBackLocally: 0, unknownLocally: 0, resolvedByCheck: 0, checksAnswered: 0 };
  for (const [id, { local, checks }] of byId) judgeOne(id, local, checks, firstDelivered.get(id), found, evidence);
  const { violations, excused, cleaned, lostReputs } = excuseFindings(
    found, stallExcuse(index, context), forcedCleanExcuse(index, context), reputLossExcuse(index, context),
  );
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
    excusedByCheckStall: capped(excused, max), excusedByForcedClean: capped(cleaned, max), excusedByReputLoss: capped(lostReputs, max),
  };
  const verdict = violations.length === 0 ? "pass" : "fail";
  const leftOpen = excused.length > 0 || cleaned.length > 0 || lostReputs.length > 0;
  const excusedTexts = `${excusedText(excused)}${cleanedText(cleaned)}${lostReputText(lostReputs)}`;
  const summary = verdict === "pass"
      ? `${plural(total, "transaction")}: ${evidence.committedLocally} committed, ${evidence.rolledBackLocally} rolled back, ${evidence.unknownLocally} UNKNOW (${evidence.resolvedByCheck} resolved by a check, ${evidence.checksAnswered} checks answered); every commit${leftOpen ? " not left open as excused below" : ""} delivered after its decision, no rollback delivered${openAtCrash.length > 0 ? `, ${openAtCrash.length} open when their producer died` : ""}${excusedTexts}.`
      : `${plural(violations.length, "transaction violation")}: ${quoteIds(violations.map((violation) => `${violation.id} (${violation.why})`))}${excusedTexts}.`;
  return { name: "transactions", verdict, summary, evidence: result };
}

/** Splits the unresolved and undelivered findings a check stall, a forced clean or a lost check re-put explains from the rest. */
function excuseFindings(
  found: readonly TransactionViolation[], stalled: StallExcuse, forcedClean: ForcedCleanExcuse, reputLoss: ReputLossExcuse,
): { violations: TransactionViolation[]; excused: ExcusedTransaction[]; cleaned: ExcusedTransaction[]; lostReputs: ExcusedTransaction[] } {
  const violations: TransactionViolation[] = [];
  const excused: ExcusedTransaction[] = [];
  const cleaned: ExcusedTransaction[] = [];
  const lostReputs: ExcusedTransaction[] = [];
  for (const violation of found) {
    const excusable = violation.why === "UNKNOW never resolved by a check" || violation.why === "committed but never delivered";
    const stall = excusable ? stalled(violation.id) : undefined;
    const clean = excusable && stall === undefined ? forcedClean(violation.id) : undefined;
    const lost = excusable && stall === undefined && clean === undefined ? reputLoss(violation.id, violation.why) : undefined;
    if (stall !== undefined) excused.push({ ...violation, excuse: stall });
    else if (clean !== undefined) cleaned.push({ ...violation, excuse: clean });
    else if (lost !== undefined) lostReputs.push({ ...violation, excuse: lost });
    else violations.push(violation);
  }
  return { violations, excused, cleaned, lostReputs };
}

function lostReputText(lost: readonly ExcusedTransaction[]): string {
  if (lost.length === 0) return "";
  return `; ${plural(lost.length, "transaction")} whose check re-put a power loss may have taken (${quoteIds(lost.map((each) => `${each.id}: ${each.why}`))}; ${lost[0]!.excuse})`;
}

function cleanedText(cleaned: readonly ExcusedTransaction[]): string {
  if (cleaned.length === 0) return "";
  return `; ${plural(cleaned.length, "transaction")} whose half a forced clean on a full disk deleted (${quoteIds(cleaned.map((each) => `${each.id}: ${each.why}`))}; ${cleaned[0]!.excuse})`;
}

function excusedText(excused: readonly ExcusedTransaction[]): string {
  if (excused.length === 0) return "";
  return `; ${plural(excused.length, "transaction")} left open by a check stalled by a forward clock skew (${quoteIds(excused.map((each) => `${each.id}: ${each.why}`))}; ${excused[0]!.excuse})`;
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
