// Calm wake: the latency checker's opinion. A push consumer that keeps up with a queue always
// has a pull held on it at the broker (PullRequestHoldService), and the store's arrival listener
// wakes that pull the moment a message lands (notifyMessageArriving), so the message is handed
// to a listener within a network round trip. With long polling off the broker answers a held
// pull after shortPollingTimeMills and the message waits at most that long. A wake that waits
// for the next message into the queue, for the periodic re-check or for the pull's suspend
// timeout is a bug in the hold/notify path that no count of deliveries shows: everything still
// arrives, only late.
//
// A message is judged only where its wake is the whole story, which is deliberately narrow:
// - it was acked SEND_OK-like (outcome ok with its queue and offset), not delayed, and its first
//   delivery to the group came from that same queue position (transaction and retry copies
//   live elsewhere, so they drop out here);
// - the group was keeping up: an earlier message of the same queue was delivered to the same
//   process, and every earlier delivery from that queue (every attempt, for orderly groups,
//   whose retries stay in the queue) had finished before this message was sent, so nothing
//   queued ahead of it in the process queue or the orderly queue's lock;
// - nothing moved in between: from that last earlier delivery to the ack plus the bound, no
//   fault or node window (any node), no rebalance window and no membership change of the group,
//   and no snapshot of the group that took the message's queue from, or gave it to, any member
//   (a member's view of the group can flap between brokers' consumer tables: seen, a member
//   dropped two orderly queues for 2 s, the message waiting unheld, with nobody leaving).
//   Fault and node windows reach past their heal by the time a healed fault still acts: a
//   broker expires a client the fault kept silent at its next scan if the client's heartbeat
//   has not landed yet (clientHeartbeatMs + clientScanMs), the NameServer likewise a broker
//   (brokerRegisterMs + namesrvScanMs). Seen: a clock skew's heal jumped a broker's clock 97 s
//   forward, its next client scan expired the consumer and closed its pulls 5 ms after the heal;
// - and the process it went to did not go down (or meet any fault aimed at it) while a listener
//   handed the message in time could still have been running: a DeliverEvent is written when the
//   listener returns, so a crash mid-call leaves the first hand-over unrecorded, and the next one
//   (after the restart) looks like a late wake (battery seed 20 run 1112: a 4 s slow listener
//   started 1 ms after the ack, the consumer crashed 2.4 s later, the message came again at
//   21 s). The workload's listener call (one batch) takes processingMs, plus slowMs when the
//   group has slow messages and one is in the batch;
// - a late one is excused when its process's consume pool was full at some point between the
//   ack and the listener's start (consumeThreadMax concurrent listener calls, a batch being
//   one): the pull woke in time and the message waited for a thread (seen: a burst into a
//   group whose batches hold 4 s slow messages stalled every queue of its one consumer 3.7 s);
// - or when the queue's pull failed between its last delivery and the hand-over (PullErrorEvent):
//   the next pull waited pullTimeDelayMillsWhenException (seen: a master told a lagging consumer
//   to read from its slave, which had not synced the auto-created topic yet: TOPIC_NOT_EXIST),
//   or failed earlier with its retry still pending at the ack, when the hand-over came within
//   the bound of that retry (an orderly queue pulls on while its last message is consumed);
// - or, in an orderly group, when another member gave the queue up (a snapshot dropped it) less
//   than the unlock delay (20 s) + rebalanceMs before the ack, and the hand-over came within the
//   bound after that: 4.9.x delays the leaver's unlock while its process queue holds messages, and
//   the holder, whose lock renewal fails until then, locks again at its next rebalance;
// - or when a large body (largeBodyBytes or more as sent) was on its way from the same broker to
//   the same process meanwhile — the message itself, or one handed over from a second before its
//   ack until it: the slack covers round trips, not bandwidth (seen: a 256 KiB message over
//   harshly segmented streams, 512-byte pieces, took 308 ms to reach its consumer).
// The bound is measured from the ack (the message is stored before it) to the listener's start
// (DeliverEvent.startMs, so processing time does not count): slack for round trips, plus
// shortPollingTimeMills when long polling is off. Virtual time (the simulator) gets 250 ms of
// slack: a correct wake there measured 0-2 ms, and a wake that waited for the next message into
// a queue fed every few hundred ms went unseen at 1 s. Wall-clock runs on real processes get
// 5 s, room for a loaded machine's scheduling and GC pauses, so they judge gross failures only
// (a wake that waits for the suspend timeout).
import type { DeliverEvent, PullErrorEvent } from "../history/types.ts";
import { brokerOfQueue, type CheckContext } from "./context.ts";
import { faultWindows, rebalanceWindows, type Window } from "./fault_windows.ts";
import type { HistoryIndex, SendRecord } from "./history_index.ts";
import { queueDropsOf, type QueueDrop } from "./queue_drops.ts";
import { CONSUME_THREAD_MAX_DEFAULT, ORDERLY_UNLOCK_DELAY_MS } from "../../system/client/index.ts";

