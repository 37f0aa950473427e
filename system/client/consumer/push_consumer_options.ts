// Options of the push consumer with RocketMQ 4.9.7's defaults (DefaultMQPushConsumer), and their
// resolution into one settings object. Intervals are configurable for the lab.
import { msFromCivil } from "../../message/civil_time.ts";
import { validateGroup } from "../../message/validators.ts";
import type { ClientOptions } from "../client_config.ts";
import type { ConsumeFromWhere, MessageModel } from "../client_inner.ts";
import { MQClientError } from "../client_errors.ts";
import type { AllocateMessageQueueStrategy } from "./allocate_strategy.ts";
import { allocateAveragely } from "./allocate_strategy.ts";
import type { ConsumerObserver } from "./consumer_observer.ts";
import { PULL_MAX_IDLE_TIME_MS_DEFAULT, REBALANCE_LOCK_MAX_LIVE_TIME_MS } from "./process_queue.ts";

export interface PushConsumerOptions extends ClientOptions {
  consumerGroup: string;
  messageModel?: MessageModel;
  consumeFromWhere?: ConsumeFromWhere;
  /** CONSUME_FROM_TIMESTAMP start: "yyyyMMddHHmmss" (UTC) or epoch ms; default now − 30 min. */
  consumeTimestamp?: string | number;
  allocateMessageQueueStrategy?: AllocateMessageQueueStrategy;
  pullThresholdForQueue?: number;
  pullThresholdSizeForQueueMiB?: number;
  /** -1 = off; else divided over the held queues. */
  pullThresholdForTopic?: number;
  pullThresholdSizeForTopicMiB?: number;
  consumeConcurrentlyMaxSpan?: number;
  pullIntervalMs?: number;
  pullBatchSize?: number;
  consumeMessageBatchMaxSize?: number;
  /** Listener calls in flight at once (Java consumeThreadMax). */
  consumeThreadMax?: number;
  /** -1 = 16 for concurrent, unlimited for orderly. */
  maxReconsumeTimes?: number;
  suspendCurrentQueueTimeMillis?: number;
  /** Java consumeTimeout is in minutes (15); here milliseconds. */
  consumeTimeoutMs?: number;
  /** Send the tag expression in every pull (sysFlag subscription bit). Java's default is false. */
  postSubscriptionWhenPull?: boolean;
  pullTimeDelayMillsWhenException?: number;
  brokerSuspendMaxTimeMillis?: number;
  consumerTimeoutMillisWhenSuspend?: number;
  pullMaxIdleTimeMs?: number;
  /** RESET_CONSUMER_CLIENT_OFFSET: how long dropped queues settle before the new offsets apply (Java sleeps 10 s). */
  resetOffsetSuspendMs?: number;
  /** Message trace: SubBefore/SubAfter records to RMQ_SYS_TRACE_TOPIC (client/trace/). */
  enableMsgTrace?: boolean;
  customizedTraceTopic?: string;
  /** Orderly: LOCK_BATCH_MQ renewal interval (Java 20 s). */
  lockIntervalMs?: number;
  /** Orderly: a lock not renewed for this long counts as lost (Java 30 s; the broker's is 60 s). */
  lockMaxLiveTimeMs?: number;
  /** Broadcasting offsets: <dir>/<clientId>/<group>/offsets.json. */
  localOffsetStoreDir?: string;
  observer?: ConsumerObserver;
}

export interface PushConsumerSettings {
  readonly group: string;
  readonly messageModel: MessageModel;
  readonly consumeFromWhere: ConsumeFromWhere;
  readonly consumeTimestampMs: number;
  readonly strategy: AllocateMessageQueueStrategy;
  pullThresholdForQueue: number;
  pullThresholdSizeForQueueMiB: number;
  readonly pullThresholdForTopic: number;
  readonly pullThresholdSizeForTopicMiB: number;
  readonly consumeConcurrentlyMaxSpan: number;
  readonly pullIntervalMs: number;
  readonly pullBatchSize: number;
  readonly consumeMessageBatchMaxSize: number;
  readonly consumeThreadMax: number;
  readonly maxReconsumeTimesOption: number;
  readonly suspendCurrentQueueTimeMs: number;
  readonly consumeTimeoutMs: number;
  readonly postSubscriptionWhenPull: boolean;
  readonly pullTimeDelayMillsWhenException: number;
  readonly brokerSuspendMaxTimeMillis: number;
  readonly consumerTimeoutMillisWhenSuspend: number;
  readonly pullMaxIdleTimeMs: number;
  readonly resetOffsetSuspendMs: number;
  readonly enableMsgTrace: boolean;
  readonly customizedTraceTopic: string | undefined;
  readonly lockIntervalMs: number;
  readonly lockMaxLiveTimeMs: number;
  readonly localOffsetStoreDir: string;
}

