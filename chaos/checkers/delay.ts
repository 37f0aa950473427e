// Delayed messages (delayTimeLevel). RocketMQ's ScheduleMessageService stores a delayed
// message in SCHEDULE_TOPIC_XXXX and puts it back into its topic once
// storeTimestamp + delay(level) has passed; the broker stamps storeTimestamp when it stores
// the message, which is after the producer's invoke. So, per acked message with a delayLevel:
// - never early: every delivery is at or after invokeMs + delay(level) − toleranceMs. The
//   DeliverEvent's storeTimeMs cannot be used: the put-back re-stores the message with a new
//   timestamp. Tolerance (delayToleranceMs, 100 ms) covers the run clock's rounding between
//   nodes; the broker's 100 ms schedule tick only ever makes delivery later.
// - eventually: every receiver that must see it (receivers.ts) gets it, unless the run ended
//   before invokeMs + delay + deliverySlackMs (long poll + pull retry + rebalance).
// A clock-skew fault overlapping [send, delivery] excuses an early delivery (counted): the
// broker schedules by its own clock and a skewed node records skewed times.
// Levels: broker.conf's messageDelayLevel (the scenario's brokerConfig override wins), default
// "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h"; a level above the table is
// clamped to the last one (DefaultMessageStore.putMessage does the same).
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import type { CappedList } from "./evidence.ts";
import { capped, formatMs, idsMax, plural } from "./evidence.ts";
import { faultWindows } from "./fault_windows.ts";
import { resentIntoUnreadDlq } from "./dead_letters.ts";
import { delayedReputEvidenceOf, forcedCleansOf, handedOffsetsOf, judgeLoss, powerLossesOf, resentCopiesOf } from "./guarantee.ts";
import { gotBy, indexHistory, runEndMs } from "./history_index.ts";
import { expects, receiversOf } from "./receivers.ts";

export const defaultMessageDelayLevel = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";
export const delayToleranceMs = 100;

const unitMs: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** messageDelayLevel → ms per level (index 0 = level 1). */
export function parseDelayLevels(text: string): number[] {
  return text.trim().split(/\s+/).map((entry) => {
    const match = /^(\d+)([smhd])$/.exec(entry);
    if (match === null) throw new Error(`messageDelayLevel: cannot parse "${entry}"`);
    return Number(match[1]) * (unitMs[match[2] ?? "s"] ?? 1000);
  });
}

export function delayLevelsMs(context: CheckContext): number[] {
  return parseDelayLevels(context.brokerConfig?.messageDelayLevel ?? defaultMessageDelayLevel);
}

/** The delay of a level (1-based), clamped to the table; 0 for level ≤ 0. */
export function delayOfLevel(levels: readonly number[], level: number): number {
  if (level <= 0 || levels.length === 0) return 0;
  return levels[Math.min(level, levels.length) - 1] ?? 0;
}

/** Long poll + pull retry + a rebalance: how long a due message may still take to arrive. */
export function deliverySlackMs(context: CheckContext): number {
  return context.intervals.pullSuspendMs + context.intervals.rebalanceMs + 3_000 + 1_000;
}

export type EarlyDelivery = { id: string; level: number; delayMs: number; sentMs: number; deliveredMs: number; earlyByMs: number; group: string; process: string };
export type MissingDelayed = { id: string; level: number; receiver: string; dueMs: number };

export type DelayEvidence = {
  levelsMs: number[];
  toleranceMs: number;
  delayed: number;
  early: CappedList<EarlyDelivery>;
  neverDelivered: CappedList<MissingDelayed>;
  notDueByEnd: number;
  /** Early deliveries while a clock was skewed (the broker schedules by its own clock; a skewed node records skewed times). */
  skewExcused: number;
  /** Largest (delivery − due) seen: how late delayed messages arrived. */
  maxLateMs: number;
};

