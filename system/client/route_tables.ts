// Route and broker-address tables of a ClientInstance (the routing half of MQClientInstance):
// fetching topic routes from the NameServers, pushing changes to the registered producers
// (publish queues) and consumers (subscribe queues), and finding broker addresses.
// Invariants: brokerAddrTable holds every broker named in a cached route (plus ones not yet
// cleaned); a failed route fetch never clears a cached route (the client keeps working on the
// last known route while the NameServers are unreachable).
import { MQClientError } from "./client_errors.ts";
import type { Log, Random } from "../env/env.ts";
import type { ClientConfig } from "./client_config.ts";
import type { ConsumerInner, ProducerInner } from "./client_inner.ts";
import type { MQClientAPI } from "./mq_client_api.ts";
import { RETRY_GROUP_TOPIC_PREFIX, SystemTopic } from "../message/message_const.ts";
import type { TopicRouteData } from "../protocol/route.ts";
import { defaultRouteFor, publishQueuesOf, routeFingerprint, subscribeQueuesOf } from "./route_data.ts";
import { MASTER_ID } from "../protocol/route.ts";
import { SendWhichQueue, TopicPublishInfo } from "./producer/topic_publish_info.ts";
import { errorText } from "../stdx/error_text.ts";

export interface FindBrokerResult {
  readonly brokerAddr: string;
  readonly slave: boolean;
}

/** What the route tables need from their client instance: its NameServer API, the registered producers and consumers, randomness, a log. */
export interface RouteTablesPort {
  readonly api: Pick<MQClientAPI, "getTopicRouteInfoFromNameServer" | "getConsumerIdListByGroup">;
  readonly config: Pick<ClientConfig, "requestTimeoutMs">;
  readonly random: Random;
  readonly log: Log;
  producers(): readonly ProducerInner[];
  consumers(): readonly ConsumerInner[];
}

export class RouteTables {
  readonly topicRouteTable = new Map<string, TopicRouteData>();
  /** brokerName → (brokerId → "ip:port"). */
  readonly brokerAddrTable = new Map<string, Map<number, string>>();
  /** The last route fetch error per topic (for clear "no route" messages). */
  readonly lastRouteError = new Map<string, Error>();
  private readonly fingerprints = new Map<string, string>();
  /** Lab hooks: told after a changed route was applied (read-only observers; must not throw). */
  readonly routeListeners = new Set<(topic: string, route: TopicRouteData) => void>();

  constructor(private readonly instance: RouteTablesPort) {}

  /** Refreshes every topic a producer or consumer uses (the 30 s poll). */
  async updateAllTopicRoutes(): Promise<void> {
    const topics = new Set<string>();
    for (const consumer of this.instance.consumers()) for (const sub of consumer.subscriptions()) topics.add(sub.topic);
    for (const producer of this.instance.producers()) for (const topic of producer.publishTopics()) topics.add(topic);
    for (const topic of topics) await this.updateTopicRouteInfoFromNameServer(topic);
  }