/** Flow-control back-off (PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL). */
/** Java's consumeThreadMin/Max (20): concurrent listener calls in flight at once. */
export const CONSUME_THREAD_MAX_DEFAULT = 20;

export const PULL_DELAY_WHEN_FLOW_CONTROL_MS = 50;
/** Back-off after a broker FLOW_CONTROL (215) answer. */
export const PULL_DELAY_WHEN_BROKER_FLOW_CONTROL_MS = 20;
/** Pause after OFFSET_ILLEGAL before the offset is fixed and the queue re-added. */
export const OFFSET_ILLEGAL_FIX_DELAY_MS = 10_000;

function parseConsumeTimestamp(value: string | number | undefined, nowMs: number): number {
  if (value === undefined) return nowMs - 30 * 60_000;
  if (typeof value === "number") return value;
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (match === null) throw new MQClientError(`consumeTimestamp ${JSON.stringify(value)} is not yyyyMMddHHmmss`);
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  return msFromCivil({ year, month, day, hour, minute, second, millisecond: 0 });
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) throw new MQClientError(`${name} out of range [${min}, ${max}]: ${value}`);
  return value;
}

export function resolvePushConsumerSettings(options: PushConsumerOptions, nowMs: number): PushConsumerSettings {
  const groupProblem = validateGroup(options.consumerGroup);
  if (groupProblem !== null) throw new MQClientError(`consumerGroup: ${groupProblem}`);
  if (options.consumerGroup === "DEFAULT_CONSUMER") {
    throw new MQClientError("consumerGroup can not equal DEFAULT_CONSUMER, please specify another one.");
  }
  return {
    group: options.consumerGroup,
    messageModel: options.messageModel ?? "CLUSTERING",
    consumeFromWhere: options.consumeFromWhere ?? "CONSUME_FROM_LAST_OFFSET",
    consumeTimestampMs: parseConsumeTimestamp(options.consumeTimestamp, nowMs),
    strategy: options.allocateMessageQueueStrategy ?? allocateAveragely,
    pullThresholdForQueue: checkRange("pullThresholdForQueue", options.pullThresholdForQueue ?? 1000, 1, 65535),
    pullThresholdSizeForQueueMiB: checkRange("pullThresholdSizeForQueue", options.pullThresholdSizeForQueueMiB ?? 100, 1, 1024),
    pullThresholdForTopic: options.pullThresholdForTopic ?? -1,
    pullThresholdSizeForTopicMiB: options.pullThresholdSizeForTopicMiB ?? -1,
    consumeConcurrentlyMaxSpan: checkRange("consumeConcurrentlyMaxSpan", options.consumeConcurrentlyMaxSpan ?? 2000, 1, 65535),
    pullIntervalMs: checkRange("pullInterval", options.pullIntervalMs ?? 0, 0, 65535),
    pullBatchSize: checkRange("pullBatchSize", options.pullBatchSize ?? 32, 1, 1024),
    consumeMessageBatchMaxSize: checkRange("consumeMessageBatchMaxSize", options.consumeMessageBatchMaxSize ?? 1, 1, 1024),
    consumeThreadMax: checkRange("consumeThreadMax", options.consumeThreadMax ?? CONSUME_THREAD_MAX_DEFAULT, 1, 1000),
    maxReconsumeTimesOption: options.maxReconsumeTimes ?? -1,
    suspendCurrentQueueTimeMs: options.suspendCurrentQueueTimeMillis ?? 1000,
    consumeTimeoutMs: checkRange("consumeTimeout", options.consumeTimeoutMs ?? 15 * 60_000, 1, Number.MAX_SAFE_INTEGER),
    postSubscriptionWhenPull: options.postSubscriptionWhenPull ?? true,
    pullTimeDelayMillsWhenException: options.pullTimeDelayMillsWhenException ?? 3000,
    brokerSuspendMaxTimeMillis: options.brokerSuspendMaxTimeMillis ?? 15_000,
    consumerTimeoutMillisWhenSuspend: options.consumerTimeoutMillisWhenSuspend ?? 30_000,
    pullMaxIdleTimeMs: options.pullMaxIdleTimeMs ?? PULL_MAX_IDLE_TIME_MS_DEFAULT,
    resetOffsetSuspendMs: options.resetOffsetSuspendMs ?? 10_000,
    enableMsgTrace: options.enableMsgTrace ?? false,
    customizedTraceTopic: options.customizedTraceTopic,
    lockIntervalMs: options.lockIntervalMs ?? 20_000,
    lockMaxLiveTimeMs: options.lockMaxLiveTimeMs ?? REBALANCE_LOCK_MAX_LIVE_TIME_MS,
    localOffsetStoreDir: options.localOffsetStoreDir ?? ".rocketmq_offsets",
  };
}
