// Producer (RocketMQ's DefaultMQProducer): sync, callback and oneway sends, sends to a chosen
// queue or through a MessageQueueSelector, and batches. A sync send picks a queue round-robin
// over the writable queues of all brokers and retries up to retryTimesWhenSendFailed times on
// another broker after a transport error or a retriable response code (17, 14, 1, 16, 204, 205),
// all within sendMsgTimeout. Unknown topics go through the TBW102 route (the broker
// auto-creates them when allowed). Optional latency fault avoidance skips slow/failed brokers.
// Invariants: every message sent carries a UNIQ_KEY; no send starts after shutdown; time, timers
// and randomness come from the Env.
import type { Env, Log } from "../../env/env.ts";
import { MessageConst, SystemTopic } from "../../message/message_const.ts";
import { UniqIdGenerator } from "../../message/msg_id.ts";
import { validateGroup, validateTopic } from "../../message/validators.ts";
import { assert } from "../../stdx/assert.ts";
import { CLIENT_INNER_PRODUCER_GROUP, getOrCreateClientInstance } from "../client_instance.ts";
import type { ClientInstance } from "../client_instance.ts";
import type { ClientOptions } from "../client_config.ts";
import type { ClientConfig } from "../client_config.ts";
import { resolveClientConfig } from "../client_config.ts";
import type { ProducerInner } from "../client_inner.ts";
import { ClientErrorCode, MQClientError } from "../client_errors.ts";
import type { Message } from "../message.ts";
import { bodyBytes, messageProperties } from "../message.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { LatencyFaultTolerance } from "./latency_fault_tolerance.ts";
import type { OutgoingMessage, SendRequestOptions, SendResult } from "./send_kernel.ts";
import type { RemotingCommand } from "../../remoting/remoting_command.ts";
import { buildSendRequest, processSendResponse } from "./send_kernel.ts";
import { TraceDispatcher, tracePub } from "../trace/trace_dispatcher.ts";
import { SendEngine } from "./send_engine.ts";
import type { SendAttemptEvent } from "./send_engine.ts";
import type { TopicPublishInfo } from "./topic_publish_info.ts";
import type { TopicRouteData } from "../../protocol/route.ts";
import { errorText } from "../../stdx/error_text.ts";

export const MAX_MESSAGE_SIZE_DEFAULT = 4 * 1024 * 1024;

export interface ProducerOptions extends ClientOptions {
  producerGroup?: string;
  sendMsgTimeoutMs?: number;
  retryTimesWhenSendFailed?: number;
  retryTimesWhenSendAsyncFailed?: number;
  retryAnotherBrokerWhenNotStoreOK?: boolean;
  compressMsgBodyOverHowmuch?: number;
  maxMessageSize?: number;
  defaultTopicQueueNums?: number;
  createTopicKey?: string;
  sendLatencyFaultEnable?: boolean;
  latencyMaxMs?: readonly number[];
  notAvailableDurationMs?: readonly number[];
  retryResponseCodes?: readonly number[];
  /** Lab hook: one event per send attempt. */
  onSendAttempt?: (event: SendAttemptEvent) => void;
  /** Lab hook: this client applied a changed route of a topic (after a poll or a send's refresh). */
  onRouteChange?: (topic: string, route: TopicRouteData) => void;
  /** Message trace: a Pub record per stored send to RMQ_SYS_TRACE_TOPIC (client/trace/). */
  enableMsgTrace?: boolean;
  customizedTraceTopic?: string;
}

export type SendCallback =
  | ((error: Error | undefined, result: SendResult | undefined) => void)
  | { onSuccess(result: SendResult): void; onException(error: Error): void };

/** Picks the queue for an ordered send (e.g. hash of a key mod the queue count). */
export type MessageQueueSelector<A> = (queues: readonly MessageQueue[], message: Message, arg: A) => MessageQueue;

export const DEFAULT_PRODUCER_GROUP = "DEFAULT_PRODUCER";

export class Producer implements ProducerInner {
  readonly groupName: string;
  private readonly log: Log;
  private instance: ClientInstance | undefined;
  private readonly publishInfo = new Map<string, TopicPublishInfo | undefined>();
  private readonly uniqIds: UniqIdGenerator;
  /** The topic the last send passed validateTopic with (a topic is checked once, not on every send). */
  private lastValidTopic: string | undefined;
  private readonly engine: SendEngine;
  private state: "CREATE_JUST" | "RUNNING" | "SHUTDOWN_ALREADY" = "CREATE_JUST";
  private readonly config: ClientConfig;
  private readonly tracer: TraceDispatcher | undefined;
  private readonly requestOptions: SendRequestOptions;

