// Failover bounds derived from RocketMQ's intervals and the faults: how long a window without
// successful sends (or without consumption progress) may last before it is a bug. Explicit and
// generous, but always finite unless a fault never healed. The reasoning:
// - Sends, no master blocked for everyone: a producer round-robins over all queues, and each
//   pick of a dead broker's queue can burn a whole sendTimeoutMs (a paused or firewalled
//   broker never answers; the 4.x timeout spans the retries). A broker's queues are
//   consecutive in the route, so a sequential producer may hit queuesPerBroker of them in a
//   row: base = sendTimeoutMs × (queuesPerBroker + 1).
// - Sends, every master unavailable at once (a single master crashed, all masters faulted, or
//   the producer cut off): nothing can succeed until the fault heals; then the broker starts
//   (startupSlackMs for process start and commit log recovery), registers with the NameServer
//   (at start, else within brokerRegisterMs), producers refresh routes within routePollMs (the
//   NameServer drops a broker when its connection closes, or after brokerExpiryMs +
//   namesrvScanMs when silent), and the next send may still time out once (sendTimeoutMs).
//   Each such span adds its whole duration plus that recovery.
// - Per broker: after a fault on a master heals, producers use it again within the same
//   recovery (brokerRejoinMs).
// - Consumption: base = rebalanceMs (a queue waits at most one rebalance for an owner) +
//   pullSuspendMs (a long poll) + 3 s (RocketMQ's pull retry delay after an error). A fault on
//   a broker adds its duration + the send recovery + the pull retry delay. A fault on a
//   consumer (or its heartbeats) lasts until it heals or until the broker expires the client
//   and the others rebalance (clientExpiryMs + clientScanMs + clientHeartbeatMs +
//   rebalanceMs), whichever is first.
// - Orderly groups, a fault on a consumer: a queue's broker lock outlives its holder's use of
//   it when the holder's UNLOCK_BATCH_MQ is lost in the fault. RocketMQ 4.x unlocks a queue a
//   rebalance took away with a oneway request, 20 s later when messages were still cached
//   (RebalancePushImpl.unlockDelay); an isolated or crashed holder never unlocks. The broker
//   then keeps the lock until lockMaxLiveTime (60 s) after the holder's last LOCK_BATCH_MQ
//   (RebalanceLockManager), and the new owner's rebalance (rebalanceMs) finds it free only
//   after that. The lost unlock falls inside the fault, so that last lock came before the heal
//   (before the injection when the holder crashed or a partition isolated it: nothing it sends
//   gets through). Only orderly groups'
//   consume windows get this span (orderlyConsumeBlocked).
//   Seed 1 swarm run 391: consumer-2 gave up three queues at 2 s with suspended messages cached,
//   its delayed unlock at 22 s fell in its isolation (15-28 s), and consumer-1 locked them only
//   at 64 s, after the broker's lock from 1 s lapsed.
//   Seed 1 swarm run 1224: consumer-2 gave up its only queue at 2 s with a suspended message
//   cached, crashed at 17 s before its delayed unlock (22 s), and consumer-1 locked it at 62 s.
// - Read failover: while a SYNC_MASTER is down (crash, power loss, pause) and its slave is not,
//   the slave holds every message the master acked with SEND_OK, and 4.x consumers pull from
//   it (findBrokerAddressInSubscribe falls back to the slave once the route lists no master).
//   So for that broker's own messages the fault blocks consumption only until consumers have
//   switched: the NameServer drops the master (at once when a crash closes its connections,
//   else after brokerExpiryMs + namesrvScanMs), consumers refresh the route (routePollMs), a pull the dead
//   master held times out (2 × pullSuspendMs) and the retry (3 s) goes to the slave. Orderly
//   groups are left out (their queue locks live on the master), as are delayed messages (the
//   master's schedule service delivers them).
// - Latency fault avoidance (sendLatencyFaultEnable): a failed send charges its broker 30 s
//   of latency, which RocketMQ's table (latencyMax {50, 100, 550, 1000, 2000, 3000, 15000} →
//   notAvailableDuration {0, 0, 30 s, 60 s, 120 s, 180 s, 600 s}) turns into up to 600 s in
//   which producers skip it while another broker is available; a slow but successful send
//   (up to sendTimeoutMs) isolates it for the duration of its latency step. So with the
//   setting on, a broker may go unused for that long after a fault heals (brokerRejoinMs) and
//   even without a fault (sendBrokerBaseMs). When the history has send attempts, the
//   isolation each attempt caused is measured instead (isolationSpans) and added per broker.
// Every bound carries its derivation (BoundDerivation): the mechanism it assumes and the
// intervals it adds up, so the report shows a bound far looser than its mechanism.
import { excusesNothing, faultNodes, isInstantFault, type Fault, type ScheduledFault } from "../faults/types.ts";
import type { Intervals } from "../scenario.ts";
import { REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT } from "../../system/broker/index.ts";
import type { TopologyFacts } from "./context.ts";
import { masters } from "./context.ts";

