// The recorded history of a run (history.jsonl, one event per line), Jepsen-style: every
// client operation is an `invoke` followed by exactly one outcome (`ok`, `fail` or
// `unknown` — the client cannot tell whether a timed-out send was stored). Consumers record
// each delivery; rebalance snapshots record assignments; the nemesis records what it did.
// Checkers read only this: they never look inside the system.
import type { RogueAttack, RogueOutcome } from "../faults/rogue_peer.ts";

/** "brokerName:queueId" of a topic's queue, e.g. "broker-a:3". */
export type QueueRef = string;

export interface SendInvoke {
  type: "invoke";
  op: "send";
  /** Per-run unique operation id; the outcome carries the same id. */
  opId: number;
  timeMs: number;
  /** Node that ran the producer, e.g. "producer-1". */
  process: string;
  topic: string;
  /** The message's identity: a unique id carried in the body and in KEYS. */
  messageId: string;
  tags?: string;
  /** For ordered workloads: the ordering key (sends of one key go to one queue). */
  orderKey?: string;
  /** Position of this message within its order key's sequence (0, 1, 2, ...). */
  orderSeq?: number;
  sendMode: "sync" | "async" | "oneway";
  /** Delayed message: RocketMQ's delayTimeLevel (1 = 1s, 2 = 5s, ... 18 = 2h). */
  delayLevel?: number;
  /** Batch send: every message of one batch carries the batch's id and its index in it. */
  batchId?: string;
  batchIndex?: number;
  /** Body size as sent (before the client's compression). */
  bodySizeBytes?: number;
  /** Part of a burst (the producer sends as fast as the cluster takes it). */
  burst?: boolean;
}

export interface SendOutcome {
  type: "ok" | "fail" | "unknown";
  op: "send";
  opId: number;
  timeMs: number;
  process: string;
  messageId: string;
  /** On ok: where it was stored. */
  queue?: QueueRef;
  queueOffset?: number;
  /** On ok: SEND_OK, FLUSH_DISK_TIMEOUT, FLUSH_SLAVE_TIMEOUT or SLAVE_NOT_AVAILABLE. */
  sendStatus?: string;
  /** On fail/unknown: the error's name and message, e.g. "RemotingConnectError: ...". */
  error?: string;
  /** Attempts the producer made (retries on another broker included). */
  attempts?: number;
}

/**
 * One attempt of a send at one broker (the producer's onSendAttempt hook). A send with
 * retries has several; async producers record them too, without an opId when the attempt
 * cannot be attributed to one message.
 */
export interface SendAttemptEvent {
  type: "attempt";
  op: "send";
  opId?: number;
  timeMs: number;
  process: string;
  /** brokerName the attempt went to. */
  broker: string;
  queue: QueueRef;
  outcome: "ok" | "error";
  /** The error class name on error ("RemotingConnectError", "MQBrokerError", ...). */
  errorName?: string;
  /** The broker's response code, when one came back. */
  responseCode?: number;
  latencyMs: number;
}

export interface DeliverEvent {
  type: "deliver";
  op: "consume";
  timeMs: number;
  process: string;
  group: string;
  messageId: string;
  topic: string;
  queue: QueueRef;
  queueOffset: number;
  reconsumeTimes: number;
  /** Store time at the broker, when known (end-to-end latency = timeMs - bornTimeMs). */
  bornTimeMs?: number;
  /** What the listener answered: success, or a retry request. */
  result: "success" | "retry";
  /** When the listener started on this message (timeMs is when it finished). */
  startMs?: number;
  /** Orderly consumers: whether the consumer believed it held the queue's broker lock. */
  lockHeld?: boolean;
  /** Batch consumption: size of the batch handed to the listener and this message's index. */
  batchSize?: number;
  batchIndex?: number;
  /**
   * The message's DELAY property as delivered, when present. RocketMQ's schedule service clears
   * it when it re-stores a delayed message in its real topic, so delayed messages usually arrive
   * without it: join with the invoke's delayLevel (a retry's level is the broker's choice).
   */
  delayLevel?: number;
  /** Store time at the broker, when known, in run time. */
  storeTimeMs?: number;
  /** The listener threw instead of answering (counts as a retry request). */
  threw?: boolean;
  /**
   * The pull that returned the message ("topic brokerName:queueId [requestOffset, nextBeginOffset):
   * what is wrong"), recorded only when one of that pull's records is not of the queue, or not
   * inside the range, or out of order (consumer_node.ts pullPlacementProblem).
   */
  readFrom?: string;
}

/**
 * A consumer's send-back (CONSUMER_SEND_MSG_BACK) failed and the client re-sent the message to
 * %RETRY%<group> itself, through its inner producer, and that send returned (4.9.x
 * DefaultMQPushConsumerImpl.sendMessageBack's fallback). The consume service then counts the
 * message as done and the group's offset moves past the original, so this copy, stored on
 * whichever master the inner producer picked, is the group's only way back to the message. A
 * failed re-send records nothing (the client consumes the message again locally).
 */
