// AdminClient (a lite MQAdminExt): the calls behind mqadmin. Topic and cluster management goes
// to the NameServers (routes, cluster info, topic list, KV) and to every master of a cluster or a
// given broker; consumer progress and connections are read from the brokers holding the group's
// retry topic; messages are found by key (QUERY_MESSAGE on every broker of the topic) or by
// offset msgId (decode store host + commit-log offset, VIEW_MESSAGE_BY_ID).
// Errors surface as MQClientError / MQBrokerError / remoting errors with the address in the text.
import type { Env } from "../../env/env.ts";
import { RETRY_GROUP_TOPIC_PREFIX } from "../../message/message_const.ts";
import { decodeMessageRecords } from "../../message/message_record_decode.ts";
import { parseOffsetMsgId } from "../../message/msg_id.ts";
import { validateTopic } from "../../message/validators.ts";
import { decodeConsumeStats, decodeConsumerConnection, decodeKVTable, decodeTopicList, decodeTopicStatsTable } from "../../protocol/admin_bodies.ts";
import type { ConsumerConnection, TopicOffset } from "../../protocol/admin_bodies.ts";
import {
  CreateTopicRequestHeader, DeleteKVConfigRequestHeader, DeleteTopicFromNamesrvRequestHeader, DeleteTopicRequestHeader,
  GetConsumeStatsRequestHeader, GetConsumerConnectionListRequestHeader, GetTopicStatsInfoRequestHeader,
  QueryMessageRequestHeader, ViewMessageRequestHeader,
} from "../../protocol/headers.ts";
import { decodeClusterInfo } from "../../protocol/route.ts";
import type { ClusterInfo } from "../../protocol/route.ts";
import { createRequest } from "../../remoting/remoting_command.ts";
import { RequestCode } from "../../remoting/request_code.ts";
import { ResponseCode } from "../../remoting/response_code.ts";
import { getOrCreateClientInstance } from "../client_instance.ts";
import type { ClientInstance } from "../client_instance.ts";
import type { ClientOptions } from "../client_config.ts";
import { resolveClientConfig } from "../client_config.ts";
import { MQClientError } from "../client_errors.ts";
import type { ClientMessageExt } from "../message.ts";
import { toClientMessage } from "../message.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { compareMessageQueues } from "../../protocol/message_queue.ts";
import { request } from "../mq_client_api.ts";
import type { TopicRouteData } from "../../protocol/route.ts";
import { MASTER_ID } from "../../protocol/route.ts";
import type { BrokerRow, ConsumerProgress, CreateTopicOptions, QueueProgress } from "./admin_types.ts";
import { errorText } from "../../stdx/error_text.ts";

const ORDER_TOPIC_CONFIG = "ORDER_TOPIC_CONFIG";

export class AdminClient {
  private instance: ClientInstance | undefined;

  constructor(private readonly env: Env, private readonly options: ClientOptions = {}) {}

  start(): void {
    if (this.instance !== undefined) return;
    const config = resolveClientConfig(this.env, { instanceName: `admin-${this.env.random.nextU32()}`, ...this.options });
    this.instance = getOrCreateClientInstance(this.env, config);
    this.instance.registerAdmin();
  }

  shutdown(): void {
    const instance = this.instance;
    if (instance === undefined) return;
    this.instance = undefined;
    instance.unregisterAdmin();
    instance.shutdown();
  }

  private client(): ClientInstance {
    if (this.instance === undefined) throw new MQClientError("AdminClient not started");
    return this.instance;
  }

  private get timeoutMs(): number {
    return this.client().config.requestTimeoutMs;
  }

  /** NameServer call that must answer SUCCESS. */
  private async namesrv(code: number, extFields: Record<string, string> = {}): Promise<Uint8Array | undefined> {
    const response = await this.client().api.invokeNamesrv(createRequest(code, extFields), this.timeoutMs);
    if (response.code !== ResponseCode.SUCCESS) throw new MQClientError(`${response.remark ?? "failed"} (code ${response.code})`, response.code);
    return response.body;
  }

  // ---- topics ----

