// The checkers' public face: runCheckers runs the scenario's checkers (all five when the
// expectations name none) over one history and context, and computeCounts fills the result's
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

export type Checker = (history: readonly HistoryEvent[], context: CheckContext) => CheckResult;

export const checkers: Readonly<Record<CheckerName, Checker>> = {
  delivery: (history, context) => analyzeDelivery(history, context).check,
  order: checkOrder,
  failover: checkFailover,
  rebalance: checkRebalance,
  latency: checkLatency,
};

export const allCheckerNames: readonly CheckerName[] = ["delivery", "order", "failover", "rebalance", "latency"];

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

export type { BrokerFacts, CheckContext, CheckOptions, LatencyBounds, TopologyFacts } from "./context.ts";
export { contextFromScenario, topologyFactsFromFiles } from "./context.ts";
export { analyzeDelivery, checkDelivery } from "./delivery.ts";
export type { DeliveryEvidence } from "./delivery.ts";
export { checkOrder } from "./order.ts";
export type { OrderEvidence } from "./order.ts";
export { checkFailover } from "./failover.ts";
export type { FailoverEvidence, UnavailabilityWindow } from "./failover.ts";
export { boundFor, deriveFailoverBounds } from "./bounds.ts";
export type { FailoverBounds, TimeSpan } from "./bounds.ts";
export { checkRebalance } from "./rebalance.ts";
export type { GroupAssignment, RebalanceEvidence } from "./rebalance.ts";
export { checkLatency } from "./latency.ts";
export type { LatencyEvidence, LatencyStats } from "./latency.ts";
