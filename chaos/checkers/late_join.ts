// Late joiners: a CLUSTERING group with startAtMs starts, on each queue, where its
// consumeFromWhere and RocketMQ's rules say — and then neither skips nor replays.
// A new group has no committed offset, so RebalancePushImpl.computePullFromWhereWithException
// asks the broker (QUERY_CONSUMER_OFFSET). RocketMQ 4.9.x
// ConsumerManageProcessor.queryConsumerOffset answers offset 0 — not "not found" — when
// `minOffset <= 0 && !checkInDiskByConsumeOffset(topic, queueId, 0)`; and
// DefaultMessageStore.checkInDiskByConsumeOffset says "on disk" when
// `getMaxPhyOffset() - <commit-log offset of queue offset 0> >
//  totalPhysicalMemorySize * accessMessageInMemoryMaxRatio / 100` (default ratio 40).
// So a queue is YOUNG at the join when its min offset is 0 (lab runs never delete segments)
// and the commit log has grown by at most that many bytes since the queue's first message
// (or the queue is empty). This lab's broker does the same
// (system/broker/processor/consumer_manage_processor.ts, store_adapter.ts). Only on "not
// found" does consumeFromWhere apply:
// - CONSUME_FROM_LAST_OFFSET: the queue's max offset when the group takes the queue;
// - CONSUME_FROM_FIRST_OFFSET: 0 (the min offset; lab runs never delete segments);
// - CONSUME_FROM_TIMESTAMP: the message stored nearest consumeTimestampMs among those in the
//   consume queue at the search (under SYNC_FLUSH or on a SYNC_MASTER, only the durable ones).
// Youngness is derived from the run, per (broker, queue) at the join (the group's first
// rebalance snapshot naming the queue): the memory budget from CheckContext.brokerConfig
// (totalPhysicalMemoryBytes, default 16 GiB as the sim's brokers assume;
// accessMessageInMemoryMaxRatio, default 40), and the commit-log bytes the broker stored from
// the queue's offset-0 message up to the join, bounded from the history's sends to that
// broker (all topics), each stored as 91 + topic + properties + body bytes
// (CommitLog.calMsgLength with IPv4 hosts):
// - lower bound: acked sends invoked after offset 0's invoke and acked before the join, with
//   no properties, bodies over compressMsgBodyOverHowmuch (4 KiB; the client may compress
//   them) and unknown body sizes counted as 0;
// - upper bound: every send (acked there, or failed/unknown anywhere) invoked before the join
//   + joinSlackMs and not answered before offset 0's invoke, with propertiesMaxBytes of
//   properties, unknown bodies at maxMessageSize, delayed messages twice (SCHEDULE_TOPIC_XXXX,
//   then the real topic) and every RECONSUME_LATER before the join twice more (send-back to
//   the schedule topic, then %RETRY%).
// lower > budget: the queue is old, consumeFromWhere applies. upper <= budget: young, start
// at 0. Otherwise the checker cannot tell: it excuses both answers (no replay below the
// smaller start, no skip below the larger) and says so in the evidence ("either").
// An old queue is "either" too when the group may have asked while its master's consume queue
// lacked offset 0: checkInDiskByConsumeOffset answers "not on disk" for an entry the consume
// queue does not have, so the broker answers 0. That happens after a power loss (the consume
// queues' unflushed files are gone; the dispatcher rebuilds them from the commit log) while a
// disk-full or disk-error fault refuses the rebuild's writes (seed 16 swarm run 1055).
// Judged per (late group, queue) from acked sends with known queue and offset:
// - replayed: a message below the allowed start was delivered to the group;
// - skipped: an acked message at/after the start, accepted by the subscription, was never
//   received (gotBy: delivered or dead-lettered; the delivery checker does not blame a late
//   group for what predates its join). A message the guarantee table lets the group lose
//   (guarantee.ts judgeLoss: e.g. acked FLUSH_DISK_TIMEOUT, then its master lost power with it
//   unflushed; battery seed 21 run 1062) is the delivery checker's allowed loss, not a skip:
//   counted apart with its reason.
// Sends in flight when the group took the queue (invoke before, outcome after) may fall on
// either side: they are not judged.
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { brokerOfQueue, subscriptionAccepts } from "./context.ts";
import type { CappedList } from "./evidence.ts";
import { capped, formatMs, idsMax, plural } from "./evidence.ts";
import type { HistoryIndex, SendRecord } from "./history_index.ts";
import { gotBy, indexHistory } from "./history_index.ts";
import type { LossJudgement } from "./guarantee.ts";
import { consumedPreLossTailOf, delayedReputEvidenceOf, forcedCleansOf, handedOffsetsOf, judgeLoss, powerLossesOf, resentCopiesOf, sentBackCopiesOf } from "./guarantee.ts";
import { delayLevelsMs } from "./delay.ts";
import { lostOffsetsExcuse } from "./lost_offsets.ts";
import { excusesNothing } from "../faults/types.ts";
import { faultWindows } from "./fault_windows.ts";

