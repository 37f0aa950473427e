// Test support entry: one PushConsumer in its own OS process, for integration tests that kill
// consumers (kill -9) or restart them. Configured by one JSON argument; reports on stdout, one
// JSON object per line: {"type":"started"}, {"type":"rebalance",...} (observer), {"type":"msg",...}
// per consumed message, {"type":"stopped"}. SIGTERM shuts the consumer down gracefully.
// This file is a process entry point (like system/cli/), so it may touch `process`.
/* eslint-disable no-restricted-globals */
import { createRealEnv } from "../../env/real/index.ts";
import type { ConsumerObserver } from "../consumer/consumer_observer.ts";
import { PushConsumer } from "../consumer/push_consumer.ts";
import type { PushConsumerOptions } from "../consumer/push_consumer_options.ts";
import { bodyText } from "../message.ts";
import type { ClientMessageExt } from "../message.ts";

export interface WorkerConfig {
  namesrvAddr: string;
  group: string;
  topic: string;
  instanceName: string;
  orderly?: boolean;
  /** Per-message listener delay (ms). */
  consumeDelayMs?: number;
  options?: Partial<PushConsumerOptions>;
}

const config = JSON.parse(process.argv[2] ?? "{}") as WorkerConfig;
const env = createRealEnv({ nodeName: `worker-${config.instanceName}`, logLevel: "warn" });

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...line, atMs: env.clock.nowMs() })}\n`);
}

const observer: ConsumerObserver = {
  onRebalance: (event) => emit({ type: "rebalance", topic: event.topic, assigned: event.assigned, clientId: event.clientId }),
};

function report(messages: ClientMessageExt[]): void {
  for (const m of messages) {
    emit({ type: "msg", body: bodyText(m), brokerName: m.brokerName, queueId: m.queueId, queueOffset: m.queueOffset, reconsumeTimes: m.reconsumeTimes, msgId: m.msgId });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => env.timers.setTimeout(resolve, ms));

const consumer = new PushConsumer(env, {
  namesrvAddr: config.namesrvAddr, consumerGroup: config.group, instanceName: config.instanceName, observer, ...config.options,
});
consumer.subscribe(config.topic, "*");
if (config.orderly === true) {
  consumer.registerMessageListenerOrderly(async (messages) => {
    if (config.consumeDelayMs !== undefined) await sleep(config.consumeDelayMs);
    report(messages);
    return "SUCCESS";
  });
} else {
  consumer.registerMessageListenerConcurrently(async (messages) => {
    if (config.consumeDelayMs !== undefined) await sleep(config.consumeDelayMs);
    report(messages);
    return "CONSUME_SUCCESS";
  });
}

let stopping = false;
process.on("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  void consumer.shutdown({ awaitTerminateMs: 3000 }).then(() => {
    emit({ type: "stopped" });
    env.close();
    process.exit(0);
  });
});

await consumer.start();
emit({ type: "started", clientId: consumer.clientId });
