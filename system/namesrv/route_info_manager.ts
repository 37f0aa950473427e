// The namesrv route registry (RocketMQ 4.9.7 RouteInfoManager): clusters, broker groups, topic
// queue data and broker liveness.
// Rules kept from RocketMQ:
// - only a master's (brokerId 0) topic configs create or update queue data, and only when its
//   DataVersion changed or it registers for the first time;
// - the same address appears under one brokerId only (a slave promoted to master moves);
// - a broker expires brokerChannelExpiredTimeMs after its last registration (wall clock, as
//   Java's System.currentTimeMillis — so clock skew matters, like in RocketMQ) and at once when
//   its channel closes; a broker group's queue data is dropped when its last address goes
//   (a slave that outlives its master keeps the group routable for reads, as in 4.x).
// Every change is logged with brokerName / brokerAddr / reason for people and for the lab.
import type { Clock, Log } from "../env/env.ts";
import type { RemotingChannel } from "../remoting/remoting_channel.ts";
import type { DataVersion, TopicConfig } from "../protocol/topic_config.ts";
import { dataVersionEquals, Perm } from "../protocol/topic_config.ts";
import type { BrokerData, ClusterInfo, QueueData, TopicRouteData } from "../protocol/route.ts";
import { MASTER_ID } from "../protocol/route.ts";
import { probe, type ProbeSite } from "../env/probe.ts";

export interface BrokerLiveInfo {
  lastUpdateTimestampMs: number;
  dataVersion: DataVersion;
  channel: RemotingChannel | undefined;
  haServerAddr: string;
}

export interface RegisterBrokerArgs {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
  haServerAddr: string;
  topicConfigTable: ReadonlyMap<string, TopicConfig>;
  dataVersion: DataVersion;
  filterServerList: readonly string[];
  channel: RemotingChannel | undefined;
}

export interface RegisterBrokerResult {
  haServerAddr?: string;
  masterAddr?: string;
}

export type RemovalReason = "expired" | "channelClosed" | "unregistered";

export class RouteInfoManager {
  readonly topicQueueTable = new Map<string, Map<string, QueueData>>();
  readonly brokerAddrTable = new Map<string, BrokerData>();
  readonly clusterAddrTable = new Map<string, Set<string>>();
  readonly brokerLiveTable = new Map<string, BrokerLiveInfo>();
  readonly filterServerTable = new Map<string, string[]>();

  constructor(
    private readonly clock: Clock,
    private readonly log: Log,
    private readonly brokerChannelExpiredTimeMs: number,
    private readonly site: ProbeSite = {},
  ) {}

  registerBroker(args: RegisterBrokerArgs): RegisterBrokerResult {
    const { clusterName, brokerAddr, brokerName, brokerId } = args;
    let brokerNames = this.clusterAddrTable.get(clusterName);
    if (brokerNames === undefined) this.clusterAddrTable.set(clusterName, (brokerNames = new Set()));
    brokerNames.add(brokerName);

    let registerFirst = false;
    let brokerData = this.brokerAddrTable.get(brokerName);
    if (brokerData === undefined) {
      registerFirst = true;
      brokerData = { cluster: clusterName, brokerName, brokerAddrs: new Map() };
      this.brokerAddrTable.set(brokerName, brokerData);
    }
    // One address, one id: a slave switching to master first leaves its old id.
    for (const [id, addr] of [...brokerData.brokerAddrs]) {
      if (addr === brokerAddr && id !== brokerId) {
        brokerData.brokerAddrs.delete(id);
        this.log.info("broker address moved to a new brokerId", { brokerName, brokerAddr, fromBrokerId: id, brokerId });
      }
    }
    const oldAddr = brokerData.brokerAddrs.get(brokerId);
    brokerData.brokerAddrs.set(brokerId, brokerAddr);
    if (brokerId === MASTER_ID && oldAddr !== brokerAddr) {
      probe(this.site, "namesrv.broker.master-changed");
      this.log.info("master address changed", { clusterName, brokerName, fromAddr: oldAddr ?? null, brokerAddr });
    }
    registerFirst ||= oldAddr === undefined;

    if (brokerId === MASTER_ID && (registerFirst || this.isBrokerTopicConfigChanged(brokerAddr, args.dataVersion))) {
      for (const config of args.topicConfigTable.values()) this.createAndUpdateQueueData(brokerName, config);
    }

    const previous = this.brokerLiveTable.get(brokerAddr);
    this.brokerLiveTable.set(brokerAddr, {
      lastUpdateTimestampMs: this.clock.nowMs(),
      dataVersion: args.dataVersion,
      channel: args.channel,
      haServerAddr: args.haServerAddr,
    });
    if (previous === undefined) {
      this.log.info("new broker registered", { clusterName, brokerName, brokerAddr, brokerId, haServerAddr: args.haServerAddr });
    } else {
      this.log.debug("broker registration refreshed", { brokerName, brokerAddr, brokerId });
    }
    if (args.filterServerList.length === 0) this.filterServerTable.delete(brokerAddr);
    else this.filterServerTable.set(brokerAddr, [...args.filterServerList]);

    const result: RegisterBrokerResult = {};
    if (brokerId !== MASTER_ID) {
      const masterAddr = brokerData.brokerAddrs.get(MASTER_ID);
      const masterLive = masterAddr === undefined ? undefined : this.brokerLiveTable.get(masterAddr);
      if (masterAddr !== undefined && masterLive !== undefined) {
        result.haServerAddr = masterLive.haServerAddr;
        result.masterAddr = masterAddr;
      }
    }
    return result;
  }

