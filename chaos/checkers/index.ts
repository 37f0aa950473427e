// The checkers' public face: runCheckers runs the scenario's checkers (every one when the
// expectations name none: each new checker judges only what the history exercises and says
// "nothing to judge" otherwise, so a scenario without orderly groups, delays, late groups,
// attempts, routes or digests passes them trivially) over one history and context, and computeCounts fills the result's
// counts table. Every checker is a pure function (history, context) → CheckResult; they share
// one index of the history (history_index.ts), so a run costs one sort plus linear passes.
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult, RunCounts } from "../result.ts";
import { verdictOf } from "../result.ts";
import type { CheckerName } from "../scenario.ts";
import type { CheckContext } from "./context.ts";
import { analyzeDelivery } from "./delivery.ts";
import { checkFailover } from "./failover.ts";
import { indexHistory } from "./history_index.ts";
import { checkLatency } from "./latency.ts";
import { checkOrder } from "./order.ts";
import { checkRebalance } from "./rebalance.ts";
import { checkDelay } from "./delay.ts";
import { checkDuplicates } from "./duplicates.ts";
import { checkLateJoin } from "./late_join.ts";
import { checkOrderly } from "./orderly.ts";
import { checkProducerFailover } from "./producer_failover.ts";
import { checkReplica } from "./replica.ts";
import { checkRetry } from "./retry.ts";
import { checkRoutes } from "./routes.ts";
import { checkSendStatus } from "./send_status.ts";
import { checkSharding } from "./sharding.ts";
import { checkSqlFilter } from "./sql_filter.ts";
import { checkTransactions } from "./transactions.ts";
import { checkKeyLookup } from "./key_lookup.ts";
import { checkConsumerProgress } from "./consumer_progress.ts";
import { checkRoguePeer } from "./rogue_peer.ts";
import { checkStore } from "./store.ts";

export type Checker = (history: readonly HistoryEvent[], context: CheckContext) => CheckResult;

export const checkers: Readonly<Record<CheckerName, Checker>> = {
  delivery: (history, context) => analyzeDelivery(history, context).check,
  order: checkOrder,
  failover: checkFailover,
  rebalance: checkRebalance,
  latency: checkLatency,
  orderly: checkOrderly,
  sharding: checkSharding,
  retry: checkRetry,
  delay: checkDelay,
  "late-join": (history, context) => checkLateJoin(history, context),
  "producer-failover": checkProducerFailover,
  replica: checkReplica,
  routes: checkRoutes,
  duplicates: checkDuplicates,
  "send-status": checkSendStatus,
  "sql-filter": checkSqlFilter,
  transactions: checkTransactions,
  "key-lookup": checkKeyLookup,
  "consumer-progress": checkConsumerProgress,
  "rogue-peer": checkRoguePeer,
  store: checkStore,
};

export const allCheckerNames: readonly CheckerName[] = [
  "delivery", "order", "failover", "rebalance", "latency",
  "orderly", "sharding", "retry", "delay", "late-join", "producer-failover", "replica", "routes", "duplicates", "send-status",
  "sql-filter", "transactions", "key-lookup", "consumer-progress", "rogue-peer", "store",
];

export function runCheckers(history: readonly HistoryEvent[], context: CheckContext): CheckResult[] {
  const names = context.expectations.checkers.length > 0 ? context.expectations.checkers : allCheckerNames;
  return allCheckerNames.filter((name) => names.includes(name)).map((name) => checkers[name](history, context));
}

export function computeCounts(history: readonly HistoryEvent[], context: CheckContext): RunCounts {
  const index = indexHistory(history);
  const delivery = analyzeDelivery(history, context);
  const counts: RunCounts = {
    sent: index.sends.length, acked: 0, failed: 0, unknown: 0,
    consumed: delivery.consumedIds, deliveries: index.deliveries.length,
    lost: delivery.lostIds, duplicated: delivery.duplicatedIds, unexpected: delivery.unexpectedIds,
    unknownResolvedOk: delivery.unknownResolvedOk, failedButDelivered: delivery.failedButDelivered,
  };
  for (const send of index.sends) {
    if (send.outcome === "ok") counts.acked++;
    else if (send.outcome === "fail") counts.failed++;
    else counts.unknown++;
  }
  return counts;
}

/** Everything the runner needs from the checkers for result.json. */
export function evaluateRun(history: readonly HistoryEvent[], context: CheckContext): { checks: CheckResult[]; counts: RunCounts; verdict: "pass" | "fail" } {
  const checks = runCheckers(history, context);
  return { checks, counts: computeCounts(history, context), verdict: verdictOf(checks) };
}

export type { CheckContext } from "./context.ts";
export { contextFromScenario, topologyFactsFromFiles } from "./context.ts";