export const calmWakeSlackMs = { virtual: 250, wall: 5_000 } as const;
/** A body this large may take longer than the slack to cross a harshly segmented stream. */
export const largeBodyBytes = 16 * 1024;
/** How long before a late message's ack a large body's hand-over may still have been ahead of it. */
const largeTransferLeadMs = 1_000;
const shortPollingTimeMillsDefault = 1_000;

export interface LateWake {
  messageId: string;
  group: string;
  process: string;
  queue: string;
  queueOffset: number;
  ackMs: number;
  /** When the listener started on it. */
  handedMs: number;
  wakeMs: number;
  /** When the last earlier delivery from that queue finished (the queue was idle since). */
  idleSinceMs: number;
}

export interface CalmWakeEvidence {
  boundMs: number;
  /** How the bound was derived. */
  derivation: string;
  /** Messages whose wake was judged. */
  judged: number;
  /** Late ones whose consumer had every consume thread busy meanwhile (not counted late). */
  excusedByFullPool: number;
  /** Late ones whose queue's pull failed meanwhile (not counted late). */
  excusedByPullError: number;
  /** Late ones a large body was in flight with, on the same connection (not counted late). */
  excusedByLargeTransfer: number;
  /** Late orderly ones whose queue another member had given up, its unlock delayed (not counted late). */
  excusedByDelayedUnlock: number;
  /** The longest wake judged (excused ones left out). */
  worstMs: number | null;
  /** Late wakes, the latest first (capped by the caller). */
  late: LateWake[];
}

interface Attempt {
  offset: number;
  delivery: DeliverEvent;
}

export function calmWake(index: HistoryIndex, context: CheckContext): CalmWakeEvidence {
  const { boundMs, derivation } = wakeBound(context);
  const { intervals } = context;
  const aftermathMs = Math.max(intervals.clientHeartbeatMs + intervals.clientScanMs, intervals.brokerRegisterMs + intervals.namesrvScanMs);
  const faults = faultWindows(index, context).map((window) => ({ ...window, endMs: window.endMs === null ? null : window.endMs + aftermathMs }));
  // A queue a member dropped and took back is judged per queue (assignmentChanges), not group-wide.
  const rebalances = rebalanceWindows(index, context.intervals.rebalanceMs, { retakes: false });
  const evidence: CalmWakeEvidence = { boundMs, derivation, judged: 0, excusedByFullPool: 0, excusedByPullError: 0, excusedByLargeTransfer: 0, excusedByDelayedUnlock: 0, worstMs: null, late: [] };
  const seen = new Set<string>();
  for (const spec of context.workload.consumers) {
    if (seen.has(spec.group)) continue;
    seen.add(spec.group);
    const broadcasting = spec.model === "BROADCASTING";
    const quiet = [...faults, ...(rebalances.get(spec.group) ?? [])];
    const membershipMs = index.memberships.filter((event) => event.group === spec.group).map((event) => event.timeMs);
    const queueChangesMs = assignmentChanges(index, spec.group);
    const late = evidence.late.length;
    const listenerMaxMs = (spec.processingMs ?? 0) + ((spec.slowPercent ?? 0) > 0 ? spec.slowMs ?? 0 : 0);
    const handedUnseen = (process: string, ackMs: number): boolean => faults.some((window) => window.nodes.includes(process) &&
      window.startMs >= ackMs && window.startMs <= ackMs + boundMs + listenerMaxMs);
    for (const attempts of attemptsByQueue(index, spec.group, spec.topic, spec.orderly === true, broadcasting).values()) {
      judgeQueue(attempts, index, spec.group, boundMs, quiet, membershipMs, queueChangesMs, handedUnseen, evidence);
    }
    if (evidence.late.length > late) excuse(evidence, late, index, spec.group, spec.orderly === true, intervals.rebalanceMs);
  }
  evidence.late.sort((left, right) => right.wakeMs - left.wakeMs);
  const latest = evidence.late[0];
  if (latest !== undefined) evidence.worstMs = latest.wakeMs;
  return evidence;
}