  isBrokerTopicConfigChanged(brokerAddr: string, dataVersion: DataVersion): boolean {
    const previous = this.brokerLiveTable.get(brokerAddr)?.dataVersion;
    return previous === undefined || !dataVersionEquals(previous, dataVersion);
  }

  queryBrokerDataVersion(brokerAddr: string): DataVersion | undefined {
    return this.brokerLiveTable.get(brokerAddr)?.dataVersion;
  }

  /** QUERY_DATA_VERSION with an unchanged version counts as a heartbeat. */
  updateBrokerInfoUpdateTimestamp(brokerAddr: string): void {
    const live = this.brokerLiveTable.get(brokerAddr);
    if (live !== undefined) live.lastUpdateTimestampMs = this.clock.nowMs();
  }

  private createAndUpdateQueueData(brokerName: string, config: TopicConfig): void {
    const queueData: QueueData = {
      brokerName,
      readQueueNums: config.readQueueNums,
      writeQueueNums: config.writeQueueNums,
      perm: config.perm,
      topicSysFlag: config.topicSysFlag,
    };
    let queueDataMap = this.topicQueueTable.get(config.topicName);
    if (queueDataMap === undefined) {
      this.topicQueueTable.set(config.topicName, (queueDataMap = new Map()));
      this.log.info("new topic registered", { topic: config.topicName, brokerName, queueData });
    } else {
      const old = queueDataMap.get(brokerName);
      if (old !== undefined && !sameQueueData(old, queueData)) {
        this.log.info("topic changed", { topic: config.topicName, brokerName, old, queueData });
      }
    }
    queueDataMap.set(brokerName, queueData);
  }

  /** WIPE (perm &= ~W) or ADD (perm = RW) write permission on every topic of brokerName. */
  operateWritePerm(brokerName: string, operation: "wipe" | "add"): number {
    let topicCount = 0;
    for (const [topic, queueDataMap] of this.topicQueueTable) {
      const queueData = queueDataMap.get(brokerName);
      if (queueData === undefined) continue;
      queueData.perm = operation === "wipe" ? queueData.perm & ~Perm.WRITE : Perm.READ | Perm.WRITE;
      topicCount++;
      this.log.debug("write perm changed", { topic, brokerName, perm: queueData.perm });
    }
    this.log.info(operation === "wipe" ? "wiped write perm of broker" : "added write perm of broker", { brokerName, topicCount });
    return topicCount;
  }

  unregisterBroker(clusterName: string, brokerAddr: string, brokerName: string, brokerId: number): void {
    const live = this.brokerLiveTable.get(brokerAddr);
    this.brokerLiveTable.delete(brokerAddr);
    this.filterServerTable.delete(brokerAddr);
    const brokerData = this.brokerAddrTable.get(brokerName);
    const removedAddr = brokerData?.brokerAddrs.get(brokerId);
    brokerData?.brokerAddrs.delete(brokerId);
    this.log.info("broker unregistered", {
      clusterName, brokerName, brokerAddr, brokerId, reason: "unregistered" satisfies RemovalReason,
      wasLive: live !== undefined, addrRemoved: removedAddr !== undefined,
    });
    if (brokerData === undefined || brokerData.brokerAddrs.size > 0) return;
    this.brokerAddrTable.delete(brokerName);
    const names = this.clusterAddrTable.get(clusterName);
    names?.delete(brokerName);
    if (names?.size === 0) this.clusterAddrTable.delete(clusterName);
    this.removeTopicsOfBrokerName(brokerName, "unregistered");
  }

  /** Expires brokers whose last registration is older than brokerChannelExpiredTimeMs. */
  scanNotActiveBroker(): number {
    let removed = 0;
    const nowMs = this.clock.nowMs();
    for (const [brokerAddr, live] of [...this.brokerLiveTable]) {
      if (live.lastUpdateTimestampMs + this.brokerChannelExpiredTimeMs >= nowMs) continue;
      this.brokerLiveTable.delete(brokerAddr);
      probe(this.site, "namesrv.broker.expired");
      this.log.warn("broker channel expired", {
        brokerAddr, reason: "expired" satisfies RemovalReason,
        lastUpdateTimestampMs: live.lastUpdateTimestampMs, expiredAfterMs: this.brokerChannelExpiredTimeMs,
      });
      live.channel?.close();
      this.removeBrokerAddr(brokerAddr, "expired");
      removed++;
    }
    return removed;
  }

