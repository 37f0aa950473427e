// PullConsumer (RocketMQ's DefaultMQPullConsumer, without its optional rebalance): the caller
// picks queues and offsets. pull() returns a PullResult with the decoded messages that pass the
// exact tag check; pullBlockIfNotFound() long-polls. Consume offsets are kept like the push
// consumer's (broker in clustering, local file in broadcasting), persisted every
// persistConsumerOffsetInterval and on shutdown.
import type { Env, Log } from "../../env/env.ts";
import { validateGroup } from "../../message/validators.ts";
import { getOrCreateClientInstance } from "../client_instance.ts";
import type { ClientInstance } from "../client_instance.ts";
import type { ClientOptions } from "../client_config.ts";
import { resolveClientConfig } from "../client_config.ts";
import type { ConsumeFromWhere, ConsumeType, ConsumerInner, MessageModel } from "../client_inner.ts";
import { MQClientError } from "../client_errors.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { MessageQueueMap } from "../message_queue.ts";
import { compareMessageQueues } from "../../protocol/message_queue.ts";
import { subscribeQueuesOf } from "../route_data.ts";
import { LocalFileOffsetStore, localOffsetFilePath } from "./local_file_offset_store.ts";
import type { OffsetStore } from "./offset_store.ts";
import { RemoteBrokerOffsetStore } from "./offset_store.ts";
import { PullAPIWrapper } from "./pull_api.ts";
import type { PullResult } from "./pull_api.ts";
import { buildSubscriptionData } from "./subscription_data.ts";
import type { MessageSelector, SubscriptionData } from "./subscription_data.ts";

export interface PullConsumerOptions extends ClientOptions {
  consumerGroup: string;
  messageModel?: MessageModel;
  /** Timeout of a non-blocking pull (Java consumerPullTimeoutMillis, 10 s). */
  consumerPullTimeoutMillis?: number;
  brokerSuspendMaxTimeMillis?: number;
  consumerTimeoutMillisWhenSuspend?: number;
  localOffsetStoreDir?: string;
}

export class PullConsumer implements ConsumerInner {
  readonly groupName: string;
  readonly messageModel: MessageModel;
  readonly consumeType: ConsumeType = "CONSUME_ACTIVELY";
  readonly consumeFromWhere: ConsumeFromWhere = "CONSUME_FROM_LAST_OFFSET";
  private readonly log: Log;
  private readonly subscriptionsByTopic = new Map<string, SubscriptionData>();
  private readonly subscribeQueues = new Map<string, MessageQueue[]>();
  private instance: ClientInstance | undefined;
  private pullApi: PullAPIWrapper | undefined;
  private offsets: OffsetStore | undefined;
  private readonly usedQueues = new MessageQueueMap<true>();

  constructor(private readonly env: Env, private readonly options: PullConsumerOptions) {
    const problem = validateGroup(options.consumerGroup);
    if (problem !== null) throw new MQClientError(`consumerGroup: ${problem}`);
    this.groupName = options.consumerGroup;
    this.messageModel = options.messageModel ?? "CLUSTERING";
    this.log = env.log.child({ component: "pull-consumer", group: this.groupName });
  }

  async start(): Promise<void> {
    if (this.instance !== undefined) throw new MQClientError("The PullConsumer service state not OK, maybe started once");
    const config = resolveClientConfig(this.env, this.options, this.messageModel === "CLUSTERING");
    const instance = getOrCreateClientInstance(this.env, config);
    this.offsets = this.messageModel === "BROADCASTING"
      ? new LocalFileOffsetStore(this.env.disk, localOffsetFilePath(this.options.localOffsetStoreDir ?? ".rocketmq_offsets", instance.clientId, this.groupName), this.log)
      : new RemoteBrokerOffsetStore(this.groupName, {
        queryConsumerOffset: async (group, mq) => instance.api.queryConsumerOffset(await this.masterAddr(mq), group, mq, 5000),
        updateConsumerOffsetOneway: async (group, mq, offset) => instance.api.updateConsumerOffsetOneway(await this.masterAddr(mq), group, mq, offset),
      }, this.log);
    await this.offsets.load();
    if (!instance.registerConsumer(this)) {
      throw new MQClientError(`The consumer group[${this.groupName}] has been created before, specify another name please.`);
    }
    this.instance = instance;
    this.pullApi = new PullAPIWrapper(instance, this.groupName);
    instance.start();
  }

  async shutdown(): Promise<void> {
    const instance = this.instance;
    if (instance === undefined) return;
    await this.persistConsumerOffset();
    this.instance = undefined;
    await instance.unregisterConsumer(this.groupName);
    instance.shutdown();
  }

