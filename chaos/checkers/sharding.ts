// Sharding: every acked send that carries an orderKey went to the queue the workload's
// selector chose. The selector (chaos/workload/producer_node.ts selectByKey) is
// `queues[orderKeyHash(key) % queues.length]` over the producer's route: every writable queue
// of the topic, sorted by brokerName then queueId. So the expected queue is a function of the
// key and the set of writable brokers the producer saw when it sent:
// - with RouteEvents for that producer and topic: the route in force at the invoke, or — if
//   the route changed while the send was in flight — any route in force between the invoke and
//   the outcome (the selector ran at some point in between; it is not recorded when). "In
//   force" follows the history's record order, not only its timestamps: a RouteEvent is
//   recorded right after the producer's publish info changed (route_recorder.ts), so a route
//   event with the same millisecond as an invoke but recorded after it may postdate the
//   selector's choice (suite 2m-noslave/broker-crash seed 1: invoke and route [a, b] at
//   151077 ms, the send went by the old [b] view — correct);
// - without them: every master of the topology; a send inside a fault window (widened by the
//   time a route takes to forget and relearn a broker: brokerExpiryMs + namesrvScanMs +
//   routePollMs + brokerRegisterMs) is not judged — RocketMQ's route then legitimately differs
//   and the history does not say how — and is counted as excused.
// A key moving between queues is a consequence: outside route changes the expected queue is
// fixed, so any move there is a wrong-queue send and is reported as such.
import type { HistoryEvent, RouteEvent } from "../history/types.ts";
import type { HistoryIndex } from "./history_index.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { masters, queuesPerBroker } from "./context.ts";
import type { CappedList } from "./evidence.ts";
import { capped, formatMs, idsMax, plural } from "./evidence.ts";
import { startupSlackMs } from "./bounds.ts";
import { faultWindows } from "./fault_windows.ts";
import { indexHistory } from "./history_index.ts";

export type MisroutedSend = { id: string; key: string; producer: string; timeMs: number; queue: string; expected: string[]; writableBrokers: string[] };

export type ShardingEvidence = {
  judged: number;
  excused: number;
  keys: number;
  routeSource: "route-events" | "topology";
  misrouted: CappedList<MisroutedSend>;
};

/** Java's String.hashCode, made non-negative: the same hash as the workload's orderKeyHash. */
export function orderKeyHash(key: string): number {
  let hash = 0;
  for (let index = 0; index < key.length; index++) hash = (Math.imul(hash, 31) + key.charCodeAt(index)) | 0;
  return Math.abs(hash);
}

/** The queue the selector picks from the writable brokers' queues (sorted brokerName, queueId). */
export function selectedQueue(key: string, writableBrokers: readonly string[], queuesPerBrokerCount: number): string | undefined {
  const queues = [...writableBrokers].sort().flatMap((broker) => Array.from({ length: queuesPerBrokerCount }, (_, id) => `${broker}:${id}`));
  return queues.length === 0 ? undefined : queues[orderKeyHash(key) % queues.length];
}

export function checkSharding(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const routesByProducer = new Map<string, RouteEvent[]>();
  for (const route of index.routes) {
    const key = `${route.process}\u0000${route.topic}`;
    const list = routesByProducer.get(key) ?? [];
    list.push(route);
    routesByProducer.set(key, list);
  }
  const inFlightViews = routeViewsInFlight(index);
  const windows = faultWindows(index, context);
  const { brokerExpiryMs, namesrvScanMs, routePollMs, brokerRegisterMs } = context.intervals;
  // After a crash heals the broker registers at start and producers see it within a poll;
  // after silence the NameServer may also still be expiring it.
  const rejoinMs = startupSlackMs + brokerRegisterMs + routePollMs;
  const relearnMs = brokerExpiryMs + namesrvScanMs + rejoinMs;
  const allMasters = masters(context.topology).map((broker) => broker.brokerName);
  const misrouted: MisroutedSend[] = [];
  const keys = new Set<string>();
  let judged = 0;
  let excused = 0;
  for (const send of index.sends) {
    if (send.outcome !== "ok" || send.orderKey === undefined || send.queue === undefined) continue;
    keys.add(`${send.process}\u0000${send.orderKey}`);
    const count = queuesPerBroker(context.workload, send.topic);
    if (count === 0) continue;
    const routes = routesByProducer.get(`${send.process}\u0000${send.topic}`);
    let views: string[][];
    if (routes !== undefined && routes.length > 0) {
      views = inFlightViews.get(send.opId) ?? [];
      if (views.length === 0) views = [allMasters];
    } else {
      if (windows.some((window) => send.invokeMs >= window.startMs && (window.endMs === null || send.invokeMs <= window.endMs + (window.kind === "crash" ? rejoinMs : relearnMs)))) {
        excused++;
        continue;
      }
      views = [allMasters];
    }
    judged++;
    const expected = [...new Set(views.map((view) => selectedQueue(send.orderKey ?? "", view, count)).filter((queue): queue is string => queue !== undefined))];
    if (expected.includes(send.queue)) continue;
    misrouted.push({ id: send.messageId, key: send.orderKey, producer: send.process, timeMs: send.invokeMs, queue: send.queue, expected, writableBrokers: views[0] ?? [] });
  }
  const evidence: ShardingEvidence = {
    judged, excused, keys: keys.size, routeSource: index.routes.length > 0 ? "route-events" : "topology", misrouted: capped(misrouted, idsMax(context)),
  };
  const first = misrouted[0];
  const summary = first !== undefined
    ? `${plural(misrouted.length, "keyed send")} stored off the selector's queue; first ${first.id} (key ${first.key}, ${first.producer}) at ${formatMs(first.timeMs)} went to ${first.queue}, expected ${first.expected.join(" or ")}.`
    : judged === 0 ? `No keyed send to judge${excused > 0 ? ` (${excused} inside fault windows)` : ""}.`
      : `${plural(judged, "keyed send")} of ${plural(keys.size, "key")} went to the selector's queue (${excused} inside fault windows not judged; routes from ${evidence.routeSource}).`;
  return { name: "sharding", verdict: misrouted.length > 0 ? "fail" : "pass", summary, evidence };
}

/**
 * Per keyed send (opId), the writable-broker views of its producer's route in force from its
 * invoke to its outcome, in the history's record order (the index's sort is stable): the view
 * at the invoke, then every change recorded before the outcome. No entry: no route was known.
 */
function routeViewsInFlight(index: HistoryIndex): Map<number, string[][]> {
  const current = new Map<string, string[]>();
  const inFlight = new Map<string, Map<number, string[][]>>();
  const keyOfOp = new Map<number, string>();
  const views = new Map<number, string[][]>();
  for (const event of index.events) {
    if (event.type === "route") {
      const key = `${event.process}\u0000${event.topic}`;
      current.set(key, event.writableBrokers);
      for (const list of inFlight.get(key)?.values() ?? []) list.push(event.writableBrokers);
    } else if (event.type === "invoke" && event.orderKey !== undefined) {
      const key = `${event.process}\u0000${event.topic}`;
      const list: string[][] = [];
      const atInvoke = current.get(key);
      if (atInvoke !== undefined) list.push(atInvoke);
      views.set(event.opId, list);
      const pending = inFlight.get(key) ?? new Map<number, string[][]>();
      pending.set(event.opId, list);
      inFlight.set(key, pending);
      keyOfOp.set(event.opId, key);
    } else if (event.type === "ok" || event.type === "fail" || event.type === "unknown") {
      const key = keyOfOp.get(event.opId);
      if (key !== undefined) inFlight.get(key)?.delete(event.opId);
    }
  }
  return views;
}
