// One pass over a history that every checker shares: events in time order (stable, so equal
// times keep their recorded order), each send's invoke joined with its outcome by opId, and the
// events split by type. Cached per history array (WeakMap), so runCheckers indexes once.
// Assumptions about the history (documented in the report): opIds are unique per run; an
// invoke with no outcome is "pending" and treated as unknown; an outcome without an invoke is
// ignored (counted in `orphanOutcomes`); messageIds are unique per invoke, and if the workload
// ever reuses one, the best outcome (ok > unknown > pending > fail) represents the message.
import type {
  DeliverEvent, DlqEvent, HistoryEvent, LookupEvent, MembershipEvent, ProgressEvent, NemesisEvent, LocalRetryEvent, NodeEvent, PullErrorEvent, RebalanceEvent, RetryResendEvent,
  RouteEvent, SendAttemptEvent, SendInvoke, StoreDigestEvent,
} from "../history/types.ts";

export type SendStatusKind = "ok" | "fail" | "unknown" | "pending";

export interface SendRecord {
  opId: number;
  messageId: string;
  process: string;
  topic: string;
  invokeMs: number;
  tags?: string;
  orderKey?: string;
  orderSeq?: number;
  delayLevel?: number;
  /** A batch send's id: its messages are one queue selection and one request. */
  batchId?: string;
  sendMode?: SendInvoke["sendMode"];
  /** Body size as sent (before the client's compression), when the history says. */
  bodySizeBytes?: number;
  outcome: SendStatusKind;
  outcomeMs?: number;
  queue?: string;
  queueOffset?: number;
  sendStatus?: string;
  error?: string;
  /** First successful delivery of this message to any group (representatives only). */
  firstDeliveredMs?: number;
}

export interface HistoryIndex {
  /** All events, sorted by time (stable). */
  events: readonly HistoryEvent[];
  /** One record per invoke, in invoke-time order. */
  sends: SendRecord[];
  /** The record that represents each message id. */
  sendById: Map<string, SendRecord>;
  /** Those representatives, in invoke-time order (one per message id). */
  messages: SendRecord[];
  deliveries: DeliverEvent[];
  /** Copies a consumer re-sent to its group's retry topic after a failed send-back. */
  retryResends: RetryResendEvent[];
  rebalances: RebalanceEvent[];
  memberships: MembershipEvent[];
  nemesis: NemesisEvent[];
  nodes: NodeEvent[];
  attempts: SendAttemptEvent[];
  /** Per send op, its last attempt that a broker stored (where a transaction's half went, or any send's copy). */
  okAttemptByOp: Map<number, SendAttemptEvent>;
  dlqs: DlqEvent[];
  lookups: LookupEvent[];
  progress: ProgressEvent[];
  routes: RouteEvent[];
  pullErrors: PullErrorEvent[];
  localRetries: LocalRetryEvent[];
  digests: StoreDigestEvent[];
  /** group → topic, for every group seen in deliveries or rebalances. */
  seenGroups: Map<string, string>;
  orphanOutcomes: number;
  startMs: number;
  endMs: number;
}

const cache = new WeakMap<readonly HistoryEvent[], HistoryIndex>();
const outcomeRank: Record<SendStatusKind, number> = { ok: 3, unknown: 2, pending: 1, fail: 0 };

export function indexHistory(history: readonly HistoryEvent[]): HistoryIndex {
  const cached = cache.get(history);
  if (cached !== undefined) return cached;
  const index = buildIndex(sortedByTime(history));
  cache.set(history, index);
  return index;
}

function sortedByTime(history: readonly HistoryEvent[]): readonly HistoryEvent[] {
  let sorted = true;
  for (let position = 1; position < history.length && sorted; position++) {
    if ((history[position]?.timeMs ?? 0) < (history[position - 1]?.timeMs ?? 0)) sorted = false;
  }
  if (sorted) return history;
  const order = history.map((_, position) => position);
  order.sort((left, right) => (history[left]!.timeMs - history[right]!.timeMs) || left - right);
  return order.map((position) => history[position]!);
}