/** A span of time; endMs null = it never ended (the fault never healed). */
export type TimeSpan = { startMs: number; endMs: number | null };

/** One bound, the mechanism it was derived from and the terms (intervals) it adds up. */
export type BoundDerivation = { name: string; valueMs: number; mechanism: string; terms: { name: string; ms: number }[] };

/** Latency fault avoidance as a producer is configured (RocketMQ's defaults if absent). */
export type LatencyFaultSetting = { latencyMaxMs: readonly number[]; notAvailableDurationMs: readonly number[] };

export const defaultLatencyMaxMs: readonly number[] = [50, 100, 550, 1000, 2000, 3000, 15000];
export const defaultNotAvailableDurationMs: readonly number[] = [0, 0, 30_000, 60_000, 120_000, 180_000, 600_000];
/** The latency a failed send is charged (MQFaultStrategy.updateFaultItem with isolation). */
export const isolationLatencyMs = 30_000;

/** MQFaultStrategy.computeNotAvailableDuration: the duration of the largest step reached. */
export function notAvailableDurationFor(setting: LatencyFaultSetting, latencyMs: number): number {
  for (let step = setting.latencyMaxMs.length - 1; step >= 0; step--) {
    if (latencyMs >= (setting.latencyMaxMs[step] ?? Infinity)) return setting.notAvailableDurationMs[step] ?? 0;
  }
  return 0;
}

export type FailoverBounds = {
  sendBaseMs: number;
  /** Base for one broker going unused (sendBaseMs, plus latency fault isolation when on). */
  sendBrokerBaseMs: number;
  sendRecoverMs: number;
  /** Spans (recovery included) in which no master could take any producer's sends. */
  sendBlocked: TimeSpan[];
  brokerRejoinMs: number;
  /** Per broker name: spans (recovery included) in which producers could not use it. */
  brokerBlocked: Record<string, TimeSpan[]>;
  consumeBaseMs: number;
  /** Spans (recovery included) of every fault that can stall consumption. */
  consumeBlocked: TimeSpan[];
  /**
   * consumeBlocked, plus for every fault on a consumer the span until a queue lock whose unlock
   * the fault lost has lapsed and been taken (header): what orderly groups' windows are judged by.
   */
  orderlyConsumeBlocked: TimeSpan[];
  /** How long after its holder's last lock a queue lock waits to be taken: lockMaxLiveTime + rebalanceMs. */
  lockLapseMs: number;
  /**
   * Read failover (header): per broker name, the spans in which its SYNC_MASTER was down (crash,
   * power loss, pause) while a slave held every message it acked with SEND_OK.
   */
  readFailover: Record<string, TimeSpan[]>;
  /** The time consumers take to switch their pulls to the slave of a silent master (a crashed one: less, no expiry). */
  readSwitchMs: number;
  /**
   * Per broker name: consumeBlocked, except that its own master-down faults in readFailover
   * block its messages only for readSwitchMs.
   */
  consumeBrokerBlocked: Record<string, TimeSpan[]>;
  reasons: string[];
  derivations: BoundDerivation[];
};