export type LateJoinViolation = { kind: "replayed" | "skipped"; group: string; queue: string; id: string; queueOffset: number; expectedStart: number; rule: string };
export type Youngness = "young" | "old" | "either";
export type LateQueueStart = {
  group: string; queue: string; joinedMs: number; expectedStart: number; firstDelivered: number | null; rule: string;
  youngness: Youngness;
  /** Commit-log bytes stored since the queue's offset 0, bounded from the history, and the in-memory budget. */
  storedBytesMin: number; storedBytesMax: number; inMemoryBytesMax: number;
  /** Either: the larger start (skips are judged from here, replays below expectedStart). */
  otherStart?: number;
};

/** CommitLog.calMsgLength's fixed part with IPv4 born/store hosts (without topic, properties, body). */
export const storedHeaderBytes = 91;
/** A generous cap on a stored message's properties (UNIQ_KEY, KEYS, TAGS, WAIT, retry/delay bookkeeping). */
export const propertiesMaxBytes = 1_024;
/** The client's compressMsgBodyOverHowmuch: larger bodies may be stored compressed. */
export const compressOverBytes = 4 * 1024;
const maxMessageSizeBytes = 4 * 1024 * 1024;
const simPhysicalMemoryBytes = 16 * 1024 ** 3;
/**
 * Slack around the join: the group's offset queries come within this much of its rebalance
 * snapshot (before it), and the youngness bounds count sends up to this much after it.
 */
export const joinSlackMs = 1_000;

export type LateJoinEvidence = {
  groups: string[];
  starts: CappedList<LateQueueStart>;
  violations: CappedList<LateJoinViolation>;
  /**
   * Skips not judged: the message was stored on its master before a disk-full fault healed
   * that led to a forced clean (the final store begins past commit-log offset 0), so it may
   * have been deleted before the group reached it — the delivery checker's allowance (c).
   */
  skipsExcusedByClean: number;
  /**
   * Skips not judged: a crash (of the queue's master or of its holder) took the group's first
   * offsets on the queue and the group took it back later at its max offset (lost_offsets.ts);
   * each with the mechanism.
   */
  skipsExcusedByLostOffsets: CappedList<{ id: string; group: string; mechanism: string }>;
  /** Skips not judged: the guarantee table allows the group to lose the message (header); each with its reason. */
  skipsExcusedByAllowedLoss: CappedList<{ id: string; group: string; reason: string }>;
};

/**
 * `youngQueues` forces the rule (tests of the consumeFromWhere arithmetic); by default each
 * queue's youngness is derived from the history and the broker config (header).
 */