export function checkDelay(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const levels = delayLevelsMs(context);
  const endMs = runEndMs(index, context.endMs);
  const early: EarlyDelivery[] = [];
  const missing: MissingDelayed[] = [];
  let delayed = 0;
  let notDueByEnd = 0;
  let maxLateMs = 0;
  let skewExcused = 0;
  const skews = faultWindows(index, context).filter((window) => window.kind === "clock-skew");
  const delayedIds = new Map<string, { level: number; dueMs: number; sentMs: number }>();
  for (const send of index.messages) {
    if (send.delayLevel === undefined || send.delayLevel <= 0 || send.outcome === "fail") continue;
    const delayMs = delayOfLevel(levels, send.delayLevel);
    delayedIds.set(send.messageId, { level: send.delayLevel, dueMs: send.invokeMs + delayMs, sentMs: send.invokeMs });
    if (send.outcome === "ok") delayed++;
  }
  for (const delivery of index.deliveries) {
    const entry = delayedIds.get(delivery.messageId);
    if (entry === undefined) continue;
    if (delivery.timeMs < entry.dueMs - delayToleranceMs && skews.some((window) => window.startMs <= delivery.timeMs && (window.endMs === null || window.endMs >= entry.sentMs))) {
      skewExcused++;
    } else if (delivery.timeMs < entry.dueMs - delayToleranceMs) {
      early.push({
        id: delivery.messageId, level: entry.level, delayMs: entry.dueMs - entry.sentMs, sentMs: entry.sentMs,
        deliveredMs: delivery.timeMs, earlyByMs: entry.dueMs - delivery.timeMs, group: delivery.group, process: delivery.process,
      });
    } else if (delivery.reconsumeTimes === 0) {
      maxLateMs = Math.max(maxLateMs, delivery.timeMs - entry.dueMs);
    }
  }
  const slackMs = deliverySlackMs(context);
  // A delayed message parked on a master that lost it (guarantee.ts: a power loss inside the
  // flush window, a forced clean, its re-put copy lost) is the delivery checker's allowed loss,
  // not a schedule fault.
  const losses = powerLossesOf(index, context);
  const cleans = forcedCleansOf(index);
  const handed = handedOffsetsOf(index);
  const reputs = delayedReputEvidenceOf(index, context, levels);
  const resent = resentCopiesOf(index);
  for (const receiver of receiversOf(index, context)) {
    const received = gotBy(index, receiver.group, receiver.process);
    for (const send of index.messages) {
      const entry = delayedIds.get(send.messageId);
      if (entry === undefined || !expects(receiver, send) || received.has(send.messageId)) continue;
      if (entry.dueMs + slackMs > endMs) {
        notDueByEnd++;
        continue;
      }
      // Its only copy dead-lettered where the run did not look (the delivery checker lists it).
      if (resentIntoUnreadDlq(index, context, receiver.group, resent(receiver.group, send.messageId))) continue;
      if (judgeLoss(send, losses, context, { group: receiver.group, handed, delayed: reputs }, cleans).allowed) continue;
      missing.push({ id: send.messageId, level: entry.level, receiver: receiver.key, dueMs: entry.dueMs });
    }
  }
  const max = idsMax(context);
  const evidence: DelayEvidence = {
    levelsMs: levels, toleranceMs: delayToleranceMs, delayed, early: capped(early, max),
    neverDelivered: capped(missing, max), notDueByEnd, skewExcused, maxLateMs,
  };
  const parts: string[] = [];
  const first = early[0];
  if (first !== undefined) {
    parts.push(`${plural(early.length, "early delivery", "early deliveries")}; first ${first.id} (level ${first.level}, ${formatMs(first.delayMs)}) ` +
      `sent at ${formatMs(first.sentMs)} delivered to ${first.process} at ${formatMs(first.deliveredMs)}, ${formatMs(first.earlyByMs)} early`);
  }
  const gone = missing[0];
  if (gone !== undefined) parts.push(`${plural(missing.length, "due delayed message")} never delivered; first ${gone.id} to ${gone.receiver} (due ${formatMs(gone.dueMs)})`);
  const summary = parts.length > 0 ? `${parts.join("; ")}.`
    : delayed === 0 ? "No delayed message in this run: nothing to judge."
      : `${plural(delayed, "delayed message")} none delivered before its level's delay (tolerance ${delayToleranceMs} ms); at most ${formatMs(maxLateMs)} late` +
        `${notDueByEnd > 0 ? `; ${notDueByEnd} not due before the end` : ""}.`;
  return { name: "delay", verdict: parts.length > 0 ? "fail" : "pass", summary, evidence };
}