  async clusterInfo(): Promise<ClusterInfo> {
    return decodeClusterInfo(await this.namesrv(RequestCode.GET_BROKER_CLUSTER_INFO));
  }

  /** Master addresses of a cluster's brokers (CommandUtil.fetchMasterAddrByClusterName). */
  async masterAddrsOfCluster(clusterName: string): Promise<{ brokerName: string; addr: string }[]> {
    const info = await this.clusterInfo();
    const brokerNames = info.clusterAddrTable.get(clusterName);
    if (brokerNames === undefined) throw new MQClientError(`Make sure the specified clusterName exists or the name server connected is correct: cluster ${clusterName} not found`);
    const masters: { brokerName: string; addr: string }[] = [];
    for (const brokerName of [...brokerNames].sort()) {
      const addr = info.brokerAddrTable.get(brokerName)?.brokerAddrs.get(MASTER_ID);
      if (addr !== undefined) masters.push({ brokerName, addr });
    }
    return masters;
  }

  /** UPDATE_AND_CREATE_TOPIC on the given broker or every master of the cluster; returns the brokers. */
  async createTopic(options: CreateTopicOptions): Promise<string[]> {
    const problem = validateTopic(options.topic);
    if (problem !== null) throw new MQClientError(problem);
    const targets = options.brokerAddr !== undefined
      ? [{ brokerName: "", addr: options.brokerAddr }]
      : await this.masterAddrsOfCluster(options.clusterName ?? "DefaultCluster");
    if (targets.length === 0) throw new MQClientError(`no master broker found for cluster ${options.clusterName ?? ""}`);
    const header = {
      topic: options.topic, defaultTopic: "TBW102", readQueueNums: options.readQueueNums ?? 8, writeQueueNums: options.writeQueueNums ?? 8,
      perm: options.perm ?? 6, topicFilterType: "SINGLE_TAG", topicSysFlag: 0, order: options.order ?? false,
    };
    for (const target of targets) {
      await this.client().api.invokeBroker(target.addr, request(RequestCode.UPDATE_AND_CREATE_TOPIC, CreateTopicRequestHeader, header), this.timeoutMs);
    }
    if (options.order === true && options.brokerAddr === undefined) {
      const value = targets.map((target) => `${target.brokerName}:${header.writeQueueNums}`).join(";");
      await this.namesrv(RequestCode.PUT_KV_CONFIG, { namespace: ORDER_TOPIC_CONFIG, key: options.topic, value });
    }
    return targets.map((target) => target.addr);
  }

  /** DELETE_TOPIC_IN_BROKER on every master of the cluster, then DELETE_TOPIC_IN_NAMESRV on every NameServer. */
  async deleteTopic(topic: string, clusterName: string): Promise<void> {
    for (const { addr } of await this.masterAddrsOfCluster(clusterName)) {
      await this.client().api.invokeBroker(addr, request(RequestCode.DELETE_TOPIC_IN_BROKER, DeleteTopicRequestHeader, { topic }), this.timeoutMs);
    }
    const api = this.client().api;
    for (const addr of api.nameServerAddressList) {
      const response = await api.remoting.invokeSync(addr, request(RequestCode.DELETE_TOPIC_IN_NAMESRV, DeleteTopicFromNamesrvRequestHeader, { topic }), this.timeoutMs);
      if (response.code !== ResponseCode.SUCCESS) throw new MQClientError(`delete topic in ${addr}: ${response.remark ?? ""}`, response.code);
    }
    const kv = request(RequestCode.DELETE_KV_CONFIG, DeleteKVConfigRequestHeader, { namespace: ORDER_TOPIC_CONFIG, key: topic });
    await api.invokeNamesrv(kv, this.timeoutMs).catch(() => undefined);
  }

  async topicList(): Promise<string[]> {
    return decodeTopicList(await this.namesrv(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER)).topicList.sort();
  }

  async topicRoute(topic: string): Promise<TopicRouteData> {
    return this.client().api.getTopicRouteInfoFromNameServer(topic, this.timeoutMs);
  }