export const startupSlackMs = 10_000;
/** Windows are measured between operations, which themselves take time: a second of slack. */
export const measurementSlackMs = 1_000;
export const pullRetryDelayMs = 3_000;
/** The broker's queue lock lifetime after the holder's last lock (rocketmq.broker.rebalance.lockMaxLiveTime). */
const brokerLockMaxLiveMs = REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT;
const defaultQueuesPerBroker = 4;

export function deriveFailoverBounds(
  intervals: Intervals,
  faults: readonly ScheduledFault[],
  topology: TopologyFacts,
  options: { queuesPerBroker?: number; latencyFault?: LatencyFaultSetting; isolationSpans?: Record<string, TimeSpan[]>; roundRobinLockStep?: boolean } = {},
): FailoverBounds {
  const queuesPerBroker = options.queuesPerBroker ?? defaultQueuesPerBroker;
  const sendBaseMs = intervals.sendTimeoutMs * (queuesPerBroker + 1) + measurementSlackMs;
  const restartRecoverMs = startupSlackMs + intervals.brokerRegisterMs + intervals.routePollMs + intervals.sendTimeoutMs;
  const latency = options.latencyFault;
  const isolationMs = latency === undefined ? 0 : notAvailableDurationFor(latency, isolationLatencyMs);
  const slowSendIsolationMs = latency === undefined ? 0 : notAvailableDurationFor(latency, intervals.sendTimeoutMs);
  // The last failed attempt can come as late as the restart (startup + one timeout); the
  // broker is then skipped for isolationMs from it.
  const isolatedRecoverMs = startupSlackMs + intervals.sendTimeoutMs + isolationMs;
  const sendRecoverMs = restartRecoverMs;
  const brokerRejoinMs = Math.max(restartRecoverMs, latency === undefined ? 0 : isolatedRecoverMs);
  const measured = options.isolationSpans !== undefined;
  const sendBrokerBaseMs = sendBaseMs + (measured ? 0 : slowSendIsolationMs);
  const takeoverMs = intervals.clientExpiryMs + intervals.clientScanMs + intervals.clientHeartbeatMs + intervals.rebalanceMs;
  const consumeBaseMs = intervals.rebalanceMs + intervals.pullSuspendMs + pullRetryDelayMs + measurementSlackMs;
  const masterNames = masters(topology).map((broker) => broker.brokerName);
  const brokerBlocked: Record<string, TimeSpan[]> = {};
  const everyone: TimeSpan[] = [];
  const consumeBlocked: TimeSpan[] = [];
  const lockLapseBlocked: TimeSpan[] = [];
  const lockLapseMs = brokerLockMaxLiveMs + intervals.rebalanceMs;
  // A crashed master's connections close: the NameServer drops it at once, no expiry to wait.
  const readSwitchAfterCloseMs = intervals.routePollMs + 2 * intervals.pullSuspendMs + pullRetryDelayMs;
  const readSwitchMs = intervals.brokerExpiryMs + intervals.namesrvScanMs + readSwitchAfterCloseMs;
  const readFailover: Record<string, TimeSpan[]> = {};
  const consumeBrokerBlocked: Record<string, TimeSpan[]> = {};
  for (const scheduled of faults) {
    if (excusesNothing(scheduled.fault.kind)) continue;
    const span = spanOf(scheduled, sendRecoverMs);
    const hit = mastersHit(scheduled.fault, topology);
    // Lock-step (lockStepPossible): a master that lets sends time out holds every producer.
    if (hit === "all" || (options.roundRobinLockStep === true && hit.length > 0 && hangsSends(scheduled.fault))) everyone.push(span);
    else for (const name of hit) (brokerBlocked[name] ??= []).push(measured ? span : spanOf(scheduled, brokerRejoinMs));
    const consumeSpan = touchesConsumer(scheduled.fault)
      ? consumerSpan(scheduled, takeoverMs)
      : spanOf(scheduled, sendRecoverMs + pullRetryDelayMs);
    consumeBlocked.push(consumeSpan);
    if (touchesConsumer(scheduled.fault)) lockLapseBlocked.push(lockLapseSpan(scheduled, lockLapseMs));
    const served = slaveServedBroker(scheduled.fault, topology);
    for (const name of masterNames) {
      if (name !== served) {
        (consumeBrokerBlocked[name] ??= []).push(consumeSpan);
        continue;
      }
      (readFailover[name] ??= []).push(spanOf(scheduled, 0));
      const switchedMs = scheduled.atMs + (scheduled.fault.kind === "crash" ? readSwitchAfterCloseMs : readSwitchMs);
      (consumeBrokerBlocked[name] ??= []).push({ startMs: scheduled.atMs, endMs: consumeSpan.endMs === null ? switchedMs : Math.min(consumeSpan.endMs, switchedMs) });
    }
  }
  for (const name of Object.keys(consumeBrokerBlocked)) consumeBrokerBlocked[name] = union(consumeBrokerBlocked[name] ?? []);
  for (const name of masterNames) {
    brokerBlocked[name] = union([...(brokerBlocked[name] ?? []), ...everyone, ...(options.isolationSpans?.[name] ?? [])]);
  }
  const perMaster = masterNames.map((name) => brokerBlocked[name] ?? []);
  const sendBlocked = perMaster.length === 0 ? union(everyone)
    : perMaster.reduce((left, right) => intersect(left, right));
  const { sendTimeoutMs, brokerRegisterMs, routePollMs, rebalanceMs, pullSuspendMs, clientExpiryMs, clientScanMs, clientHeartbeatMs } = intervals;
  const derivations: BoundDerivation[] = [
    { name: "send base", valueMs: sendBaseMs, mechanism: "send timeout: consecutive picks of a dead broker's queues each time out",
      terms: [{ name: `sendTimeoutMs × (${queuesPerBroker} queues per broker + 1)`, ms: sendTimeoutMs * (queuesPerBroker + 1) }, { name: "measurement slack", ms: measurementSlackMs }] },
    { name: "send recovery", valueMs: sendRecoverMs, mechanism: "restart, then registration, then route poll, then one more timeout",
      terms: [{ name: "startup slack", ms: startupSlackMs }, { name: "brokerRegisterMs", ms: brokerRegisterMs }, { name: "routePollMs", ms: routePollMs }, { name: "sendTimeoutMs", ms: sendTimeoutMs }] },
    { name: "consume base", valueMs: consumeBaseMs, mechanism: "rebalance, then a long poll, then the pull retry delay",
      terms: [{ name: "rebalanceMs", ms: rebalanceMs }, { name: "pullSuspendMs", ms: pullSuspendMs }, { name: "pull retry delay", ms: pullRetryDelayMs }, { name: "measurement slack", ms: measurementSlackMs }] },
    { name: "read switch", valueMs: readSwitchMs, mechanism: "a SYNC_MASTER is down: the NameServer drops it (at once on a closed connection, else after expiry and a scan), consumers refresh the route, a pull held by the dead master times out, the retry goes to the slave",
      terms: [{ name: "brokerExpiryMs", ms: intervals.brokerExpiryMs }, { name: "namesrvScanMs", ms: intervals.namesrvScanMs }, { name: "routePollMs", ms: routePollMs }, { name: "consumer pull timeout (2 × pullSuspendMs)", ms: 2 * pullSuspendMs }, { name: "pull retry delay", ms: pullRetryDelayMs }] },
    { name: "consumer takeover", valueMs: takeoverMs, mechanism: "client expiry scan on the broker, then heartbeat and rebalance of the others",
      terms: [{ name: "clientExpiryMs", ms: clientExpiryMs }, { name: "clientScanMs", ms: clientScanMs }, { name: "clientHeartbeatMs", ms: clientHeartbeatMs }, { name: "rebalanceMs", ms: rebalanceMs }] },
    { name: "lock lapse", valueMs: lockLapseMs, mechanism: "an orderly queue whose unlock a consumer fault lost: the broker's lock lapses after the holder's last lock, then the new owner's rebalance takes it",
      terms: [{ name: "broker lockMaxLiveTime", ms: brokerLockMaxLiveMs }, { name: "rebalanceMs", ms: rebalanceMs }] },
  ];
  if (latency !== undefined) {
    derivations.push(measured
      ? { name: "broker rejoin", valueMs: restartRecoverMs, mechanism: "latency fault isolation measured from the history's send attempts (added per broker), after the restart recovery", terms: [{ name: "send recovery", ms: restartRecoverMs }] }
      : { name: "broker rejoin", valueMs: brokerRejoinMs, mechanism: "latency fault isolation: the last failed attempt (restart + one timeout) isolates the broker for notAvailableDuration(30 s latency)",
        terms: [{ name: "startup slack", ms: startupSlackMs }, { name: "sendTimeoutMs", ms: sendTimeoutMs }, { name: "notAvailableDuration(isolation)", ms: isolationMs }] });
    derivations.push({ name: "send-broker base", valueMs: sendBrokerBaseMs, mechanism: measured ? "send timeout (isolation measured separately)" : "send timeout, plus the isolation a slow send (latency up to sendTimeoutMs) causes",
      terms: [{ name: "send base", ms: sendBaseMs }, ...(measured ? [] : [{ name: `notAvailableDuration(${sendTimeoutMs} ms latency)`, ms: slowSendIsolationMs }])] });
  }
  const reasons = [
    `send base ${sendBaseMs} ms = sendTimeoutMs ${intervals.sendTimeoutMs} × (${queuesPerBroker} queues per broker + 1) + ${measurementSlackMs} ms measurement slack: consecutive picks of a dead broker's queues each time out`,
    `send recovery ${sendRecoverMs} ms = startup ${startupSlackMs} + brokerRegisterMs ${intervals.brokerRegisterMs} + routePollMs ${intervals.routePollMs} + sendTimeoutMs ${intervals.sendTimeoutMs}, added after every span in which no master could take sends`,
    `consume base ${consumeBaseMs} ms = rebalanceMs ${intervals.rebalanceMs} + pullSuspendMs ${intervals.pullSuspendMs} + pull retry ${pullRetryDelayMs} + ${measurementSlackMs} ms measurement slack`,
    `consumer takeover ${takeoverMs} ms = clientExpiryMs ${intervals.clientExpiryMs} + clientScanMs ${intervals.clientScanMs} + clientHeartbeatMs ${intervals.clientHeartbeatMs} + rebalanceMs ${intervals.rebalanceMs}`,
    `read switch ${readSwitchMs} ms = brokerExpiryMs ${intervals.brokerExpiryMs} + namesrvScanMs ${intervals.namesrvScanMs} + routePollMs ${intervals.routePollMs} + 2 × pullSuspendMs ${pullSuspendMs} + pull retry ${pullRetryDelayMs}: a SYNC_MASTER's slave serves its messages after that`,
    `lock lapse ${lockLapseMs} ms = broker lockMaxLiveTime ${brokerLockMaxLiveMs} + rebalanceMs ${rebalanceMs}, from the holder's last lock (orderly groups, a consumer fault lost its unlock): the queue stays locked that long`,
    ...derivations.slice(6).map((derivation) => `${derivation.name} ${derivation.valueMs} ms = ${derivation.terms.map((term) => `${term.name} ${term.ms}`).join(" + ")}: ${derivation.mechanism}`),
  ];
  if (options.roundRobinLockStep === true) {
    reasons.push("round-robin lock-step: two masters of one queue each and a producer without latency fault avoidance; a send that timed out on a hung master moved the queue index by 2, so the next starts on the hung master again: a hang on either master blocks every send until it heals");
  }
  return {
    sendBaseMs, sendBrokerBaseMs, sendRecoverMs, sendBlocked, brokerRejoinMs, brokerBlocked, consumeBaseMs, consumeBlocked: union(consumeBlocked),
    orderlyConsumeBlocked: union([...consumeBlocked, ...lockLapseBlocked]), lockLapseMs,
    readFailover, readSwitchMs, consumeBrokerBlocked, reasons, derivations,
  };
}

