// Result and option types of the AdminClient.
import type { MessageQueue } from "../../protocol/message_queue.ts";

export interface CreateTopicOptions {
  topic: string;
  /** Create on every master of this cluster (default DefaultCluster) ... */
  clusterName?: string;
  /** ... or on this broker only. */
  brokerAddr?: string;
  readQueueNums?: number;
  writeQueueNums?: number;
  perm?: number;
  /** Ordered topic: also writes orderTopicConf to the NameServers (cluster mode). */
  order?: boolean;
}

export interface BrokerRow {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly brokerId: number;
  readonly addr: string;
  /** GET_BROKER_RUNTIME_INFO table, or undefined when the broker did not answer. */
  readonly runtime: Map<string, string> | undefined;
  readonly error: string | undefined;
}

export interface QueueProgress {
  readonly mq: MessageQueue;
  readonly brokerOffset: number;
  readonly consumerOffset: number;
  readonly lag: number;
  readonly lastTimestamp: number;
}

export interface ConsumerProgress {
  readonly group: string;
  readonly queues: readonly QueueProgress[];
  readonly consumeTps: number;
  readonly totalLag: number;
}