export function checkLateJoin(history: readonly HistoryEvent[], context: CheckContext, options: { youngQueues?: boolean } = {}): CheckResult {
  const index = indexHistory(history);
  const sizes = sizeTablesOf(index);
  const late = context.workload.consumers.filter((spec) => spec.startAtMs !== undefined && spec.model !== "BROADCASTING");
  const cleans = forcedCleansOf(index);
  const storeTimes = storeTimesOf(index);
  const masterNode = new Map(context.topology.brokers.filter((broker) => broker.role !== "SLAVE").map((broker) => [broker.brokerName, broker.node]));
  const lostOffsets = lostOffsetsExcuse(index, context);
  const rebuildStalls = consumeQueueRebuildStalls(index, context);
  // The guarantee table's evidence, built at the first skip (most runs have none).
  let lossEvidence: LossEvidence | undefined;
  const allowedLoss = (group: string, send: SendRecord): LossJudgement => {
    lossEvidence ??= lossEvidenceOf(index, context);
    const { losses, handed, preLossTail, delayed, resent, sentBack } = lossEvidence;
    return judgeLoss(send, losses, context, { group, handed, preLossTail, delayed }, cleans, resent(group, send.messageId), sentBack(group, send.messageId));
  };
  const skipsExcusedByAllowedLoss: { id: string; group: string; reason: string }[] = [];
  const starts: LateQueueStart[] = [];
  const violations: LateJoinViolation[] = [];
  let skipsExcusedByClean = 0;
  const skipsExcusedByLostOffsets: { id: string; group: string; mechanism: string }[] = [];
  for (const spec of late) {
    const delivered = gotBy(index, spec.group);
    const attempted = new Set(index.deliveries.filter((delivery) => delivery.group === spec.group).map((delivery) => delivery.messageId));
    const byQueue = new Map<string, SendRecord[]>();
    for (const send of index.messages) {
      if (send.topic !== spec.topic || send.outcome !== "ok" || send.queue === undefined || send.queueOffset === undefined) continue;
      const list = byQueue.get(send.queue) ?? [];
      list.push(send);
      byQueue.set(send.queue, list);
    }
    for (const [queue, sends] of byQueue) {
      const joinedMs = takenAt(index.rebalances, spec.group, queue) ?? spec.startAtMs ?? 0;
      const where = spec.consumeFromWhere ?? "CONSUME_FROM_FIRST_OFFSET";
      const stored = storedSince(index, context, sizes, queue, sends, joinedMs);
      // A forced clean on a full disk before the join may have deleted the queue's head: its min
      // offset is then past 0 and the young-queue rule no longer holds (seed 2 swarm run 453).
      const masterCleans = cleans.get(masterNode.get(brokerOfQueue(queue)) ?? "") ?? [];
      const cleanedBefore = masterCleans.some((clean) => clean.injectMs <= joinedMs);
      const bySize: Youngness = stored.minBytes > stored.budgetBytes ? "old" : stored.maxBytes <= stored.budgetBytes ? "young" : "either";
      const askedFromMs = joinedMs - offsetQuerySlackMs(context, joinedMs);
      const rebuild = (rebuildStalls.get(masterNode.get(brokerOfQueue(queue)) ?? "") ?? [])
        .find((stall) => stall.startMs <= joinedMs && askedFromMs <= stall.endMs);
      const youngness: Youngness = options.youngQueues !== undefined ? (options.youngQueues ? "young" : "old")
        : (cleanedBefore && bySize === "young") || (rebuild !== undefined && bySize === "old") ? "either" : bySize;
      const bytes = `${String(stored.minBytes)}–${String(stored.maxBytes)} commit-log bytes since offset 0 vs ${String(stored.budgetBytes)} in memory` +
        (rebuild === undefined ? "" : `; asked while ${rebuild.cause}, so its consume queue may have lacked offset 0`);
      // The start consumeFromWhere gives an old queue: one offset, or for a timestamp the lower
      // and upper of the two neighbours the search may return.
      let whereLow = 0;
      let whereHigh = 0;
      let whereRule: string = where;
      if (where === "CONSUME_FROM_LAST_OFFSET") {
        // The max offset is asked for before the snapshot that records the join, within the
        // rebalance pass: a send acked in between may fall on either side.
        const maxBefore = (untilMs: number): number => 1 + Math.max(-1, ...sends.filter((send) => (send.outcomeMs ?? send.invokeMs) < untilMs).map((send) => send.queueOffset ?? -1));
        whereLow = maxBefore(askedFromMs);
        whereHigh = maxBefore(joinedMs);
        whereRule = `${where}: max offset when ${spec.group} took ${queue} (asked between ${formatMs(askedFromMs)} and ${formatMs(joinedMs)})`;
      } else if (where === "CONSUME_FROM_TIMESTAMP") {
        const searchedFromMs = joinedMs - offsetQuerySlackMs(context, joinedMs);
        const visibility = boundsVisibility(context, masterNode.get(brokerOfQueue(queue)));
        ({ lowOffset: whereLow, highOffset: whereHigh, rule: whereRule } =
          searchedStart(storedRecords(storeTimes, spec.topic, queue, sends), spec.consumeTimestampMs ?? 0, visibility ? { searchedFromMs, joinedMs } : undefined));
      }
      const whereStart = whereLow === whereHigh ? String(whereLow) : `${String(whereLow)} or ${String(whereHigh)}`;
      const youngRule = `young queue (min offset 0, head in memory: ${bytes}): QUERY_CONSUMER_OFFSET answers 0 whatever ${where} says`;
      const oldRule = `old queue (offset 0 on disk: ${bytes}) so ${whereRule}`;
      const replayBelow = youngness === "old" ? whereLow : 0;
      const skipFrom = youngness === "young" ? 0 : whereHigh;
      const rule = youngness === "young" ? youngRule : youngness === "old" ? oldRule
        : `cannot tell whether offset 0 was still in memory (${bytes}): either start excused — 0 (young queue) or ${whereStart} (${whereRule})`;
      const expectedStart = replayBelow;
      const firstDelivered = Math.min(...sends.filter((send) => attempted.has(send.messageId)).map((send) => send.queueOffset ?? Infinity));
      starts.push({
        group: spec.group, queue, joinedMs, expectedStart, firstDelivered: Number.isFinite(firstDelivered) ? firstDelivered : null, rule,
        youngness, storedBytesMin: stored.minBytes, storedBytesMax: stored.maxBytes, inMemoryBytesMax: stored.budgetBytes,
        ...(skipFrom !== replayBelow ? { otherStart: skipFrom } : {}),
      });
      for (const send of sends) {
        const offset = send.queueOffset ?? 0;
        const inFlight = send.invokeMs < joinedMs && (send.outcomeMs ?? send.invokeMs) >= joinedMs;
        if (inFlight || !subscriptionAccepts(spec.subscription, send.tags)) continue;
        if (offset < replayBelow && attempted.has(send.messageId)) {
          violations.push({ kind: "replayed", group: spec.group, queue, id: send.messageId, queueOffset: offset, expectedStart: replayBelow, rule });
        } else if (offset >= skipFrom && !delivered.has(send.messageId) && !attempted.has(send.messageId)) {
          // The history does not say which records a clean took: any stored before its heal may be gone
          // (seed 2 swarm runs 453, 992: the queue's head deleted before a FIRST_OFFSET group joined).
          const storedMs = send.outcomeMs ?? send.invokeMs;
          if (masterCleans.some((clean) => clean.healMs === undefined || storedMs <= clean.healMs)) {
            skipsExcusedByClean++;
            continue;
          }
          const loss = allowedLoss(spec.group, send);
          if (loss.allowed) {
            skipsExcusedByAllowedLoss.push({ id: send.messageId, group: spec.group, reason: loss.reason });
            continue;
          }
          const mechanism = lostOffsets(spec.group, send);
          if (mechanism !== undefined) {
            skipsExcusedByLostOffsets.push({ id: send.messageId, group: spec.group, mechanism });
            continue;
          }
          violations.push({ kind: "skipped", group: spec.group, queue, id: send.messageId, queueOffset: offset, expectedStart: skipFrom, rule });
        }
      }
    }
  }
  const max = idsMax(context);
  starts.sort((left, right) => left.group.localeCompare(right.group) || left.queue.localeCompare(right.queue));
  const evidence: LateJoinEvidence = { groups: late.map((spec) => spec.group), starts: capped(starts, max), violations: capped(violations, max), skipsExcusedByClean,
    skipsExcusedByLostOffsets: capped(skipsExcusedByLostOffsets, max), skipsExcusedByAllowedLoss: capped(skipsExcusedByAllowedLoss, max),
  };
  const first = violations[0];
  const summary = first !== undefined
    ? `${plural(violations.length, "late-join violation")}; first ${first.id} @${first.queueOffset} on ${first.queue} ${first.kind} by ${first.group} (expected start ${first.expectedStart}: ${first.rule}).`
    : late.length === 0 ? "No late-joining group in this run: nothing to judge."
      : `Late groups ${evidence.groups.join(", ")} started each queue where their rule says and neither skipped nor replayed (${plural(starts.length, "queue")})` +
        (skipsExcusedByClean > 0 ? `; ${plural(skipsExcusedByClean, "message")} a forced clean may have deleted not judged` : "") +
        (skipsExcusedByLostOffsets.length > 0 ? `; ${plural(skipsExcusedByLostOffsets.length, "message")} skipped that lost offsets explain (first: ${skipsExcusedByLostOffsets[0]!.mechanism})` : "") +
        (skipsExcusedByAllowedLoss.length > 0 ? `; ${plural(skipsExcusedByAllowedLoss.length, "message")} the guarantee table lets the group lose not judged (first: ${skipsExcusedByAllowedLoss[0]!.reason})` : "") + ".";
  return { name: "late-join", verdict: violations.length > 0 ? "fail" : "pass", summary, evidence };
}

