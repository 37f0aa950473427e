// Public API of the clients as the lab uses them: Producer, TransactionProducer, PushConsumer,
// PullConsumer, AdminClient, and the route and instance views the workload records.
export type { Message, ClientMessageExt } from "./message.ts";
export type { ClientSerializeType } from "./client_config.ts";
export { clientInstancesOf } from "./client_instance.ts";
export { publishQueuesOf, subscribeQueuesOf } from "./route_data.ts";

export { Producer } from "./producer/producer.ts";
export type { ProducerOptions } from "./producer/producer.ts";
export type { SendResult } from "./producer/send_kernel.ts";
export { TransactionProducer } from "./producer/transaction_producer.ts";
export type { LocalTransactionState, TransactionMessage } from "./producer/transaction_producer.ts";

export { PushConsumer } from "./consumer/push_consumer.ts";
export { PullConsumer } from "./consumer/pull_consumer.ts";
export { allocateStrategyByName } from "./consumer/allocate_strategy.ts";

export { AdminClient } from "./admin/admin_client.ts";
/** How long an orderly consumer waits to unlock a queue a rebalance took while messages were cached. */
export { UNLOCK_DELAY_MS as ORDERLY_UNLOCK_DELAY_MS } from "./consumer/push_consumer_core.ts";
export { CONSUME_THREAD_MAX_DEFAULT } from "./consumer/push_consumer_options.ts";
