// Test support: a terse builder for hand-made histories (the checkers' spec) and contexts for
// the classic topologies. Defaults: topic "T" with 2 queues per master, producer "producer-1",
// clustering group "G" with consumers "consumer-G-1"... A send's queue/offset default to what
// its deliveries need, so a fixture only says what matters for the case.
import type { DeliverEvent, HistoryEvent, NodeEvent } from "../../history/types.ts";
import type { ConsumerGroupSpec, Expectations, TopologyName } from "../../scenario.ts";
import { rocketmqIntervals } from "../../scenario.ts";
import type { BrokerFacts, CheckContext, TopologyFacts } from "../context.ts";

export interface SendSpec {
  id: string;
  at: number;
  /** A batch send's id (its messages share it). */
  batchId?: string;
  /** Outcome time (default at + 2) and kind (default ok). */
  outcomeAt?: number;
  outcome?: "ok" | "fail" | "unknown" | "none";
  queue?: string;
  offset?: number;
  process?: string;
  topic?: string;
  key?: string;
  seq?: number;
  tags?: string;
  status?: string;
  delayLevel?: number;
  sendMode?: "sync" | "async" | "oneway";
  /** Body size as sent (SendInvoke.bodySizeBytes; unset: unknown). */
  bodySizeBytes?: number;
}

/** A client re-send of a consumed message to %RETRY%<group> after a failed send-back (RetryResendEvent). */
export interface ResendSpec {
  id: string;
  /** When the re-send returned; it began 2 ms before unless `startAt` says. */
  at: number;
  startAt?: number;
  /** The %RETRY% queue that stored the copy (default broker-b:0) and its offset (default 0). */
  queue?: string;
  offset?: number;
  group?: string;
  process?: string;
  /** The failed delivery's reconsumeTimes (default 0). */
  reconsume?: number;
  status?: string;
}

export interface DeliverSpec {
  id: string;
  at: number;
  group?: string;
  process?: string;
  queue?: string;
  offset?: number;
  reconsume?: number;
  result?: "success" | "retry";
  /** Any other DeliverEvent field (startMs, lockHeld, storeTimeMs, delayLevel, ...). */
  extra?: Partial<DeliverEvent>;
}