/**
 * CONSUME_FROM_TIMESTAMP's start on an old queue. 4.9.x ConsumeQueue.getOffsetInQueueByTime
 * returns the message stored exactly at the timestamp, else the closer of its two neighbours
 * in time (the earlier on a tie), searching one consume-queue file (the first modified at or
 * after the timestamp), so with no exact match a start one below the first message stored after
 * the timestamp is right when that earlier message was stored closer. Store times are known only
 * within a send's invoke and ack: the earlier neighbour is required when it is closer for
 * every store time, excluded when it is farther for every store time, else either is excused.
 */
/** A queue's record as far as the history knows it: its offset and bounds on its store time. */
interface StoredRecord {
  queueOffset?: number;
  /** Earliest and latest it can have been stored (equal when a delivery showed its store time). */
  invokeMs: number;
  outcomeMs?: number;
  /** When the record was certainly in its consume queue: its ack, or its first delivery to anyone. */
  visibleMs?: number;
}

/**
 * Whether the queue's master holds consumers to its durable bound (MessageStore.confirmOffset,
 * apache/rocketmq#8239, 4.9.8): under SYNC_FLUSH or as a SYNC_MASTER (unless readUnCommitted),
 * a record is dispatched to its consume queue only once flushed or replicated — so a timestamp
 * search does not see a record stored but not yet durable (a SYNC_MASTER whose slave is cut off).
 */