  /** The readable queues of topic, sorted. */
  async fetchSubscribeMessageQueues(topic: string): Promise<MessageQueue[]> {
    const instance = this.requireInstance();
    const route = await instance.api.getTopicRouteInfoFromNameServer(topic, instance.config.requestTimeoutMs);
    await instance.routes.updateTopicRouteInfoFromNameServer(topic);
    const queues = subscribeQueuesOf(topic, route).sort(compareMessageQueues);
    if (queues.length === 0) throw new MQClientError(`Can not find Message Queue for this topic, ${topic}`);
    this.subscribeQueues.set(topic, queues);
    return queues;
  }

  /** subExpression: "*", "TagA || TagB", or a selector ({ type: "SQL92", expression }: the broker filters on properties). */
  pull(mq: MessageQueue, subExpression: string | MessageSelector, offset: number, maxNums: number, options: { timeoutMs?: number } = {}): Promise<PullResult> {
    return this.pullImpl(mq, subExpression, offset, maxNums, false, options.timeoutMs ?? this.options.consumerPullTimeoutMillis ?? 10_000);
  }

  /** Long polling: the broker holds the pull up to brokerSuspendMaxTimeMillis when nothing is new. */
  pullBlockIfNotFound(mq: MessageQueue, subExpression: string | MessageSelector, offset: number, maxNums: number): Promise<PullResult> {
    return this.pullImpl(mq, subExpression, offset, maxNums, true, this.options.consumerTimeoutMillisWhenSuspend ?? 30_000);
  }

  /** Sets the offset in memory; it reaches the broker with the next persist (or persistConsumerOffset()). */
  updateConsumeOffset(mq: MessageQueue, offset: number): void {
    this.requireInstance();
    this.usedQueues.set(mq, true);
    this.offsets!.updateOffset(mq, offset, false);
  }

  /** fromStore: ask the broker (or file); else memory first. -1 when none. */
  fetchConsumeOffset(mq: MessageQueue, fromStore: boolean): Promise<number> {
    this.requireInstance();
    this.usedQueues.set(mq, true);
    return this.offsets!.readOffset(mq, fromStore ? "READ_FROM_STORE" : "MEMORY_FIRST_THEN_STORE");
  }

  async maxOffset(mq: MessageQueue): Promise<number> {
    return this.requireInstance().api.getMaxOffset(await this.masterAddr(mq), mq, 3000);
  }

  async minOffset(mq: MessageQueue): Promise<number> {
    return this.requireInstance().api.getMinOffset(await this.masterAddr(mq), mq, 3000);
  }

  // ---- ConsumerInner ----

  subscriptions(): SubscriptionData[] {
    return [...this.subscriptionsByTopic.values()];
  }

  async doRebalance(): Promise<void> {}

  async persistConsumerOffset(): Promise<void> {
    await this.offsets?.persistAll(this.usedQueues.keys());
  }

  updateTopicSubscribeInfo(topic: string, queues: readonly MessageQueue[]): void {
    if (this.subscriptionsByTopic.has(topic)) this.subscribeQueues.set(topic, [...queues]);
  }

  isSubscribeTopicNeedUpdate(topic: string): boolean {
    return this.subscriptionsByTopic.has(topic) && !this.subscribeQueues.has(topic);
  }

  runningInfo(): Record<string, unknown> {
    return { properties: { consumerGroup: this.groupName, consumeType: this.consumeType }, subscriptionSet: [], mqTable: {}, statusTable: {} };
  }

  // ---- internals ----

  private async pullImpl(mq: MessageQueue, subExpression: string | MessageSelector, offset: number, maxNums: number, block: boolean, timeoutMs: number): Promise<PullResult> {
    this.requireInstance();
    if (offset < 0) throw new MQClientError("offset < 0");
    if (maxNums <= 0) throw new MQClientError("maxNums <= 0");
    const subscription = typeof subExpression === "string"
      ? buildSubscriptionData(mq.topic, subExpression, 0)
      : buildSubscriptionData(mq.topic, subExpression.expression, 0, subExpression.type);
    if (!this.subscriptionsByTopic.has(mq.topic)) this.subscriptionsByTopic.set(mq.topic, buildSubscriptionData(mq.topic, "*", this.env.clock.nowMs()));
    return this.pullApi!.pull({
      mq, subscription, postSubscription: true, offset, maxNums, commitOffset: undefined, suspend: block,
      brokerSuspendMaxTimeMs: this.options.brokerSuspendMaxTimeMillis ?? 20_000, timeoutMs,
    });
  }

  private async masterAddr(mq: MessageQueue): Promise<string> {
    return (await this.requireInstance().routes.findBrokerAddressInSubscribeWithRefresh(mq.topic, mq.brokerName, 0, true)).brokerAddr;
  }

  private requireInstance(): ClientInstance {
    if (this.instance === undefined) throw new MQClientError("The PullConsumer service state not OK: not started");
    return this.instance;
  }
}