export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];
  private opId = 0;
  private readonly stored = new Map<string, { queue: string; offset: number }>();

  send(spec: SendSpec): this {
    const opId = ++this.opId;
    const process = spec.process ?? "producer-1";
    const topic = spec.topic ?? "T";
    this.events.push({
      type: "invoke", op: "send", opId, timeMs: spec.at, process, topic, messageId: spec.id, sendMode: spec.sendMode ?? "sync",
      ...(spec.delayLevel === undefined ? {} : { delayLevel: spec.delayLevel }),
      ...(spec.tags === undefined ? {} : { tags: spec.tags }),
      ...(spec.key === undefined ? {} : { orderKey: spec.key }),
      ...(spec.seq === undefined ? {} : { orderSeq: spec.seq }),
      ...(spec.bodySizeBytes === undefined ? {} : { bodySizeBytes: spec.bodySizeBytes }),
      ...(spec.batchId === undefined ? {} : { batchId: spec.batchId }),
    });
    const queue = spec.queue ?? "broker-a:0";
    const offset = spec.offset ?? this.stored.size;
    this.stored.set(spec.id, { queue, offset });
    const outcome = spec.outcome ?? "ok";
    if (outcome === "none") return this;
    const timeMs = spec.outcomeAt ?? spec.at + 2;
    if (outcome === "ok") {
      this.events.push({ type: "ok", op: "send", opId, timeMs, process, messageId: spec.id, queue, queueOffset: offset, sendStatus: spec.status ?? "SEND_OK" });
    } else {
      this.events.push({ type: outcome, op: "send", opId, timeMs, process, messageId: spec.id, error: "RemotingTimeoutException: timeout" });
    }
    return this;
  }

  /** Sends ids `${prefix}${0..count-1}` every `everyMs`, round-robin over `queues`. */
  sends(prefix: string, count: number, options: { from?: number; everyMs?: number; queues?: string[] } = {}): this {
    const queues = options.queues ?? ["broker-a:0"];
    const offsets = new Map<string, number>();
    for (let index = 0; index < count; index++) {
      const queue = queues[index % queues.length] ?? "broker-a:0";
      const offset = offsets.get(queue) ?? 0;
      offsets.set(queue, offset + 1);
      this.send({ id: `${prefix}${index}`, at: (options.from ?? 0) + index * (options.everyMs ?? 10), queue, offset });
    }
    return this;
  }

  deliver(spec: DeliverSpec): this {
    const stored = this.stored.get(spec.id) ?? { queue: "broker-a:0", offset: 0 };
    const group = spec.group ?? "G";
    this.events.push({
      type: "deliver", op: "consume", timeMs: spec.at, process: spec.process ?? `consumer-${group}-1`, group,
      messageId: spec.id, topic: "T", queue: spec.queue ?? stored.queue, queueOffset: spec.offset ?? stored.offset,
      reconsumeTimes: spec.reconsume ?? 0, result: spec.result ?? "success", ...spec.extra,
    });
    return this;
  }

  resend(spec: ResendSpec): this {
    const stored = this.stored.get(spec.id) ?? { queue: "broker-a:0", offset: 0 };
    const group = spec.group ?? "G";
    this.events.push({
      type: "retry-resend", timeMs: spec.at, startMs: spec.startAt ?? spec.at - 2, process: spec.process ?? `consumer-${group}-1`, group,
      messageId: spec.id, reconsumeTimes: spec.reconsume ?? 0, fromQueue: stored.queue, fromQueueOffset: stored.offset,
      queue: spec.queue ?? "broker-b:0", queueOffset: spec.offset ?? 0, sendStatus: spec.status ?? "SEND_OK",
    });
    return this;
  }

  /** Delivers every id once, `afterMs` after its send invoke, to `process` of `group`. */
  deliverAll(ids: readonly string[], afterMs: number, options: { group?: string; process?: string } = {}): this {
    for (const id of ids) {
      const invoke = this.events.find((event) => event.type === "invoke" && event.messageId === id);
      this.deliver({ id, at: (invoke?.timeMs ?? 0) + afterMs, ...options });
    }
    return this;
  }

  rebalance(at: number, process: string, queues: string[], group = "G"): this {
    this.events.push({ type: "rebalance", timeMs: at, process, group, topic: "T", queues: [...queues].sort() });
    return this;
  }

  join(at: number, process: string, group = "G"): this {
    this.events.push({ type: "membership", timeMs: at, process, group, change: "join" });
    return this;
  }

  leave(at: number, process: string, group = "G"): this {
    this.events.push({ type: "membership", timeMs: at, process, group, change: "leave" });
    return this;
  }

  node(at: number, node: string, event: NodeEvent["event"]): this {
    this.events.push({ type: "node", timeMs: at, node, event });
    return this;
  }

  fault(at: number, healAt: number | null, kind: string, target: string, faultIndex = 0): this {
    this.events.push({ type: "nemesis", timeMs: at, phase: "inject", faultIndex, kind, target });
    if (healAt !== null) this.events.push({ type: "nemesis", timeMs: healAt, phase: "heal", faultIndex, kind, target });
    return this;
  }

  /** Any event as is (attempts, DLQ reads, routes, digests). */
  raw(event: HistoryEvent): this {
    this.events.push(event);
    return this;
  }

  build(): HistoryEvent[] {
    return this.events.map((event, index) => ({ event, index }))
      .sort((left, right) => left.event.timeMs - right.event.timeMs || left.index - right.index)
      .map(({ event }) => event);
  }
}

/**
 * The lost-offsets shape of a real swarm failure (seed 3 run 943): m-0..m-3 stored at broker-a:0;
 * late group L (consumer-L-1) takes the queue at 50.1 s; broker-a crashes at `crashMs` and
 * restarts 6 s later; m-4, m-5 are acked 7 and 8 s after the crash, m-6 20 s after it. With
 * `retake`, L lets the queue go 1 s after the crash and takes it back 10 s after it. L is
 * delivered `delivered` 21 s after the crash.
 */
export function lostOffsetsAfterCrash(options: { crashMs: number; retake: boolean; delivered: string[] }): HistoryEvent[] {
  const builder = new HistoryBuilder().sends("m-", 4, { from: 0, everyMs: 1000 })
    .join(50_000, "consumer-L-1", "L").rebalance(50_100, "consumer-L-1", ["broker-a:0"], "L")
    .fault(options.crashMs, options.crashMs + 6_000, "crash", "broker-a").node(options.crashMs, "broker-a", "crash")
    .node(options.crashMs + 6_000, "broker-a", "restart")
    .send({ id: "m-4", at: options.crashMs + 7_000, offset: 4 }).send({ id: "m-5", at: options.crashMs + 8_000, offset: 5 })
    .send({ id: "m-6", at: options.crashMs + 20_000, offset: 6 });
  if (options.retake) builder.rebalance(options.crashMs + 1_000, "consumer-L-1", [], "L").rebalance(options.crashMs + 10_000, "consumer-L-1", ["broker-a:0"], "L");
  return builder.deliverAll(options.delivered, options.crashMs + 21_000, { group: "L" }).build();
}