function boundsVisibility(context: CheckContext, masterNode: string | undefined): boolean {
  if (context.brokerConfig?.["readUnCommitted"] === "true") return false;
  const master = context.topology.brokers.find((broker) => broker.node === masterNode);
  return master !== undefined && (master.flushDiskType === "SYNC_FLUSH" || master.role === "SYNC_MASTER");
}

/**
 * The timestamp search's start when the consume queue held a prefix of the queue's records at
 * the search (dispatch is in log order up to the durable bound): at least every record acked or
 * delivered before the search could have been asked (searchedFromMs), at most every record
 * stored before the join. Each possible prefix gives its start; any of them is excused. Without
 * `window` (nothing bounds visibility) the search sees every record.
 */
function searchedStart(records: readonly StoredRecord[], fromMs: number, window: { searchedFromMs: number; joinedMs: number } | undefined): { lowOffset: number; highOffset: number; rule: string } {
  const all = timestampStart(records, fromMs);
  if (window === undefined) return all;
  const end = (holds: (record: StoredRecord) => boolean): number => 1 + Math.max(-1, ...records.filter(holds).map((record) => record.queueOffset ?? -1));
  const prefixMin = end((record) => record.visibleMs !== undefined && record.visibleMs <= window.searchedFromMs);
  const prefixMax = end((record) => record.invokeMs <= window.joinedMs);
  if (prefixMin >= prefixMax) return timestampStart(records.filter((record) => (record.queueOffset ?? 0) < prefixMax), fromMs);
  let lowOffset = Infinity;
  let highOffset = -Infinity;
  for (let prefix = prefixMin; prefix <= prefixMax; prefix++) {
    const start = timestampStart(records.filter((record) => (record.queueOffset ?? 0) < prefix), fromMs);
    lowOffset = Math.min(lowOffset, start.lowOffset);
    highOffset = Math.max(highOffset, start.highOffset);
  }
  return {
    lowOffset, highOffset,
    rule: `${all.rule}, or nearer the front: records ${String(prefixMin)}–${String(prefixMax - 1)} were stored but may not yet have been durable, so not in the consume queue, at the search (the durable-bound visibility of SYNC_FLUSH / SYNC_MASTER)`,
  };
}

