// MQClientAPI: every request the clients send, as typed calls over one RemotingClient
// (RocketMQ's MQClientAPIImpl). NameServer calls go to one chosen NameServer and fail over to
// the next one, round-robin, when it cannot be reached; broker calls go to a given address.
// A non-success response becomes an MQBrokerError (broker) or MQClientError (NameServer) with
// the response code and remark; transport failures surface as the remoting layer's errors
// (RemotingConnectError "connect to a:p failed: ECONNREFUSED", RemotingTimeoutError, ...).
import type { Log } from "../env/env.ts";
import { encodeJsonBody, parseJsonBody, readStringArray } from "../protocol/body_json.ts";
import { encodeHeartbeatData } from "../protocol/heartbeat.ts";
import type { HeartbeatData } from "../protocol/heartbeat.ts";
import { encodeHeader } from "../protocol/header_codec.ts";
import type { HeaderDef, HeaderOf, HeaderSpec } from "../protocol/header_codec.ts";
import {
  ConsumerSendMsgBackRequestHeader, GetConsumerListByGroupRequestHeader, GetMaxOffsetRequestHeader, GetMinOffsetRequestHeader,
  GetRouteInfoRequestHeader, PullMessageRequestHeader, QueryConsumerOffsetRequestHeader, SearchOffsetRequestHeader,
  UnregisterClientRequestHeader, UpdateConsumerOffsetRequestHeader,
} from "../protocol/headers.ts";
import type { PullMessageRequestHeader as PullHeader } from "../protocol/headers.ts";
import { RemotingConnectError, RemotingSendRequestError } from "../remoting/remoting_errors.ts";
import type { RemotingClient } from "../remoting/remoting_client.ts";
import type { RemotingCommand } from "../remoting/remoting_command.ts";
import { createRequest } from "../remoting/remoting_command.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { ResponseCode } from "../remoting/response_code.ts";
import { assert } from "../stdx/assert.ts";
import { ClientErrorCode, MQBrokerError, MQClientError } from "./client_errors.ts";
import type { MessageQueue } from "../protocol/message_queue.ts";
import { messageQueueToJson } from "../protocol/message_queue.ts";
import type { TopicRouteData } from "../protocol/route.ts";
import { parseTopicRouteData } from "./route_data.ts";
import { errorText } from "../stdx/error_text.ts";

export function request<S extends HeaderSpec>(code: number, def: HeaderDef<S>, header: HeaderOf<S>, body?: Uint8Array): RemotingCommand {
  return createRequest(code, encodeHeader(def, header), body);
}

export interface RawPullResult {
  readonly code: number;
  readonly nextBeginOffset: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  readonly suggestWhichBrokerId: number;
  readonly body: Uint8Array | undefined;
}

function numberField(response: RemotingCommand, field: string, fallback = 0): number {
  const text = response.extFields[field];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  return Number.isFinite(value) ? value : fallback;
}

export class MQClientAPI {
  private namesrvIndex: number;
  private chosenNamesrv: string | undefined;

  constructor(
    readonly remoting: RemotingClient,
    private namesrvAddrs: readonly string[],
    private readonly log: Log,
    startIndex: number,
  ) {
    this.namesrvIndex = startIndex;
  }

  updateNameServerAddressList(addrs: readonly string[]): void {
    this.namesrvAddrs = [...addrs];
    if (this.chosenNamesrv !== undefined && !addrs.includes(this.chosenNamesrv)) this.chosenNamesrv = undefined;
  }

  get nameServerAddressList(): readonly string[] {
    return this.namesrvAddrs;
  }

  /**
   * Sends to the chosen NameServer; when it cannot be reached, tries the others round-robin
   * (RemotingClient.getAndCreateNameserverChannel). Throws the connect error itself when
   * there is only one NameServer, so the message names the address.
   */
  async invokeNamesrv(command: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    if (this.namesrvAddrs.length === 0) {
      throw new MQClientError("No name server address, please set it (-n or NAMESRV_ADDR)", ClientErrorCode.NO_NAME_SERVER_EXCEPTION);
    }
    const order = this.namesrvOrder();
    const failures: Error[] = [];
    for (const addr of order) {
      try {
        const response = await this.remoting.invokeSync(addr, command, timeoutMs);
        this.chosenNamesrv = addr;
        return response;
      } catch (error) {
        if (!(error instanceof RemotingConnectError) && !(error instanceof RemotingSendRequestError)) {
          // A timeout: the request may be slow rather than lost; pick another NameServer next time.
          if (this.chosenNamesrv === addr) this.chosenNamesrv = undefined;
          throw error;
        }
        this.log.info("NameServer unreachable, trying the next one", { addr, error: errorText(error) });
        if (this.chosenNamesrv === addr) this.chosenNamesrv = undefined;
        failures.push(error);
      }
    }
    if (failures.length === 1) throw failures[0]!;
    throw new MQClientError(
      `no NameServer reachable: ${failures.map((error) => error.message).join("; ")}`,
      ClientErrorCode.NO_NAME_SERVER_EXCEPTION,
      { cause: failures[failures.length - 1] },
    );
  }