/**
 * Round-robin lock-step, a 4.9.x producer trait: without latency fault avoidance a send whose
 * first attempt timed out has already picked its retry queue (sendDefaultImpl selects, then finds
 * the time budget spent), so each such send moves the queue index by 2. With two masters of one
 * queue each, every send then starts on the hung master again: no send reaches the healthy one
 * until the hang ends (battery seed 2 run 503: a 5,000× slow disk on a SYNC_FLUSH master, the
 * other master idle for 11.8 s). With more queues the +2 walk leaves the hung master's block;
 * with one master nothing was reachable anyway. Needs a retry (retryTimesWhenSendFailed ≥ 1).
 */
export function lockStepPossible(masterCount: number, queuesPerBroker: number): boolean {
  return masterCount === 2 && queuesPerBroker === 1;
}

/** Faults after which a master's sends time out (a hang), rather than fail at once (a refused connect, a full disk's error). */
function hangsSends(fault: Fault): boolean {
  if (fault.kind === "crash" || fault.kind === "clean-restart" || fault.kind === "disk-full") return false;
  return fault.kind !== "disk-error" || fault.errors === "fsync" || fault.errors === "both";
}

/** Faults that take a master out while leaving its slave alone. */
const masterDownKinds = new Set<Fault["kind"]>(["crash", "power-loss", "pause"]);

