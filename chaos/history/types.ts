// The recorded history of a run (history.jsonl, one event per line), Jepsen-style: every
// client operation is an `invoke` followed by exactly one outcome (`ok`, `fail` or
// `unknown` — the client cannot tell whether a timed-out send was stored). Consumers record
// each delivery; rebalance snapshots record assignments; the nemesis records what it did.
// Checkers read only this: they never look inside the system.

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
}

export interface RebalanceEvent {
  type: "rebalance";
  timeMs: number;
  process: string;
  group: string;
  topic: string;
  /** Queues this consumer holds after the rebalance, sorted. */
  queues: QueueRef[];
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

export type HistoryEvent =
  | SendInvoke
  | SendOutcome
  | DeliverEvent
  | RebalanceEvent
  | MembershipEvent
  | NemesisEvent
  | NodeEvent
  | NoteEvent;

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
