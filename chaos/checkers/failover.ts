// Failover: unavailability windows, each judged against a bound (bounds.ts or expectations).
// - send (per topic, cluster-wide): a window opens at the invoke of a send that did not
//   succeed (fail, unknown, or never completed) when no window is open, and closes at the next
//   successful outcome of any send of the topic. Never closed: it ends at the topic's last
//   send event and is marked unrecovered.
// - send-broker (per master, unordered sends only, 2+ masters): producers round-robin over all
//   queues, so each producer picks every broker within one rotation. When more than
//   producers × queues successful picks (a batch is one pick) land elsewhere while a broker gets
//   none, the broker was unavailable from its previous successful send to its next one. Ordered sends pick the
//   key's queue, not the rotation, so they are left out. A pick the broker answered by refusing
//   the message itself (MESSAGE_ILLEGAL: a batch over maxMessageSize) counts as a pick of a
//   broker that was there (battery seed 9 run 104: every other batch of a harsh-segmentation
//   run was refused by broker-b for its size, and its size alone). Such a send opens no send
//   window either: the broker judged the message, and will judge it the same on any broker.
// - consume (per receiver, receivers.ts): an expected, acked message is pending from its ack
//   (a delayed message: from when it is due) until the broker first hands it to the receiver,
//   whatever the listener answered: a failed consumption's redelivery waits out the retry
//   delay on purpose, and the retry checker judges that. A window is a stretch in which
//   something was pending and no pending message got delivered. Lost messages (never
//   delivered successfully) are the delivery checker's and are left out, so every window closes.
// - consume-broker (per receiver and broker name, read failover, bounds.ts): the consume window
//   restricted to the messages stored on one broker name, judged only where it overlaps a span
//   in which that broker's SYNC_MASTER was down and its slave could serve the reads. Another
//   broker's deliveries close a receiver's consume window, so a broker whose messages nobody
//   reads while its master is down shows only here. Counted: SEND_OK, undelayed messages of
//   concurrent (not orderly) groups that are not transactional.
// - Orderly groups' consume windows are judged by orderlyConsumeBlocked (bounds.ts): a queue
//   lock whose unlock a consumer fault lost keeps the queue from its new owner until it lapses.
//   They also get a handover span from every rebalance that took a queue from one of the
//   group's consumers, with or without a fault: 4.x unlocks such a queue 20 s later when
//   messages were still cached (RebalancePushImpl.unlockDelay), and the new owner locks it at
//   its next rebalance (rebalanceMs). Seed 1 swarm run 307 (no fault, one queue, three
//   consumers): consumer-2 gave the queue up at 2.2 s, unlocked it at 22.2 s, and consumer-1
//   locked it at its rebalance at 26.0 s.
import type { HistoryEvent, SendAttemptEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { FailoverBounds, LatencyFaultSetting, TimeSpan } from "./bounds.ts";
import { boundFor, defaultLatencyMaxMs, defaultNotAvailableDurationMs, deriveFailoverBounds, isolationLatencyMs, lockStepPossible, notAvailableDurationFor, union } from "./bounds.ts";
import type { CheckContext } from "./context.ts";
import { brokerOfQueue, masters, queuesPerBroker } from "./context.ts";
import type { CappedList } from "./evidence.ts";
import { formatMs, idsMax, plural } from "./evidence.ts";
import type { HistoryIndex, SendRecord } from "./history_index.ts";
import { indexHistory, receivedBy } from "./history_index.ts";
import { delayLevelsMs, delayOfLevel } from "./delay.ts";
import { expects, receiversOf, type Receiver } from "./receivers.ts";
import { ORDERLY_UNLOCK_DELAY_MS } from "../../system/client/index.ts";
import { ResponseCode } from "../../system/remoting/index.ts";

export type WindowKind = "send" | "send-broker" | "consume" | "consume-broker";

export type UnavailabilityWindow = {
  kind: WindowKind;
  /** The topic, the broker name or the receiver. */
  scope: string;
  startMs: number;
  endMs: number;
  durationMs: number;
  /** null: unbounded (a fault in it never healed). */
  boundMs: number | null;
  exceeded: boolean;
  recovered: boolean;
};

export type FailoverEvidence = {
  windows: CappedList<UnavailabilityWindow>;
  exceeded: number;
  longestSendMs: number;
  longestConsumeMs: number;
  bounds: FailoverBounds;
  overrides: { maxSendUnavailableMs?: number; maxConsumeUnavailableMs?: number };
};

type RawWindow = Omit<UnavailabilityWindow, "boundMs" | "exceeded" | "durationMs">;

export function checkFailover(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const topics = [...new Set(index.sends.map((send) => send.topic))].sort();
  const queueCounts = topics.map((topic) => queuesPerBroker(context.workload, topic)).filter((count) => count > 0);
  const latencyFault = latencyFaultSetting(context);
  const isolationSpans = latencyFault !== undefined && index.attempts.length > 0 ? measuredIsolation(index, latencyFault) : undefined;
  const lockStep = queueCounts.some((count) => lockStepPossible(masters(context.topology).length, count)) &&
    context.workload.producers.some((producer) => producer.latencyFaultAvoidance !== true && (producer.retryTimesWhenSendFailed ?? 2) >= 1);
  const bounds = deriveFailoverBounds(context.intervals, context.faults, context.topology, {
    ...(lockStep ? { roundRobinLockStep: true } : {}),
    ...(queueCounts.length > 0 ? { queuesPerBroker: Math.max(...queueCounts) } : {}),
    ...(latencyFault === undefined ? {} : { latencyFault }),
    ...(isolationSpans === undefined ? {} : { isolationSpans }),
  });
  const { maxSendUnavailableMs, maxConsumeUnavailableMs } = context.expectations;
  const windows: UnavailabilityWindow[] = [];
  const judge = (raw: RawWindow, boundMs: number | null): void => {
    const durationMs = raw.endMs - raw.startMs;
    windows.push({ ...raw, durationMs, boundMs, exceeded: boundMs !== null && durationMs > boundMs });
  };
  for (const topic of topics) {
    const sends = index.sends.filter((send) => send.topic === topic);
    const refusals = messageRefusals(index.attempts, sends);
    for (const raw of sendWindows(topic, sends.filter((send) => !refusals.failed.has(send)))) {
      judge(raw, maxSendUnavailableMs ?? boundFor(bounds.sendBaseMs, bounds.sendBlocked, raw.startMs, raw.endMs));
    }
    const brokers = masters(context.topology).map((broker) => broker.brokerName);
    for (const raw of brokerWindows(sends, refusals.picks, brokers, queuesPerBroker(context.workload, topic))) {
      judge(raw, boundFor(bounds.sendBrokerBaseMs, bounds.brokerBlocked[raw.scope] ?? [], raw.startMs, raw.endMs));
    }
  }
  const lockHolding = lockHoldingGroups(index, context);
  const handovers = handoverSpans(index, lockHolding, context.intervals.rebalanceMs);
  const orderlyBlocked = new Map([...handovers].map(([group, spans]) => [group, union([...bounds.orderlyConsumeBlocked, ...spans])]));
  for (const raw of consumeWindows(index, context)) {
    const blocked = lockHolding.has(raw.group) ? orderlyBlocked.get(raw.group) ?? bounds.orderlyConsumeBlocked : bounds.consumeBlocked;
    judge(raw.window, maxConsumeUnavailableMs ?? boundFor(bounds.consumeBaseMs, blocked, raw.window.startMs, raw.window.endMs));
  }
  for (const { raw, brokerName } of readFailoverWindows(index, context, bounds.readFailover)) {
    judge(raw, maxConsumeUnavailableMs ?? boundFor(bounds.consumeBaseMs, bounds.consumeBrokerBlocked[brokerName] ?? [], raw.startMs, raw.endMs));
  }
  const exceeded = windows.filter((window) => window.exceeded);
  const shown = keepWorst(windows, idsMax(context));
  const longest = (kinds: WindowKind[]): number =>
    windows.reduce((max, window) => kinds.includes(window.kind) ? Math.max(max, window.durationMs) : max, 0);
  const overrides: FailoverEvidence["overrides"] = {};
  if (maxSendUnavailableMs !== undefined) overrides.maxSendUnavailableMs = maxSendUnavailableMs;
  if (maxConsumeUnavailableMs !== undefined) overrides.maxConsumeUnavailableMs = maxConsumeUnavailableMs;
  const evidence: FailoverEvidence = {
    windows: shown, exceeded: exceeded.length,
    longestSendMs: longest(["send", "send-broker"]), longestConsumeMs: longest(["consume"]), bounds, overrides,
  };
  return { name: "failover", verdict: exceeded.length > 0 ? "fail" : "pass", summary: failoverSummary(evidence, exceeded), evidence };
}

/**
 * The latency fault setting when some producer enables it (the first such producer's tables;
 * the lab's producers of one run share them). undefined: no producer avoids brokers.
 */
export function latencyFaultSetting(context: CheckContext): LatencyFaultSetting | undefined {
  const spec = context.workload.producers.find((producer) => producer.latencyFaultAvoidance === true);
  if (spec === undefined) return undefined;
  return { latencyMaxMs: defaultLatencyMaxMs, notAvailableDurationMs: spec.notAvailableDurationMs ?? defaultNotAvailableDurationMs };
}

/** Per broker: the spans in which some producer's fault table marked it not available. */
function measuredIsolation(index: HistoryIndex, setting: LatencyFaultSetting): Record<string, TimeSpan[]> {
  const spans: Record<string, TimeSpan[]> = {};
  for (const attempt of index.attempts) {
    const durationMs = notAvailableDurationFor(setting, attempt.outcome === "error" ? isolationLatencyMs : attempt.latencyMs);
    if (durationMs > 0) (spans[attempt.broker] ??= []).push({ startMs: attempt.timeMs, endMs: attempt.timeMs + durationMs });
  }
  for (const broker of Object.keys(spans)) spans[broker] = union(spans[broker] ?? []);
  return spans;
}

/** Every exceeded window, then the longest others, up to `max`; shown in time order. */
function keepWorst(windows: readonly UnavailabilityWindow[], max: number): CappedList<UnavailabilityWindow> {
  let kept = windows;
  if (windows.length > max) {
    // A typed sort of the durations finds the cut without sorting the window objects.
    const durations = Float64Array.from(windows, (window) => window.durationMs).sort();
    const cutMs = durations[durations.length - max] ?? 0;
    const longer = windows.filter((window) => window.exceeded || window.durationMs > cutMs);
    const atCut = windows.filter((window) => !window.exceeded && window.durationMs === cutMs);
    kept = [...longer, ...atCut.slice(0, Math.max(0, max - longer.length))];
  }
  const items = kept.slice(0, Math.max(max, kept.filter((window) => window.exceeded).length));
  items.sort((left, right) => left.startMs - right.startMs || left.kind.localeCompare(right.kind));
  return { count: windows.length, items, truncated: items.length < windows.length };
}

function sendWindows(topic: string, sends: readonly SendRecord[]): RawWindow[] {
  const okTimes: number[] = [];
  const badTimes: number[] = [];
  let lastMs = -Infinity;
  for (const send of sends) {
    if (send.outcome === "ok") okTimes.push(send.outcomeMs ?? send.invokeMs);
    else badTimes.push(send.invokeMs);
    lastMs = Math.max(lastMs, send.outcomeMs ?? send.invokeMs);
  }
  const oks = Float64Array.from(okTimes).sort();
  const bads = Float64Array.from(badTimes).sort();
  const windows: RawWindow[] = [];
  let okIndex = 0;
  let badIndex = 0;
  while (badIndex < bads.length) {
    const openMs = bads[badIndex] ?? 0;
    // An ok at the very moment a failing send is invoked came first: it cannot close it.
    while (okIndex < oks.length && (oks[okIndex] ?? 0) <= openMs) okIndex++;
    const closeMs = oks[okIndex];
    if (closeMs === undefined) {
      windows.push({ kind: "send", scope: topic, startMs: openMs, endMs: lastMs, recovered: false });
      break;
    }
    windows.push({ kind: "send", scope: topic, startMs: openMs, endMs: closeMs, recovered: true });
    while (badIndex < bads.length && (bads[badIndex] ?? 0) < closeMs) badIndex++;
  }
  return windows;
}

/** A pick of the rotation that reached a broker: when it was answered, where, and its batch. */
type Pick = { atMs: number; broker: string; batchId?: string };

/** Message-caused refusals: the broker judged the message, so it was up and taking sends. */
const MESSAGE_REFUSAL_CODES: ReadonlySet<number> = new Set([ResponseCode.MESSAGE_ILLEGAL]);

/**
 * The message refusals among these sends' attempts: each refusal's pick (unordered sends only)
 * and every send it failed (a batch's messages share their first message's attempts).
 */
function messageRefusals(attempts: readonly SendAttemptEvent[], sends: readonly SendRecord[]): { picks: Pick[]; failed: Set<SendRecord> } {
  const opKey = (process: string, opId: number): string => `${process}\u0000${String(opId)}`;
  const byOp = new Map<string, SendRecord>();
  const batchMembers = new Map<string, SendRecord[]>();
  for (const send of sends) {
    byOp.set(opKey(send.process, send.opId), send);
    if (send.batchId !== undefined) batchMembers.set(send.batchId, [...(batchMembers.get(send.batchId) ?? []), send]);
  }
  const picks: Pick[] = [];
  const failed = new Set<SendRecord>();
  for (const attempt of attempts) {
    if (attempt.responseCode === undefined || !MESSAGE_REFUSAL_CODES.has(attempt.responseCode) || attempt.opId === undefined) continue;
    const send = byOp.get(opKey(attempt.process, attempt.opId));
    if (send === undefined) continue;
    if (send.orderKey === undefined) picks.push({ atMs: attempt.timeMs, broker: attempt.broker });
    const members = send.batchId === undefined ? [send] : batchMembers.get(send.batchId) ?? [send];
    for (const member of members) if (member.outcome === "fail") failed.add(member);
  }
  return { picks, failed };
}

function brokerWindows(sends: readonly SendRecord[], refused: readonly Pick[], brokers: readonly string[], queueCount: number): RawWindow[] {
  const acked = sends.filter((send) => send.outcome === "ok" && send.orderKey === undefined && send.queue !== undefined);
  if (brokers.length < 2 || acked.length + refused.length === 0) return [];
  const picks: Pick[] = acked.map((send) => ({
    atMs: send.outcomeMs ?? send.invokeMs, broker: brokerOfQueue(send.queue ?? ""), ...(send.batchId === undefined ? {} : { batchId: send.batchId }),
  }));
  picks.push(...refused);
  picks.sort((left, right) => left.atMs - right.atMs);
  const producers = new Set(acked.map((send) => send.process)).size;
  const totalQueues = queueCount > 0 ? queueCount * brokers.length : new Set(acked.map((send) => send.queue)).size;
  const threshold = Math.max(2, producers * totalQueues + 1);
  const firstMs = sends.reduce((min, send) => Math.min(min, send.invokeMs), Infinity);
  const lastOkMs = new Map(brokers.map((broker) => [broker, firstMs]));
  const elsewhere = new Map(brokers.map((broker) => [broker, 0]));
  const windows: RawWindow[] = [];
  // A batch is one pick of the rotation however many messages it holds: its messages count once
  // (battery seed 4 run 1028: one SYSTEM_BUSY answer made two 4-message batches elsewhere look
  // like two whole rotations without the broker).
  const counted = new Set<string>();
  for (const pick of picks) {
    const okMs = pick.atMs;
    const target = pick.broker;
    if (pick.batchId !== undefined) {
      if (counted.has(pick.batchId)) continue;
      counted.add(pick.batchId);
    }
    for (const broker of brokers) {
      if (broker !== target) {
        elsewhere.set(broker, (elsewhere.get(broker) ?? 0) + 1);
        continue;
      }
      if ((elsewhere.get(broker) ?? 0) >= threshold) {
        windows.push({ kind: "send-broker", scope: broker, startMs: lastOkMs.get(broker) ?? firstMs, endMs: okMs, recovered: true });
      }
      lastOkMs.set(broker, okMs);
      elsewhere.set(broker, 0);
    }
  }
  const endMs = picks[picks.length - 1]?.atMs ?? firstMs;
  for (const broker of brokers) {
    if ((elsewhere.get(broker) ?? 0) < threshold) continue;
    windows.push({ kind: "send-broker", scope: broker, startMs: lastOkMs.get(broker) ?? firstMs, endMs, recovered: false });
  }
  return windows;
}

/** When each message was first handed to the receiver, whatever its listener answered. */
function firstDeliveryMs(index: HistoryIndex, receiver: Receiver): Map<string, number> {
  const first = new Map<string, number>();
  for (const delivery of index.deliveries) {
    if (delivery.group !== receiver.group || (receiver.process !== undefined && delivery.process !== receiver.process)) continue;
    const seenMs = first.get(delivery.messageId);
    if (seenMs === undefined || delivery.timeMs < seenMs) first.set(delivery.messageId, delivery.timeMs);
  }
  return first;
}

/** Orderly groups: consumed under broker queue locks (by their spec, or seen holding one). */
function lockHoldingGroups(index: HistoryIndex, context: CheckContext): Set<string> {
  const groups = new Set(context.workload.consumers.filter((spec) => spec.orderly === true).map((spec) => spec.group));
  for (const delivery of index.deliveries) if (delivery.lockHeld !== undefined) groups.add(delivery.group);
  return groups;
}

/**
 * Per orderly group: a span from each rebalance snapshot in which one of its consumers no longer
 * holds a queue it held, lasting the delayed unlock plus the new owner's next rebalance (header).
 */
export function handoverSpans(index: HistoryIndex, groups: ReadonlySet<string>, rebalanceMs: number): Map<string, TimeSpan[]> {
  const held = new Map<string, ReadonlySet<string>>();
  const spans = new Map<string, TimeSpan[]>();
  for (const event of index.rebalances) {
    if (!groups.has(event.group)) continue;
    const key = `${event.process}\u0000${event.group}\u0000${event.topic}`;
    const before = held.get(key);
    const now = new Set(event.queues);
    held.set(key, now);
    if (before === undefined || [...before].every((queue) => now.has(queue))) continue;
    const list = spans.get(event.group) ?? [];
    list.push({ startMs: event.timeMs, endMs: event.timeMs + ORDERLY_UNLOCK_DELAY_MS + rebalanceMs });
    spans.set(event.group, list);
  }
  return spans;
}

function consumeWindows(index: HistoryIndex, context: CheckContext): { window: RawWindow; group: string }[] {
  const windows: { window: RawWindow; group: string }[] = [];
  const levels = delayLevelsMs(context);
  for (const receiver of receiversOf(index, context)) {
    const received = receivedBy(index, receiver.group, receiver.process);
    const firstHanded = firstDeliveryMs(index, receiver);
    const pairs: { ackMs: number; deliveredMs: number }[] = [];
    for (const send of index.messages) {
      if (!expects(receiver, send) || !received.has(send.messageId)) continue;
      const deliveredMs = firstHanded.get(send.messageId);
      const dueMs = send.delayLevel === undefined || send.delayLevel <= 0 ? 0 : send.invokeMs + delayOfLevel(levels, send.delayLevel);
      const ackMs = Math.max(send.outcomeMs ?? send.invokeMs, dueMs);
      if (deliveredMs === undefined || deliveredMs <= ackMs) continue;
      pairs.push({ ackMs, deliveredMs });
    }
    for (const window of pendingWindows(pairs)) windows.push({ window: { kind: "consume", scope: receiver.key, ...window, recovered: true }, group: receiver.group });
  }
  return windows;
}

/**
 * consume-broker windows (header): per receiver of a concurrent group and broker name with a
 * read failover span, the stretches in which one of the broker's messages was pending and none
 * was handed out; only those overlapping a read failover span are returned.
 */
function readFailoverWindows(index: HistoryIndex, context: CheckContext, readFailover: Record<string, TimeSpan[]>): { raw: RawWindow; brokerName: string }[] {
  const result: { raw: RawWindow; brokerName: string }[] = [];
  const brokerNames = Object.keys(readFailover).sort();
  if (brokerNames.length === 0) return result;
  const lockHolding = lockHoldingGroups(index, context);
  const transactional = new Set(index.events.flatMap((event) => event.type === "transaction" ? [event.messageId] : []));
  for (const receiver of receiversOf(index, context)) {
    if (lockHolding.has(receiver.group)) continue;
    const received = receivedBy(index, receiver.group, receiver.process);
    const firstHanded = firstDeliveryMs(index, receiver);
    for (const brokerName of brokerNames) {
      const spans = readFailover[brokerName] ?? [];
      const pairs: { ackMs: number; deliveredMs: number }[] = [];
      for (const send of index.messages) {
        if (send.queue === undefined || brokerOfQueue(send.queue) !== brokerName || send.sendStatus !== "SEND_OK") continue;
        if ((send.delayLevel ?? 0) > 0 || transactional.has(send.messageId)) continue;
        if (!expects(receiver, send) || !received.has(send.messageId)) continue;
        const deliveredMs = firstHanded.get(send.messageId);
        const ackMs = send.outcomeMs ?? send.invokeMs;
        if (deliveredMs !== undefined && deliveredMs > ackMs) pairs.push({ ackMs, deliveredMs });
      }
      for (const window of pendingWindows(pairs)) {
        if (!spans.some((span) => span.startMs <= window.endMs && (span.endMs === null || span.endMs >= window.startMs))) continue;
        result.push({ raw: { kind: "consume-broker", scope: `${receiver.key}@${brokerName}`, ...window, recovered: true }, brokerName });
      }
    }
  }
  return result;
}

/** Stretches in which some message was acked and not yet handed out and none was handed out. */
function pendingWindows(pairs: readonly { ackMs: number; deliveredMs: number }[]): { startMs: number; endMs: number }[] {
  const acks = Float64Array.from(pairs, (pair) => pair.ackMs).sort();
  const deliveries = Float64Array.from(pairs, (pair) => pair.deliveredMs).sort();
  const windows: { startMs: number; endMs: number }[] = [];
  // Merge the two sorted streams; at equal times the delivery goes first. Every delivery
  // has its ack strictly earlier, so `pending` is at least 1 whenever a delivery comes.
  let pending = 0;
  let startMs = 0;
  let ackIndex = 0;
  for (const deliveredMs of deliveries) {
    while (ackIndex < acks.length && (acks[ackIndex] ?? 0) < deliveredMs) {
      if (pending++ === 0) startMs = acks[ackIndex] ?? 0;
      ackIndex++;
    }
    windows.push({ startMs, endMs: deliveredMs });
    pending--;
    startMs = deliveredMs;
  }
  return windows;
}

function failoverSummary(evidence: FailoverEvidence, exceeded: readonly UnavailabilityWindow[]): string {
  const worst = [...exceeded].sort((left, right) => right.durationMs - left.durationMs)[0];
  if (worst !== undefined) {
    return `${plural(exceeded.length, "unavailability window")} over bound; worst: ${worst.kind} ${worst.scope} ` +
      `${formatMs(worst.durationMs)} from ${formatMs(worst.startMs)} (bound ${formatMs(worst.boundMs)}).`;
  }
  return `Longest send unavailability ${formatMs(evidence.longestSendMs)}, longest consume stall ` +
    `${formatMs(evidence.longestConsumeMs)}: every window within its bound.`;
}
