// A workload consumer: a push consumer that records every delivery (with the message's
// identity, queue and offset), what its listener answered, and every rebalance result. A
// failure percentage answers RECONSUME_LATER on first deliveries to exercise the retry path;
// processing time is simulated with the Env's timers.
import type { Env } from "../../system/env/env.ts";
import { PushConsumer } from "../../system/client/consumer/push_consumer.ts";
import type { ClientMessageExt } from "../../system/client/message.ts";
import { allocateStrategyByName } from "../../system/client/consumer/allocate_strategy.ts";
import type { HistoryRecorder } from "../history/types.ts";
import type { ConsumerGroupSpec } from "../scenario.ts";
import type { WorkerSpec, WorkloadNodeHandle } from "../deploy/worker_protocol.ts";
import { decodeBodyId } from "./message_identity.ts";
import { ensureTopics } from "./topics.ts";

const strategyNames = { AVG: "AVG", AVG_BY_CIRCLE: "AVG_BY_CIRCLE", CONSISTENT_HASH: "CONSISTENT_HASH" } as const;

export async function startConsumerNode(env: Env, spec: WorkerSpec, recorder: HistoryRecorder): Promise<WorkloadNodeHandle> {
  const groupSpec: ConsumerGroupSpec | undefined = spec.consumer;
  if (!groupSpec) throw new Error(`${spec.node}: a consumer node needs a consumer group spec`);
  const runTime = (): number => env.clock.nowMs() - spec.runStartEpochMs;
  const failurePercent = groupSpec.failurePercent ?? 0;
  const processingMs = groupSpec.processingMs ?? 0;
  const topic = groupSpec.topic;

  const wait = (ms: number): Promise<void> => new Promise((resolve) => env.timers.setTimeout(resolve, ms));

  const recordDelivery = (message: ClientMessageExt, result: "success" | "retry"): void => {
    const messageId = decodeBodyId(message.body) ?? `foreign:${message.msgId}`;
    recorder.record({
      type: "deliver", op: "consume", timeMs: runTime(), process: spec.node, group: groupSpec.group, messageId,
      topic: message.topic, queue: `${message.brokerName}:${message.queueId}`, queueOffset: message.queueOffset,
      reconsumeTimes: message.reconsumeTimes, bornTimeMs: message.bornTimestamp - spec.runStartEpochMs, result,
    });
  };

  const consumer = new PushConsumer(env, {
    consumerGroup: groupSpec.group,
    namesrvAddr: spec.namesrvAddr,
    instanceName: spec.node,
    messageModel: groupSpec.model ?? "CLUSTERING",
    consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    allocateMessageQueueStrategy: allocateStrategyByName(strategyNames[groupSpec.allocateStrategy ?? "AVG"]),
    pollNameServerIntervalMs: spec.intervals.routePollMs,
    heartbeatBrokerIntervalMs: spec.intervals.clientHeartbeatMs,
    rebalanceIntervalMs: spec.intervals.rebalanceMs,
    persistConsumerOffsetIntervalMs: spec.intervals.offsetPersistMs,
    brokerSuspendMaxTimeMillis: spec.intervals.pullSuspendMs,
    consumerTimeoutMillisWhenSuspend: spec.intervals.pullSuspendMs * 2,
    ...(spec.stateDir !== undefined ? { localOffsetStoreDir: `${spec.stateDir}/offsets` } : {}),
    observer: {
      onRebalance: (event) => {
        if (event.topic !== topic) return;
        recorder.record({
          type: "rebalance", timeMs: runTime(), process: spec.node, group: groupSpec.group, topic,
          queues: event.assigned.map((queue) => `${queue.brokerName}:${queue.queueId}`).sort(),
        });
      },
    },
  });
  // The topic exists before the consumer subscribes, so its first rebalance finds the queues
  // (otherwise a consumer waits for its next route refresh, up to routePollMs).
  await ensureTopics(env, spec, [topic]);
  consumer.subscribe(topic, groupSpec.subscription ?? "*");

  const decide = (message: ClientMessageExt): "success" | "retry" =>
    message.reconsumeTimes === 0 && failurePercent > 0 && env.random.chance(failurePercent, 100) ? "retry" : "success";

  if (groupSpec.orderly) {
    consumer.registerMessageListenerOrderly(async (messages) => {
      if (processingMs > 0) await wait(processingMs);
      const verdicts = messages.map(decide);
      if (verdicts.includes("retry")) {
        for (const message of messages) recordDelivery(message, "retry");
        return "SUSPEND_CURRENT_QUEUE_A_MOMENT";
      }
      for (const message of messages) recordDelivery(message, "success");
      return "SUCCESS";
    });
  } else {
    consumer.registerMessageListenerConcurrently(async (messages) => {
      if (processingMs > 0) await wait(processingMs);
      const verdicts = messages.map(decide);
      const result = verdicts.includes("retry") ? "retry" : "success";
      for (const message of messages) recordDelivery(message, result);
      return result === "retry" ? "RECONSUME_LATER" : "CONSUME_SUCCESS";
    });
  }
  await consumer.start();
  recorder.record({ type: "membership", timeMs: runTime(), process: spec.node, group: groupSpec.group, change: "join" });

  let stopped = false;
  return {
    stopProducing: async () => {},
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await consumer.shutdown();
      recorder.record({ type: "membership", timeMs: runTime(), process: spec.node, group: groupSpec.group, change: "leave" });
    },
  };
}