function buildIndex(events: readonly HistoryEvent[]): HistoryIndex {
  const index: HistoryIndex = {
    events, sends: [], sendById: new Map(), messages: [], deliveries: [], retryResends: [], rebalances: [], memberships: [],
    nemesis: [], nodes: [], attempts: [], okAttemptByOp: new Map(), dlqs: [], lookups: [], progress: [], routes: [], pullErrors: [], localRetries: [], digests: [], seenGroups: new Map(), orphanOutcomes: 0,
    startMs: events[0]?.timeMs ?? 0, endMs: events[events.length - 1]?.timeMs ?? 0,
  };
  const byOpId = new Map<number, SendRecord>();
  for (const event of events) {
    switch (event.type) {
      case "invoke": {
        const record = recordOf(event);
        index.sends.push(record);
        byOpId.set(event.opId, record);
        break;
      }
      case "ok":
      case "fail":
      case "unknown": {
        const record = byOpId.get(event.opId);
        if (record === undefined || record.outcome !== "pending") {
          index.orphanOutcomes++;
          break;
        }
        record.outcome = event.type;
        record.outcomeMs = event.timeMs;
        if (event.queue !== undefined) record.queue = event.queue;
        if (event.queueOffset !== undefined) record.queueOffset = event.queueOffset;
        if (event.sendStatus !== undefined) record.sendStatus = event.sendStatus;
        if (event.error !== undefined) record.error = event.error;
        break;
      }
      case "deliver":
        index.deliveries.push(event);
        if (!index.seenGroups.has(event.group)) index.seenGroups.set(event.group, event.topic);
        break;
      case "retry-resend":
        index.retryResends.push(event);
        break;
      case "rebalance":
        index.rebalances.push(event);
        if (!index.seenGroups.has(event.group)) index.seenGroups.set(event.group, event.topic);
        break;
      case "membership":
        index.memberships.push(event);
        break;
      case "nemesis":
        index.nemesis.push(event);
        break;
      case "node":
        index.nodes.push(event);
        break;
      case "attempt":
        index.attempts.push(event);
        if (event.outcome === "ok" && event.opId !== undefined) index.okAttemptByOp.set(event.opId, event);
        break;
      case "dlq":
        index.dlqs.push(event);
        break;
      case "lookup":
        index.lookups.push(event);
        break;
      case "progress":
        index.progress.push(event);
        break;
      case "route":
        index.routes.push(event);
        break;
      case "pull-error":
        index.pullErrors.push(event);
        break;
      case "local-retry":
        index.localRetries.push(event);
        break;
      case "store-digest":
        index.digests.push(event);
        break;
      case "note":
        break;
    }
  }
  for (const record of index.sends) {
    const previous = index.sendById.get(record.messageId);
    if (previous === undefined || outcomeRank[record.outcome] > outcomeRank[previous.outcome]) {
      index.sendById.set(record.messageId, record);
    }
  }
  for (const record of index.sends) if (index.sendById.get(record.messageId) === record) index.messages.push(record);
  for (const delivery of index.deliveries) {
    if (delivery.result !== "success") continue;
    const record = index.sendById.get(delivery.messageId);
    if (record !== undefined && record.firstDeliveredMs === undefined) record.firstDeliveredMs = delivery.timeMs;
  }
  return index;
}

function recordOf(event: SendInvoke): SendRecord {
  const record: SendRecord = {
    opId: event.opId, messageId: event.messageId, process: event.process, topic: event.topic,
    invokeMs: event.timeMs, outcome: "pending",
  };
  if (event.tags !== undefined) record.tags = event.tags;
  if (event.orderKey !== undefined) record.orderKey = event.orderKey;
  if (event.orderSeq !== undefined) record.orderSeq = event.orderSeq;
  if (event.delayLevel !== undefined) record.delayLevel = event.delayLevel;
  if (event.batchId !== undefined) record.batchId = event.batchId;
  record.sendMode = event.sendMode;
  if (event.bodySizeBytes !== undefined) record.bodySizeBytes = event.bodySizeBytes;
  return record;
}