  constructor(private readonly env: Env, private readonly options: ProducerOptions = {}) {
    this.groupName = options.producerGroup ?? DEFAULT_PRODUCER_GROUP;
    this.log = env.log.child({ component: "producer", group: this.groupName });
    const config = resolveClientConfig(env, options);
    this.uniqIds = new UniqIdGenerator({ clientIp: config.clientIp, pid: config.pid, clock: env.clock, random: env.random });
    const faults = options.sendLatencyFaultEnable === true
      ? new LatencyFaultTolerance(env.clock, options.latencyMaxMs, options.notAvailableDurationMs)
      : undefined;
    this.engine = new SendEngine({
      clock: env.clock,
      log: this.log,
      faults,
      sendMsgTimeoutMs: options.sendMsgTimeoutMs ?? 3000,
      retryAnotherBrokerWhenNotStoreOK: options.retryAnotherBrokerWhenNotStoreOK ?? false,
      retryResponseCodes: options.retryResponseCodes ?? [17, 14, 1, 16, 204, 205],
      onSendAttempt: options.onSendAttempt,
      findPublishInfo: (topic) => this.tryToFindTopicPublishInfo(topic),
      addrOf: (mq) => this.brokerAddrOf(mq),
      publishInfoNow: (topic) => this.publishInfoNow(topic),
      addrNow: (mq) => this.instance?.routes.findBrokerAddressInPublish(mq.brokerName),
      invoke: (addr, message, mq, timeoutMs) => {
        // Straight to the remoting client: the response code check is processSendResponse's
        // (invokeBroker's accepted list would be 0, 10, 11, 12, the same codes), and no async
        // wrapper adds promise turns to every send.
        if (this.tracer === undefined) return this.client().api.remoting.invokeSync(addr, this.request(message, mq), timeoutMs);
        return this.invokeTraced(addr, message, mq, timeoutMs);
      },
      oneway: (addr, message, mq) => this.client().api.invokeOneway(addr, this.request(message, mq)),
      noRouteError: (topic) => this.noRouteError(topic),
      probes: env.probes,
    });
    this.config = config;
    this.requestOptions = {
      producerGroup: this.groupName,
      createTopicKey: options.createTopicKey ?? SystemTopic.AUTO_CREATE_TOPIC_KEY,
      defaultTopicQueueNums: options.defaultTopicQueueNums ?? 4,
      compressMsgBodyOverHowmuch: options.compressMsgBodyOverHowmuch ?? 4096,
    };
    if (options.enableMsgTrace === true) {
      this.tracer = new TraceDispatcher(env, {
        namesrvAddrs: config.namesrvAddrs, group: this.groupName, traceTopic: options.customizedTraceTopic,
        startSender: (settings) => startTraceProducer(env, config.namesrvAddrs, settings),
      });
    }
  }

  get clientId(): string {
    return this.client().clientId;
  }

  async start(): Promise<void> {
    assert(this.state === "CREATE_JUST", `producer ${this.groupName} already started or shut down`);
    const groupProblem = this.groupName === CLIENT_INNER_PRODUCER_GROUP ? null : validateGroup(this.groupName);
    if (groupProblem !== null) throw new MQClientError(`producerGroup: ${groupProblem}`);
    this.instance = getOrCreateClientInstance(this.env, this.config);
    if (!this.instance.registerProducer(this)) {
      throw new MQClientError(`The producer group[${this.groupName}] has been created before, specify another name please.`);
    }
    this.publishInfo.set(this.options.createTopicKey ?? SystemTopic.AUTO_CREATE_TOPIC_KEY, undefined);
    if (this.options.onRouteChange !== undefined) this.instance.routes.routeListeners.add(this.options.onRouteChange);
    this.instance.start();
    this.state = "RUNNING";
    await this.instance.sendHeartbeatToAllBrokerWithLock();
  }

  async shutdown(): Promise<void> {
    if (this.state !== "RUNNING") return;
    this.state = "SHUTDOWN_ALREADY";
    const instance = this.client();
    if (this.options.onRouteChange !== undefined) instance.routes.routeListeners.delete(this.options.onRouteChange);
    await this.tracer?.shutdown();
    await instance.unregisterProducer(this.groupName);
    instance.shutdown();
  }

