// Producer failover, judged from the send attempts (SendAttemptEvents) and outcomes. RocketMQ
// 4.9's DefaultMQProducerImpl.sendDefaultImpl, for a sync send that is not keyed (a selector
// send bypasses all of this):
// - gives up only after 1 + retryTimesWhenSendFailed attempts (default 2 retries), or once
//   sendTimeoutMs has elapsed (the 4.x timeout spans the retries), or on a broker answer whose
//   code is not retriable (retry codes: SYSTEM_ERROR 1, SERVICE_NOT_AVAILABLE 14,
//   NO_PERMISSION 16, TOPIC_NOT_EXIST 17, NO_BUYER_ID 204, NOT_IN_CURRENT_UNIT 205). A send
//   that failed with fewer attempts, before its timeout, while another master took sends,
//   gave up early;
// - retries on another broker: without latency fault avoidance, selectOneMessageQueue(lastBrokerName)
//   skips the broker that just failed when the route has another, so a retry that picks the same
//   broker while another is in the route is a violation — the route the send began with: 4.9.x
//   takes it once before the retry loop, so a broker that joined the route during the retries
//   does not count. With it (MQFaultStrategy), 4.9.x ignores
//   lastBrokerName and falls back to pickOneAtLeast when every broker is isolated, so the same
//   broker may come back; the isolation rule below judges those sends;
// - with sendLatencyFaultEnable (MQFaultStrategy): every attempt updates the broker's fault
//   item — a failure charges 30 s of latency — and the table latencyMax {50, 100, 550, 1000,
//   2000, 3000, 15000} → notAvailableDuration {0, 0, 30 s, 60 s, 120 s, 180 s, 600 s} says how
//   long the producer skips it; selection takes the first queue whose broker is available and
//   only falls back to an unavailable one when none is. The checker replays each producer's
//   table from its attempts and flags an attempt at a broker that was surely unavailable while
//   another broker of the route surely was available. "Surely": the attempt's timeMs may be
//   its start or its end, so the selection moment is taken anywhere in
//   [timeMs − latencyMs, timeMs] and the isolation as [end of the failing attempt at its
//   latest, its start + duration at its earliest] — only certain violations fail;
// - 4.9.x drops a fault item early: when no broker of the route is available, pickOneAtLeast
//   ranks every item of the table (available first, then lower latency, then earlier end; it
//   takes one of the better half, the best when there are two), and when the broker it returns
//   has no write queues in the route (a namesrv partition left it out) the producer removes
//   that broker's item — its isolation ends there. So an isolation possibly ends at a
//   selection whose route (any in force during the selection window) lacks the broker, while
//   each broker of that route was possibly unavailable and the broker could rank in the
//   better half (fewer items surely ahead of it than the half). Seed 1 swarm run 1280: a
//   route of broker-b alone, broker-b isolated by timeouts, broker-a (isolated, but 11 ms
//   against broker-b's 1000 ms) ranked first and was removed; 6 s later the route had it
//   again and it was picked.
// - the route a selection sees is the one in force at its moment, which the history places only
//   within the selection window: an isolated pick is a violation only when every route in force
//   during the window held another, surely available broker. Seed 1 swarm run 1665: a namesrv
//   partition healed, producer-2's route poll at 22014.x ms brought a route of broker-a alone
//   (broker-b had expired from the namesrv and not yet re-registered); the send invoked in that
//   same millisecond found isolated broker-a the only broker of its route, pickOneAtLeast
//   returned broker-b (available, no write queues: its item removed) and the send went to
//   broker-a — while the route in force a millisecond earlier still listed broker-b.
// Without attempt events there is nothing to judge (the summary says so).
import type { HistoryEvent, RouteEvent, SendAttemptEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import { defaultLatencyMaxMs, defaultNotAvailableDurationMs, isolationLatencyMs, notAvailableDurationFor } from "./bounds.ts";
import type { CheckContext } from "./context.ts";
import { brokerOfQueue, masters } from "./context.ts";
import type { CappedList } from "./evidence.ts";
import { capped, formatMs, idsMax, plural } from "./evidence.ts";
import { latencyFaultSetting } from "./failover.ts";
import type { SendRecord } from "./history_index.ts";
import { indexHistory } from "./history_index.ts";

export const defaultRetryTimesWhenSendFailed = 2;
const retryResponseCodes = new Set([1, 14, 16, 17, 204, 205]);

/**
 * Attempt times are whole wall-clock milliseconds (floored) and latencies are rounded, so an
 * attempt's real moments lie up to 1 ms either side of what the history says: in a burst, a
 * selection 0.4 ms before another send's failure is recorded in the millisecond after it.
 */
const timeResolutionMs = 1;

export type FailoverViolation = {
  kind: "gave-up-early" | "retried-same-broker" | "picked-isolated-broker";
  producer: string; id?: string; broker: string; timeMs: number; detail: string;
};

export type ProducerFailoverEvidence = {
  attempts: number;
  retryTimesWhenSendFailed: number;
  latencyFaultAvoidance: boolean;
  notAvailableDurationMs: number[];
  /** notAvailableDuration charged for one failed attempt: the isolation the failover bound must allow. */
  isolationMs: number;
  longestIsolationMs: number;
  violations: CappedList<FailoverViolation>;
};

/**
 * A broker's fault item as far as the history can tell: isolated surely from fromLatestMs to
 * untilEarliestMs, possibly until untilLatestMs. latencyMs is the item's currentLatency (the
 * attempt's own latency, even for a failure), which ranks it in pickOneAtLeast; possiblyRemoved
 * says a selection may have dropped it from the table.
 */
type Item = { fromLatestMs: number; untilEarliestMs: number; untilLatestMs: number; latencyMs: number; possiblyRemoved: boolean };

export function checkProducerFailover(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const setting = latencyFaultSetting(context);
  const retries = context.workload.producers.find((producer) => producer.retryTimesWhenSendFailed !== undefined)?.retryTimesWhenSendFailed ?? defaultRetryTimesWhenSendFailed;
  const byOpId = new Map(index.sends.map((send) => [send.opId, send]));
  const attemptsByOp = new Map<number, SendAttemptEvent[]>();
  const attemptsByProducer = new Map<string, SendAttemptEvent[]>();
  const keyedProducers = new Set(index.sends.filter((send) => send.orderKey !== undefined).map((send) => send.process));
  for (const attempt of index.attempts) {
    if (attempt.opId !== undefined) {
      const list = attemptsByOp.get(attempt.opId) ?? [];
      list.push(attempt);
      attemptsByOp.set(attempt.opId, list);
    }
    const keyed = attempt.opId === undefined ? keyedProducers.has(attempt.process) : byOpId.get(attempt.opId)?.orderKey !== undefined;
    if (keyed) continue;
    const list = attemptsByProducer.get(attempt.process) ?? [];
    list.push(attempt);
    attemptsByProducer.set(attempt.process, list);
  }
  const violations: FailoverViolation[] = [];
  const serving = servingBrokers(index.sends, index.attempts);
  const routes = routesOf(index.routes);
  const allMasters = masters(context.topology).map((broker) => broker.brokerName);
  for (const send of index.sends) {
    if (send.orderKey !== undefined || send.sendMode !== "sync" || send.outcome === "pending") continue;
    const attempts = attemptsByOp.get(send.opId) ?? [];
    if (attempts.length === 0) continue;
    const tried = new Set(attempts.map((attempt) => attempt.broker));
    const endMs = send.outcomeMs ?? send.invokeMs;
    const others = serving(send.invokeMs - context.intervals.sendTimeoutMs, endMs + context.intervals.sendTimeoutMs).filter((broker) => !tried.has(broker));
    const last = attempts[attempts.length - 1];
    const nonRetriable = last?.responseCode !== undefined && !retryResponseCodes.has(last.responseCode);
    const timedOut = endMs - send.invokeMs >= context.intervals.sendTimeoutMs - 100;
    if (send.outcome === "fail" && attempts.length < retries + 1 && others.length > 0 && !nonRetriable && !timedOut) {
      violations.push({ kind: "gave-up-early", producer: send.process, id: send.messageId, broker: [...tried].join(","), timeMs: endMs,
        detail: `failed after ${plural(attempts.length, "attempt")} of ${retries + 1} in ${formatMs(endMs - send.invokeMs)} (timeout ${formatMs(context.intervals.sendTimeoutMs)}) while ${others.join(", ")} took sends` });
    }
    for (let position = 1; position < attempts.length; position++) {
      const previous = attempts[position - 1];
      const current = attempts[position];
      if (setting !== undefined || previous === undefined || current === undefined || previous.outcome !== "error" || current.broker !== previous.broker) continue;
      // 4.9.x sendDefaultImpl takes the route once (tryToFindTopicPublishInfo) before its retry
      // loop, and a route update installs a new TopicPublishInfo: every retry selects from the
      // route the send began with. So judge by the routes in force between the invoke and the
      // first attempt (the lookup lies between them); a route that gained a broker later does
      // not count (battery seed 1 run 3380: broker-b back in producer-1's route at 18.033 s, 12 ms
      // after the send began on a route of broker-a alone). Without route events, the route
      // surely held the masters that took sends lately.
      const first = attempts[0];
      // An attempt is recorded at its end; the lookup came before the first one started.
      const firstAttemptMs = first === undefined ? send.invokeMs : Math.max(send.invokeMs, first.timeMs - (first.latencyMs ?? 0));
      const clientRoutes = routes.get(`${send.process}\u0000${send.topic}`);
      const snapshots = routesDuring(clientRoutes, send.invokeMs, firstAttemptMs);
      const route = snapshots.length > 0
        ? snapshots.reduce((common, snapshot) => common.filter((broker) => snapshot.includes(broker)))
        : serving(current.timeMs - 2 * context.intervals.routePollMs, current.timeMs);
      if (route.some((broker) => broker !== current.broker)) {
        violations.push({ kind: "retried-same-broker", producer: send.process, id: send.messageId, broker: current.broker, timeMs: current.timeMs,
          detail: `retry ${position} went back to ${current.broker}, which had just failed, while the route also had ${route.filter((broker) => broker !== current.broker).join(", ")}` });
      }
    }
  }
  let longestIsolationMs = 0;
  if (setting !== undefined) {
    for (const [producer, attempts] of attemptsByProducer) {
      // A restarted producer starts with an empty fault table (MQFaultStrategy lives in memory).
      const restartsMs = index.nodes.filter((event) => event.node === producer && (event.event === "restart" || event.event === "start")).map((event) => event.timeMs);
      const found = isolationViolations(producer, attempts, setting, routes, allMasters, index.sends.find((send) => send.process === producer)?.topic ?? "", restartsMs);
      violations.push(...found.violations);
      longestIsolationMs = Math.max(longestIsolationMs, found.longestMs);
    }
  }
  const durations = [...(setting?.notAvailableDurationMs ?? defaultNotAvailableDurationMs)];
  const evidence: ProducerFailoverEvidence = {
    attempts: index.attempts.length, retryTimesWhenSendFailed: retries, latencyFaultAvoidance: setting !== undefined,
    notAvailableDurationMs: durations,
    isolationMs: notAvailableDurationFor({ latencyMaxMs: defaultLatencyMaxMs, notAvailableDurationMs: durations }, isolationLatencyMs),
    longestIsolationMs, violations: capped(violations, idsMax(context)),
  };
  const first = violations[0];
  const summary = first !== undefined
    ? `${plural(violations.length, "failover violation")}; first ${first.kind} by ${first.producer}${first.id === undefined ? "" : ` (${first.id})`} at ${formatMs(first.timeMs)}: ${first.detail}.`
    : index.attempts.length === 0 ? "No send attempts in this history: nothing to judge."
      : `${plural(index.attempts.length, "send attempt")}: retries used as retryTimesWhenSendFailed ${retries} allows` +
        `${setting === undefined ? "" : `, isolated brokers avoided (longest isolation ${formatMs(longestIsolationMs)}, one failure isolates ${formatMs(evidence.isolationMs)})`}.`;
  return { name: "producer-failover", verdict: violations.length > 0 ? "fail" : "pass", summary, evidence };
}

function isolationViolations(
  producer: string, attempts: readonly SendAttemptEvent[], setting: NonNullable<ReturnType<typeof latencyFaultSetting>>,
  routes: Map<string, RouteEvent[]>, allMasters: readonly string[], topic: string, restartsMs: readonly number[] = [],
): { violations: FailoverViolation[]; longestMs: number } {
  const restarts = [...restartsMs].sort((left, right) => left - right);
  let restartNext = 0;
  const items = new Map<string, Item & { cause: SendAttemptEvent }>();
  const seen = new Set<string>();
  const violations: FailoverViolation[] = [];
  let longestMs = 0;
  const sorted = [...attempts].sort((left, right) => left.timeMs - right.timeMs);
  for (const attempt of sorted) {
    for (; restartNext < restarts.length && restarts[restartNext]! <= attempt.timeMs; restartNext++) items.clear();
    const selectEarliestMs = attempt.timeMs - attempt.latencyMs - timeResolutionMs;
    const selectLatestMs = attempt.timeMs + timeResolutionMs;
    const clientRoutes = routes.get(`${producer}\u0000${topic}`);
    for (const broker of possiblyRemovedAt(items, routesDuring(clientRoutes, selectEarliestMs, selectLatestMs), selectEarliestMs, selectLatestMs)) {
      const item = items.get(broker)!;
      item.possiblyRemoved = true;
      item.untilEarliestMs = Math.min(item.untilEarliestMs, selectEarliestMs);
    }
    const own = items.get(attempt.broker);
    if (own !== undefined && own.fromLatestMs <= selectEarliestMs && selectLatestMs < own.untilEarliestMs) {
      // The selection met whichever route was in force at its moment, somewhere in the window: the
      // pick is surely wrong only if every one of those routes held a surely available other broker.
      // Without route events, the route surely held the masters this producer had sent to.
      const routesThen = routesDuring(clientRoutes, selectEarliestMs, selectLatestMs);
      if (routeAt(clientRoutes, selectEarliestMs) === undefined) routesThen.unshift(allMasters.filter((broker) => seen.has(broker)));
      const availableByRoute = routesThen.map((route) => route.filter((broker) => {
        if (broker === attempt.broker) return false;
        const item = items.get(broker);
        // Surely available: never charged, or its isolation surely over at the selection.
        return item === undefined || item.untilLatestMs <= selectEarliestMs;
      }));
      if (availableByRoute.every((available) => available.length > 0)) {
        const available = [...new Set(availableByRoute.flat())].sort();
        violations.push({ kind: "picked-isolated-broker", producer, broker: attempt.broker, timeMs: attempt.timeMs,
          detail: `${attempt.broker} was isolated from ${formatMs(own.fromLatestMs)} to ${formatMs(own.untilEarliestMs)} by the ${own.cause.outcome === "error" ? `failed attempt (${own.cause.errorName ?? "error"})` : `${own.cause.latencyMs} ms attempt`} at ${formatMs(own.cause.timeMs)}, yet picked while ${available.join(", ")} was available` });
      }
    }
    seen.add(attempt.broker);
    const durationMs = notAvailableDurationFor(setting, attempt.outcome === "error" ? isolationLatencyMs : attempt.latencyMs);
    longestMs = Math.max(longestMs, durationMs);
    // timeMs is the attempt's start or its end, so it ended in [timeMs, timeMs + latencyMs],
    // widened by the recording resolution.
    items.set(attempt.broker, {
      fromLatestMs: attempt.timeMs + attempt.latencyMs + timeResolutionMs, untilEarliestMs: attempt.timeMs + durationMs - timeResolutionMs,
      untilLatestMs: attempt.timeMs + attempt.latencyMs + durationMs + timeResolutionMs, latencyMs: attempt.latencyMs, possiblyRemoved: false, cause: attempt,
    });
  }
  return { violations, longestMs };
}

/**
 * Brokers whose fault item a selection in [selectEarliestMs, selectLatestMs] may have removed
 * (MQFaultStrategy.selectOneMessageQueue): one of the routes in force then lacks the broker's
 * write queues, no broker of that route is surely available (so the first pass may find none and
 * fall back to pickOneAtLeast), and the broker may rank among the better half of the table.
 */
function possiblyRemovedAt(items: ReadonlyMap<string, Item>, routes: readonly (readonly string[])[], selectEarliestMs: number, selectLatestMs: number): string[] {
  const surelyAvailable = (item: Item | undefined): boolean => item === undefined || item.untilLatestMs <= selectEarliestMs;
  const surelyUnavailable = (item: Item): boolean => !item.possiblyRemoved && item.fromLatestMs <= selectEarliestMs && selectLatestMs < item.untilEarliestMs;
  // FaultItem.compareTo: available first, then lower currentLatency; ties and unknowns are not sure.
  const surelyAhead = (other: Item, item: Item): boolean => {
    if (other.possiblyRemoved) return false;
    if (surelyAvailable(other) && surelyUnavailable(item)) return true;
    const sameAvailability = (surelyAvailable(other) && surelyAvailable(item)) || (surelyUnavailable(other) && surelyUnavailable(item));
    return sameAvailability && other.latencyMs + timeResolutionMs < item.latencyMs;
  };
  // pickOneAtLeast takes list[0] when the half is 0, else one of the first half.
  const pickable = Math.max(1, Math.floor(items.size / 2));
  const removed: string[] = [];
  for (const [broker, item] of items) {
    // A route without write queues selects nothing (the send fails before any attempt).
    const possible = routes.some((route) => route.length > 0 && !route.includes(broker) && route.every((other) => !surelyAvailable(items.get(other))));
    if (!possible) continue;
    const ahead = [...items].filter(([other, otherItem]) => other !== broker && surelyAhead(otherItem, item)).length;
    if (ahead < pickable) removed.push(broker);
  }
  return removed;
}

/**
 * Brokers with a successful send or attempt in a time range (any producer), sorted by name.
 * Each broker keeps its sorted ok times, so a query is a binary search per broker rather than a
 * scan of every ok in the range (bursts put thousands of oks in one send-timeout window).
 */
function servingBrokers(sends: readonly SendRecord[], attempts: readonly SendAttemptEvent[]): (fromMs: number, toMs: number) => string[] {
  const timesByBroker = new Map<string, number[]>();
  const add = (broker: string, timeMs: number): void => {
    const times = timesByBroker.get(broker);
    if (times === undefined) timesByBroker.set(broker, [timeMs]);
    else times.push(timeMs);
  };
  for (const send of sends) if (send.outcome === "ok" && send.queue !== undefined) add(brokerOfQueue(send.queue), send.outcomeMs ?? send.invokeMs);
  for (const attempt of attempts) if (attempt.outcome === "ok") add(attempt.broker, attempt.timeMs);
  for (const times of timesByBroker.values()) times.sort((left, right) => left - right);
  const brokers = [...timesByBroker.keys()].sort();
  return (fromMs, toMs) => brokers.filter((broker) => hasTimeIn(timesByBroker.get(broker)!, fromMs, toMs));
}

/** Whether sorted times hold one in [fromMs, toMs]. */
function hasTimeIn(times: readonly number[], fromMs: number, toMs: number): boolean {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (times[middle]! < fromMs) low = middle + 1;
    else high = middle;
  }
  return low < times.length && times[low]! <= toMs;
}

function routesOf(routes: readonly RouteEvent[]): Map<string, RouteEvent[]> {
  const byClient = new Map<string, RouteEvent[]>();
  for (const route of routes) {
    const key = `${route.process}\u0000${route.topic}`;
    const list = byClient.get(key) ?? [];
    list.push(route);
    byClient.set(key, list);
  }
  return byClient;
}

/** The writable brokers of every route in force at some moment of [fromMs, toMs]; none without route events. */
function routesDuring(routes: readonly RouteEvent[] | undefined, fromMs: number, toMs: number): string[][] {
  const during: string[][] = [];
  const first = routeAt(routes, fromMs);
  if (first !== undefined) during.push(first);
  for (const route of routes ?? []) if (route.timeMs > fromMs && route.timeMs <= toMs) during.push(route.writableBrokers);
  return during;
}

function routeAt(routes: readonly RouteEvent[] | undefined, timeMs: number): string[] | undefined {
  let found: RouteEvent | undefined;
  for (const route of routes ?? []) {
    if (route.timeMs > timeMs) break;
    found = route;
  }
  return found?.writableBrokers;
}
