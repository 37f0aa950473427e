// What the shared ClientInstance needs from the producers and consumers registered with it
// (RocketMQ's MQProducerInner / MQConsumerInner): their groups and topics for heartbeats and
// route refresh, and hooks for rebalance, offset persistence and route changes.
import type { MessageQueue } from "../protocol/message_queue.ts";
import type { TopicPublishInfo } from "./producer/topic_publish_info.ts";
import type { SubscriptionData } from "./consumer/subscription_data.ts";
import type { ClientMessageExt } from "./message.ts";
import type { ConsumeMessageDirectlyResult } from "../protocol/ops_bodies.ts";
import type { MessageExt } from "../message/message_record.ts";
import type { CheckTransactionStateRequestHeader } from "../protocol/headers.ts";

export type MessageModel = "CLUSTERING" | "BROADCASTING";
export type ConsumeType = "CONSUME_ACTIVELY" | "CONSUME_PASSIVELY";
export type ConsumeFromWhere = "CONSUME_FROM_LAST_OFFSET" | "CONSUME_FROM_FIRST_OFFSET" | "CONSUME_FROM_TIMESTAMP";

export interface ProducerInner {
  readonly groupName: string;
  publishTopics(): string[];
  /** True when the producer uses topic and lacks usable route info for it. */
  isPublishTopicNeedUpdate(topic: string): boolean;
  updateTopicPublishInfo(topic: string, info: TopicPublishInfo): void;
  /** Transactional producers: the broker at brokerAddr asks about a half message (39). */
  checkTransactionState?(brokerAddr: string, message: MessageExt, header: CheckTransactionStateRequestHeader): void;
}

export interface ConsumerInner {
  readonly groupName: string;
  readonly messageModel: MessageModel;
  readonly consumeType: ConsumeType;
  readonly consumeFromWhere: ConsumeFromWhere;
  subscriptions(): SubscriptionData[];
  /** Runs one rebalance round for every subscribed topic. */
  doRebalance(): Promise<void>;
  persistConsumerOffset(): Promise<void>;
  updateTopicSubscribeInfo(topic: string, queues: readonly MessageQueue[]): void;
  isSubscribeTopicNeedUpdate(topic: string): boolean;
  /** Body of GET_CONSUMER_RUNNING_INFO (307). */
  runningInfo(): Record<string, unknown>;
  /** RESET_CONSUMER_CLIENT_OFFSET (220); push consumers only. */
  resetOffset?(topic: string, offsets: readonly [MessageQueue, number][]): Promise<unknown>;
  /** CONSUME_MESSAGE_DIRECTLY (309); push consumers only. */
  consumeMessageDirectly?(message: ClientMessageExt, brokerName: string): Promise<ConsumeMessageDirectlyResult>;
}