  private namesrvOrder(): string[] {
    const addrs = this.namesrvAddrs;
    const order: string[] = [];
    if (this.chosenNamesrv !== undefined) order.push(this.chosenNamesrv);
    const start = Math.abs(this.namesrvIndex++) % addrs.length;
    for (let i = 0; i < addrs.length; i++) {
      const addr = addrs[(start + i) % addrs.length]!;
      if (!order.includes(addr)) order.push(addr);
    }
    return order;
  }

  /** Broker call; any code other than the accepted ones becomes an MQBrokerError. */
  async invokeBroker(addr: string, command: RemotingCommand, timeoutMs: number, accepted: readonly number[] = [ResponseCode.SUCCESS]): Promise<RemotingCommand> {
    const response = await this.remoting.invokeSync(addr, command, timeoutMs);
    if (!accepted.includes(response.code)) throw new MQBrokerError(response.code, response.remark, addr);
    return response;
  }

  async invokeOneway(addr: string, command: RemotingCommand): Promise<void> {
    await this.remoting.invokeOneway(addr, command);
  }

  // ---- NameServer ----

  /** GET_ROUTEINFO_BY_TOPIC; TOPIC_NOT_EXIST → MQClientError with responseCode 17. */
  async getTopicRouteInfoFromNameServer(topic: string, timeoutMs: number): Promise<TopicRouteData> {
    const response = await this.invokeNamesrv(
      request(RequestCode.GET_ROUTEINFO_BY_TOPIC, GetRouteInfoRequestHeader, { topic }), timeoutMs);
    if (response.code === ResponseCode.SUCCESS) return parseTopicRouteData(response.body);
    if (response.code === ResponseCode.TOPIC_NOT_EXIST) {
      throw new MQClientError(response.remark ?? `No topic route info in name server for the topic: ${topic}`, ResponseCode.TOPIC_NOT_EXIST);
    }
    throw new MQClientError(`get route of ${topic} failed: ${response.remark ?? ""} (code ${response.code})`, response.code);
  }

  // ---- broker: produce / consume ----

  async pullMessage(addr: string, header: PullHeader, timeoutMs: number): Promise<RawPullResult> {
    const response = await this.invokeBroker(addr, request(RequestCode.PULL_MESSAGE, PullMessageRequestHeader, header), timeoutMs, [
      ResponseCode.SUCCESS, ResponseCode.PULL_NOT_FOUND, ResponseCode.PULL_RETRY_IMMEDIATELY, ResponseCode.PULL_OFFSET_MOVED,
    ]);
    return {
      code: response.code,
      nextBeginOffset: numberField(response, "nextBeginOffset", header.queueOffset),
      minOffset: numberField(response, "minOffset"),
      maxOffset: numberField(response, "maxOffset"),
      suggestWhichBrokerId: numberField(response, "suggestWhichBrokerId"),
      body: response.body,
    };
  }

  /** QUERY_CONSUMER_OFFSET; code 22 (none stored) → MQBrokerError(22). */
  async queryConsumerOffset(addr: string, group: string, mq: MessageQueue, timeoutMs: number): Promise<number> {
    const response = await this.invokeBroker(addr, request(RequestCode.QUERY_CONSUMER_OFFSET, QueryConsumerOffsetRequestHeader, {
      consumerGroup: group, topic: mq.topic, queueId: mq.queueId, bname: mq.brokerName,
    }), timeoutMs);
    return numberField(response, "offset", -1);
  }

  async updateConsumerOffsetOneway(addr: string, group: string, mq: MessageQueue, offset: number): Promise<void> {
    await this.invokeOneway(addr, request(RequestCode.UPDATE_CONSUMER_OFFSET, UpdateConsumerOffsetRequestHeader, {
      consumerGroup: group, topic: mq.topic, queueId: mq.queueId, commitOffset: offset, bname: mq.brokerName,
    }));
  }

