// What a push consumer does when an operator acts on it through the broker
// [MQClientInstance.resetOffset, ConsumeMessage{Concurrently,Orderly}Service.consumeMessageDirectly]:
// - reset offset (RESET_CONSUMER_CLIENT_OFFSET 220): the topic's held queues named in the table
//   are dropped and cleared, the consumer waits resetOffsetSuspendMs (Java sleeps 10 s) so
//   in-flight batches finish without committing, then each gets the new offset, which is
//   persisted to the broker as the queue is released; the next rebalance (asked for at once
//   here; Java waits for the periodic one) takes the queues again from the broker's offset.
// - consume directly (CONSUME_MESSAGE_DIRECTLY 309): the message goes to the listener as a batch
//   of one outside the queues; the status maps to CMResult (concurrently: CR_SUCCESS /
//   CR_LATER; orderly: CR_SUCCESS / CR_LATER for SUSPEND; a throw → CR_THROW_EXCEPTION with the
//   error text). Nothing is committed or sent back: it is a diagnosis tool.
import type { ConsumeMessageDirectlyResult } from "../../protocol/ops_bodies.ts";
import { errorText } from "../../stdx/error_text.ts";
import type { ClientMessageExt } from "../message.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { MessageQueueMap } from "../message_queue.ts";
import type { MessageListenerConcurrently } from "./consume_concurrently.ts";
import type { MessageListenerOrderly } from "./consume_orderly.ts";
import { resetRetryTopic } from "./consume_service.ts";
import type { PushConsumerCore } from "./push_consumer_core.ts";

export async function resetConsumerOffset(core: PushConsumerCore, topic: string, offsets: readonly [MessageQueue, number][]): Promise<MessageQueue[]> {
  const table = new MessageQueueMap<number>();
  for (const [mq, offset] of offsets) if (mq.topic === topic) table.set(mq, offset);
  const affected = core.processQueues().filter(([mq]) => table.get(mq) !== undefined);
  for (const [, pq] of affected) {
    pq.dropped = true;
    pq.clear();
  }
  core.log.info("[reset-offset] queues dropped, waiting before the new offsets apply", { topic, queues: affected.length });
  await new Promise<void>((resolve) => core.env.timers.setTimeout(resolve, core.settings.resetOffsetSuspendMs));
  const reset: MessageQueue[] = [];
  for (const [mq] of affected) {
    const offset = table.get(mq)!;
    core.offsetStore.updateOffset(mq, offset, false);
    await core.removeProcessQueue(mq);
    reset.push(mq);
  }
  core.instance.rebalanceImmediately();
  return reset;
}

export async function consumeMessageDirectly(
  core: PushConsumerCore, message: ClientMessageExt, brokerName: string,
  listener: { concurrently?: MessageListenerConcurrently | undefined; orderly?: MessageListenerOrderly | undefined },
): Promise<ConsumeMessageDirectlyResult> {
  const mq = { topic: message.topic, brokerName, queueId: message.queueId };
  resetRetryTopic([message], core.settings.group);
  const startMs = core.env.clock.monotonicMs();
  const result: ConsumeMessageDirectlyResult = {
    order: listener.orderly !== undefined, autoCommit: true, consumeResult: null, remark: null, spentTimeMills: 0,
  };
  try {
    if (listener.orderly !== undefined) {
      const status = await listener.orderly([message], { messageQueue: mq, suspendCurrentQueueTimeMillis: -1 });
      result.consumeResult = status === "SUCCESS" ? "CR_SUCCESS" : "CR_LATER";
    } else if (listener.concurrently !== undefined) {
      const status = await listener.concurrently([message], { messageQueue: mq, delayLevelWhenNextConsume: 0, ackIndex: Number.MAX_SAFE_INTEGER });
      result.consumeResult = status === "CONSUME_SUCCESS" ? "CR_SUCCESS" : "CR_LATER";
    } else {
      result.consumeResult = "CR_RETURN_NULL";
    }
  } catch (error) {
    result.consumeResult = "CR_THROW_EXCEPTION";
    result.remark = errorText(error);
  }
  result.spentTimeMills = core.env.clock.monotonicMs() - startMs;
  core.log.info("consumeMessageDirectly", { msgId: message.msgId, result: result.consumeResult });
  return result;
}
