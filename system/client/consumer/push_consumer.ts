// PushConsumer (RocketMQ's DefaultMQPushConsumer): subscribe to topics with tag expressions,
// register a concurrent or orderly listener, start. Queues are assigned by rebalance
// (clustering) or all taken (broadcasting); each held queue runs a long-polling pull loop that
// feeds the consume service; offsets go to the broker (clustering) or a local file
// (broadcasting). Clustering consumers also subscribe to %RETRY%<group>, where failed messages
// come back with growing delay until maxReconsumeTimes sends them to %DLQ%<group>.
// Invariants: one consumer per group per ClientInstance; after shutdown nothing is pulled,
// consumed or committed; a dropped queue's offset is committed before the queue is released.
import type { Env, Log } from "../../env/env.ts";
import { RETRY_GROUP_TOPIC_PREFIX } from "../../message/message_const.ts";
import { validateTopic } from "../../message/validators.ts";
import { assert } from "../../stdx/assert.ts";
import { getOrCreateClientInstance } from "../client_instance.ts";
import type { ClientConfig } from "../client_config.ts";
import { resolveClientConfig } from "../client_config.ts";
import type { ConsumeFromWhere, ConsumeType, ConsumerInner, MessageModel } from "../client_inner.ts";
import { MQClientError } from "../client_errors.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import type { MessageListenerConcurrently } from "./consume_concurrently.ts";
import type { MessageListenerOrderly } from "./consume_orderly.ts";
import type { ConsumerObserver } from "./consumer_observer.ts";
import type { PushConsumerOptions, PushConsumerSettings } from "./push_consumer_options.ts";
import { resolvePushConsumerSettings } from "./push_consumer_options.ts";
import { PushConsumerCore } from "./push_consumer_core.ts";
import { buildSubscriptionData } from "./subscription_data.ts";
import type { MessageSelector, SubscriptionData } from "./subscription_data.ts";
import { checkClientInBroker } from "./check_client.ts";
import { consumeMessageDirectly, resetConsumerOffset } from "./push_consumer_ops.ts";
import type { ConsumeMessageDirectlyResult } from "../../protocol/ops_bodies.ts";
import type { ClientMessageExt } from "../message.ts";
import type { TopicRouteData } from "../../protocol/route.ts";

export type ServiceState = "CREATE_JUST" | "RUNNING" | "SHUTDOWN_ALREADY";

export class PushConsumer implements ConsumerInner {
  readonly groupName: string;
  readonly consumeType: ConsumeType = "CONSUME_PASSIVELY";
  readonly settings: PushConsumerSettings;
  private readonly log: Log;
  private readonly config: ClientConfig;
  private readonly subscriptionsByTopic = new Map<string, SubscriptionData>();
  private listenerConcurrently: MessageListenerConcurrently | undefined;
  private listenerOrderly: MessageListenerOrderly | undefined;
  private core: PushConsumerCore | undefined;
  private state: ServiceState = "CREATE_JUST";
  private readonly routeListener: ((topic: string, route: TopicRouteData) => void) | undefined;

  constructor(private readonly env: Env, options: PushConsumerOptions, private readonly observer: ConsumerObserver = options.observer ?? {}) {
    this.settings = resolvePushConsumerSettings(options, env.clock.nowMs());
    this.groupName = this.settings.group;
    this.log = env.log.child({ component: "push-consumer", group: this.groupName });
    this.config = resolveClientConfig(env, options, this.settings.messageModel === "CLUSTERING");
    const onRouteChange = observer.onRouteChange?.bind(observer);
    this.routeListener = onRouteChange;
  }

  get messageModel(): MessageModel {
    return this.settings.messageModel;
  }

  get consumeFromWhere(): ConsumeFromWhere {
    return this.settings.consumeFromWhere;
  }

  get clientId(): string {
    return this.requireCore().instance.clientId;
  }

  get serviceState(): ServiceState {
    return this.state;
  }

  /** Subscribe to topic with "*", "TagA || TagB" or a selector ({ type: "SQL92", expression }); after start, also heartbeats at once. */
  subscribe(topic: string, subExpression: string | MessageSelector = "*"): void {
    const problem = validateTopic(topic);
    if (problem !== null) throw new MQClientError(problem);
    const selector = typeof subExpression === "string" ? { type: "TAG" as const, expression: subExpression } : subExpression;
    this.subscriptionsByTopic.set(topic, buildSubscriptionData(topic, selector.expression, this.env.clock.nowMs(), selector.type));
    if (this.core !== undefined) {
      this.core.rebalance.subscriptionInner.set(topic, this.subscriptionsByTopic.get(topic)!);
      void this.core.instance.routes.updateTopicRouteInfoFromNameServer(topic);
      void this.core.instance.sendHeartbeatToAllBrokerWithLock();
    }
  }

  /** RESET_CONSUMER_CLIENT_OFFSET from the broker (push_consumer_ops.ts); resolves with the queues reset. */
  resetOffset(topic: string, offsets: readonly [MessageQueue, number][]): Promise<MessageQueue[]> {
    return resetConsumerOffset(this.requireCore(), topic, offsets);
  }

  /** CONSUME_MESSAGE_DIRECTLY from the broker (push_consumer_ops.ts). */
  consumeMessageDirectly(message: ClientMessageExt, brokerName: string): Promise<ConsumeMessageDirectlyResult> {
    return consumeMessageDirectly(this.requireCore(), message, brokerName, { concurrently: this.listenerConcurrently, orderly: this.listenerOrderly });
  }