/** Drops the group's late wakes (from `first` on) that waited behind a large body, for a failed pull's retry or for a consume thread. */
function excuse(evidence: CalmWakeEvidence, first: number, index: HistoryIndex, group: string, orderly: boolean, rebalanceMs: number): void {
  const { boundMs } = evidence;
  const givenUp = orderly ? queuesGivenUp(index, group) : undefined;
  const pullErrors = index.pullErrors.filter((event) => event.group === group);
  const large = index.deliveries.filter((delivery) => delivery.group === group && (index.sendById.get(delivery.messageId)?.bodySizeBytes ?? 0) >= largeBodyBytes);
  // Orderly groups consume each queue on its own: no shared pool to wait for.
  const pools = orderly ? undefined : new PoolTimelines(index, group);
  const kept: LateWake[] = [];
  for (const wake of evidence.late.slice(first)) {
    if (largeInFlight(index, large, wake)) {
      evidence.excusedByLargeTransfer++;
    } else if (pullErrors.some((event) => event.process === wake.process && event.queue === wake.queue && event.timeMs <= wake.handedMs &&
      (event.timeMs >= wake.idleSinceMs || retryPendingAtAck(event, wake, boundMs)))) {
      evidence.excusedByPullError++;
    } else if (pools?.fullBetween(wake.process, wake.ackMs, wake.handedMs) === true) {
      evidence.excusedByFullPool++;
    } else if (givenUp !== undefined && lockHeldByLeaver(givenUp, wake, rebalanceMs, boundMs)) {
      evidence.excusedByDelayedUnlock++;
    } else {
      kept.push(wake);
    }
  }
  evidence.late.splice(first, evidence.late.length - first, ...kept);
}

/** Orderly groups: per queue, when a member's snapshot dropped it, and which member. */
function queuesGivenUp(index: HistoryIndex, group: string): Map<string, QueueDrop[]> {
  const given = new Map<string, QueueDrop[]>();
  for (const drop of queueDropsOf(index)) {
    if (drop.group === group) given.set(drop.queue, [...given.get(drop.queue) ?? [], drop]);
  }
  return given;
}

/**
 * An orderly queue another member gave up shortly before the ack: 4.9.x delays that member's
 * unlock by 20 s when its process queue still held messages (RebalancePushImpl.unlockDelay), so
 * the broker keeps the queue locked to it; the holder's lock renewal fails meanwhile, and it
 * consumes again only after it locks the queue at a rebalance after the unlock (battery seed 1
 * run 726: a member's view flapped, it held a queue for 8 ms with a message in flight, and the
 * queue's holder waited from 21.0 s to its relock at 33.6 s, 22.6 s after the give-up).
 */
function lockHeldByLeaver(givenUp: Map<string, QueueDrop[]>, wake: LateWake, rebalanceMs: number, boundMs: number): boolean {
  return (givenUp.get(wake.queue) ?? []).some((drop) => drop.process !== wake.process && drop.timeMs <= wake.ackMs &&
    wake.ackMs < drop.timeMs + ORDERLY_UNLOCK_DELAY_MS + rebalanceMs && wake.handedMs <= drop.timeMs + ORDERLY_UNLOCK_DELAY_MS + rebalanceMs + boundMs);
}

/**
 * A pull that failed before the queue went idle (an orderly queue pulls on while its last
 * message is still being consumed) and whose retry was still pending at the ack: the message
 * waits for that retry, and is late only if handed more than the bound after it (battery seed 23
 * run 1489: the slave a master sent the pull to answered TOPIC_NOT_EXIST, retried 3 s later).
 */