/**
 * The broker name whose slave serves reads while this fault holds its master down: a crash,
 * power loss or pause of a SYNC_MASTER node that has a slave (every SEND_OK message is on the
 * slave). undefined otherwise (an ASYNC_MASTER's slave may lack the last acked messages).
 */
function slaveServedBroker(fault: Fault, topology: TopologyFacts): string | undefined {
  if (!masterDownKinds.has(fault.kind)) return undefined;
  const [node] = faultNodes(fault);
  const master = topology.brokers.find((broker) => broker.node === node && broker.role === "SYNC_MASTER");
  if (master === undefined) return undefined;
  return topology.brokers.some((broker) => broker.brokerName === master.brokerName && broker.role === "SLAVE") ? master.brokerName : undefined;
}

/** base + the length of every blocked span that overlaps [startMs, endMs]; null if one never ended. */
export function boundFor(baseMs: number, blocked: readonly TimeSpan[], startMs: number, endMs: number): number | null {
  let boundMs = baseMs;
  for (const span of blocked) {
    if (span.startMs > endMs || (span.endMs !== null && span.endMs < startMs)) continue;
    if (span.endMs === null) return null;
    boundMs += span.endMs - span.startMs;
  }
  return boundMs;
}

/** When a fault stops acting: its heal, or its injection for an instant fault (a reset). */
function effectiveHealMs(scheduled: ScheduledFault): number | undefined {
  return isInstantFault(scheduled.fault) ? scheduled.atMs : scheduled.healAtMs;
}

