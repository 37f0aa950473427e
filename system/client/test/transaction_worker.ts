// Test support entry: one TransactionProducer in its own OS process. Configured by one JSON
// argument; reports JSON lines on stdout: {"type":"started"}, {"type":"local",transactionId,body}
// when executeLocalTransaction runs, {"type":"check",transactionId,body,answer} per broker check,
// {"type":"sent",...} after sendMessageInTransaction returns. With dieInLocalTransaction the
// process SIGKILLs itself inside executeLocalTransaction: the half message is stored and no
// END_TRANSACTION is ever sent (a producer crash with an open transaction).
// This file is a process entry point (like system/cli/), so it may touch `process`.
/* eslint-disable no-restricted-globals */
import { createRealEnv } from "../../env/real/index.ts";
import { TransactionProducer } from "../producer/transaction_producer.ts";
import type { LocalTransactionState } from "../producer/transaction_producer.ts";

export interface TransactionWorkerConfig {
  namesrvAddr: string;
  group: string;
  topic: string;
  instanceName: string;
  /** Bodies to send in transactions, one after another. */
  send: string[];
  dieInLocalTransaction?: boolean;
  /** What checkLocalTransaction answers, by body (absent: UNKNOW). */
  checkAnswers?: Record<string, LocalTransactionState>;
}

const config = JSON.parse(process.argv[2] ?? "{}") as TransactionWorkerConfig;
const env = createRealEnv({ nodeName: `tx-${config.instanceName}`, logLevel: "warn" });

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...line, atMs: env.clock.nowMs() })}\n`);
}

const producer = new TransactionProducer(env, {
  namesrvAddr: config.namesrvAddr, producerGroup: config.group, instanceName: config.instanceName,
  heartbeatBrokerIntervalMs: 200, heartbeatFirstDelayMs: 50, pollNameServerIntervalMs: 500,
  transactionListener: {
    executeLocalTransaction: (message) => {
      const body = new TextDecoder().decode(message.body);
      emit({ type: "local", transactionId: message.transactionId, body });
      if (config.dieInLocalTransaction === true) process.kill(process.pid, "SIGKILL");
      return "UNKNOW";
    },
    checkLocalTransaction: (message) => {
      const body = new TextDecoder().decode(message.body);
      const answer = config.checkAnswers?.[body] ?? "UNKNOW";
      emit({ type: "check", transactionId: message.transactionId, body, answer });
      return answer;
    },
  },
});

process.on("SIGTERM", () => {
  void producer.shutdown().then(() => {
    env.close();
    process.exit(0);
  });
});

await producer.start();
// Learn the topic's route first, so heartbeats reach its broker (the broker asks live producers).
await producer.fetchPublishMessageQueues(config.topic);
emit({ type: "started", clientId: producer.clientId });
for (const body of config.send) {
  const result = await producer.sendMessageInTransaction({ topic: config.topic, body });
  emit({ type: "sent", body, transactionId: result.transactionId, state: result.localTransactionState });
}
