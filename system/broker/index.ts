// Public API of system/broker: the controller the CLI and the lab deployers start, its options
// and errors, the store port (HA wrappers), the test fault switches, and the managers other
// layers read (topics, groups, offsets, membership).
export { BrokerController, BrokerStartError } from "./broker_controller.ts";
export type { BrokerControllerOptions } from "./broker_controller.ts";
export type { BrokerCounters } from "./broker_runtime.ts";
export type { BrokerStore } from "./store_port.ts";
export { StoreAdapter, storeConfigOf } from "./store_adapter.ts";
export type { BrokerTestFaults } from "./test_faults.ts";
export { TopicConfigManager, SCHEDULE_TOPIC_QUEUE_NUM } from "./topic_config_manager.ts";
export { SubscriptionGroupManager, newSubscriptionGroupConfig } from "./subscription_group_manager.ts";
export type { SubscriptionGroupConfig } from "./subscription_group_manager.ts";
export { ConsumerOffsetManager } from "./consumer_offset_manager.ts";
export { ConsumerManager } from "./client/consumer_manager.ts";
export type { ConsumerGroupEvent } from "./client/consumer_manager.ts";
export { ProducerManager } from "./client/producer_manager.ts";
export { RebalanceLockManager, REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT } from "./client/rebalance_lock_manager.ts";
export { BrokerOuterAPI } from "./out/broker_outer_api.ts";
export type { BrokerIdentity, RegisterBrokerResult } from "./out/broker_outer_api.ts";
export { BrokerRegistration, effectiveRegisterPeriodMs } from "./out/broker_registration.ts";
export { PullRequestHoldService } from "./longpolling/pull_request_hold_service.ts";