function retryPendingAtAck(event: PullErrorEvent, wake: LateWake, boundMs: number): boolean {
  const retryAtMs = event.timeMs + event.retryInMs;
  return retryAtMs >= wake.ackMs && wake.handedMs <= retryAtMs + boundMs;
}

/** Whether a large body crossed from the late message's broker to its process around its wake. */
function largeInFlight(index: HistoryIndex, large: readonly DeliverEvent[], wake: LateWake): boolean {
  if ((index.sendById.get(wake.messageId)?.bodySizeBytes ?? 0) >= largeBodyBytes) return true;
  const broker = brokerOfQueue(wake.queue);
  return large.some((delivery) => delivery.process === wake.process && brokerOfQueue(delivery.queue) === broker &&
    delivery.timeMs >= wake.ackMs - largeTransferLeadMs && (delivery.startMs ?? delivery.timeMs) <= wake.handedMs);
}

function wakeBound(context: CheckContext): { boundMs: number; derivation: string } {
  const clock = context.options?.clock ?? "wall";
  const slackMs = calmWakeSlackMs[clock];
  const longPolling = context.brokerConfig?.["longPollingEnable"] !== "false";
  if (longPolling) return { boundMs: slackMs, derivation: `long polling: the arrival wakes the held pull; ${slackMs} ms of ${clock}-clock slack` };
  const shortMs = Number(context.brokerConfig?.["shortPollingTimeMills"] ?? shortPollingTimeMillsDefault);
  return { boundMs: shortMs + slackMs, derivation: `long polling off: a held pull is answered after shortPollingTimeMills ${shortMs} ms, plus ${slackMs} ms of ${clock}-clock slack` };
}

/**
 * The group's attempts per queue (per process and queue when broadcasting: each consumer pulls
 * on its own), in offset order. Concurrent groups: first attempts only (reconsumeTimes 0); a
 * retry is a copy in %RETRY%<group> whose queue and offset are the retry queue's.
 */
function attemptsByQueue(index: HistoryIndex, group: string, topic: string, orderly: boolean, broadcasting: boolean): Map<string, Attempt[]> {
  const byQueue = new Map<string, Attempt[]>();
  for (const delivery of index.deliveries) {
    if (delivery.group !== group || delivery.topic !== topic) continue;
    if (!orderly && delivery.reconsumeTimes > 0) continue;
    const key = broadcasting ? `${delivery.process}\u0000${delivery.queue}` : delivery.queue;
    const list = byQueue.get(key) ?? [];
    list.push({ offset: delivery.queueOffset, delivery });
    byQueue.set(key, list);
  }
  for (const list of byQueue.values()) list.sort((left, right) => left.offset - right.offset || left.delivery.timeMs - right.delivery.timeMs);
  return byQueue;
}

function judgeQueue(
  attempts: readonly Attempt[], index: HistoryIndex, group: string, boundMs: number,
  quiet: readonly Window[], membershipMs: readonly number[], queueChangesMs: ReadonlyMap<string, readonly number[]>,
  handedUnseen: (process: string, ackMs: number) => boolean, evidence: CalmWakeEvidence,
): void {
  // Walk offsets in order, carrying the latest finish among every earlier offset's attempts.
  let idleSinceMs: number | undefined;
  let idleProcess: string | undefined;
  let position = 0;
  while (position < attempts.length) {
    const offset = attempts[position]!.offset;
    let end = position;
    while (end < attempts.length && attempts[end]!.offset === offset) end++;
    const first = attempts[position]!.delivery;
    const send = index.sendById.get(first.messageId);
    if (idleSinceMs !== undefined && idleProcess === first.process && send !== undefined && judgeable(send, first, offset)) {
      const ackMs = send.outcomeMs!;
      const changesMs = [...membershipMs, ...(queueChangesMs.get(first.queue) ?? [])];
      if (idleSinceMs <= send.invokeMs && calm(idleSinceMs, ackMs + boundMs, quiet, changesMs) && !handedUnseen(first.process, ackMs)) {
        const handedMs = first.startMs ?? first.timeMs;
        const wakeMs = Math.max(0, handedMs - ackMs);
        evidence.judged++;
        if (wakeMs <= boundMs) evidence.worstMs = Math.max(evidence.worstMs ?? 0, wakeMs);
        else {
          evidence.late.push({ messageId: first.messageId, group, process: first.process, queue: first.queue, queueOffset: offset, ackMs, handedMs, wakeMs, idleSinceMs });
        }
      }
    }
    for (let at = position; at < end; at++) {
      const delivery = attempts[at]!.delivery;
      if (idleSinceMs === undefined || delivery.timeMs >= idleSinceMs) {
        idleSinceMs = delivery.timeMs;
        idleProcess = delivery.process;
      }
    }
    position = end;
  }
}

