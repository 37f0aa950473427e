// Public API of the clients: Producer, PushConsumer, PullConsumer, AdminClient and their types.
export type { ClientOptions, ClientConfig } from "./client_config.ts";
export { CLIENT_DEFAULTS, resolveClientConfig, buildClientId } from "./client_config.ts";
export { MQClientError, MQBrokerError, ClientErrorCode } from "./client_errors.ts";
export type { MessageModel, ConsumeFromWhere, ConsumeType } from "./client_inner.ts";
export type { Message, ClientMessageExt } from "./message.ts";
export { bodyText } from "./message.ts";
export { messageQueueToString } from "./message_queue.ts";
export { getOrCreateClientInstance, ClientInstance } from "./client_instance.ts";
export { clientInstancesOf } from "./client_instance.ts";
export { publishQueuesOf, subscribeQueuesOf } from "./route_data.ts";
export type { TopicRouteData, QueueData, BrokerData } from "../protocol/route.ts";

export { Producer, DEFAULT_PRODUCER_GROUP, MAX_MESSAGE_SIZE_DEFAULT } from "./producer/producer.ts";
export type { ProducerOptions, SendCallback, MessageQueueSelector } from "./producer/producer.ts";
export type { SendResult, SendStatus } from "./producer/send_kernel.ts";
export { TransactionProducer, commitOrRollbackOf } from "./producer/transaction_producer.ts";
export type {
  LocalTransactionState, TransactionListener, TransactionMessage, TransactionProducerOptions, TransactionSendResult,
} from "./producer/transaction_producer.ts";
export type { SendAttemptEvent } from "./producer/send_engine.ts";
export { selectMessageQueueByHash } from "./producer/selectors.ts";
export { LatencyFaultTolerance, LATENCY_MAX_MS_DEFAULT, NOT_AVAILABLE_DURATION_MS_DEFAULT } from "./producer/latency_fault_tolerance.ts";

export { PushConsumer } from "./consumer/push_consumer.ts";
export type { PushConsumerOptions } from "./consumer/push_consumer_options.ts";
export type {
  ConsumeConcurrentlyStatus, ConsumeConcurrentlyContext, MessageListenerConcurrently,
} from "./consumer/consume_concurrently.ts";
export type { ConsumeOrderlyStatus, ConsumeOrderlyContext, MessageListenerOrderly } from "./consumer/consume_orderly.ts";
export type {
  ConsumerObserver, RebalanceEvent, PullResultEvent, DeliverEvent, ConsumeResultEvent, OffsetCommitEvent, QueueDroppedEvent,
} from "./consumer/consumer_observer.ts";
export { PullConsumer } from "./consumer/pull_consumer.ts";
export type { PullConsumerOptions } from "./consumer/pull_consumer.ts";
export type { PullResult, PullStatus } from "./consumer/pull_api.ts";
export { pullStatusOf } from "./consumer/pull_api.ts";
export {
  allocateAveragely, allocateAveragelyByCircle, allocateConsistentHash, allocateStrategyByName,
} from "./consumer/allocate_strategy.ts";
export type { AllocateMessageQueueStrategy, AllocateStrategyName } from "./consumer/allocate_strategy.ts";
export { buildSubscriptionData, tagMatches } from "./consumer/subscription_data.ts";
export type { SubscriptionData } from "./consumer/subscription_data.ts";

export { AdminClient } from "./admin/admin_client.ts";
export type { BrokerRow, ConsumerProgress, CreateTopicOptions, QueueProgress } from "./admin/admin_types.ts";