/**
 * The offset-reuse shape of a real swarm failure: m-0..m-3 stored at broker-a:0 offsets 0..3
 * and handed to G; broker-a loses power at 4 s and restarts at 5 s; m-4 is acked after the
 * restart at `newOffset` (3: a reused offset G already read; 4: a fresh one).
 */
export function offsetReuseAfterPowerLoss(newOffset: number): HistoryEvent[] {
  return new HistoryBuilder()
    .sends("m-", 4, { everyMs: 1000, queues: ["broker-a:0"] })
    .deliverAll(["m-0", "m-1", "m-2", "m-3"], 10)
    .fault(4000, 5000, "power-loss", "broker-a")
    .send({ id: "m-4", at: 5400, outcomeAt: 5402, queue: "broker-a:0", offset: newOffset })
    .build();
}

/**
 * The shape of battery seed 1 run 3024: m is stored at broker-a:0 (acked at 2 ms, long before any
 * power loss); G's delivery at 20 s answers retry, the send-back fails, and consumer-G-1 re-sends
 * m to %RETRY%G, stored at broker-b:0 (20.2 s, SEND_OK), so G's offset moves past the original.
 * Then `lossOn` (default broker-b) loses power at `lossAtMs` (default 24.4 s) for 1 s; with
 * `deliveredAgainAtMs` G gets m once more afterwards (a retry answer, so still not received).
 */
export function resentRetryCopyThenPowerLoss(options: { lossOn?: string; lossAtMs?: number; deliveredAgainAtMs?: number } = {}): HistoryEvent[] {
  const lossAtMs = options.lossAtMs ?? 24_400;
  const builder = new HistoryBuilder().send({ id: "m", at: 0, queue: "broker-a:0", offset: 0 })
    .deliver({ id: "m", at: 20_000, result: "retry" })
    .resend({ id: "m", at: 20_202, queue: "broker-b:0", offset: 30 })
    .fault(lossAtMs, lossAtMs + 1_000, "power-loss", options.lossOn ?? "broker-b");
  if (options.deliveredAgainAtMs !== undefined) builder.deliver({ id: "m", at: options.deliveredAgainAtMs, result: "retry" });
  return builder.build();
}

function broker(node: string, brokerName: string, role: BrokerFacts["role"], flushDiskType: BrokerFacts["flushDiskType"]): BrokerFacts {
  return { node, brokerName, role, flushDiskType, unflushedWindowMs: 10_500 };
}

export function topologyFacts(name: TopologyName, flush: BrokerFacts["flushDiskType"] = "ASYNC_FLUSH"): TopologyFacts {
  switch (name) {
    case "1m":
      return { name, brokers: [broker("broker-a", "broker-a", "ASYNC_MASTER", flush)] };
    case "2m-noslave":
      return { name, brokers: [broker("broker-a", "broker-a", "ASYNC_MASTER", flush), broker("broker-b", "broker-b", "ASYNC_MASTER", flush)] };
    case "2m-2s-async":
    case "2m-2s-sync": {
      const role = name === "2m-2s-sync" ? "SYNC_MASTER" : "ASYNC_MASTER";
      return {
        name,
        brokers: ["a", "b"].flatMap((letter) => [
          broker(`broker-${letter}`, `broker-${letter}`, role, flush),
          broker(`broker-${letter}-s`, `broker-${letter}`, "SLAVE", flush),
        ]),
      };
    }
  }
}

export interface TestContextOptions {
  topology?: TopologyFacts;
  expectations?: Partial<Expectations>;
  groups?: ConsumerGroupSpec[];
  queues?: number;
  faults?: CheckContext["faults"];
  options?: CheckContext["options"];
  endMs?: number;
}

export function testContext(options: TestContextOptions = {}): CheckContext {
  const context: CheckContext = {
    expectations: { checkers: [], ...options.expectations },
    topology: options.topology ?? topologyFacts("2m-noslave"),
    intervals: { ...rocketmqIntervals },
    workload: {
      topics: [{ name: "T", queues: options.queues ?? 2 }],
      producers: [{ count: 1, topic: "T" }],
      consumers: options.groups ?? [{ group: "G", topic: "T", count: 1 }],
    },
    faults: options.faults ?? [],
  };
  if (options.options !== undefined) context.options = options.options;
  if (options.endMs !== undefined) context.endMs = options.endMs;
  return context;
}
