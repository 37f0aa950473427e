// A workload consumer node: a push consumer that records every delivery (identity, queue,
// offset, when the listener started and ended, batch position, lock belief for orderly groups),
// what its listener answered, every rebalance result, its view of the topic's route, and each
// copy the client re-sent to %RETRY%<group> itself after a failed send-back (retry-resend). The
// group's spec shapes the listener (consumer_verdicts.ts): a fraction of first deliveries fails
// (RECONSUME_LATER, or the listener throws), poison messages fail every delivery until the
// broker dead-letters them after maxReconsumeTimes, and a failure inside a batch acknowledges
// the messages before it (ackIndex) and fails the rest. Processing time is simulated with the
// Env's timers. The node runs on the group's schedule (consumer_schedule.ts): it may start late
// and stop and start again as the group scales; each start is a new client (as a new instance
// would be) and is recorded as a membership join, each stop as a leave. When the run drains,
// node 1 of a clustering group records the group's consumerProgress (progress_reader.ts), and
// node 1 of a group that expects dead letters reads %DLQ%<group> (dlq_reader.ts).
import type { Env, TimerHandle } from "../../system/env/index.ts";
import { PushConsumer, allocateStrategyByName } from "../../system/client/index.ts";
import type { ClientMessageExt } from "../../system/client/index.ts";
import type { MessageQueue } from "../../system/protocol/index.ts";
import { MessageConst } from "../../system/message/index.ts";
import type { DeliverEvent, HistoryRecorder } from "../history/types.ts";
import { changedInterval, changedIntervalOptions, type ConsumerGroupSpec } from "../scenario.ts";
import type { WorkerSpec, WorkloadNodeHandle } from "../deploy/worker_protocol.ts";
import { decodeBodyId } from "./message_identity.ts";
import { QueueLabels } from "./queue_label.ts";
import { ensureTopics } from "./topics.ts";
import { aclSecretSetter, clientCredentials, credentialOptions } from "./acl_credentials.ts";
import { activitySchedule } from "./consumer_schedule.ts";
import { ConsumerVerdicts } from "./consumer_verdicts.ts";
import { readDeadLetters } from "./dlq_reader.ts";
import { readConsumerProgress } from "./progress_reader.ts";
import { describeError } from "./outcome.ts";
import { RouteRecorder } from "./route_recorder.ts";

const strategyNames = { AVG: "AVG", AVG_BY_CIRCLE: "AVG_BY_CIRCLE", CONSISTENT_HASH: "CONSISTENT_HASH" } as const;

/** What the listener saw of one message, recorded when it finished. */
interface Delivery {
  message: ClientMessageExt;
  startMs: number;
  batchSize: number;
  batchIndex: number;
  lockHeld: boolean | undefined;
}