  /** Sync send (with retries), or the callback form when a callback is given. */
  send(message: Message, options?: { timeoutMs?: number }): Promise<SendResult>;
  send(message: Message, callback: SendCallback): void;
  send(message: Message, second?: { timeoutMs?: number } | SendCallback): Promise<SendResult> | void {
    if (typeof second === "function" || (second !== undefined && "onSuccess" in second)) {
      const callback = second;
      const retries = this.options.retryTimesWhenSendAsyncFailed ?? 2;
      const settle = (error: Error | undefined, result: SendResult | undefined): void => {
        try {
          if (typeof callback === "function") callback(error, result);
          else if (error !== undefined) callback.onException(error);
          else callback.onSuccess(result!);
        } catch (thrown) {
          this.log.warn("send callback threw", { error: errorText(thrown) });
        }
      };
      let outgoing: OutgoingMessage;
      try {
        outgoing = this.prepare(message);
      } catch (error) {
        settle(error instanceof Error ? error : new Error(String(error)), undefined);
        return;
      }
      this.sendOutgoing(outgoing, retries, undefined).then(
        (result) => settle(undefined, result),
        (error: unknown) => settle(error instanceof Error ? error : new Error(String(error)), undefined),
      );
      return;
    }
    try {
      return this.sendOutgoing(this.prepare(message), this.options.retryTimesWhenSendFailed ?? 2, second?.timeoutMs);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** One attempt, no response awaited (resolves once written). */
  async sendOneway(message: Message): Promise<void> {
    this.makeSureStateOK();
    await this.engine.sendOneway(this.prepare(message));
  }

  /** Sends to the given queue, one attempt (Java's send(msg, mq)). */
  async sendToQueue(message: Message, mq: MessageQueue, options?: { timeoutMs?: number }): Promise<SendResult> {
    this.makeSureStateOK();
    if (mq.topic !== message.topic) throw new MQClientError(`message's topic ${message.topic} not equal mq's topic ${mq.topic}`);
    return this.engine.sendToQueue(this.prepare(message), mq, options?.timeoutMs);
  }

  /** Ordered send: selector picks the queue among the topic's writable queues; one attempt. */
  async sendWithSelector<A>(message: Message, selector: MessageQueueSelector<A>, arg: A, options?: { timeoutMs?: number }): Promise<SendResult> {
    this.makeSureStateOK();
    return this.engine.sendSelect(this.prepare(message), (queues) => selector(queues, message, arg), options?.timeoutMs);
  }

  /** SEND_BATCH_MESSAGE: all messages to one topic, one queue; same retry rules as send. */
  async sendBatch(messages: readonly Message[], options?: { timeoutMs?: number }): Promise<SendResult> {
    assert(messages.length > 0, "sendBatch needs at least one message");
    const topic = messages[0]!.topic;
    const batch = messages.map((message) => {
      if (message.topic !== topic) throw new MQClientError("The topic of the messages in one batch should be the same");
      if (message.delayTimeLevel !== undefined && message.delayTimeLevel > 0) throw new MQClientError("TimeDelayLevel is not supported for batching");
      const inner = this.prepare(message);
      return { body: inner.body, properties: inner.properties, flag: inner.flag };
    });
    const outgoing: OutgoingMessage = { topic, body: new Uint8Array(0), properties: new Map(), flag: 0, batch };
    return this.sendOutgoing(outgoing, this.options.retryTimesWhenSendFailed ?? 2, options?.timeoutMs);
  }

  /** Sends a message whose properties are already complete (retry re-sends); sets UNIQ_KEY if absent. */
  sendRaw(outgoing: OutgoingMessage): Promise<SendResult> {
    if (!outgoing.properties.has(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX)) {
      outgoing.properties.set(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX, this.uniqIds.next());
    }
    return this.sendOutgoing(outgoing, this.options.retryTimesWhenSendFailed ?? 2, undefined);
  }

  async fetchPublishMessageQueues(topic: string): Promise<MessageQueue[]> {
    this.makeSureStateOK();
    const info = await this.tryToFindTopicPublishInfo(topic);
    if (info === undefined || !info.ok()) throw this.noRouteError(topic);
    return [...info.messageQueueList];
  }

  // ---- ProducerInner ----

  publishTopics(): string[] {
    return [...this.publishInfo.keys()];
  }

  isPublishTopicNeedUpdate(topic: string): boolean {
    return this.publishInfo.has(topic) && !(this.publishInfo.get(topic)?.ok() ?? false);
  }

  updateTopicPublishInfo(topic: string, info: TopicPublishInfo): void {
    this.publishInfo.set(topic, info);
  }

  // ---- internals ----

  protected client(): ClientInstance {
    if (this.instance === undefined) throw new MQClientError(`The producer service state not OK, ${this.state}`);
    return this.instance;
  }

  private makeSureStateOK(): void {
    if (this.state !== "RUNNING") throw new MQClientError(`The producer service state not OK, ${this.state}`);
  }

  /** Not async (a wrapper would add promise turns to every send); a refusal is a rejection. */
  private sendOutgoing(outgoing: OutgoingMessage, retryTimes: number, timeoutMs: number | undefined): Promise<SendResult> {
    if (this.state !== "RUNNING") return Promise.reject(new MQClientError(`The producer service state not OK, ${this.state}`));
    return this.engine.sendDefault(outgoing, retryTimes, timeoutMs);
  }

  /** The topic's publish info when it is known and has queues (the send path's synchronous lookup). */
  private publishInfoNow(topic: string): TopicPublishInfo | undefined {
    const info = this.publishInfo.get(topic);
    return info !== undefined && info.ok() ? info : undefined;
  }

  private async invokeTraced(addr: string, message: OutgoingMessage, mq: MessageQueue, timeoutMs: number): Promise<RemotingCommand> {
    const startMs = this.env.clock.nowMs();
    const response = await this.client().api.invokeBroker(addr, this.request(message, mq), timeoutMs, [0, 10, 11, 12]);
    tracePub(this.tracer!, this.groupName, addr, message, processSendResponse(addr, mq, message, response), startMs, this.env.clock.nowMs());
    return response;
  }

  /** Validators.checkMessage + the user message turned into wire properties with a UNIQ_KEY. */
  private prepare(message: Message): OutgoingMessage {
    if (message.topic !== this.lastValidTopic) {
      const topicProblem = validateTopic(message.topic);
      if (topicProblem !== null) throw new MQClientError(topicProblem, 13);
      this.lastValidTopic = message.topic;
    }
    const body = bodyBytes(message.body);
    if (body.length === 0) throw new MQClientError("the message body length is zero", 13);
    const maxMessageSize = this.options.maxMessageSize ?? MAX_MESSAGE_SIZE_DEFAULT;
    if (body.length > maxMessageSize) throw new MQClientError(`the message body size over max value, MAX: ${maxMessageSize}`, 13);
    const properties = messageProperties(message);
    properties.set(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX, this.uniqIds.next());
    return { topic: message.topic, body, properties, flag: message.flag ?? 0 };
  }

  private request(message: OutgoingMessage, mq: MessageQueue): RemotingCommand {
    return buildSendRequest(message, mq, this.requestOptions, this.env.clock.nowMs());
  }

  private async brokerAddrOf(mq: MessageQueue): Promise<string> {
    const routes = this.client().routes;
    let addr = routes.findBrokerAddressInPublish(mq.brokerName);
    if (addr === undefined) {
      await this.tryToFindTopicPublishInfo(mq.topic);
      addr = routes.findBrokerAddressInPublish(mq.brokerName);
    }
    if (addr === undefined) throw new MQClientError(`The broker[${mq.brokerName}] not exist`, ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION);
    return addr;
  }

  /** DefaultMQProducerImpl.tryToFindTopicPublishInfo: own route first, else TBW102's. */
  private async tryToFindTopicPublishInfo(topic: string): Promise<TopicPublishInfo | undefined> {
    const routes = this.client().routes;
    let info = this.publishInfo.get(topic);
    if (info === undefined || !info.ok()) {
      if (!this.publishInfo.has(topic)) this.publishInfo.set(topic, undefined);
      await routes.updateTopicRouteInfoFromNameServer(topic);
      info = this.publishInfo.get(topic);
    }
    if (info !== undefined && (info.haveTopicRouterInfo || info.ok())) return info;
    await routes.updateTopicRouteInfoFromNameServer(topic, this.options.defaultTopicQueueNums ?? 4,
      this.options.createTopicKey ?? SystemTopic.AUTO_CREATE_TOPIC_KEY);
    return this.publishInfo.get(topic);
  }

  private noRouteError(topic: string): MQClientError {
    const cause = this.instance?.routes.lastRouteError.get(topic);
    const detail = cause === undefined ? "" : ` (${errorText(cause)})`;
    return new MQClientError(`No route info of this topic: ${topic}${detail}`, ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION, { cause });
  }
}

/** The inner producer of a TraceDispatcher (its startSender port). */
export async function startTraceProducer(
  env: Env, namesrvAddrs: readonly string[], settings: { producerGroup: string; instanceName: string; maxMessageSize: number },
): Promise<Producer> {
  const producer = new Producer(env, { namesrvAddr: [...namesrvAddrs], ...settings });
  await producer.start();
  return producer;
}
