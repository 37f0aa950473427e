// ClientInstance (RocketMQ's MQClientInstance): one per clientId (ip@instanceName) per Env,
// shared by every producer, consumer and admin client with that id. It owns the connections,
// the route and broker-address tables and the background work:
// - route refresh from the NameServers every pollNameServerInterval (30 s);
// - heartbeat to every broker in its routes every heartbeatBrokerInterval (30 s, first after 1 s),
//   and on demand (start, subscribe, rebalance change);
// - rebalance every rebalanceInterval (20 s) and at once on NOTIFY_CONSUMER_IDS_CHANGED (40);
// - consumer offset persistence every persistConsumerOffsetInterval (5 s);
// - answers GET_CONSUMER_RUNNING_INFO (307); sends UNREGISTER_CLIENT when a group leaves.
// Invariants: timers only from env.timers; after shutdown no timer is left and no request is sent.
import type { Env, Log, TimerHandle } from "../env/env.ts";
import { encodeJsonBody } from "../protocol/body_json.ts";
import { decodeHeader } from "../protocol/header_codec.ts";
import { GetConsumerRunningInfoRequestHeader, NotifyConsumerIdsChangedRequestHeader } from "../protocol/headers.ts";
import { RemotingClient } from "../remoting/remoting_client.ts";
import { AclClientRpcHook } from "../acl/acl_client_hook.ts";
import { createResponse, SerializeType } from "../remoting/remoting_command.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { ResponseCode } from "../remoting/response_code.ts";
import { assert } from "../stdx/assert.ts";
import type { ConsumerInner, ProducerInner } from "./client_inner.ts";
import type { ClientConfig } from "./client_config.ts";
import { buildClientId } from "./client_config.ts";

import { toProtocolSubscription } from "./consumer/subscription_data.ts";
import type { HeartbeatData } from "../protocol/heartbeat.ts";
import { MQClientAPI } from "./mq_client_api.ts";
import { registerClientOpsProcessors } from "./client_ops_processor.ts";
import { RouteTables } from "./route_tables.ts";
import { handleCheckTransactionState } from "./producer/check_transaction_state.ts";
import { errorText } from "../stdx/error_text.ts";

const instancesByEnv = new WeakMap<Env, Map<string, ClientInstance>>();

/** MQClientManager.getOrCreateMQClientInstance, scoped to one Env (one simulated node). */
export function getOrCreateClientInstance(env: Env, config: ClientConfig): ClientInstance {
  let instances = instancesByEnv.get(env);
  if (instances === undefined) {
    instances = new Map();
    instancesByEnv.set(env, instances);
  }
  const clientId = buildClientId(config);
  let instance = instances.get(clientId);
  if (instance === undefined) {
    instance = new ClientInstance(env, config, clientId, () => instances.delete(clientId));
    instances.set(clientId, instance);
  }
  return instance;
}

/** Every live client instance of one Env (one node): the lab's ACL secret fault reaches them here. */
export function clientInstancesOf(env: Env): ClientInstance[] {
  return [...(instancesByEnv.get(env)?.values() ?? [])];
}

export class ClientInstance {
  readonly log: Log;
  readonly api: MQClientAPI;
  readonly routes: RouteTables;
  /** Signs every request when the first client of this instance had ACL credentials (as Java). */
  readonly aclHook: AclClientRpcHook | undefined;
  private readonly producers = new Map<string, ProducerInner>();
  private readonly consumers = new Map<string, ConsumerInner>();
  private adminCount = 0;
  private readonly timers: TimerHandle[] = [];
  private rebalanceTimer: TimerHandle | undefined;
  private started = false;
  private stopped = false;
  private heartbeatRunning = false;
  private heartbeatAgain = false;
  private rebalanceRunning = false;
  private rebalanceAgain = false;
  private innerProducerSlot: unknown;

