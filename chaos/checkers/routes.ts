// Route freshness: once a master stops serving, clients' routes must stop naming it as
// writable within the bound RocketMQ's mechanism gives, and that bound depends on how the
// NameServer learns of it:
// - channel close (the broker process crashed: its kernel closes the connection): the
//   NameServer's onChannelDestroy drops the broker at once, and each client learns it at its
//   next route poll: routePollMs + routeSlackMs.
// - silence (power loss of its machine, pause, broker→NameServer heartbeat loss, a partition
//   isolating it): the NameServer's scan (every namesrvScanMs) drops a broker
//   silent for brokerExpiryMs; then one route poll: brokerExpiryMs + namesrvScanMs +
//   routePollMs + routeSlackMs.
// A producer's TopicPublishInfo keeps only queues whose broker still has a master address
// (MQClientInstance.topicRouteData2TopicPublishInfo), so a dead master leaves the client's
// writable brokers even while its slave keeps the brokerName alive; readable brokers may keep
// it (consumers read from the slave) and are not judged.
// A client process that restarts forgets its route: from its restart it names the master only if
// its new incarnation's first route does.
// Judged per (client with RouteEvents, topic, fault on a master) only when the master stayed
// out past the bound and the run lasted that long; faults that also cut the client or every
// NameServer off are skipped (the client cannot learn anything then). A client that another
// fault froze or cut off (paused, crashed, isolated) while the bound ran gets one route poll plus
// slack from when it is back, as its missed poll fires then. A crash while the broker's packets
// to a NameServer are dropped (heartbeat loss, a firewall) gets the silence bound: the close is
// dropped with them. When every NameServer was down while the bound ran, every client gets one
// route poll plus slack from their return plus one broker registration round (a restarted
// NameServer knows no topic until a broker registers). When one NameServer was out of a
// client's reach (down, isolated, cut from the client), the client may spend one poll on it (a
// timeout) before asking another: one route poll plus the request timeout more.
// Judged only while the NameServer has something else to give: another broker node (a slave
// of the same brokerName, or another master or slave; every master serves every topic in the
// lab) still registered at the deadline. When the out-of-service master was the topic's only
// broker, RouteInfoManager drops the topic with it and GET_ROUTEINFO_BY_TOPIC answers
// TOPIC_NOT_EXIST; RocketMQ's client (MQClientInstance.updateTopicRouteInfoFromNameServer)
// then catches the MQClientException and keeps its last route — by design, so a NameServer
// hiccup never empties a client's routing table (mqlab's RouteTables does the same). The
// client's route then names the dead master until it comes back, which is not staleness:
// such cases are counted in `lastRouteKept`, not judged.
// Not judged either when the master's fault starts while a partition that cuts across the
// cluster (halves, bridge, majorities-ring), or one isolating this master, is in force (counted
// in `partitionExcused`): a NameServer cut from the master never receives the crashed
// process's connection close (nor a clean stop's unregister), so it learns only by silence, and
// a NameServer cut from every broker expires them all and answers TOPIC_NOT_EXIST, so a client
// polling it keeps its last route until the heal. Which links a shape cuts depends on the
// deployer's node order, so the checker does not guess them. A partition that starts after the
// fault does not excuse it: the NameServers heard the close first.
import { SHUTDOWN_AWAIT_TERMINATION_MS, UNREGISTER_TIMEOUT_MS } from "../../system/broker/index.ts";
import type { HistoryEvent, RouteEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { masters } from "./context.ts";
import type { CappedList } from "./evidence.ts";
import { capped, formatMs, idsMax, plural } from "./evidence.ts";
import type { Window } from "./fault_windows.ts";
import { faultWindows } from "./fault_windows.ts";
import type { HistoryIndex } from "./history_index.ts";
import { indexHistory, runEndMs } from "./history_index.ts";

export const routeSlackMs = 2_000;

export type RouteMechanism = "channel-close" | "expiry-scan";
export type StaleRoute = {
  client: string; topic: string; broker: string; node: string; fault: string; mechanism: RouteMechanism;
  downMs: number; boundMs: number; droppedMs: number | null; lateByMs: number;
};
export type RouteBound = { mechanism: RouteMechanism; boundMs: number; derivation: string };

export type RoutesEvidence = {
  bounds: RouteBound[];
  judged: number;
  /** (client, master, fault) cases skipped: no other broker left, the client keeps its last route. */
  lastRouteKept: number;
  /** (client, master, fault) cases skipped: the fault started inside a cluster-cutting partition (or one isolating the master). */
  partitionExcused: number;
  stale: CappedList<StaleRoute>;
  onTime: CappedList<StaleRoute>;
};

export function routeBounds(context: CheckContext): Record<RouteMechanism, RouteBound> {
  const { routePollMs, brokerExpiryMs, namesrvScanMs } = context.intervals;
  return {
    "channel-close": { mechanism: "channel-close", boundMs: routePollMs + routeSlackMs, derivation: `channel close: NameServer drops the broker at once; + routePollMs ${routePollMs} + slack ${routeSlackMs}` },
    "expiry-scan": {
      mechanism: "expiry-scan", boundMs: brokerExpiryMs + namesrvScanMs + routePollMs + routeSlackMs,
      derivation: `silence: brokerExpiryMs ${brokerExpiryMs} + namesrvScanMs ${namesrvScanMs} + routePollMs ${routePollMs} + slack ${routeSlackMs}`,
    },
  };
}

function mechanismOf(kind: string): RouteMechanism | undefined {
  if (kind === "crash" || kind === "clean-restart") return "channel-close";
  // A firewall is left out: it may cut one NameServer of several, and clients poll any.
  if (kind === "power-loss" || kind === "pause" || kind === "heartbeat-loss" || kind === "partition") return "expiry-scan";
  return undefined;
}

export function checkRoutes(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const endMs = runEndMs(index, context.endMs);
  const bounds = routeBounds(context);
  const masterByNode = new Map(masters(context.topology).map((broker) => [broker.node, broker.brokerName]));
  const clients = new Map<string, RouteEvent[]>();
  for (const route of index.routes) {
    const key = `${route.process}\u0000${route.topic}`;
    const list = clients.get(key) ?? [];
    list.push(route);
    clients.set(key, list);
  }
  const stale: StaleRoute[] = [];
  const onTime: StaleRoute[] = [];
  let judged = 0;
  let lastRouteKept = 0;
  let partitionExcused = 0;
  const windows = faultWindows(index, context);
  const partitions = partitionSpans(index, context);
  // A clean stop unregisters only after the registration round in flight (4.9.x awaits its
  // scheduled executor up to 5 s) and then one NameServer after another (3 s each at most):
  // with a NameServer unreachable when the stop begins, a NameServer may hear of it that much
  // later (seed 2 swarm run 539: a firewall to namesrv-2 held the round, the unregister came 3 s
  // after the stop).
  const nameServerCount = Math.max(1, new Set(index.nodes.filter((event) => event.node.startsWith("namesrv")).map((event) => event.node)).size);
  const shutdownUnregisterDelayMs = (atMs: number): number => windows.some((window) => window.startMs <= atMs && (window.endMs ?? Infinity) > atMs
    && (window.nodes.some((node) => node.startsWith("namesrv")) || (window.kind === "partition" && window.nodes.length === 0)))
    ? SHUTDOWN_AWAIT_TERMINATION_MS + UNREGISTER_TIMEOUT_MS * (nameServerCount - 1)
    : 0;
  const downAt = (node: string, atMs: number): boolean => windows.some((window) => window.nodes.includes(node)
    && mechanismOf(window.kind) !== undefined && window.startMs <= atMs && (window.endMs ?? Infinity) > atMs);
  // A crash while the broker's packets to a NameServer are dropped (broker→NameServer heartbeat
  // loss, a firewall between them): its connection's close is dropped too, so that NameServer
  // learns of it only by the expiry scan (seed 5 swarm run 1476: heartbeat loss from 14 s, crash at 19 s).
  const closeUnseen = (node: string, atMs: number): boolean => windows.some((cut) => cut.startMs <= atMs && (cut.endMs ?? Infinity) > atMs
    && cut.nodes.includes(node) && (cut.kind === "heartbeat-loss" || (cut.kind === "firewall" && cut.nodes.some((other) => other.startsWith("namesrv")))));
  for (const window of windows) {
    const byKind = mechanismOf(window.kind);
    if (byKind === undefined || window.nodes.some((node) => node.startsWith("namesrv"))) continue;
    const hit = window.nodes.filter((node) => masterByNode.has(node));
    if (hit.length === 0) continue;
    // (A clean stop unregisters explicitly: shutdownUnregisterDelayMs covers a cut NameServer.)
    const mechanism: RouteMechanism = window.kind === "crash" && hit.some((node) => closeUnseen(node, window.startMs)) ? "expiry-scan" : byKind;
    const boundMs = bounds[mechanism].boundMs + (window.kind === "clean-restart" ? shutdownUnregisterDelayMs(window.startMs) : 0);
    const deadlineMs = window.startMs + boundMs;
    if ((window.endMs ?? Infinity) <= deadlineMs || deadlineMs > endMs) continue;
    // Something else to give: a broker node outside this fault, itself up at the deadline.
    const otherBroker = context.topology.brokers.some((broker) => !window.nodes.includes(broker.node) && !downAt(broker.node, deadlineMs));
    for (const [key, routes] of clients) {
      const [client = "", topic = ""] = key.split("\u0000");
      if (window.nodes.includes(client)) continue;
      for (const node of hit) {
        const broker = masterByNode.get(node) ?? node;
        const before = routeAt(routes, window.startMs);
        if (before !== undefined && !before.writableBrokers.includes(broker)) continue;
        if (!otherBroker) {
          lastRouteKept++;
          continue;
        }
        // A client frozen or cut off itself (paused, crashed, partitioned) learns nothing until
        // it is back; its bound then runs from there: one route poll plus slack.
        const cutBackMs = backAfter(windows, client, window.startMs, deadlineMs);
        // Every NameServer down while the bound ran: the client's polls fail and it keeps its last
        // route until they are back and know the topic again (a broker's next registration) —
        // seed 5 swarm run 1336: a clean restart at 24 s, every NameServer down 25–28 s.
        const nameServersBackMs = nameServersBackAfter(windows, window.startMs, deadlineMs, context.intervals.brokerRegisterMs);
        if (cutBackMs === null || nameServersBackMs === null) continue;
        const clientBackMs = Math.max(cutBackMs, nameServersBackMs);
        // One NameServer out of the client's reach while the bound ran: a poll sent to it times
        // out, and the client asks another NameServer at its next poll (seed 6 swarm run 1161:
        // namesrv-1 isolated from 5 s, the 7 s poll timed out, the 13 s one reached namesrv-2).
        const missedPollMs = nameServerOutOfReach(windows, partitions, client, window.startMs, deadlineMs) ? context.intervals.routePollMs + nameServerRequestTimeoutMs : 0;
        const clientDeadlineMs = Math.max(deadlineMs + missedPollMs, clientBackMs + context.intervals.routePollMs + routeSlackMs);
        if ((window.endMs ?? Infinity) <= clientDeadlineMs || clientDeadlineMs > endMs) continue;
        if (partitions.some((span) => (span.isolated === undefined || span.isolated === node)
          && span.startMs <= window.startMs && (span.endMs ?? Infinity) > window.startMs)) {
          partitionExcused++;
          continue;
        }
        judged++;
        const dropped = routes.find((route) => route.timeMs >= window.startMs && !route.writableBrokers.includes(broker));
        let droppedMs = dropped?.timeMs ?? null;
        // A client process that restarted since forgot its old route: its new incarnation names
        // the broker only if its own first route does, while the master is still out (seed 34
        // run 699: consumers restarted at 3 s with both masters down, and recorded their first
        // route at 9 s, when one was back).
        const restartMs = index.nodes.find((event) => event.node === client && (event.event === "start" || event.event === "restart") && event.timeMs >= window.startMs)?.timeMs;
        if (restartMs !== undefined && (droppedMs === null || droppedMs > restartMs)) {
          const fresh = routes.find((route) => route.timeMs >= restartMs);
          const namesDead = fresh !== undefined && fresh.timeMs < (window.endMs ?? Infinity) && fresh.writableBrokers.includes(broker);
          if (!namesDead) droppedMs = restartMs;
        }
        const entry: StaleRoute = {
          client, topic, broker, node, fault: window.cause, mechanism, downMs: window.startMs, boundMs: clientDeadlineMs - window.startMs,
          droppedMs, lateByMs: (droppedMs ?? Math.min(endMs, window.endMs ?? endMs)) - clientDeadlineMs,
        };
        if (droppedMs === null || droppedMs > clientDeadlineMs) stale.push(entry);
        else onTime.push(entry);
      }
    }
  }
  const max = idsMax(context);
  const evidence: RoutesEvidence = { bounds: Object.values(bounds), judged, lastRouteKept, partitionExcused, stale: capped(stale, max), onTime: capped(onTime, max) };
  const first = stale[0];
  const summary = first !== undefined
    ? `${plural(stale.length, "stale route")}; first ${first.client} still named ${first.broker} writable ${formatMs(first.lateByMs)} past its ${first.mechanism} bound ` +
      `(${first.fault} at ${formatMs(first.downMs)}, bound ${formatMs(first.boundMs)}${first.droppedMs === null ? ", never dropped" : `, dropped at ${formatMs(first.droppedMs)}`}).`
    : index.routes.length === 0 ? "No route events in this history: nothing to judge."
      : judged === 0 ? (lastRouteKept > 0
        ? `Not judged: the out-of-service master was the topic's only broker, so the NameServer answered TOPIC_NOT_EXIST and ${plural(lastRouteKept, "client route")} kept the last route (RocketMQ's client does).`
        : partitionExcused > 0
          ? `Not judged: ${plural(partitionExcused, "client route")} whose master went out inside a partition cutting NameServers off brokers (they could learn only by silence or had no route to give).`
          : "No master stayed out long enough to judge route freshness.")
        : `${plural(judged, "client route")} dropped the out-of-service master within its mechanism's bound.`;
  return { name: "routes", verdict: stale.length > 0 ? "fail" : "pass", summary, evidence };
}

type PartitionSpan = { startMs: number; endMs: number | null; /** isolate: the one node cut off; undefined: a shape cutting across the cluster. */ isolated: string | undefined };

/** The run's partitions, timed by their nemesis events (the schedule's when the history has none). */
function partitionSpans(index: HistoryIndex, context: CheckContext): PartitionSpan[] {
  const fromHistory = index.nemesis.length > 0;
  const spans: PartitionSpan[] = [];
  context.faults.forEach((scheduled, faultIndex) => {
    const { fault } = scheduled;
    if (fault.kind !== "partition") return;
    const startMs = fromHistory
      ? index.nemesis.find((event) => event.faultIndex === faultIndex && event.phase === "inject")?.timeMs : scheduled.atMs;
    if (startMs === undefined) return;
    const endMs = fromHistory
      ? index.nemesis.find((event) => event.faultIndex === faultIndex && event.phase === "heal")?.timeMs ?? null : scheduled.healAtMs ?? null;
    spans.push({ startMs, endMs, isolated: fault.shape === "isolate" ? fault.target : undefined });
  });
  return spans;
}

/**
 * When `client` is free of every fault window naming it that overlaps [fromMs, untilMs]: fromMs
 * when none does, null when one never ends.
 */
function backAfter(windows: readonly Window[], client: string, fromMs: number, untilMs: number): number | null {
  let backMs = fromMs;
  for (const window of windows) {
    if (!window.nodes.includes(client) || window.startMs > untilMs || (window.endMs ?? Infinity) <= fromMs) continue;
    if (window.endMs === null) return null;
    backMs = Math.max(backMs, window.endMs);
  }
  return backMs;
}

/** Fault kinds that can keep a client's request from a NameServer (a clock skew or a disk fault cannot). */
const cutsReach: ReadonlySet<string> = new Set(["crash", "power-loss", "pause", "clean-restart", "restart-loop", "partition", "firewall", "flow", "connection-reset"]);

/** MQClientInstance's mqClientApiTimeout: a route poll to an unreachable NameServer fails after it. */
const nameServerRequestTimeoutMs = 3_000;

/**
 * Whether a fault kept some NameServer from `client` inside [fromMs, untilMs]: the NameServer
 * down or isolated, a fault between the two (firewall, flow, reset), or a partition shape
 * cutting across the cluster — with or without a target node (a bridge names its bridge, yet
 * may put the client and a NameServer on different sides: battery seed 23 run 118, a bridge
 * from 22 s held the consumer's 22 s poll to namesrv-1 until its 3 s timeout).
 */
function nameServerOutOfReach(windows: readonly Window[], partitions: readonly PartitionSpan[], client: string, fromMs: number, untilMs: number): boolean {
  if (partitions.some((span) => span.isolated === undefined && span.startMs <= untilMs && (span.endMs ?? Infinity) >= fromMs)) return true;
  return windows.some((window) => window.startMs <= untilMs && (window.endMs ?? Infinity) >= fromMs && cutsReach.has(window.kind)
    && ((window.kind === "partition" && window.nodes.length === 0)
      || (window.nodes.some((node) => node.startsWith("namesrv")) && (window.nodes.length === 1 || window.nodes.includes(client)))));
}

/**
 * When clients can learn routes again after every NameServer was down inside [fromMs, untilMs]:
 * the NameServers' return plus one broker registration round (a restarted NameServer knows no
 * topic until a broker registers); fromMs when no such outage; null when one never ended.
 */
function nameServersBackAfter(windows: readonly Window[], fromMs: number, untilMs: number, brokerRegisterMs: number): number | null {
  let backMs = fromMs;
  for (const window of windows) {
    if (window.kind !== "namesrv-all-down" || window.startMs > untilMs || (window.endMs ?? Infinity) <= fromMs) continue;
    if (window.endMs === null) return null;
    backMs = Math.max(backMs, window.endMs + brokerRegisterMs);
  }
  return backMs;
}

function routeAt(routes: readonly RouteEvent[], timeMs: number): RouteEvent | undefined {
  let found: RouteEvent | undefined;
  for (const route of routes) {
    if (route.timeMs > timeMs) break;
    found = route;
  }
  return found;
}