export async function startConsumerNode(env: Env, spec: WorkerSpec, recorder: HistoryRecorder): Promise<WorkloadNodeHandle> {
  const groupSpec: ConsumerGroupSpec | undefined = spec.consumer;
  if (!groupSpec) throw new Error(`${spec.node}: a consumer node needs a consumer group spec`);
  const runTime = (): number => env.clock.nowMs() - spec.runStartEpochMs;
  const processingMs = groupSpec.processingMs ?? 0;
  const batchMax = groupSpec.consumeBatchMaxSize ?? 1;
  const topic = groupSpec.topic;
  const verdicts = new ConsumerVerdicts(groupSpec, env.random);
  const queueLabels = new QueueLabels();
  const wait = (ms: number): Promise<void> => new Promise((resolve) => env.timers.setTimeout(resolve, ms));

  /** When each pull-expired process queue was dropped, until the round that did it reports. */
  const expiredAtMs = new Map<string, number>();
  const queueLabel = (queue: MessageQueue): string => queueLabels.of(queue.brokerName, queue.queueId);
  /** Messages of a pull whose records do not fit the queue range pulled (pullPlacementProblem). */
  const misreads = new WeakMap<ClientMessageExt, string>();
  const messageIdOf = (message: ClientMessageExt): string => decodeBodyId(message.body) ?? `foreign:${message.msgId}`;
  const recordDelivery = (delivery: Delivery, result: "success" | "retry", threw: boolean): void => {
    const { message } = delivery;
    const event: DeliverEvent = {
      type: "deliver", op: "consume", timeMs: runTime(), process: spec.node, group: groupSpec.group,
      messageId: messageIdOf(message),
      // The group's own topic string when it matches, not the one decoded per message (see queue_label.ts).
      topic: message.topic === topic ? topic : message.topic, queue: queueLabels.of(message.brokerName, message.queueId), queueOffset: message.queueOffset,
      reconsumeTimes: message.reconsumeTimes, bornTimeMs: message.bornTimestamp - spec.runStartEpochMs, result,
      startMs: delivery.startMs, storeTimeMs: message.storeTimestamp - spec.runStartEpochMs,
    };
    const misread = misreads.get(message);
    if (misread !== undefined) event.readFrom = misread;
    if (batchMax > 1) {
      event.batchSize = delivery.batchSize;
      event.batchIndex = delivery.batchIndex;
    }
    if (delivery.lockHeld !== undefined) event.lockHeld = delivery.lockHeld;
    const delayLevel = Number(message.properties.get(MessageConst.DELAY_TIME_LEVEL) ?? "0");
    if (delayLevel > 0) event.delayLevel = delayLevel;
    if (threw) event.threw = true;
    recorder.record(event);
  };

  const createConsumer = (routes: RouteRecorder): PushConsumer => {
    const consumer = new PushConsumer(env, {
      consumerGroup: groupSpec.group,
      namesrvAddr: spec.namesrvAddr,
      ...credentialOptions(clientCredentials(spec.workload, spec.node)),
      instanceName: spec.node,
      messageModel: groupSpec.model ?? "CLUSTERING",
      consumeFromWhere: groupSpec.consumeFromWhere ?? "CONSUME_FROM_FIRST_OFFSET",
      ...(groupSpec.consumeTimestampMs === undefined ? {} : { consumeTimestamp: spec.runStartEpochMs + groupSpec.consumeTimestampMs }),
      allocateMessageQueueStrategy: allocateStrategyByName(strategyNames[groupSpec.allocateStrategy ?? "AVG"]),
      ...(groupSpec.maxReconsumeTimes === undefined ? {} : { maxReconsumeTimes: groupSpec.maxReconsumeTimes }),
      ...(groupSpec.pullBatchSize === undefined ? {} : { pullBatchSize: groupSpec.pullBatchSize }),
      ...(groupSpec.postSubscriptionWhenPull === undefined ? {} : { postSubscriptionWhenPull: groupSpec.postSubscriptionWhenPull }),
      ...(groupSpec.consumeTimeoutMs === undefined ? {} : { consumeTimeoutMs: groupSpec.consumeTimeoutMs }),
      ...(groupSpec.pullMaxIdleTimeMs === undefined ? {} : { pullMaxIdleTimeMs: groupSpec.pullMaxIdleTimeMs }),
      consumeMessageBatchMaxSize: batchMax,
      ...changedIntervalOptions(spec.intervals, {
        pollNameServerIntervalMs: "routePollMs", heartbeatBrokerIntervalMs: "clientHeartbeatMs", rebalanceIntervalMs: "rebalanceMs",
        persistConsumerOffsetIntervalMs: "offsetPersistMs", brokerSuspendMaxTimeMillis: "pullSuspendMs",
      }),
      // RocketMQ's 30 s is twice its 15 s suspend; a changed suspend keeps that ratio.
      ...(changedInterval(spec.intervals, "pullSuspendMs") === undefined ? {} : { consumerTimeoutMillisWhenSuspend: spec.intervals.pullSuspendMs * 2 }),
      ...(spec.stateDir !== undefined ? { localOffsetStoreDir: `${spec.stateDir}/offsets` } : {}),
      observer: {
        onRebalance: (event) => {
          if (event.topic !== topic) return;
          const removed = new Set(event.removed.map(queueLabel));
          const replaced = event.added.map(queueLabel).filter((queue) => removed.has(queue)).sort();
          const replacedAtMs = Math.min(...replaced.map((queue) => expiredAtMs.get(queue) ?? Infinity));
          for (const queue of event.removed) expiredAtMs.delete(queueLabel(queue));
          recorder.record({
            type: "rebalance", timeMs: runTime(), process: spec.node, group: groupSpec.group, topic,
            queues: event.assigned.map(queueLabel).sort(),
            ...(replaced.length > 0 ? { replaced } : {}), ...(Number.isFinite(replacedAtMs) ? { replacedAtMs } : {}),
          });
        },
        onQueueDropped: (event) => {
          if (event.mq.topic === topic && event.reason === "pull-expired") expiredAtMs.set(queueLabel(event.mq), runTime());
        },
        // The send-back failed and the client stored the message in %RETRY%<group> itself: the
        // group's offset moves past the original, so the checkers judge the copy where it went.
        onRetryResent: (event) => {
          const { message, sendResult } = event;
          recorder.record({
            type: "retry-resend", timeMs: runTime(), startMs: event.sendStartMs - spec.runStartEpochMs, process: spec.node,
            group: groupSpec.group, messageId: messageIdOf(message), reconsumeTimes: message.reconsumeTimes,
            fromQueue: queueLabels.of(message.brokerName, message.queueId), fromQueueOffset: message.queueOffset,
            queue: queueLabels.of(sendResult.messageQueue.brokerName, sendResult.messageQueue.queueId),
            queueOffset: sendResult.queueOffset, sendStatus: sendResult.sendStatus,
          });
        },
        // Both ways back failed: the client parked the messages for a local retry. The retry
        // checker needs when (the batch's send-backs run one after another, so that can be long
        // after the failure) to know whether a dropped process queue took the retry with it.
        onLocalRetry: (event) => {
          const timeMs = runTime();
          recorder.record({
            type: "local-retry", timeMs, process: spec.node, group: groupSpec.group, topic,
            queue: queueLabels.of(event.mq.brokerName, event.mq.queueId),
            messages: event.messages.map((message) => ({ messageId: messageIdOf(message), queueOffset: message.queueOffset, reconsumeTimes: message.reconsumeTimes })),
            dueMs: timeMs + event.delayMs,
          });
        },
        onPullResult: (event) => {
          const problem = pullPlacementProblem(event.mq, event.requestOffset, event.nextBeginOffset, event.messages);
          if (problem === undefined) return;
          const pulled = `${event.mq.topic} ${queueLabels.of(event.mq.brokerName, event.mq.queueId)} [${event.requestOffset}, ${event.nextBeginOffset}): ${problem}`;
          for (const message of event.messages) misreads.set(message, pulled);
        },
        onPullError: (event) => {
          if (event.mq.topic !== topic) return;
          recorder.record({
            type: "pull-error", timeMs: runTime(), process: spec.node, group: groupSpec.group, topic,
            queue: queueLabels.of(event.mq.brokerName, event.mq.queueId), requestOffset: event.requestOffset,
            error: event.error, retryInMs: event.retryInMs,
          });
        },
        onRouteChange: (changedTopic, route) => {
          if (changedTopic === topic) routes.update(changedTopic, route);
        },
      },
    });
    consumer.subscribe(topic, groupSpec.sqlSelector !== undefined ? { type: "SQL92", expression: groupSpec.sqlSelector } : groupSpec.subscription ?? "*");
    const deliveries = (messages: ClientMessageExt[], lockHeld: boolean | undefined): Delivery[] => {
      const startMs = runTime();
      return messages.map((message, batchIndex) => ({ message, startMs, batchSize: messages.length, batchIndex, lockHeld }));
    };
    if (groupSpec.orderly === true) {
      consumer.registerMessageListenerOrderly(async (messages, context) => {
        // Read before processing: what the consumer believed when it took the batch.
        const seen = deliveries(messages, consumer.queueLockHeld(context.messageQueue));
        if (processingMs > 0) await wait(processingMs);
        const failAt = verdicts.firstFailure(messages);
        const threw = failAt >= 0 && verdicts.throws;
        for (const delivery of seen) recordDelivery(delivery, failAt >= 0 ? "retry" : "success", threw);
        if (threw) throw new Error("mqlab workload: listener failure (throw)");
        // Orderly consumption has no ackIndex: a failure suspends the whole batch.
        return failAt >= 0 ? "SUSPEND_CURRENT_QUEUE_A_MOMENT" : "SUCCESS";
      });
    } else {
      consumer.registerMessageListenerConcurrently(async (messages, context) => {
        const seen = deliveries(messages, undefined);
        const busyMs = processingMs + verdicts.extraMs(messages);
        if (busyMs > 0) await wait(busyMs);
        const failAt = verdicts.firstFailure(messages);
        if (failAt < 0) {
          for (const delivery of seen) recordDelivery(delivery, "success", false);
          return "CONSUME_SUCCESS";
        }
        if (verdicts.throws) {
          // A throw fails the whole batch (the consume service answers RECONSUME_LATER for it).
          for (const delivery of seen) recordDelivery(delivery, "retry", true);
          throw new Error("mqlab workload: listener failure (throw)");
        }
        // Partial failure: the messages before the first failing one are acknowledged.
        seen.forEach((delivery, index) => recordDelivery(delivery, index < failAt ? "success" : "retry", false));
        if (failAt === 0) return "RECONSUME_LATER";
        context.ackIndex = failAt - 1;
        return "CONSUME_SUCCESS";
      });
    }
    return consumer;
  };

  // The topic exists before the consumer subscribes, so its first rebalance finds the queues
  // (otherwise a consumer waits for its next route refresh, up to routePollMs).
  await ensureTopics(env, spec, [topic], recorder);

  let current: PushConsumer | undefined;
  let stopped = false;
  let transition: Promise<void> = Promise.resolve();
  const timers: TimerHandle[] = [];
  const note = (text: string): void => recorder.record({ type: "note", timeMs: runTime(), process: spec.node, text });
  const activate = async (): Promise<void> => {
    if (current !== undefined || stopped) return;
    const consumer = createConsumer(new RouteRecorder(spec.node, recorder, runTime));
    current = consumer;
    // The consumer is a member from its start: start() sends the first heartbeat and may finish
    // a rebalance before it returns, and a snapshot must never precede its member's join.
    recorder.record({ type: "membership", timeMs: runTime(), process: spec.node, group: groupSpec.group, change: "join" });
    try {
      await consumer.start();
    } catch (error) {
      current = undefined;
      recorder.record({ type: "membership", timeMs: runTime(), process: spec.node, group: groupSpec.group, change: "leave" });
      throw error;
    }
  };
  const deactivate = async (): Promise<void> => {
    const consumer = current;
    if (consumer === undefined) return;
    current = undefined;
    await consumer.shutdown();
    recorder.record({ type: "membership", timeMs: runTime(), process: spec.node, group: groupSpec.group, change: "leave" });
  };
  // Starts and stops run one after another, in schedule order.
  const enqueue = (active: boolean): Promise<void> => {
    transition = transition.then(active ? activate : deactivate).catch((error: unknown) => note(`consumer ${active ? "start" : "stop"} failed: ${describeError(error)}`));
    return transition;
  };
  for (const change of activitySchedule(groupSpec, spec.index)) {
    const inMs = change.atMs - runTime();
    if (inMs <= 0) await enqueue(change.active);
    else timers.push(env.timers.setTimeout(() => void enqueue(change.active), inMs));
  }

  let progressRead = false;
  let deadLettersRead = false;
  const readDeadLettersOnce = async (): Promise<void> => {
    if (deadLettersRead || spec.index !== 1) return;
    deadLettersRead = true;
    if (!(groupSpec.readDlq ?? (groupSpec.poisonPercent ?? 0) > 0)) return;
    await readDeadLetters({ env, recorder, process: spec.node, namesrvAddr: spec.namesrvAddr, group: groupSpec.group, topic, runTimeMs: runTime });
  };
  // Only when the run drains, while the group still runs: at a stop the brokers may be going too.
  const drain = async (): Promise<void> => {
    // Broadcasting consumers keep their offsets locally: the broker has no progress to show.
    if (!progressRead && spec.index === 1 && (groupSpec.model ?? "CLUSTERING") === "CLUSTERING") {
      progressRead = true;
      await readConsumerProgress({
        env, recorder, process: spec.node, namesrvAddr: spec.namesrvAddr, credentials: credentialOptions(clientCredentials(spec.workload, spec.node)),
        group: groupSpec.group, topic, runTimeMs: runTime,
      });
    }
    await readDeadLettersOnce();
  };
  return {
    stopProducing: async () => {},
    setAclSecret: aclSecretSetter(env, clientCredentials(spec.workload, spec.node)),
    drain,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const timer of timers) env.timers.clear(timer);
      await transition;
      await deactivate();
      await readDeadLettersOnce();
    },
  };
}

/**
 * What is wrong with where a pull's records say they come from, or undefined: every record of a
 * pull from queue Q, asked at offset R and answered with nextBeginOffset B, is of Q (its topic,
 * before the client renames a %RETRY% copy, and its queue id) at an offset in [R, B), and the
 * offsets increase. A record that breaks this was served by a consume-queue unit that points at
 * another record (a recovery that kept a unit past the commit log's end, a unit written at the
 * wrong place), or the broker answered a nextBeginOffset short of what it returned (the next pull
 * reads those records again); the delivery checker fails such deliveries (misplaced).
 */
export function pullPlacementProblem(mq: MessageQueue, requestOffset: number, nextBeginOffset: number, messages: readonly ClientMessageExt[]): string | undefined {
  let previous = requestOffset - 1;
  for (const message of messages) {
    if (message.topic !== mq.topic || message.queueId !== mq.queueId) return `a record of ${message.topic} queue ${message.queueId} at ${message.queueOffset}`;
    if (message.queueOffset <= previous || message.queueOffset >= nextBeginOffset) return `a record at offset ${message.queueOffset} after ${previous}`;
    previous = message.queueOffset;
  }
  return undefined;
}
