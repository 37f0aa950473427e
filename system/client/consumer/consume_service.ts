// What the consume services need from their push consumer, and helpers they share.
import type { Env, Log } from "../../env/env.ts";
import { MessageConst, RETRY_GROUP_TOPIC_PREFIX } from "../../message/message_const.ts";
import type { MessageModel } from "../client_inner.ts";
import type { ClientMessageExt } from "../message.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import type { OffsetStore } from "./offset_store.ts";
import type { ProcessQueue } from "./process_queue.ts";
import type { RebalanceImpl } from "./rebalance_impl.ts";

export interface ConsumeSettings {
  readonly group: string;
  readonly messageModel: MessageModel;
  readonly consumeMessageBatchMaxSize: number;
  readonly consumeThreadMax: number;
  readonly consumeTimeoutMs: number;
  readonly suspendCurrentQueueTimeMs: number;
  /** Orderly: re-lock interval (Java 20 s). */
  readonly lockIntervalMs: number;
  readonly lockMaxLiveTimeMs: number;
  readonly maxReconsumeTimes: number;
}

export interface ConsumeServiceHost {
  readonly env: Env;
  readonly log: Log;
  readonly settings: ConsumeSettings;
  readonly offsetStore: OffsetStore;
  readonly rebalance: RebalanceImpl;
  processQueues(): [MessageQueue, ProcessQueue][];
  /** CONSUMER_SEND_MSG_BACK, falling back to a plain send to %RETRY%group; false if both fail. */
  sendMessageBack(message: ClientMessageExt, delayLevel: number, brokerName: string): Promise<boolean>;
  emitDeliver(mq: MessageQueue, messages: readonly ClientMessageExt[], orderly: boolean): void;
  emitConsumeResult(mq: MessageQueue, messages: readonly ClientMessageExt[], orderly: boolean, status: string): void;
  /** Messages whose send-back failed both ways, parked for a local retry after delayMs. */
  emitLocalRetry(mq: MessageQueue, messages: readonly ClientMessageExt[], delayMs: number): void;
}

/** Restores the original topic of messages pulled from %RETRY%group (resetRetryAndNamespace). */
export function resetRetryTopic(messages: readonly ClientMessageExt[], group: string): void {
  const groupTopic = RETRY_GROUP_TOPIC_PREFIX + group;
  for (const message of messages) {
    const retryTopic = message.properties.get(MessageConst.RETRY_TOPIC);
    if (retryTopic !== undefined && message.topic === groupTopic) message.topic = retryTopic;
  }
}