/** The run's end: the context's, else the last event's time. */
export function runEndMs(index: HistoryIndex, endMs: number | undefined): number {
  return endMs ?? index.endMs;
}

const settledCache = new WeakMap<HistoryIndex, Map<number, HistoryIndex>>();

/**
 * The index as it stood when the run ended: membership, rebalance and node events at or
 * after `endMs` are the teardown (consumers stopping, nodes stopped), not part of the run, so
 * the assignment and who-is-alive questions are judged without them.
 */
export function settledView(index: HistoryIndex, endMs: number | undefined): HistoryIndex {
  if (endMs === undefined) return index;
  const views = settledCache.get(index) ?? new Map<number, HistoryIndex>();
  settledCache.set(index, views);
  const cached = views.get(endMs);
  if (cached !== undefined) return cached;
  const view: HistoryIndex = {
    ...index,
    rebalances: index.rebalances.filter((event) => event.timeMs < endMs),
    memberships: index.memberships.filter((event) => event.timeMs < endMs),
    nodes: index.nodes.filter((event) => event.timeMs < endMs),
  };
  views.set(endMs, view);
  return view;
}

/** Successful deliveries of one message to one receiver. */
export interface Received {
  count: number;
  firstMs: number;
}

const receivedCache = new WeakMap<HistoryIndex, Map<string, Map<string, Received>>>();

/**
 * Per message id, the successful deliveries to `group` (any process) or, when `process` is
 * given, to that one process of the group (broadcasting). Cached per index and receiver.
 */
export function receivedBy(index: HistoryIndex, group: string, process?: string): Map<string, Received> {
  const tables = receivedCache.get(index) ?? new Map<string, Map<string, Received>>();
  receivedCache.set(index, tables);
  const key = process === undefined ? group : `${group}\u0000${process}`;
  const cached = tables.get(key);
  if (cached !== undefined) return cached;
  const table = new Map<string, Received>();
  for (const delivery of index.deliveries) {
    if (delivery.result !== "success" || delivery.group !== group) continue;
    if (process !== undefined && delivery.process !== process) continue;
    const entry = table.get(delivery.messageId);
    if (entry === undefined) table.set(delivery.messageId, { count: 1, firstMs: delivery.timeMs });
    else entry.count++;
  }
  tables.set(key, table);
  return table;
}

const gotCache = new WeakMap<HistoryIndex, Map<string, ReadonlySet<string>>>();

/**
 * THE notion of "received" every checker that judges loss shares (delivery, send-status,
 * delay, late-join): the message ids `group` (or, with `process`, that one broadcasting
 * consumer) got with a successful delivery, plus those found in `%DLQ%<group>` (DlqEvent).
 * A dead-lettered message was given up on by its group as RocketMQ specifies, after
 * maxReconsumeTimes failed attempts: the group received it and the broker kept it, so it is
 * not lost. (DLQ is per group: a broadcasting consumer never sends back, so DLQ records only
 * ever name clustering groups; they count for every process of the group named.)
 */
export function gotBy(index: HistoryIndex, group: string, process?: string): ReadonlySet<string> {
  const tables = gotCache.get(index) ?? new Map<string, ReadonlySet<string>>();
  gotCache.set(index, tables);
  const key = process === undefined ? group : `${group}\u0000${process}`;
  const cached = tables.get(key);
  if (cached !== undefined) return cached;
  const got = new Set(receivedBy(index, group, process).keys());
  for (const event of index.dlqs) if (event.group === group) got.add(event.messageId);
  tables.set(key, got);
  return got;
}