function spanOf(scheduled: ScheduledFault, recoverMs: number): TimeSpan {
  const healMs = effectiveHealMs(scheduled);
  return { startMs: scheduled.atMs, endMs: healMs === undefined ? null : healMs + recoverMs };
}

function consumerSpan(scheduled: ScheduledFault, takeoverMs: number): TimeSpan {
  const healMs = effectiveHealMs(scheduled) ?? Infinity;
  return { startMs: scheduled.atMs, endMs: Math.min(healMs, scheduled.atMs + takeoverMs) + pullRetryDelayMs };
}

const isConsumer = (name: string): boolean => name.startsWith("consumer");

/**
 * Orderly groups (header): from the fault until a lock whose unlock it lost has lapsed and been
 * taken. The holder's last lock reached the broker before the heal; before the injection when
 * the holder died or was isolated (nothing it sends gets through). Unbounded when neither
 * bounds it (a fault that never heals and lets the holder's locks through).
 */
function lockLapseSpan(scheduled: ScheduledFault, lockLapseMs: number): TimeSpan {
  const { fault } = scheduled;
  const silenced = fault.kind === "crash" || fault.kind === "power-loss" || (fault.kind === "partition" && fault.shape === "isolate" && fault.target !== undefined && isConsumer(fault.target));
  const lastLockMs = silenced ? scheduled.atMs : effectiveHealMs(scheduled);
  return { startMs: scheduled.atMs, endMs: lastLockMs === undefined ? null : lastLockMs + lockLapseMs };
}