export interface RetryResendEvent {
  type: "retry-resend";
  /** When the re-send returned (its ack). */
  timeMs: number;
  /** When the re-send began. */
  startMs: number;
  process: string;
  group: string;
  /** The consumed message's identity (as in its deliveries). */
  messageId: string;
  /** The failed delivery's reconsumeTimes (the copy comes back with one more). */
  reconsumeTimes: number;
  /** Where the original was read. */
  fromQueue: QueueRef;
  fromQueueOffset: number;
  /** Where the copy was stored: a queue of %RETRY%<group>, "brokerName:queueId". */
  queue: QueueRef;
  queueOffset: number;
  /** The re-send's status: SEND_OK, FLUSH_DISK_TIMEOUT, ... (any status counts as stored). */
  sendStatus: string;
}

/**
 * A message found in a group's dead-letter queue (%DLQ%<group>), read by the workload when the
 * run drains. reconsumeTimes is the count the message carried into the DLQ: the broker's
 * send-back stores it with the failed delivery's reconsumeTimes + 1 (RocketMQ 4.9.x, on the DLQ
 * path as on the retry path), so a message dead-lettered because it failed at
 * maxReconsumeTimes carries maxReconsumeTimes + 1. Node 1 of the group reads the DLQ.
 */
export interface DlqEvent {
  type: "dlq";
  timeMs: number;
  process: string;
  group: string;
  messageId: string;
  queue: QueueRef;
  queueOffset: number;
  reconsumeTimes: number;
}

/**
 * An acked message looked up by its key (QUERY_MESSAGE, as mqadmin queryMsgByKey) on the master
 * of the broker that stored it, by its producer when the run drains (chaos/workload/key_lookup.ts).
 * found: the answer held a message of the topic with that key. error: the query failed (not an
 * answer about the index; found is then false and means nothing).
 */
export interface LookupEvent {
  type: "lookup";
  timeMs: number;
  process: string;
  messageId: string;
  topic: string;
  /** brokerName of the broker that acked the send (its master was asked). */
  broker: string;
  found: boolean;
  error?: string;
}

/**
 * What an operator's `mqadmin consumerProgress <group>` shows for the group's topic when the run
 * drains (GET_CONSUME_STATS from every master of the route; chaos/workload/progress_reader.ts),
 * asked by the group's first consumer: per queue the broker's max offset and the group's
 * committed offset. error: the query failed (no answer to judge).
 */
export interface ProgressEvent {
  type: "progress";
  timeMs: number;
  process: string;
  group: string;
  topic: string;
  queues: { queue: QueueRef; brokerOffset: number; consumerOffset: number }[];
  error?: string;
}

/**
 * A push consumer's pull failed (remoting error or broker error code): the queue's next pull
 * waits retryInMs. Explains a delivery that is late without any fault (a slave that has not
 * synced the topic yet answers TOPIC_NOT_EXIST to a pull the master sent it).
 */
export interface PullErrorEvent {
  type: "pull-error";
  timeMs: number;
  process: string;
  group: string;
  topic: string;
  /** "broker-a:3" */
  queue: QueueRef;
  requestOffset: number;
  error: string;
  retryInMs: number;
}

/**
 * A push consumer parked failed deliveries for a local retry: both ways back failed (the
 * send-back and the re-send to %RETRY%<group>), so 4.9.x's consume service consumes them again
 * after dueMs - timeMs (5 s) with reconsumeTimes + 1, unless their process queue is dropped
 * first. timeMs is when the batch's last send-back ended (they run one after another, so a slow
 * broker or a paused consumer parks them long after the failure).
 */
export interface LocalRetryEvent {
  type: "local-retry";
  timeMs: number;
  process: string;
  group: string;
  topic: string;
  /** "broker-a:3" */
  queue: QueueRef;
  /**
   * The parked messages: workload id, queue offset and the count the local retry will carry (the
   * failed delivery's + 1).
   */
  messages: { messageId: string; queueOffset: number; reconsumeTimes: number }[];
  dueMs: number;
}

/**
 * A client's view of a topic's route changed (after a route poll or an update): the brokers
 * it would now send to (writable queues) and read from.
 */
export interface RouteEvent {
  type: "route";
  timeMs: number;
  process: string;
  topic: string;
  /** brokerNames with at least one writable queue, sorted. */
  writableBrokers: string[];
  /** brokerNames with at least one readable queue, sorted. */
  readableBrokers: string[];
}

/**
 * A broker's commit log as the deployer read it after the run (replica consistency): its
 * length and digests of prefixes, so a slave can be compared with its master.
 */
