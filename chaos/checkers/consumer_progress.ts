// Consumer progress: what an operator sees is what happened. When the run drains, the first
// consumer of each clustering group records `consumerProgress` for its topic (GET_CONSUME_STATS
// from every master: per queue the broker's max offset and the group's committed offset;
// chaos/workload/progress_reader.ts). Four rules:
// - listed: every queue the topic has on every master (the workload's queue count) is in the
//   answer, as mqadmin lists every queue of the topic config;
// - within the queue: the committed offset is never past the broker's max offset;
// - stored: the max offset is past every offset a consumer read from that queue (a record that
//   was read exists, so the queue's end is beyond it);
// - drained: a queue that was quiet before the query (no acked send into it and no delivery from
//   it to the group for offsetPersistMs + 2 s: the client commits every offsetPersistMs, a commit
//   round trip and a pull in flight take the rest) and read by nobody of the group after it shows
//   lag 0 while a member of the group runs: the group has read it to its end and committed that.
// What the rules skip, and why:
// - queues of a master that lost power, or whose disk a forced clean emptied: its offsets and
//   records may be gone (the guarantee table's rows), so neither end is known;
// - the drained rule for a topic that transactional producers write: a transaction check may
//   commit a message into it at any time, the query included;
// - the drained rule when the querying consumer was not a member at the time (the group may have
//   no member to read the queue);
// - a failed query (no answer): counted, nothing judged.
// Delayed and retried messages are read from other queues (SCHEDULE_TOPIC_XXXX, %RETRY%<group>)
// with their own offsets, so only first deliveries (reconsumeTimes 0) mark a queue's offsets.
import type { HistoryEvent, ProgressEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { brokerOfQueue, masters, queuesPerBroker } from "./context.ts";
import { capped, idsMax, plural } from "./evidence.ts";
import { forcedCleansOf, powerLossesOf } from "./guarantee.ts";
import { indexHistory } from "./history_index.ts";
import type { HistoryIndex } from "./history_index.ts";
import { memberAt, membershipOf } from "./membership.ts";

export interface ProgressViolation {
  group: string;
  queue: string;
  rule: "listed" | "within the queue" | "stored" | "drained";
  brokerOffset: number;
  consumerOffset: number;
  /** Why the row contradicts the history, in words (-1 offsets: the row is missing). */
  detail: string;
}

/** How long after a queue's last activity its committed offset must have caught up (beyond offsetPersistMs). */
const commitSlackMs = 2_000;

export function checkConsumerProgress(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const answers = index.progress.filter((event) => event.error === undefined);
  const unanswered = index.progress.length - answers.length;
  if (answers.length === 0) {
    const summary = unanswered > 0
      ? `${plural(unanswered, "consumerProgress query", "consumerProgress queries")} got no answer: nothing to judge.`
      : "No consumerProgress queries in this history: nothing to judge.";
    return { name: "consumer-progress", verdict: "pass", summary, evidence: { queries: index.progress.length, unanswered } };
  }
  const unknownBrokers = brokersWithUnknownStore(index, context);
  const transactionalTopics = new Set(context.workload.producers.filter((producer) => producer.transactional !== undefined).map((producer) => producer.topic));
  const highestRead = highestOffsetsRead(index);
  const activity = queueActivity(index);
  const quietWindowMs = context.intervals.offsetPersistMs + commitSlackMs;
  const violations: ProgressViolation[] = [];
  let judged = 0;
  let drainedJudged = 0;
  let skippedUnknownStore = 0;
  const members = membershipOf(index);
  for (const answer of answers) {
    const member = memberAt(members.get(answer.group)?.get(answer.process), answer.timeMs);
    const drainedRule = member && !transactionalTopics.has(answer.topic);
    const listed = new Set(answer.queues.map((row) => row.queue));
    for (const queue of expectedQueues(context, answer.topic)) {
      if (listed.has(queue)) continue;
      violations.push({ group: answer.group, queue, rule: "listed", brokerOffset: -1, consumerOffset: -1, detail: `the topic has ${String(queuesPerBroker(context.workload, answer.topic))} queues on each master; the answer lacks this one` });
    }
    for (const row of answer.queues) {
      if (unknownBrokers.has(brokerOfQueue(row.queue))) {
        skippedUnknownStore++;
        continue;
      }
      judged++;
      const violation = (rule: ProgressViolation["rule"], detail: string): void => {
        violations.push({ group: answer.group, queue: row.queue, rule, brokerOffset: row.brokerOffset, consumerOffset: row.consumerOffset, detail });
      };
      if (row.consumerOffset > row.brokerOffset) violation("within the queue", "the group's committed offset is past the queue's max offset");
      const read = highestRead.get(`${answer.topic}\n${row.queue}`);
      if (read !== undefined && row.brokerOffset <= read) violation("stored", `a consumer read offset ${String(read)} from this queue`);
      if (!drainedRule) continue;
      const recent = lastActivity(activity, answer, row.queue);
      if (recent.readAfterQuery || recent.lastMs > answer.timeMs - quietWindowMs) continue;
      drainedJudged++;
      if (row.consumerOffset !== row.brokerOffset) {
        violation("drained", `quiet since ${String(Math.round(recent.lastMs))} ms (query at ${String(Math.round(answer.timeMs))} ms, offsetPersistMs ${String(context.intervals.offsetPersistMs)} ms): lag ${String(row.brokerOffset - row.consumerOffset)}`);
      }
    }
  }
  const evidence = {
    queries: index.progress.length, unanswered, queuesJudged: judged, drainedJudged, skippedUnknownStore,
    violations: capped(violations, idsMax(context)),
  };
  const first = violations[0];
  const summary = first !== undefined
    ? `${plural(violations.length, "queue")} where consumerProgress contradicts the history; first ${first.group} on ${first.queue} (${first.rule}): ` +
      `${first.rule === "listed" ? "" : `broker offset ${String(first.brokerOffset)}, consumer offset ${String(first.consumerOffset)}; `}${first.detail}.`
    : `${plural(judged, "queue")} in ${plural(answers.length, "consumerProgress answer")} agree with the history ` +
      `(${String(drainedJudged)} drained to lag 0)${skippedUnknownStore > 0 ? `; ${String(skippedUnknownStore)} on a master whose store a power loss or forced clean may have cut` : ""}` +
      `${unanswered > 0 ? `; ${String(unanswered)} unanswered` : ""}.`;
  return { name: "consumer-progress", verdict: violations.length > 0 ? "fail" : "pass", summary, evidence };
}

/** Every queue of the topic on every master, as "broker-a:0" (none when the workload does not name the topic). */
function expectedQueues(context: CheckContext, topic: string): string[] {
  const count = queuesPerBroker(context.workload, topic);
  return masters(context.topology).flatMap((broker) => Array.from({ length: count }, (_, queueId) => `${broker.brokerName}:${String(queueId)}`));
}

/** brokerNames whose master lost power or had a forced clean: its queue ends are not known. */
function brokersWithUnknownStore(index: HistoryIndex, context: CheckContext): Set<string> {
  const losses = powerLossesOf(index, context);
  const cleans = forcedCleansOf(index);
  return new Set(masters(context.topology)
    .filter((broker) => (losses.get(broker.node)?.length ?? 0) > 0 || (cleans.get(broker.node)?.length ?? 0) > 0)
    .map((broker) => broker.brokerName));
}

/** Per topic and queue, the highest offset any group read there on a first delivery. */
function highestOffsetsRead(index: HistoryIndex): Map<string, number> {
  const highest = new Map<string, number>();
  for (const delivery of index.deliveries) {
    if (delivery.reconsumeTimes !== 0) continue;
    const key = `${delivery.topic}\n${delivery.queue}`;
    if (delivery.queueOffset > (highest.get(key) ?? -1)) highest.set(key, delivery.queueOffset);
  }
  return highest;
}

/** Per queue: its last acked send, and per group the times of its first deliveries from it. */
interface QueueActivity {
  lastSendMs: Map<string, number>;
  deliveriesMs: Map<string, number[]>;
}

function queueActivity(index: HistoryIndex): QueueActivity {
  const lastSendMs = new Map<string, number>();
  for (const send of index.sendById.values()) {
    if (send.outcome !== "ok" || send.queue === undefined || send.outcomeMs === undefined) continue;
    const key = `${send.topic}\n${send.queue}`;
    lastSendMs.set(key, Math.max(lastSendMs.get(key) ?? Number.NEGATIVE_INFINITY, send.outcomeMs));
  }
  const deliveriesMs = new Map<string, number[]>();
  for (const delivery of index.deliveries) {
    if (delivery.reconsumeTimes !== 0) continue;
    const key = `${delivery.group}\n${delivery.topic}\n${delivery.queue}`;
    const list = deliveriesMs.get(key) ?? [];
    list.push(delivery.timeMs);
    deliveriesMs.set(key, list);
  }
  return { lastSendMs, deliveriesMs };
}

/** The queue's last acked send or first delivery to the group before the query, and whether the group read it after. */
function lastActivity(activity: QueueActivity, answer: ProgressEvent, queue: string): { lastMs: number; readAfterQuery: boolean } {
  let lastMs = activity.lastSendMs.get(`${answer.topic}\n${queue}`) ?? Number.NEGATIVE_INFINITY;
  let readAfterQuery = false;
  for (const timeMs of activity.deliveriesMs.get(`${answer.group}\n${answer.topic}\n${queue}`) ?? []) {
    if (timeMs > answer.timeMs) readAfterQuery = true;
    else lastMs = Math.max(lastMs, timeMs);
  }
  return { lastMs, readAfterQuery };
}
