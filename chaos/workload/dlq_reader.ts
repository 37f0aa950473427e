// Reads a group's dead-letter queue (%DLQ%<group>) when the run drains and records each message
// found as a DlqEvent. mqlab's broker creates a DLQ topic on the first send-back past
// maxReconsumeTimes with one queue (DLQ_NUMS_PER_GROUP) and perm READ|WRITE, on that broker only,
// so the reader pulls queue 0 of the DLQ topic on every master of the group's topic, from offset
// 0 to its max offset (a broker that never dead-lettered anything has no such topic: nothing
// to read). A master that is down at the end cannot be read: a note says so (partial evidence).
import type { Env } from "../../system/env/index.ts";
import { PullConsumer } from "../../system/client/index.ts";
import { DLQ_GROUP_TOPIC_PREFIX } from "../../system/message/index.ts";
import type { HistoryRecorder } from "../history/types.ts";
import { describeError } from "./outcome.ts";
import { decodeBodyId } from "./message_identity.ts";

const pullBatch = 32;
const pullTimeoutMs = 3_000;

export interface DlqReadContext {
  env: Env;
  recorder: HistoryRecorder;
  process: string;
  namesrvAddr: string;
  group: string;
  /** The group's topic: its route names the masters to read. */
  topic: string;
  runTimeMs(): number;
}

export async function readDeadLetters(context: DlqReadContext): Promise<number> {
  const { env, recorder, process, group } = context;
  const note = (text: string): void => recorder.record({ type: "note", timeMs: context.runTimeMs(), process, text });
  const reader = new PullConsumer(env, { consumerGroup: `${group}-dlq-reader`, namesrvAddr: context.namesrvAddr, instanceName: `${process}-dlq` });
  await reader.start();
  let found = 0;
  try {
    const brokers = [...new Set((await reader.fetchSubscribeMessageQueues(context.topic)).map((queue) => queue.brokerName))].sort();
    const dlqTopic = DLQ_GROUP_TOPIC_PREFIX + group;
    for (const brokerName of brokers) {
      const mq = { topic: dlqTopic, brokerName, queueId: 0 };
      let maxOffset: number;
      try {
        maxOffset = await reader.maxOffset(mq);
      } catch (error) {
        note(`DLQ ${dlqTopic} on ${brokerName} not read: ${describeError(error)}`);
        continue;
      }
      for (let offset = 0; offset < maxOffset;) {
        const result = await reader.pull(mq, "*", offset, pullBatch, { timeoutMs: pullTimeoutMs });
        for (const message of result.msgFoundList) {
          found++;
          recorder.record({
            type: "dlq", timeMs: context.runTimeMs(), process, group, messageId: decodeBodyId(message.body) ?? `foreign:${message.msgId}`,
            queue: `${brokerName}:0`, queueOffset: message.queueOffset, reconsumeTimes: message.reconsumeTimes,
          });
        }
        if (result.nextBeginOffset <= offset) break;
        offset = result.nextBeginOffset;
      }
    }
  } catch (error) {
    note(`DLQ of ${group} not fully read: ${describeError(error)}`);
  } finally {
    await reader.shutdown();
  }
  return found;
}