  constructor(
    readonly env: Env,
    readonly config: ClientConfig,
    readonly clientId: string,
    private readonly onShutdown: () => void,
  ) {
    this.log = env.log.child({ component: "client", clientId });
    this.aclHook = config.credentials === undefined ? undefined : new AclClientRpcHook(config.credentials);
    const remoting = new RemotingClient(env, { connectTimeoutMs: config.connectTimeoutMs, name: "client-remoting", serializeType: SerializeType[config.serializeType], ...(this.aclHook === undefined ? {} : { rpcHook: this.aclHook }) });
    this.api = new MQClientAPI(remoting, config.namesrvAddrs, this.log, env.random.intBetween(0, 0x7fff));
    this.routes = new RouteTables({
      api: this.api, config, random: env.random, log: this.log,
      producers: () => this.producerList(), consumers: () => this.consumerList(),
    });
    remoting.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (_context, request) => {
      const header = decodeHeader(NotifyConsumerIdsChangedRequestHeader, request.extFields);
      this.log.info("consumer ids changed, rebalance now", { group: header.consumerGroup });
      this.rebalanceImmediately();
      return undefined;
    });
    remoting.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, (_context, request) => {
      const header = decodeHeader(GetConsumerRunningInfoRequestHeader, request.extFields);
      const consumer = this.consumers.get(header.consumerGroup);
      if (consumer === undefined) {
        return createResponse(request, ResponseCode.SYSTEM_ERROR, `The Consumer Group <${header.consumerGroup}> not exist in this consumer`);
      }
      return createResponse(request, ResponseCode.SUCCESS, undefined, {}, encodeJsonBody(consumer.runningInfo()));
    });
    registerClientOpsProcessors(this);
    remoting.registerProcessor(RequestCode.CHECK_TRANSACTION_STATE, (context, request) => {
      handleCheckTransactionState(this.log, (group) => this.producers.get(group), context.channel.remoteAddress, request);
      return undefined;
    });
  }

  get isRunning(): boolean {
    return this.started && !this.stopped;
  }

  /** Starts the background tasks once; later calls are no-ops. */
  start(): void {
    assert(!this.stopped, "ClientInstance restarted after shutdown; create a new client");
    if (this.started) return;
    this.started = true;
    const { timers } = this.env;
    this.timers.push(timers.setInterval(() => void this.routes.updateAllTopicRoutes(), this.config.pollNameServerIntervalMs));
    const heartbeatFirst = timers.setTimeout(() => {
      void this.cleanAndHeartbeat();
      this.timers.push(timers.setInterval(() => void this.cleanAndHeartbeat(), this.config.heartbeatBrokerIntervalMs));
    }, this.config.heartbeatFirstDelayMs);
    this.timers.push(heartbeatFirst);
    this.timers.push(timers.setInterval(() => void this.persistAllConsumerOffset(), this.config.persistConsumerOffsetIntervalMs));
    this.scheduleRebalance(this.config.rebalanceIntervalMs);
  }

  registerProducer(producer: ProducerInner): boolean {
    if (this.producers.has(producer.groupName)) return false;
    this.producers.set(producer.groupName, producer);
    return true;
  }

  registerConsumer(consumer: ConsumerInner): boolean {
    if (this.consumers.has(consumer.groupName)) return false;
    this.consumers.set(consumer.groupName, consumer);
    return true;
  }

  registerAdmin(): void {
    this.adminCount++;
  }

  producerList(): ProducerInner[] {
    return [...this.producers.values()];
  }

  consumerList(): ConsumerInner[] {
    return [...this.consumers.values()];
  }

  async unregisterProducer(group: string): Promise<void> {
    if (!this.producers.delete(group)) return;
    await this.unregisterClient({ producerGroup: group });
  }

  async unregisterConsumer(group: string): Promise<void> {
    if (!this.consumers.delete(group)) return;
    await this.unregisterClient({ consumerGroup: group });
  }

  unregisterAdmin(): void {
    this.adminCount = Math.max(0, this.adminCount - 1);
  }

  /** A shared object slot (the inner producer used to re-send failed messages). */
  innerProducer<T>(create: () => T): T {
    this.innerProducerSlot ??= create();
    return this.innerProducerSlot as T;
  }

  /** Shuts down once no producer, consumer or admin client uses the instance any more. */
  shutdown(): void {
    const innerOnly = this.producers.size === 0 || (this.producers.size === 1 && this.producers.has(CLIENT_INNER_PRODUCER_GROUP));
    if (this.consumers.size > 0 || this.adminCount > 0 || !innerOnly || this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) this.env.timers.clear(timer);
    this.env.timers.clear(this.rebalanceTimer);
    this.api.remoting.shutdown();
    this.onShutdown();
    this.log.info("client instance shut down");
  }

  /** Wakes the rebalance service (NOTIFY_CONSUMER_IDS_CHANGED, consumer start). */
  rebalanceImmediately(): void {
    if (this.stopped) return;
    // A pass in progress runs once more instead: rescheduling here would race with that pass's
    // own "next periodic run" reschedule, which would cancel this request (seen in the lab: a
    // consumer kept every queue for a whole rebalance interval after a second one joined).
    if (this.rebalanceRunning) {
      this.rebalanceAgain = true;
      return;
    }
    this.scheduleRebalance(0);
  }

  private scheduleRebalance(delayMs: number): void {
    this.env.timers.clear(this.rebalanceTimer);
    this.rebalanceTimer = this.env.timers.setTimeout(() => {
      void this.doRebalance().finally(() => {
        if (!this.stopped) this.scheduleRebalance(this.config.rebalanceIntervalMs);
      });
    }, delayMs);
  }

  async doRebalance(): Promise<void> {
    if (this.rebalanceRunning) {
      this.rebalanceAgain = true;
      return;
    }
    this.rebalanceRunning = true;
    try {
      do {
        this.rebalanceAgain = false;
        for (const consumer of this.consumerList()) {
          try {
            await consumer.doRebalance();
          } catch (error) {
            this.log.warn("doRebalance failed", { group: consumer.groupName, error: errorText(error) });
          }
        }
      } while (this.rebalanceAgain && !this.stopped);
    } finally {
      this.rebalanceRunning = false;
    }
  }

  async persistAllConsumerOffset(): Promise<void> {
    for (const consumer of this.consumerList()) {
      try {
        await consumer.persistConsumerOffset();
      } catch (error) {
        this.log.warn("persistConsumerOffset failed", { group: consumer.groupName, error: errorText(error) });
      }
    }
  }

  private async cleanAndHeartbeat(): Promise<void> {
    this.routes.cleanOfflineBroker();
    await this.sendHeartbeatToAllBrokerWithLock();
  }

  /** HeartbeatData as Java's prepareHeartbeatData builds it. */
  heartbeatData(): HeartbeatData {
    return {
      clientID: this.clientId,
      consumerDataSet: this.consumerList().map((consumer) => ({
        consumeFromWhere: consumer.consumeFromWhere,
        consumeType: consumer.consumeType,
        groupName: consumer.groupName,
        messageModel: consumer.messageModel,
        subscriptionDataSet: consumer.subscriptions().map(toProtocolSubscription),
        unitMode: false,
      })),
      producerDataSet: this.producerList().map((producer) => ({ groupName: producer.groupName })),
    };
  }

  /** One heartbeat round at a time; a request during a round runs one more round after it. */
  async sendHeartbeatToAllBrokerWithLock(): Promise<void> {
    if (this.heartbeatRunning) {
      this.heartbeatAgain = true;
      return;
    }
    this.heartbeatRunning = true;
    try {
      do {
        this.heartbeatAgain = false;
        await this.sendHeartbeatToAllBroker();
      } while (this.heartbeatAgain && !this.stopped);
    } finally {
      this.heartbeatRunning = false;
    }
  }

  private async sendHeartbeatToAllBroker(): Promise<void> {
    if (this.stopped) return;
    const data = this.heartbeatData();
    const consumerEmpty = data.consumerDataSet.length === 0;
    if (consumerEmpty && data.producerDataSet.length === 0) return;
    const sends: Promise<void>[] = [];
    for (const [brokerName, addrs] of this.routes.brokerAddrTable) {
      for (const [brokerId, addr] of addrs) {
        if (consumerEmpty && brokerId !== 0) continue;
        sends.push(this.api.sendHeartbeat(addr, data, this.config.requestTimeoutMs).catch((error: unknown) => {
          this.log.info("send heart beat to broker failed", { brokerName, brokerId, addr, error: errorText(error) });
        }));
      }
    }
    await Promise.all(sends);
  }

  private async unregisterClient(groups: { producerGroup?: string; consumerGroup?: string }): Promise<void> {
    const sends: Promise<void>[] = [];
    for (const addrs of this.routes.brokerAddrTable.values()) {
      for (const addr of addrs.values()) {
        sends.push(this.api.unregisterClient(addr, this.clientId, groups, this.config.requestTimeoutMs).catch((error: unknown) => {
          this.log.info("unregister client failed", { addr, ...groups, error: errorText(error) });
        }));
      }
    }
    await Promise.all(sends);
  }
}

/** MixAll.CLIENT_INNER_PRODUCER_GROUP */
export const CLIENT_INNER_PRODUCER_GROUP = "CLIENT_INNER_PRODUCER";