/**
 * The queue's records: acked sends (stored between invoke and ack), and every record a delivery
 * showed, with its exact store time. A send the client saw fail may still have been stored, much
 * later (its bytes held by a partition), and it shifts which neighbour the timestamp search finds
 * (seed 1 swarm run 754 of the rogue-peer re-draw: two unacked messages stored 12 s after the
 * timestamp sat between the nearest and the next acked one).
 */
function storedRecords(storeTimes: StoreTimes, topic: string, queue: string, sends: readonly SendRecord[]): StoredRecord[] {
  const records = new Map<number, StoredRecord>();
  for (const send of sends) {
    if (send.queueOffset === undefined) continue;
    records.set(send.queueOffset, { queueOffset: send.queueOffset, invokeMs: send.invokeMs, ...(send.outcomeMs === undefined ? {} : { outcomeMs: send.outcomeMs, visibleMs: send.outcomeMs }) });
  }
  for (const [queueOffset, shown] of storeTimes.get(`${topic}\u0000${queue}`) ?? []) {
    const ackedMs = records.get(queueOffset)?.visibleMs ?? Infinity;
    records.set(queueOffset, { queueOffset, invokeMs: shown.storeMs, outcomeMs: shown.storeMs, visibleMs: Math.min(ackedMs, shown.firstDeliveredMs) });
  }
  return [...records.values()];
}

/**
 * Store times deliveries showed, and when the record was first delivered, by topic and queue,
 * then queue offset (first deliveries only: a %RETRY% copy is another record).
 */
type StoreTimes = Map<string, Map<number, { storeMs: number; firstDeliveredMs: number }>>;

function storeTimesOf(index: HistoryIndex): StoreTimes {
  const times: StoreTimes = new Map();
  for (const delivery of index.deliveries) {
    if (delivery.reconsumeTimes !== 0 || delivery.storeTimeMs === undefined) continue;
    const key = `${delivery.topic}\u0000${delivery.queue}`;
    const byOffset = times.get(key) ?? new Map<number, { storeMs: number; firstDeliveredMs: number }>();
    const known = byOffset.get(delivery.queueOffset);
    byOffset.set(delivery.queueOffset, { storeMs: delivery.storeTimeMs, firstDeliveredMs: Math.min(known?.firstDeliveredMs ?? Infinity, delivery.timeMs) });
    times.set(key, byOffset);
  }
  return times;
}

function timestampStart(sends: readonly StoredRecord[], fromMs: number): { lowOffset: number; highOffset: number; rule: string } {
  const base = `CONSUME_FROM_TIMESTAMP: the message stored nearest ${formatMs(fromMs)}`;
  const after = sends.filter((send) => send.invokeMs >= fromMs);
  if (after.length === 0) {
    const end = 1 + Math.max(-1, ...sends.map((send) => send.queueOffset ?? -1));
    return { lowOffset: Math.max(0, end - 1), highOffset: end, rule: `${base} (none after it: the last one, or the queue's end)` };
  }
  const right = after.reduce((best, send) => ((send.queueOffset ?? 0) < (best.queueOffset ?? 0) ? send : best));
  const rightOffset = right.queueOffset ?? 0;
  if (rightOffset === 0) return { lowOffset: 0, highOffset: 0, rule: `${base} (the queue's first)` };
  const left = sends.find((send) => send.queueOffset === rightOffset - 1);
  const rightNearMs = right.invokeMs - fromMs;
  const rightFarMs = (right.outcomeMs ?? Infinity) - fromMs;
  if (left !== undefined && left.invokeMs < fromMs) {
    const leftNearMs = fromMs - (left.outcomeMs ?? Infinity);
    const leftFarMs = fromMs - left.invokeMs;
    if (leftNearMs > rightFarMs) return { lowOffset: rightOffset, highOffset: rightOffset, rule: `${base} (the first stored after it)` };
    if (leftFarMs <= rightNearMs) return { lowOffset: rightOffset - 1, highOffset: rightOffset - 1, rule: `${base} (the last stored before it, closer)` };
  }
  return { lowOffset: rightOffset - 1, highOffset: rightOffset, rule: `${base} (the last before it or the first after it, whichever was stored closer)` };
}

