// The parts of a running broker that processors and services share. BrokerController builds
// one; processors depend on this interface only (no import cycle with the controller).
import type { Env, Log } from "../env/env.ts";
import type { BrokerConfig } from "../config/broker_config.ts";
import type { Broker2Client } from "./client/broker_to_client.ts";
import type { ConsumerManager } from "./client/consumer_manager.ts";
import type { ProducerManager } from "./client/producer_manager.ts";
import type { RebalanceLockManager } from "./client/rebalance_lock_manager.ts";
import type { ConsumerOffsetManager } from "./consumer_offset_manager.ts";
import type { PullRequestHoldService } from "./longpolling/pull_request_hold_service.ts";
import type { BrokerStore } from "./store_port.ts";
import type { SubscriptionGroupManager } from "./subscription_group_manager.ts";
import type { BrokerTestFaults } from "./test_faults.ts";
import type { TopicConfigManager } from "./topic_config_manager.ts";
import type { PutLatencyHistogram } from "./put_latency.ts";
import type { SendQueue } from "./flow/send_queue.ts";
import type { TransactionalMessageService } from "./transaction/transactional_message_service.ts";

export interface BrokerRuntime {
  readonly env: Env;
  readonly log: Log;
  readonly brokerConfig: BrokerConfig;
  readonly store: BrokerStore;
  readonly topicConfigManager: TopicConfigManager;
  readonly subscriptionGroupManager: SubscriptionGroupManager;
  readonly consumerOffsetManager: ConsumerOffsetManager;
  readonly consumerManager: ConsumerManager;
  readonly producerManager: ProducerManager;
  readonly rebalanceLockManager: RebalanceLockManager;
  readonly broker2Client: Broker2Client;
  readonly pullRequestHoldService: PullRequestHoldService;
  /** "brokerIP1:listenPort": the store host written into records and msgIds. */
  storeHost: string;
  testFaults: BrokerTestFaults;
  /** Bumped by every message the send path accepts (for dropEveryNthSend and runtime info). */
  counters: BrokerCounters;
  /** Replication state for GET_BROKER_RUNTIME_INFO (system/ha), when the broker replicates. */
  haRuntimeInfo?: () => Record<string, string>;
  /** Half messages, END_TRANSACTION and the check (system/broker/transaction). */
  transactions?: TransactionalMessageService;
  /** The send thread pool's queue with BrokerFastFailure (system/broker/flow). */
  sendQueue?: SendQueue;
}

export interface BrokerCounters {
  sendRequests: number;
  putMessages: number;
  pullRequests: number;
  pulledMessages: number;
  /** Wall-clock ms when the broker started. */
  bootTimestamp: number;
  /** Store put latency of the send path (putMessageDistributeTime), when the controller keeps it. */
  putLatency?: PutLatencyHistogram;
}