  unsubscribe(topic: string): void {
    this.subscriptionsByTopic.delete(topic);
    this.core?.rebalance.subscriptionInner.delete(topic);
  }

  registerMessageListenerConcurrently(listener: MessageListenerConcurrently): void {
    assert(this.state === "CREATE_JUST", "register the listener before start");
    this.listenerConcurrently = listener;
    this.listenerOrderly = undefined;
  }

  registerMessageListenerOrderly(listener: MessageListenerOrderly): void {
    assert(this.state === "CREATE_JUST", "register the listener before start");
    this.listenerOrderly = listener;
    this.listenerConcurrently = undefined;
  }

  async start(): Promise<void> {
    if (this.state !== "CREATE_JUST") throw new MQClientError(`The PushConsumer service state not OK, maybe started once, ${this.state}`);
    if (this.listenerConcurrently === undefined && this.listenerOrderly === undefined) {
      throw new MQClientError("messageListener is null, register a concurrent or orderly listener before start");
    }
    const subscriptions = new Map(this.subscriptionsByTopic);
    if (this.settings.messageModel === "CLUSTERING") {
      const retryTopic = RETRY_GROUP_TOPIC_PREFIX + this.groupName;
      subscriptions.set(retryTopic, buildSubscriptionData(retryTopic, "*", this.env.clock.nowMs()));
    }
    const instance = getOrCreateClientInstance(this.env, this.config);
    const core = new PushConsumerCore(this.env, instance, this.settings, this.observer, this.log, this.listenerConcurrently, this.listenerOrderly);
    for (const [topic, subscription] of subscriptions) core.rebalance.subscriptionInner.set(topic, subscription);
    await core.offsetStore.load();
    if (!instance.registerConsumer(this)) {
      throw new MQClientError(`The consumer group[${this.groupName}] has been created before, specify another name please.`);
    }
    this.core = core;
    if (this.routeListener !== undefined) instance.routes.routeListeners.add(this.routeListener);
    core.startServices();
    instance.start();
    this.state = "RUNNING";
    core.running = true;
    for (const topic of subscriptions.keys()) await instance.routes.updateTopicRouteInfoFromNameServer(topic);
    try {
      await checkClientInBroker(instance, this.groupName, [...subscriptions.values()]);
    } catch (error) {
      // Java leaves the consumer running after this exception; mqlab stops it so nothing leaks.
      await this.shutdown();
      throw error;
    }
    await instance.sendHeartbeatToAllBrokerWithLock();
    instance.rebalanceImmediately();
  }

  /** Stops pulling, (optionally) waits for in-flight listener calls, commits offsets, leaves the group. */
  async shutdown(options: { awaitTerminateMs?: number } = {}): Promise<void> {
    if (this.state !== "RUNNING") return;
    this.state = "SHUTDOWN_ALREADY";
    const core = this.requireCore();
    await core.shutdown(options.awaitTerminateMs ?? 0);
    await core.instance.unregisterConsumer(this.groupName);
    if (this.routeListener !== undefined) core.instance.routes.routeListeners.delete(this.routeListener);
    core.instance.shutdown();
  }

  /**
   * Read-only, for the lab: whether this consumer holds mq's broker lock now and it has not
   * expired (what the orderly service checks before handing a batch out). Undefined when the
   * queue is not held or the group is broadcasting (no locks).
   */
  queueLockHeld(mq: MessageQueue): boolean | undefined {
    if (this.settings.messageModel !== "CLUSTERING" || this.core === undefined) return undefined;
    const entry = this.core.processQueues().find(([held]) => held.topic === mq.topic && held.brokerName === mq.brokerName && held.queueId === mq.queueId);
    if (entry === undefined) return undefined;
    const [, pq] = entry;
    return !pq.dropped && pq.locked && !pq.isLockExpired(this.settings.lockMaxLiveTimeMs);
  }

  /** Queues this consumer holds now (not dropped). */
  assignedQueues(): MessageQueue[] {
    return this.core?.heldQueues() ?? [];
  }

  /** Offsets in memory (what the next persist will send). */
  committedOffsets(): [MessageQueue, number][] {
    return this.core?.offsetStore.cloneOffsetTable().entriesList() ?? [];
  }

  // ---- ConsumerInner ----

  subscriptions(): SubscriptionData[] {
    return this.core === undefined ? [...this.subscriptionsByTopic.values()] : [...this.core.rebalance.subscriptionInner.values()];
  }

  async doRebalance(): Promise<void> {
    if (this.state === "RUNNING" && this.core !== undefined) await this.core.rebalance.doRebalance();
  }

  async persistConsumerOffset(): Promise<void> {
    if (this.state === "RUNNING" && this.core !== undefined) await this.core.persistConsumerOffset();
  }

  updateTopicSubscribeInfo(topic: string, queues: readonly MessageQueue[]): void {
    if (this.core?.rebalance.subscriptionInner.has(topic) === true) this.core.rebalance.topicSubscribeInfoTable.set(topic, [...queues]);
  }

  isSubscribeTopicNeedUpdate(topic: string): boolean {
    const rebalance = this.core?.rebalance;
    return rebalance !== undefined && rebalance.subscriptionInner.has(topic) && !rebalance.topicSubscribeInfoTable.has(topic);
  }

  runningInfo(): Record<string, unknown> {
    return this.core?.runningInfo(this.subscriptions(), this.listenerOrderly !== undefined) ?? {};
  }

  private requireCore(): PushConsumerCore {
    if (this.core === undefined) throw new MQClientError(`The PushConsumer service state not OK, ${this.state}`);
    return this.core;
  }
}