  async updateConsumerOffsetSync(addr: string, group: string, mq: MessageQueue, offset: number, timeoutMs: number): Promise<void> {
    await this.invokeBroker(addr, request(RequestCode.UPDATE_CONSUMER_OFFSET, UpdateConsumerOffsetRequestHeader, {
      consumerGroup: group, topic: mq.topic, queueId: mq.queueId, commitOffset: offset, bname: mq.brokerName,
    }), timeoutMs);
  }

  async getMaxOffset(addr: string, mq: MessageQueue, timeoutMs: number): Promise<number> {
    const response = await this.invokeBroker(addr, request(RequestCode.GET_MAX_OFFSET, GetMaxOffsetRequestHeader, {
      topic: mq.topic, queueId: mq.queueId, bname: mq.brokerName,
    }), timeoutMs);
    return numberField(response, "offset");
  }

  async getMinOffset(addr: string, mq: MessageQueue, timeoutMs: number): Promise<number> {
    const response = await this.invokeBroker(addr, request(RequestCode.GET_MIN_OFFSET, GetMinOffsetRequestHeader, {
      topic: mq.topic, queueId: mq.queueId, bname: mq.brokerName,
    }), timeoutMs);
    return numberField(response, "offset");
  }

  async searchOffset(addr: string, mq: MessageQueue, timestampMs: number, timeoutMs: number): Promise<number> {
    const response = await this.invokeBroker(addr, request(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, SearchOffsetRequestHeader, {
      topic: mq.topic, queueId: mq.queueId, timestamp: timestampMs, bname: mq.brokerName,
    }), timeoutMs);
    return numberField(response, "offset");
  }

  async sendHeartbeat(addr: string, heartbeat: HeartbeatData, timeoutMs: number): Promise<void> {
    await this.invokeBroker(addr, createRequest(RequestCode.HEART_BEAT, {}, encodeHeartbeatData(heartbeat)), timeoutMs);
  }

  async unregisterClient(addr: string, clientId: string, groups: { producerGroup?: string; consumerGroup?: string }, timeoutMs: number): Promise<void> {
    const header: HeaderOf<typeof UnregisterClientRequestHeader.fields> = { clientID: clientId };
    if (groups.producerGroup !== undefined) header.producerGroup = groups.producerGroup;
    if (groups.consumerGroup !== undefined) header.consumerGroup = groups.consumerGroup;
    await this.invokeBroker(addr, request(RequestCode.UNREGISTER_CLIENT, UnregisterClientRequestHeader, header), timeoutMs);
  }

  async getConsumerIdListByGroup(addr: string, group: string, timeoutMs: number): Promise<string[]> {
    const response = await this.invokeBroker(addr, request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, GetConsumerListByGroupRequestHeader, {
      consumerGroup: group,
    }), timeoutMs);
    return readStringArray(parseJsonBody(response.body, "GetConsumerListByGroupResponseBody"), "consumerIdList", "consumer list");
  }

  async consumerSendMessageBack(addr: string, header: HeaderOf<typeof ConsumerSendMsgBackRequestHeader.fields>, timeoutMs: number): Promise<void> {
    await this.invokeBroker(addr, request(RequestCode.CONSUMER_SEND_MSG_BACK, ConsumerSendMsgBackRequestHeader, header), timeoutMs);
  }

  /** LOCK_BATCH_MQ; returns the queues the broker locked for this client. */
  async lockBatchMQ(addr: string, group: string, clientId: string, mqs: readonly MessageQueue[], timeoutMs: number): Promise<MessageQueue[]> {
    const body = encodeJsonBody({ consumerGroup: group, clientId, mqSet: mqs.map(messageQueueToJson) });
    const response = await this.invokeBroker(addr, createRequest(RequestCode.LOCK_BATCH_MQ, {}, body), timeoutMs);
    if (response.body === undefined || response.body.length === 0) return [];
    const parsed = parseJsonBody(response.body, "LockBatchResponseBody");
    const locked = (parsed["lockOKMQSet"] ?? []) as { topic: string; brokerName: string; queueId: number }[];
    assert(Array.isArray(locked), "lockOKMQSet is an array");
    return locked.map((mq) => ({ topic: mq.topic, brokerName: mq.brokerName, queueId: Number(mq.queueId) }));
  }

  async unlockBatchMQ(addr: string, group: string, clientId: string, mqs: readonly MessageQueue[], timeoutMs: number, oneway: boolean): Promise<void> {
    const body = encodeJsonBody({ consumerGroup: group, clientId, mqSet: mqs.map(messageQueueToJson) });
    const command = createRequest(RequestCode.UNLOCK_BATCH_MQ, {}, body);
    if (oneway) await this.invokeOneway(addr, command);
    else await this.invokeBroker(addr, command, timeoutMs);
  }
}