  /** A connection closed: drop the broker registered over it (or at remoteAddr) at once. */
  onChannelDestroy(remoteAddr: string, channel: RemotingChannel | undefined): void {
    let brokerAddr: string | undefined;
    if (channel !== undefined) {
      for (const [addr, live] of this.brokerLiveTable) {
        if (live.channel === channel) brokerAddr = addr;
      }
    }
    brokerAddr ??= remoteAddr;
    const wasLive = this.brokerLiveTable.delete(brokerAddr);
    if (wasLive) {
      probe(this.site, "namesrv.broker.channel-closed");
      this.log.info("broker channel destroyed, removing it at once", { brokerAddr, reason: "channelClosed" });
    }
    this.removeBrokerAddr(brokerAddr, "channelClosed");
  }

  private removeBrokerAddr(brokerAddr: string, reason: RemovalReason): void {
    this.filterServerTable.delete(brokerAddr);
    for (const [brokerName, brokerData] of this.brokerAddrTable) {
      const entry = [...brokerData.brokerAddrs].find(([, addr]) => addr === brokerAddr);
      if (entry === undefined) continue;
      brokerData.brokerAddrs.delete(entry[0]);
      this.log.info("broker address removed", { brokerName, brokerAddr, brokerId: entry[0], reason });
      if (brokerData.brokerAddrs.size > 0) return;
      this.brokerAddrTable.delete(brokerName);
      for (const [clusterName, names] of this.clusterAddrTable) {
        if (!names.delete(brokerName)) continue;
        if (names.size === 0) this.clusterAddrTable.delete(clusterName);
        break;
      }
      this.removeTopicsOfBrokerName(brokerName, reason);
      return;
    }
  }

  private removeTopicsOfBrokerName(brokerName: string, reason: RemovalReason): void {
    const emptied: string[] = [];
    for (const [topic, queueDataMap] of this.topicQueueTable) {
      if (!queueDataMap.delete(brokerName)) continue;
      if (queueDataMap.size === 0) emptied.push(topic);
    }
    for (const topic of emptied) this.topicQueueTable.delete(topic);
    probe(this.site, "namesrv.broker.group-removed");
    this.log.info("broker group removed with its queue data", { brokerName, reason, topicsRemoved: emptied.length });
  }

  pickupTopicRouteData(topic: string): TopicRouteData | undefined {
    const queueDataMap = this.topicQueueTable.get(topic);
    if (queueDataMap === undefined) return undefined;
    const route: TopicRouteData = {
      queueDatas: [...queueDataMap.values()].map((queue) => ({ ...queue })),
      brokerDatas: [],
      filterServerTable: new Map(),
    };
    for (const brokerName of queueDataMap.keys()) {
      const brokerData = this.brokerAddrTable.get(brokerName);
      if (brokerData === undefined) continue;
      route.brokerDatas.push({ cluster: brokerData.cluster, brokerName, brokerAddrs: new Map(brokerData.brokerAddrs) });
      for (const addr of brokerData.brokerAddrs.values()) {
        const filterServers = this.filterServerTable.get(addr);
        if (filterServers !== undefined) route.filterServerTable.set(addr, [...filterServers]);
      }
    }
    return route.brokerDatas.length > 0 ? route : undefined;
  }

  clusterInfo(): ClusterInfo {
    return {
      brokerAddrTable: new Map(
        [...this.brokerAddrTable].map(([name, data]) => [name, { ...data, brokerAddrs: new Map(data.brokerAddrs) }]),
      ),
      clusterAddrTable: new Map([...this.clusterAddrTable].map(([name, names]) => [name, [...names]])),
    };
  }

  allTopicList(): string[] {
    return [...this.topicQueueTable.keys()];
  }

  topicsByCluster(cluster: string): string[] {
    const topics = new Set<string>();
    for (const brokerName of this.clusterAddrTable.get(cluster) ?? []) {
      for (const [topic, queueDataMap] of this.topicQueueTable) {
        if (queueDataMap.has(brokerName)) topics.add(topic);
      }
    }
    return [...topics];
  }

  /** Without a cluster: the whole topic; with one: only that cluster's brokers' queues. */
  deleteTopic(topic: string, clusterName?: string): void {
    if (clusterName === undefined || clusterName === "") {
      this.topicQueueTable.delete(topic);
      this.log.info("topic deleted", { topic });
      return;
    }
    const queueDataMap = this.topicQueueTable.get(topic);
    for (const brokerName of this.clusterAddrTable.get(clusterName) ?? []) queueDataMap?.delete(brokerName);
    if (queueDataMap?.size === 0) this.topicQueueTable.delete(topic);
    this.log.info("topic deleted in cluster", { topic, clusterName });
  }
}

function sameQueueData(a: QueueData, b: QueueData): boolean {
  return (
    a.brokerName === b.brokerName && a.readQueueNums === b.readQueueNums && a.writeQueueNums === b.writeQueueNums &&
    a.perm === b.perm && a.topicSysFlag === b.topicSysFlag
  );
}