const isProducer = (name: string): boolean => name.startsWith("producer");

/** Which masters (by broker name) a fault keeps producers from, or "all". */
function mastersHit(fault: Fault, topology: TopologyFacts): "all" | string[] {
  // Existing producers keep their cached routes while every NameServer is down.
  if (fault.kind === "namesrv-all-down" || fault.kind === "clock-skew") return [];
  if (fault.kind === "heartbeat-loss" && fault.scope === "client-to-broker") return [];
  // Only "isolate" singles its target out; a bridge (like halves and rings) splits every other
  // node into halves, so producers can lose every master whatever the named bridge node is
  // (seed 1 swarm run 279: a bridge on namesrv-1 cut both producers off both brokers for 4 s).
  if (fault.kind === "partition" && (fault.target === undefined || fault.shape !== "isolate")) return "all";
  const names = faultNodes(fault);
  if (names.some(isProducer)) return "all";
  const hit = new Set<string>();
  for (const broker of topology.brokers) {
    if (!names.includes(broker.node)) continue;
    // A slave fault stalls a SYNC_MASTER's acks past the producer's timeout.
    const master = topology.brokers.find((other) => other.brokerName === broker.brokerName && other.role !== "SLAVE");
    if (broker.role !== "SLAVE" || master?.role === "SYNC_MASTER") hit.add(broker.brokerName);
  }
  return [...hit];
}

function touchesConsumer(fault: Fault): boolean {
  if (fault.kind === "heartbeat-loss") return fault.scope === "client-to-broker" && !isProducer(fault.source);
  return faultNodes(fault).some(isConsumer);
}

/** Sorted, merged union of spans. */
export function union(spans: readonly TimeSpan[]): TimeSpan[] {
  const sorted = [...spans].sort((left, right) => left.startMs - right.startMs);
  const merged: TimeSpan[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && (last.endMs === null || span.startMs <= last.endMs)) {
      last.endMs = last.endMs === null || span.endMs === null ? null : Math.max(last.endMs, span.endMs);
    } else {
      merged.push({ ...span });
    }
  }
  return merged;
}

/** Intersection of two sorted, merged span lists. */
export function intersect(left: readonly TimeSpan[], right: readonly TimeSpan[]): TimeSpan[] {
  const result: TimeSpan[] = [];
  for (const a of left) {
    for (const b of right) {
      const startMs = Math.max(a.startMs, b.startMs);
      const endA = a.endMs ?? Infinity;
      const endB = b.endMs ?? Infinity;
      const end = Math.min(endA, endB);
      if (startMs <= end) result.push({ startMs, endMs: Number.isFinite(end) ? end : null });
    }
  }
  return union(result);
}