/** Per queue, when a snapshot of `group` added it to or removed it from a member's assignment. */
function assignmentChanges(index: HistoryIndex, group: string): Map<string, number[]> {
  const changes = new Map<string, number[]>();
  const held = new Map<string, ReadonlySet<string>>();
  for (const event of index.rebalances) {
    if (event.group !== group) continue;
    const before = held.get(event.process) ?? new Set<string>();
    const after = new Set(event.queues);
    for (const queue of [...before].filter((queue) => !after.has(queue)).concat(event.queues.filter((queue) => !before.has(queue)))) {
      const list = changes.get(queue) ?? [];
      list.push(event.timeMs);
      changes.set(queue, list);
    }
    held.set(event.process, after);
  }
  return changes;
}

function judgeable(send: SendRecord, first: DeliverEvent, offset: number): boolean {
  return send.outcome === "ok" && send.outcomeMs !== undefined && send.delayLevel === undefined &&
    send.queue === first.queue && send.queueOffset === offset;
}

/** No window overlaps [fromMs, toMs] and no change (a member joining or leaving, the queue moving) falls in it. */
function calm(fromMs: number, toMs: number, quiet: readonly Window[], changesMs: readonly number[]): boolean {
  for (const window of quiet) {
    if (window.startMs <= toMs && (window.endMs === null || window.endMs >= fromMs)) return false;
  }
  return !changesMs.some((timeMs) => timeMs >= fromMs && timeMs <= toMs);
}

/**
 * Per process of a group, how many listener calls were in flight over time: each batch (the
 * DeliverEvent with batchIndex 0, or an unbatched one) holds a consume thread from its startMs
 * to its timeMs. Built once per group that has late wakes.
 */
class PoolTimelines {
  /** process → [timeMs, in flight from then on], in time order. */
  private readonly steps = new Map<string, [number, number][]>();

  constructor(index: HistoryIndex, group: string) {
    const changes = new Map<string, [number, number][]>();
    for (const delivery of index.deliveries) {
      if (delivery.group !== group || (delivery.batchIndex ?? 0) !== 0) continue;
      const list = changes.get(delivery.process) ?? [];
      list.push([delivery.startMs ?? delivery.timeMs, 1], [delivery.timeMs, -1]);
      changes.set(delivery.process, list);
    }
    for (const [process, list] of changes) {
      // Ends before starts at one instant: a thread freed and taken again is not two in flight.
      list.sort((left, right) => left[0] - right[0] || left[1] - right[1]);
      let inFlight = 0;
      const steps: [number, number][] = [];
      for (const [timeMs, delta] of list) {
        inFlight += delta;
        const last = steps[steps.length - 1];
        if (last !== undefined && last[0] === timeMs) last[1] = inFlight;
        else steps.push([timeMs, inFlight]);
      }
      this.steps.set(process, steps);
    }
  }

  /** Whether every consume thread of `process` was busy at some moment in [fromMs, toMs]. */
  fullBetween(process: string, fromMs: number, toMs: number): boolean {
    const steps = this.steps.get(process) ?? [];
    let low = 0;
    let high = steps.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (steps[middle]![0] <= fromMs) low = middle + 1;
      else high = middle;
    }
    // low - 1: the step in force at fromMs; then every step up to toMs.
    for (let at = Math.max(0, low - 1); at < steps.length && steps[at]![0] <= toMs; at++) {
      if (steps[at]![1] >= CONSUME_THREAD_MAX_DEFAULT) return true;
    }
    return false;
  }
}