export interface StoreDigestEvent {
  type: "store-digest";
  timeMs: number;
  node: string;
  brokerName: string;
  role: "master" | "slave";
  /** Commit-log bytes from the first kept segment's start to the end of the last record. */
  minPhysicalOffset: number;
  maxPhysicalOffset: number;
  /** sha256 hex of the bytes [minPhysicalOffset, maxPhysicalOffset). */
  sha256: string;
  /**
   * For masters: sha256 of [minPhysicalOffset, offset) for each slave's maxPhysicalOffset,
   * keyed by that offset, so a slave's whole log can be compared with the master's prefix.
   */
  prefixSha256?: Record<string, string>;
  /**
   * sha256 of each chunkSizeBytes-long chunk of [minPhysicalOffset, maxPhysicalOffset) (the
   * last may be shorter), so a checker can name where two logs first differ.
   */
  chunkSha256?: string[];
  chunkSizeBytes?: number;
  /**
   * Every consume-queue unit checked against the record it points at in this log
   * (chaos/deploy/sim/consume_queue_audit.ts); absent when the broker was down at the end.
   */
  consumeQueueAudit?: ConsumeQueueAudit;
}

/** A broker's consume queues against its commit log: units checked, and the ones that point wrong. */
export interface ConsumeQueueAudit {
  queues: number;
  units: number;
  /** Units that break the invariant; `problems` describes the first few. */
  problemCount: number;
  problems: string[];
}

export interface RebalanceEvent {
  type: "rebalance";
  timeMs: number;
  process: string;
  group: string;
  topic: string;
  /** Queues this consumer holds after the rebalance, sorted. */
  queues: QueueRef[];
  /**
   * Queues the round removed and added back (a pull-expired process queue replaced by a new one,
   * which drops what the old one had parked), sorted; absent when none. `queues` alone cannot
   * show it when the same round also moved another queue.
   */
  replaced?: QueueRef[];
  /**
   * When the first of `replaced` was dropped: the round drops an expired process queue at once
   * but reports after persisting its offset, which a slow broker can hold for seconds.
   */
  replacedAtMs?: number;
}

/** A consumer joining or leaving its group (as the workload sees it: start, crash, stop). */
export interface MembershipEvent {
  type: "membership";
  timeMs: number;
  process: string;
  group: string;
  change: "join" | "leave";
}

export interface NemesisEvent {
  type: "nemesis";
  timeMs: number;
  phase: "inject" | "heal";
  /** Index of the fault in the scenario's schedule. */
  faultIndex: number;
  kind: string;
  target: string;
  detail?: string;
}

/** A node's lifecycle as the deployer saw it. */
export interface NodeEvent {
  type: "node";
  timeMs: number;
  node: string;
  event: "start" | "crash" | "power-loss" | "restart" | "pause" | "resume" | "stop";
}

/** Something worth showing on the timeline that is not an operation (e.g. route change). */
export interface NoteEvent {
  type: "note";
  timeMs: number;
  process: string;
  text: string;
}

/**
 * A transactional producer's decision about one message (issue 16): "local" when its
 * executeLocalTransaction answered, "check" when it answered the broker's
 * CHECK_TRANSACTION_STATE. The message's send invoke/outcome are recorded as for any send
 * (commit → ok, rollback → fail, UNKNOW → unknown until a check decides).
 */
export interface TransactionEvent {
  type: "transaction";
  timeMs: number;
  process: string;
  messageId: string;
  phase: "local" | "check";
  decision: "commit" | "rollback" | "unknown";
}

/**
 * One attack of a rogue-peer fault (chaos/faults/rogue_peer.ts) on its own connection, and what
 * the target did: timeMs when the rogue started connecting, endMs when it knew the outcome.
 */
export interface RogueEvent {
  type: "rogue";
  timeMs: number;
  endMs: number;
  process: string;
  target: string;
  attack: RogueAttack;
  outcome: RogueOutcome;
  responseCode?: number;
  opaqueMatches?: boolean;
  requestCode?: number;
  error?: string;
}

export type HistoryEvent =
  | RogueEvent
  | TransactionEvent
  | SendInvoke
  | SendOutcome
  | DeliverEvent
  | RetryResendEvent
  | RebalanceEvent
  | MembershipEvent
  | NemesisEvent
  | NodeEvent
  | NoteEvent
  | SendAttemptEvent
  | DlqEvent
  | LookupEvent
  | ProgressEvent
  | RouteEvent
  | PullErrorEvent
  | LocalRetryEvent
  | StoreDigestEvent;

/** Appends events as they happen; the runner writes them out as history.jsonl. */
export interface HistoryRecorder {
  record(event: HistoryEvent): void;
  nextOpId(): number;
}

export class MemoryHistory implements HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  private opIdCounter = 0;

  record(event: HistoryEvent): void {
    this.events.push(event);
  }

  nextOpId(): number {
    return ++this.opIdCounter;
  }

  toJsonl(): string {
    return this.events.map((event) => JSON.stringify(event)).join("\n") + (this.events.length ? "\n" : "");
  }
}

export function parseHistoryJsonl(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]?.trim() ?? "";
    if (line === "") continue;
    try {
      events.push(JSON.parse(line) as HistoryEvent);
    } catch (error) {
      throw new Error(`history.jsonl:${index + 1}: not JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  return events;
}