/** QUERY_CONSUMER_OFFSET's 5 s timeout plus GET_MAX_OFFSET's 3 s. */
const offsetQueryTimeoutsMs = 8_000;

/**
 * How long before its rebalance snapshot a group may have asked a broker for a queue's max
 * offset: the pass's round trips take milliseconds (1 s allowed), but under a fault a
 * QUERY_CONSUMER_OFFSET (5 s timeout) and GET_MAX_OFFSET (3 s) may each take up to their
 * timeout and still answer.
 */
function offsetQuerySlackMs(context: CheckContext, joinedMs: number): number {
  const faulted = context.faults.some((scheduled) => !excusesNothing(scheduled.fault.kind) && scheduled.atMs <= joinedMs && (scheduled.healAtMs ?? Infinity) >= joinedMs - offsetQueryTimeoutsMs);
  return faulted ? offsetQueryTimeoutsMs : joinSlackMs;
}

/** How long after its last refused write a stalled consume-queue rebuild may still lack an entry (the dispatcher retries at once). */
const rebuildSlackMs = 1_000;

/**
 * Per node: spans in which its consume queues may lack entries the commit log has — from a
 * restart after a power loss (the rebuild starts from the commit log) to the end of the
 * disk-full and disk-error faults on it that refuse the rebuild's writes at the restart (or
 * begin while it runs: taken as within rebuildSlackMs), plus rebuildSlackMs.
 */
function consumeQueueRebuildStalls(index: HistoryIndex, context: CheckContext): Map<string, { startMs: number; endMs: number; cause: string }[]> {
  const refusing = faultWindows(index, context).filter((window) => window.kind === "disk-full" || window.kind === "disk-error");
  const stalls = new Map<string, { startMs: number; endMs: number; cause: string }[]>();
  const poweredOff = new Set<string>();
  for (const event of index.nodes) {
    if (event.event === "power-loss") poweredOff.add(event.node);
    if (event.event !== "restart" || !poweredOff.delete(event.node)) continue;
    const blocking = refusing.filter((window) => window.nodes.includes(event.node) && window.startMs <= event.timeMs + rebuildSlackMs
      && (window.endMs === null || window.endMs >= event.timeMs));
    if (blocking.length === 0) continue;
    const endMs = Math.max(...blocking.map((window) => window.endMs ?? Infinity)) + rebuildSlackMs;
    const list = stalls.get(event.node) ?? [];
    list.push({ startMs: event.timeMs, endMs, cause: `${event.node} rebuilt its consume queues after a power loss (restart at ${formatMs(event.timeMs)}) under ${blocking.map((window) => window.cause).join(", ")}` });
    stalls.set(event.node, list);
  }
  return stalls;
}

/** When the group first held the queue (its first rebalance snapshot naming it). */
function takenAt(rebalances: readonly { group: string; queues: readonly string[]; timeMs: number }[], group: string, queue: string): number | undefined {
  return rebalances.find((event) => event.group === group && event.queues.includes(queue))?.timeMs;
}

/**
 * Bounds on the commit-log bytes the queue's broker held from the queue's offset-0 message to
 * the join (see the header), and the in-memory budget they are compared with. A queue with no
 * message acked before the join is young (nothing at offset 0 yet): both bounds 0.
 */
/** What storedSince reads per send, built once per check (it runs for every queue of every late group). */
interface SizeTables {
  /** Body bytes as sent, by send opId. */
  bodyBytes: ReadonlyMap<number, number>;
  /** A topic's UTF-8 length. */
  topicBytes(topic: string): number;
  /** Body bytes of each message id's send (a send-back's stored copies carry it). */
  bodyByMessageId: ReadonlyMap<string, number>;
}

