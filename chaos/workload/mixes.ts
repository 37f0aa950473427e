// Workload mixes as data: named builders of a Workload, each exercising one RocketMQ feature a
// gentle workload never touches, parameterised by topic, queue count, rate and send phase so
// scenarios, incidents and `mqlab check` can draw them. `combineMixes` merges several into one
// workload (topics by name, producers and groups side by side), and "hostile" is them all at
// once. Group names are fixed per mix ("GroupOrderly", ...), so a combination never has two
// groups with one name; "steady" keeps the standard names (GroupTest, producer-1 first) that the
// standard fault schedules target.
// Timing: anything scheduled (late join, scaling steps, bursts) is placed at fractions of
// `sendMs` so a scenario of any length keeps them inside its send phase.
import type { ConsumerGroupSpec, ProducerSpec, TopicSpec, Workload } from "../scenario.ts";

export interface MixOptions {
  /** Topic the mix sends to and consumes from (default per mix, e.g. "TopicTest"). */
  topic?: string;
  /** Queues per master (default 4). */
  queues?: number;
  /** Messages per second per producer (default per mix). */
  ratePerSecond?: number;
  /** Length of the send phase the mix is placed in (default 240 s). */
  sendMs?: number;
}

export const mixNames = [
  "steady", "ordered", "failing", "batch", "delayed", "broadcast", "late-join", "scaling", "burst", "large", "transactions", "hostile",
] as const;
export type MixName = (typeof mixNames)[number];

const defaultSendMs = 240_000;

interface Resolved {
  topic: string;
  queues: number;
  rate: number;
  sendMs: number;
}

function resolve(options: MixOptions, defaults: { topic: string; rate: number }): Resolved {
  return {
    topic: options.topic ?? defaults.topic,
    queues: options.queues ?? 4,
    rate: options.ratePerSecond ?? defaults.rate,
    sendMs: options.sendMs ?? defaultSendMs,
  };
}

function single(resolved: Resolved, producers: ProducerSpec[], consumers: ConsumerGroupSpec[]): Workload {
  return { topics: [{ name: resolved.topic, queues: resolved.queues }], producers, consumers };
}

/** Run time at `fraction` of the send phase, in whole seconds. */
function at(resolved: Resolved, fraction: number): number {
  return Math.round((resolved.sendMs * fraction) / 1000) * 1000;
}