  /**
   * Fetches topic's route (or, with defaultTopicQueueNums, the TBW102 route reshaped for topic:
   * the auto-create path) and applies it when it changed. Returns true when applied; failures are
   * logged and remembered, never thrown.
   */
  async updateTopicRouteInfoFromNameServer(topic: string, defaultTopicQueueNums?: number, createTopicKey: string = SystemTopic.AUTO_CREATE_TOPIC_KEY): Promise<boolean> {
    let route: TopicRouteData;
    try {
      if (defaultTopicQueueNums !== undefined) {
        const template = await this.instance.api.getTopicRouteInfoFromNameServer(createTopicKey, this.instance.config.requestTimeoutMs);
        route = defaultRouteFor(template, defaultTopicQueueNums);
      } else {
        route = await this.instance.api.getTopicRouteInfoFromNameServer(topic, this.instance.config.requestTimeoutMs);
      }
    } catch (error) {
      this.lastRouteError.set(topic, error instanceof Error ? error : new Error(String(error)));
      if (!topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) && topic !== createTopicKey) {
        this.instance.log.info("updateTopicRouteInfoFromNameServer failed", { topic, error: errorText(error) });
      }
      return false;
    }
    this.lastRouteError.delete(topic);
    const fingerprint = routeFingerprint(route);
    let changed = this.fingerprints.get(topic) !== fingerprint;
    if (!changed) changed = this.isNeedUpdateTopicRouteInfo(topic);
    if (!changed) return false;
    this.fingerprints.set(topic, fingerprint);
    for (const brokerData of route.brokerDatas) this.brokerAddrTable.set(brokerData.brokerName, new Map(brokerData.brokerAddrs));
    const { queues, orderTopic } = publishQueuesOf(topic, route);
    for (const producer of this.instance.producers()) {
      if (producer.publishTopics().includes(topic)) {
        producer.updateTopicPublishInfo(topic, new TopicPublishInfo(queues, route, new SendWhichQueue(this.instance.random), orderTopic));
      }
    }
    const subscribeQueues = subscribeQueuesOf(topic, route);
    for (const consumer of this.instance.consumers()) {
      if (consumer.subscriptions().some((sub) => sub.topic === topic)) consumer.updateTopicSubscribeInfo(topic, subscribeQueues);
    }
    this.topicRouteTable.set(topic, route);
    this.instance.log.debug("topic route changed", { topic, brokers: route.brokerDatas.map((bd) => bd.brokerName) });
    for (const listener of this.routeListeners) {
      try {
        listener(topic, route);
      } catch (error) {
        this.instance.log.warn("route listener threw", { topic, error: errorText(error) });
      }
    }
    return true;
  }

  private isNeedUpdateTopicRouteInfo(topic: string): boolean {
    return this.instance.producers().some((producer) => producer.isPublishTopicNeedUpdate(topic))
      || this.instance.consumers().some((consumer) => consumer.isSubscribeTopicNeedUpdate(topic));
  }

  /** Master address of brokerName, if known. */
  findBrokerAddressInPublish(brokerName: string): string | undefined {
    return this.brokerAddrTable.get(brokerName)?.get(MASTER_ID);
  }

  /** MQClientInstance.findBrokerAddressInSubscribe. */
  findBrokerAddressInSubscribe(brokerName: string, brokerId: number, onlyThisBroker: boolean): FindBrokerResult | undefined {
    const addrs = this.brokerAddrTable.get(brokerName);
    if (addrs === undefined || addrs.size === 0) return undefined;
    let addr = addrs.get(brokerId);
    let slave = brokerId !== MASTER_ID;
    if (addr === undefined && slave) addr = addrs.get(brokerId + 1);
    if (addr === undefined && !onlyThisBroker) {
      const [firstId, firstAddr] = [...addrs.entries()][0]!;
      addr = firstAddr;
      slave = firstId !== MASTER_ID;
    }
    return addr === undefined ? undefined : { brokerAddr: addr, slave };
  }

  /** Subscribe address of brokerName, refreshing topic's route once when unknown. */
  async findBrokerAddressInSubscribeWithRefresh(topic: string, brokerName: string, brokerId: number, onlyThisBroker: boolean): Promise<FindBrokerResult> {
    let found = this.findBrokerAddressInSubscribe(brokerName, brokerId, onlyThisBroker);
    if (found === undefined) {
      await this.updateTopicRouteInfoFromNameServer(topic);
      found = this.findBrokerAddressInSubscribe(brokerName, brokerId, onlyThisBroker);
    }
    if (found === undefined) throw new MQClientError(`The broker[${brokerName}] not exist`);
    return found;
  }

  /**
   * RemoteBrokerOffsetStore's lookup (4.9.7): the master; when it is absent, refresh the route and
   * take any broker of brokerName, so offsets are read from and committed to the slave while
   * the master is down (the slave's table is then overwritten by the master's on its next sync).
   */
  async findBrokerAddressForOffsets(topic: string, brokerName: string): Promise<FindBrokerResult> {
    let found = this.findBrokerAddressInSubscribe(brokerName, MASTER_ID, true);
    if (found === undefined) {
      await this.updateTopicRouteInfoFromNameServer(topic);
      found = this.findBrokerAddressInSubscribe(brokerName, MASTER_ID, false);
    }
    if (found === undefined) throw new MQClientError(`The broker[${brokerName}] not exist`);
    return found;
  }

  /** A broker of topic's route: master if it has one, else a slave (findBrokerAddrByTopic). */
  findBrokerAddrByTopic(topic: string): string | undefined {
    const route = this.topicRouteTable.get(topic);
    if (route === undefined || route.brokerDatas.length === 0) return undefined;
    const brokerData = route.brokerDatas[this.instance.random.intBetween(0, route.brokerDatas.length - 1)]!;
    const master = brokerData.brokerAddrs.get(MASTER_ID);
    if (master !== undefined) return master;
    const slaves = [...brokerData.brokerAddrs.values()];
    return slaves.length === 0 ? undefined : slaves[this.instance.random.intBetween(0, slaves.length - 1)];
  }

  /** GET_CONSUMER_LIST_BY_GROUP from one broker of the topic; undefined when it fails. */
  async findConsumerIdList(topic: string, group: string): Promise<string[] | undefined> {
    let addr = this.findBrokerAddrByTopic(topic);
    if (addr === undefined) {
      await this.updateTopicRouteInfoFromNameServer(topic);
      addr = this.findBrokerAddrByTopic(topic);
    }
    if (addr === undefined) return undefined;
    try {
      return await this.instance.api.getConsumerIdListByGroup(addr, group, this.instance.config.requestTimeoutMs);
    } catch (error) {
      this.instance.log.warn("getConsumerIdListByGroup failed", { addr, group, error: errorText(error) });
      return undefined;
    }
  }

  /** Drops broker addresses no cached route mentions any more (cleanOfflineBroker). */
  cleanOfflineBroker(): void {
    for (const [brokerName, addrs] of this.brokerAddrTable) {
      for (const [brokerId, addr] of addrs) {
        if (!this.isBrokerAddrExistInTopicRouteTable(addr)) addrs.delete(brokerId);
      }
      if (addrs.size === 0) this.brokerAddrTable.delete(brokerName);
    }
  }

  private isBrokerAddrExistInTopicRouteTable(addr: string): boolean {
    for (const route of this.topicRouteTable.values()) {
      for (const brokerData of route.brokerDatas) for (const known of brokerData.brokerAddrs.values()) if (known === addr) return true;
    }
    return false;
  }
}