function sizeTablesOf(index: HistoryIndex): SizeTables {
  const bodyBytes = new Map<number, number>();
  for (const event of index.events) if (event.type === "invoke" && event.op === "send" && event.bodySizeBytes !== undefined) bodyBytes.set(event.opId, event.bodySizeBytes);
  const utf8 = new TextEncoder();
  const topicLengths = new Map<string, number>();
  const topicBytes = (topic: string): number => {
    let length = topicLengths.get(topic);
    if (length === undefined) {
      length = utf8.encode(topic).length;
      topicLengths.set(topic, length);
    }
    return length;
  };
  const bodyByMessageId = new Map(index.sends.map((send) => [send.messageId, bodyBytes.get(send.opId) ?? maxMessageSizeBytes]));
  return { bodyBytes, topicBytes, bodyByMessageId };
}

function storedSince(
  index: HistoryIndex, context: CheckContext, sizes: SizeTables,
  queue: string, sends: readonly SendRecord[], joinedMs: number,
): { minBytes: number; maxBytes: number; budgetBytes: number } {
  const config = context.brokerConfig ?? {};
  const memoryBytes = Number(config.totalPhysicalMemoryBytes ?? simPhysicalMemoryBytes);
  const ratioPercent = Number(config.accessMessageInMemoryMaxRatio ?? 40);
  const budgetBytes = Math.floor(memoryBytes * (ratioPercent / 100));
  const head = sends.reduce<SendRecord | undefined>((best, send) => (best === undefined || (send.queueOffset ?? 0) < (best.queueOffset ?? 0) ? send : best), undefined);
  if (head === undefined || (head.outcomeMs ?? Infinity) >= joinedMs) return { minBytes: 0, maxBytes: 0, budgetBytes };
  const broker = brokerOfQueue(queue);
  const { bodyBytes } = sizes;
  let minBytes = 0;
  let maxBytes = 0;
  for (const send of index.sends) {
    const there = send.queue !== undefined && brokerOfQueue(send.queue) === broker;
    const maybeThere = there || (send.outcome !== "ok" && send.queue === undefined);
    if (!maybeThere) continue;
    const topicBytes = sizes.topicBytes(send.topic);
    const body = bodyBytes.get(send.opId);
    const isHead = send.opId === head.opId;
    if (there && send.outcome === "ok" && (isHead || send.invokeMs > head.invokeMs) && (send.outcomeMs ?? Infinity) < joinedMs) {
      minBytes += storedHeaderBytes + topicBytes + (body === undefined || body > compressOverBytes ? 0 : body);
    }
    if (send.invokeMs <= joinedMs + joinSlackMs && (isHead || (send.outcomeMs ?? Infinity) >= head.invokeMs)) {
      const copies = send.delayLevel !== undefined && send.delayLevel > 0 ? 2 : 1;
      maxBytes += copies * (storedHeaderBytes + topicBytes + propertiesMaxBytes + (body ?? maxMessageSizeBytes));
    }
  }
  // Send-backs of failed consumption: each stored once in the schedule topic and once in %RETRY%.
  for (const delivery of index.deliveries) {
    // Any broker's delivery: the send-back may go to this broker whichever queue it came from.
    if (delivery.result === "success" || delivery.timeMs > joinedMs + joinSlackMs) continue;
    const sentBody = sizes.bodyByMessageId.get(delivery.messageId);
    if (sentBody === undefined) continue;
    maxBytes += 2 * (storedHeaderBytes + 32 + delivery.group.length + propertiesMaxBytes + sentBody);
  }
  return { minBytes, maxBytes, budgetBytes };
}

type LossEvidence = {
  losses: ReturnType<typeof powerLossesOf>;
  handed: ReturnType<typeof handedOffsetsOf>;
  preLossTail: ReturnType<typeof consumedPreLossTailOf>;
  delayed: ReturnType<typeof delayedReputEvidenceOf>;
  resent: ReturnType<typeof resentCopiesOf>;
  sentBack: ReturnType<typeof sentBackCopiesOf>;
};

/** What judgeLoss needs, as the delivery checker builds it. */
function lossEvidenceOf(index: HistoryIndex, context: CheckContext): LossEvidence {
  return {
    losses: powerLossesOf(index, context), handed: handedOffsetsOf(index),
    preLossTail: consumedPreLossTailOf(index.deliveries, index.sendById), delayed: delayedReputEvidenceOf(index, context, delayLevelsMs(context)),
    resent: resentCopiesOf(index), sentBack: sentBackCopiesOf(index, context),
  };
}