  /** GET_TOPIC_STATS_INFO from every master of the topic's route, merged and sorted. */
  async topicStatus(topic: string): Promise<[MessageQueue, TopicOffset][]> {
    const route = await this.topicRoute(topic);
    const rows: [MessageQueue, TopicOffset][] = [];
    for (const brokerData of route.brokerDatas) {
      const addr = brokerData.brokerAddrs.get(MASTER_ID);
      if (addr === undefined) continue;
      const response = await this.client().api.invokeBroker(addr, request(RequestCode.GET_TOPIC_STATS_INFO, GetTopicStatsInfoRequestHeader, { topic }), this.timeoutMs);
      rows.push(...decodeTopicStatsTable(response.body));
    }
    return rows.sort(([a], [b]) => compareMessageQueues(a, b));
  }

  // ---- brokers ----

  async brokerStatus(brokerAddr: string): Promise<Map<string, string>> {
    const response = await this.client().api.invokeBroker(brokerAddr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO), this.timeoutMs);
    return decodeKVTable(response.body);
  }

  /** Every broker of every cluster with its runtime info (clusterList). */
  async clusterList(): Promise<BrokerRow[]> {
    const info = await this.clusterInfo();
    const rows: BrokerRow[] = [];
    for (const [clusterName, brokerNames] of [...info.clusterAddrTable].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const brokerName of [...brokerNames].sort()) {
        const brokerData = info.brokerAddrTable.get(brokerName);
        for (const [brokerId, addr] of [...(brokerData?.brokerAddrs ?? new Map<number, string>())].sort(([a], [b]) => a - b)) {
          let runtime: Map<string, string> | undefined;
          let error: string | undefined;
          try {
            runtime = await this.brokerStatus(addr);
          } catch (failure) {
            error = errorText(failure);
          }
          rows.push({ clusterName, brokerName, brokerId, addr, runtime, error });
        }
      }
    }
    return rows;
  }

  // ---- consumers ----

  private async brokerMastersOf(topics: string[]): Promise<string[]> {
    const addrs = new Set<string>();
    for (const topic of topics) {
      let route: TopicRouteData;
      try {
        route = await this.topicRoute(topic);
      } catch (error) {
        if (error instanceof MQClientError && error.responseCode === ResponseCode.TOPIC_NOT_EXIST) continue;
        throw error;
      }
      for (const brokerData of route.brokerDatas) {
        const addr = brokerData.brokerAddrs.get(MASTER_ID);
        if (addr !== undefined) addrs.add(addr);
      }
    }
    return [...addrs].sort();
  }

  /** GET_CONSUME_STATS from the brokers of %RETRY%group (and topic): per-queue offsets and lag. */
  async consumerProgress(group: string, topic?: string): Promise<ConsumerProgress> {
    const addrs = await this.brokerMastersOf(topic === undefined ? [RETRY_GROUP_TOPIC_PREFIX + group] : [RETRY_GROUP_TOPIC_PREFIX + group, topic]);
    if (addrs.length === 0) throw new MQClientError(`no broker knows consumer group ${group} (no route for ${RETRY_GROUP_TOPIC_PREFIX}${group})`);
    const queues: QueueProgress[] = [];
    let consumeTps = 0;
    for (const addr of addrs) {
      const header: { consumerGroup: string; topic?: string } = { consumerGroup: group };
      if (topic !== undefined) header.topic = topic;
      const response = await this.client().api.invokeBroker(addr, request(RequestCode.GET_CONSUME_STATS, GetConsumeStatsRequestHeader, header), this.timeoutMs);
      const stats = decodeConsumeStats(response.body);
      consumeTps += stats.consumeTps;
      for (const [mq, offsets] of stats.offsetTable) {
        queues.push({ mq, brokerOffset: offsets.brokerOffset, consumerOffset: offsets.consumerOffset, lag: Math.max(0, offsets.brokerOffset - offsets.consumerOffset), lastTimestamp: offsets.lastTimestamp });
      }
    }
    queues.sort((a, b) => compareMessageQueues(a.mq, b.mq));
    const totalLag = queues.reduce((sum, row) => sum + row.lag, 0);
    return { group, queues, consumeTps, totalLag };
  }

  async consumerConnection(group: string): Promise<ConsumerConnection> {
    const addrs = await this.brokerMastersOf([RETRY_GROUP_TOPIC_PREFIX + group]);
    let lastError: unknown = new MQClientError(`no broker knows consumer group ${group}`);
    for (const addr of addrs) {
      try {
        const response = await this.client().api.invokeBroker(addr, request(RequestCode.GET_CONSUMER_CONNECTION_LIST, GetConsumerConnectionListRequestHeader, { consumerGroup: group }), this.timeoutMs);
        return decodeConsumerConnection(response.body);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  // ---- messages ----

  /**
   * QUERY_MESSAGE by key (or UNIQ_KEY) on every master of the topic, or only on `brokerAddr`
   * (no route lookup then; the messages' brokerName is empty). `inflateBody: false` leaves
   * compressed bodies as stored, for a caller that only needs to know what was found.
   */
  async queryMsgByKey(
    topic: string, key: string,
    options: { maxNum?: number; uniqKey?: boolean; beginMs?: number; endMs?: number; brokerAddr?: string; inflateBody?: boolean } = {},
  ): Promise<ClientMessageExt[]> {
    const brokerDatas = options.brokerAddr === undefined
      ? (await this.topicRoute(topic)).brokerDatas
      : [{ brokerName: "", brokerAddrs: new Map([[MASTER_ID, options.brokerAddr]]) }];
    const found: ClientMessageExt[] = [];
    for (const brokerData of brokerDatas) {
      const addr = brokerData.brokerAddrs.get(MASTER_ID);
      if (addr === undefined) continue;
      const command = request(RequestCode.QUERY_MESSAGE, QueryMessageRequestHeader, {
        topic, key, maxNum: options.maxNum ?? 64, beginTimestamp: options.beginMs ?? 0, endTimestamp: options.endMs ?? Number.MAX_SAFE_INTEGER,
      });
      if (options.uniqKey === true) command.extFields["_UNIQUE_KEY_QUERY"] = "true";
      const response = await this.client().api.invokeBroker(addr, command, this.timeoutMs, [ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND]);
      if (response.code !== ResponseCode.SUCCESS || response.body === undefined) continue;
      for (const record of decodeMessageRecords(response.body, { inflateBody: options.inflateBody ?? true })) {
        const message = toClientMessage(record, brokerData.brokerName);
        const matches = options.uniqKey === true
          ? message.msgId === key
          : (message.keys ?? "").split(" ").includes(key);
        if (matches && message.topic === topic) found.push(message);
      }
    }
    return found;
  }

  /** By offset msgId: decode the broker address and commit-log offset, VIEW_MESSAGE_BY_ID. */
  async queryMsgById(msgId: string): Promise<ClientMessageExt> {
    let parsed;
    try {
      parsed = parseOffsetMsgId(msgId);
    } catch (error) {
      throw new MQClientError(`${msgId} is not an offset msgId (${errorText(error)}); for a UNIQ_KEY use queryMsgByUniqueKey with a topic`);
    }
    const response = await this.client().api.invokeBroker(parsed.storeHost, request(RequestCode.VIEW_MESSAGE_BY_ID, ViewMessageRequestHeader, { offset: parsed.commitLogOffset }), this.timeoutMs);
    const records = response.body === undefined ? [] : decodeMessageRecords(response.body, { inflateBody: true });
    if (records.length === 0) throw new MQClientError(`message ${msgId} not found on ${parsed.storeHost}`);
    return toClientMessage(records[0]!, "");
  }

  /** ORDER_TOPIC_CONFIG helper for tests and mqadmin updateTopic -o. */
  async putOrderTopicConfig(topic: string, value: string): Promise<void> {
    await this.namesrv(RequestCode.PUT_KV_CONFIG, { namespace: ORDER_TOPIC_CONFIG, key: topic, value });
  }

  get clientInstance(): ClientInstance {
    return this.client();
  }
}