const builders: Record<Exclude<MixName, "hostile">, (options: MixOptions) => Workload> = {
  /** Two producers, tags A/B, one clustering group that always succeeds (the old default). */
  steady: (options) => {
    const r = resolve(options, { topic: "TopicTest", rate: 10 });
    return single(r,
      [{ count: 2, topic: r.topic, ratePerSecond: r.rate, tags: ["TagA", "TagB"], sendMode: "sync", bodySizeBytes: 256 }],
      [{ group: "GroupTest", topic: r.topic, count: 2, mode: "push", model: "CLUSTERING", subscription: "*" }]);
  },
  /**
   * Sends by sharding key (MessageQueueSelector) to an orderly group holding broker locks; some
   * first deliveries throw, and poison messages always throw: the orderly consumer suspends the
   * queue and retries in place until maxReconsumeTimes 2, then sends them to %DLQ% and moves on.
   */
  ordered: (options) => {
    const r = resolve(options, { topic: "TopicOrder", rate: 5 });
    return single(r,
      [{ count: 1, topic: r.topic, ratePerSecond: r.rate, ordered: true, orderKeys: 8, sendMode: "sync", bodySizeBytes: 128 }],
      [{ group: "GroupOrderly", topic: r.topic, count: 2, orderly: true, failurePercent: 5, failureMode: "throw", poisonPercent: 2, maxReconsumeTimes: 2 }]);
  },
  /**
   * A group that fails some first deliveries (RECONSUME_LATER → %RETRY% with the delay levels)
   * and always fails its poison messages (→ %DLQ% after maxReconsumeTimes 2), consuming in
   * batches of 4 with a partial failure (ackIndex) inside a batch, pulling 8 at a time.
   */
  failing: (options) => {
    const r = resolve(options, { topic: "TopicRetry", rate: 4 });
    // Batch sends, so a pull finds several messages and the listener gets real batches.
    return single(r,
      [{ count: 1, topic: r.topic, ratePerSecond: r.rate, batchSize: 4, sendMode: "sync", bodySizeBytes: 128 }],
      [{
        group: "GroupFailing", topic: r.topic, count: 2, failurePercent: 10, failureMode: "reconsume-later", poisonPercent: 2,
        maxReconsumeTimes: 2, consumeBatchMaxSize: 4, pullBatchSize: 8, processingMs: 20,
      }]);
  },
  /** Batch sends of 4 (one SEND_BATCH_MESSAGE, each message its own invoke) to a slow consumer. */
  batch: (options) => {
    const r = resolve(options, { topic: "TopicBatch", rate: 8 });
    return single(r,
      [{ count: 1, topic: r.topic, ratePerSecond: r.rate, batchSize: 4, sendMode: "sync", bodySizeBytes: 128 }],
      [{ group: "GroupBatch", topic: r.topic, count: 1, processingMs: 50, consumeBatchMaxSize: 2 }]);
  },
  /** A third of the messages delayed by levels 1-3 (1 s, 5 s, 10 s); some bodies compressed (> 4 KiB). */
  delayed: (options) => {
    const r = resolve(options, { topic: "TopicDelay", rate: 3 });
    return single(r,
      [{ count: 1, topic: r.topic, ratePerSecond: r.rate, delayPercent: 33, delayLevels: [1, 2, 3], compressiblePercent: 20, sendMode: "sync", bodySizeBytes: 128 }],
      [{ group: "GroupDelay", topic: r.topic, count: 1 }]);
  },
  /** A broadcasting group (two consumers, each gets every TagA message) beside a clustering one on one topic. */
  broadcast: (options) => {
    const r = resolve(options, { topic: "TopicCast", rate: 4 });
    return single(r,
      [{ count: 1, topic: r.topic, ratePerSecond: r.rate, tags: ["TagA", "TagB"], sendMode: "sync", bodySizeBytes: 128 }],
      [
        { group: "GroupBroadcast", topic: r.topic, count: 2, model: "BROADCASTING", subscription: "TagA" },
        { group: "GroupCluster", topic: r.topic, count: 1, model: "CLUSTERING" },
      ]);
  },
  /** Groups that join after messages are stored: one per ConsumeFromWhere setting. */
  "late-join": (options) => {
    const r = resolve(options, { topic: "TopicLate", rate: 4 });
    const lateMs = at(r, 0.375);
    return single(r,
      [{ count: 1, topic: r.topic, ratePerSecond: r.rate, sendMode: "sync", bodySizeBytes: 128 }],
      [
        { group: "GroupLateLast", topic: r.topic, count: 1, startAtMs: lateMs, consumeFromWhere: "CONSUME_FROM_LAST_OFFSET" },
        { group: "GroupLateFirst", topic: r.topic, count: 1, startAtMs: lateMs, consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET" },
        { group: "GroupLateTime", topic: r.topic, count: 1, startAtMs: lateMs, consumeFromWhere: "CONSUME_FROM_TIMESTAMP", consumeTimestampMs: at(r, 0.2) },
      ]);
  },
  /** A group that scales out from 1 to 3 consumers and back in to 2 during the send phase. */
  scaling: (options) => {
    const r = resolve(options, { topic: "TopicScale", rate: 4 });
    return single(r,
      [{ count: 1, topic: r.topic, ratePerSecond: r.rate, sendMode: "sync", bodySizeBytes: 128 }],
      [{ group: "GroupScaling", topic: r.topic, count: 1, scale: [{ atMs: at(r, 0.25), count: 3 }, { atMs: at(r, 0.5), count: 2 }] }]);
  },
  /** A producer that sends as fast as the cluster answers (8 in flight) for 3 s, twice. */
  burst: (options) => {
    const r = resolve(options, { topic: "TopicBurst", rate: 2 });
    return single(r,
      [{
        count: 1, topic: r.topic, ratePerSecond: r.rate, sendMode: "sync", bodySizeBytes: 512,
        bursts: [{ atMs: at(r, 0.3), durationMs: 3_000, inFlight: 8 }, { atMs: at(r, 0.7), durationMs: 3_000, inFlight: 8 }],
      }],
      [{ group: "GroupBurst", topic: r.topic, count: 1 }]);
  },
  /**
   * One transactional producer (its own group, mqlab-producer-TopicTx): 20 % of the local
   * transactions roll back, 30 % answer UNKNOW and are decided by the broker's check, the rest
   * commit; each local transaction takes 200 ms. Needs transactionsMixBrokerConfig on brokers.
   */
  transactions: (options) => {
    const r = resolve(options, { topic: "TopicTx", rate: 4 });
    return single(r,
      [{
        count: 1, topic: r.topic, ratePerSecond: r.rate, sendMode: "sync", bodySizeBytes: 128,
        transactional: { rollbackPercent: 20, unknownPercent: 30, localTransactionMs: 200 },
      }],
      [{ group: "GroupTx", topic: r.topic, count: 1 }]);
  },
  /** Bodies near maxMessageSize (4 MiB less 64 KiB, incompressible), one in ten, at a low rate. */
  large: (options) => {
    const r = resolve(options, { topic: "TopicLarge", rate: 1 });
    return single(r,
      [{ count: 1, topic: r.topic, ratePerSecond: r.rate, largeBodyPercent: 10, sendMode: "sync", bodySizeBytes: 256 }],
      [{ group: "GroupLarge", topic: r.topic, count: 1 }]);
  },
};

/**
 * What a broker needs for the transactions mix to be judged inside a run: a half message is
 * checked once older than transactionTimeOut, every transactionCheckInterval (4.9.x: 6 s and
 * 60 s, too long for a run's drain phase).
 */
export const transactionsMixBrokerConfig: Readonly<Record<string, string>> = { transactionTimeOut: "3000", transactionCheckInterval: "5000" };

/** Merges workloads: topics by name (the larger queue count wins), producers and groups appended. */
export function combineMixes(...workloads: Workload[]): Workload {
  const topics = new Map<string, TopicSpec>();
  const producers: ProducerSpec[] = [];
  const consumers: ConsumerGroupSpec[] = [];
  for (const workload of workloads) {
    for (const topic of workload.topics) {
      const known = topics.get(topic.name);
      topics.set(topic.name, { name: topic.name, queues: Math.max(topic.queues, known?.queues ?? 0) });
    }
    producers.push(...workload.producers);
    for (const group of workload.consumers) {
      if (consumers.some((other) => other.group === group.group)) throw new Error(`combineMixes: group ${group.group} appears twice`);
      consumers.push(group);
    }
  }
  return { topics: [...topics.values()], producers, consumers };
}

/**
 * Builds a named mix; "hostile" combines every other mix (large bodies only with `large: true`;
 * transactions never: they need broker settings a mix cannot carry, transactionsMixBrokerConfig).
 */
export function buildMix(name: MixName, options: MixOptions = {}, hostile: { large?: boolean } = {}): Workload {
  if (name !== "hostile") return builders[name](options);
  const parts = mixNames.filter((mix): mix is Exclude<MixName, "hostile"> =>
    mix !== "hostile" && mix !== "transactions" && (mix !== "large" || hostile.large === true));
  // Each mix keeps its own topic: one topic's traffic does not drown another's feature.
  const { topic: _ignored, ...shared } = options;
  return combineMixes(...parts.map((mix) => builders[mix](shared)));
}

export function isMixName(name: string): name is MixName {
  return (mixNames as readonly string[]).includes(name);
}
