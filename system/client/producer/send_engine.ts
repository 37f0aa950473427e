// The send loop of the producer (DefaultMQProducerImpl.sendDefaultImpl): queue selection,
// retries on another broker, the overall timeout budget and latency bookkeeping. Kept apart from
// the Producer so it can be tested against a fake broker and a fake clock.
// Rules (Java 4.9.7): up to 1 + retryTimes attempts; each attempt gets what is left of
// sendMsgTimeout; retry after transport errors, client errors (broker address unknown) and the
// retriable response codes; a non-SEND_OK result is returned at once unless
// retryAnotherBrokerWhenNotStoreOK; when the budget is spent before an attempt, the send fails.
import type { Clock, Log } from "../../env/env.ts";
import { RemotingConnectError, RemotingTimeoutError } from "../../remoting/remoting_errors.ts";
import type { RemotingCommand } from "../../remoting/remoting_command.ts";
import { MessageConst } from "../../message/message_const.ts";
import { ClientErrorCode, MQBrokerError, MQClientError } from "../client_errors.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import type { LatencyFaultTolerance } from "./latency_fault_tolerance.ts";
import type { OutgoingMessage, SendResult } from "./send_kernel.ts";
import { processSendResponse } from "./send_kernel.ts";
import type { TopicPublishInfo } from "./topic_publish_info.ts";
import { selectQueueWithFaultAvoidance } from "./topic_publish_info.ts";
import { probe, type ProbeSink } from "../../env/probe.ts";
import { errorText } from "../../stdx/error_text.ts";

export interface SendAttemptEvent {
  readonly topic: string;
  readonly mq: MessageQueue;
  readonly attempt: number;
  readonly latencyMs: number;
  readonly outcome: "ok" | "error";
  readonly sendStatus?: string;
  readonly error?: string;
  /** The error's class name (e.g. RemotingTimeoutError), for callers that classify failures. */
  readonly errorName?: string;
  /** The broker's response code when the attempt failed with one (MQBrokerError). */
  readonly responseCode?: number;
  /** The message's KEYS property (a batch: its first message's), so callers can attribute the attempt. */
  readonly keys?: string;
}

export interface SendEngineDeps {
  readonly clock: Clock;
  readonly log: Log;
  readonly faults: LatencyFaultTolerance | undefined;
  readonly sendMsgTimeoutMs: number;
  readonly retryAnotherBrokerWhenNotStoreOK: boolean;
  readonly retryResponseCodes: readonly number[];
  readonly onSendAttempt: ((event: SendAttemptEvent) => void) | undefined;
  findPublishInfo(topic: string): Promise<TopicPublishInfo | undefined>;
  /** The topic's info when it is already known and usable, without waiting (optional fast path). */
  publishInfoNow?(topic: string): TopicPublishInfo | undefined;
  addrOf(mq: MessageQueue): Promise<string>;
  /** The queue's broker address when it is already known, without waiting (optional fast path). */
  addrNow?(mq: MessageQueue): string | undefined;
  invoke(addr: string, message: OutgoingMessage, mq: MessageQueue, timeoutMs: number): Promise<RemotingCommand>;
  oneway(addr: string, message: OutgoingMessage, mq: MessageQueue): Promise<void>;
  noRouteError?(topic: string): Error;
  /** Code-probe sink (the producer's Env). */
  readonly probes?: ProbeSink | undefined;
}

export class SendEngine {
  constructor(private readonly deps: SendEngineDeps) {}

  async sendDefault(message: OutgoingMessage, retryTimes: number, timeoutMs = this.deps.sendMsgTimeoutMs): Promise<SendResult> {
    const { clock } = this.deps;
    const beginMs = clock.monotonicMs();
    // Known route and broker address are used without an await: every await is promise turns
    // on every send, and the request is written before sendDefault returns.
    const known = this.deps.publishInfoNow?.(message.topic);
    const info = known ?? await this.deps.findPublishInfo(message.topic);
    if (info === undefined || !info.ok()) throw this.noRoute(message.topic);
    const timesTotal = 1 + retryTimes;
    // The brokers tried, for the final error only: a string joined per attempt (an array pushed
    // to on every send allocated room for 17).
    let brokersSent = "";
    let attempts = 0;
    let lastError: Error | undefined;
    let lastResult: SendResult | undefined;
    let mq: MessageQueue | undefined;
    for (let times = 0; times < timesTotal; times++) {
      const failedBroker = mq?.brokerName;
      mq = selectQueueWithFaultAvoidance(info, failedBroker, this.deps.faults, this.deps);
      if (failedBroker !== undefined && failedBroker !== mq.brokerName) probe(this.deps, "client.producer.retry-other-broker");
      brokersSent = attempts === 0 ? mq.brokerName : `${brokersSent}, ${mq.brokerName}`;
      attempts++;
      // One reading per attempt: the budget check and the attempt's latency start share it; the
      // first attempt after a route known at once reuses beginMs (nothing awaited since).
      const attemptStartMs = times === 0 && known !== undefined ? beginMs : clock.monotonicMs();
      const costMs = attemptStartMs - beginMs;
      // A spent budget is spent: Java's `timeout < costTime` lets an attempt run with 0 ms left
      // only when the previous one ended on the exact millisecond, which virtual time always
      // does; such attempts fail at once but still advance the queue cursor (a dead broker's
      // queues would then be picked first by every send).
      if (timeoutMs <= costMs) {
        probe(this.deps, "client.producer.timeout-budget-spent");
        throw new MQClientError(`sendDefaultImpl call timeout: ${costMs} ms spent, timeout ${timeoutMs} ms` +
          (lastError === undefined ? "" : `; last error: ${lastError.message}`), ClientErrorCode.REQUEST_TIMEOUT_EXCEPTION, { cause: lastError });
      }
      try {
        const addr = this.deps.addrNow?.(mq) ?? await this.deps.addrOf(mq);
        lastResult = processSendResponse(addr, mq, message, await this.deps.invoke(addr, message, mq, timeoutMs - costMs));
        this.recordAttempt(message, mq, times, attemptStartMs, undefined, lastResult);
        if (lastResult.sendStatus !== "SEND_OK" && this.deps.retryAnotherBrokerWhenNotStoreOK) {
          probe(this.deps, "client.producer.retry-not-store-ok");
          continue;
        }
        return lastResult;
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        this.recordAttempt(message, mq, times, attemptStartMs, failure, undefined);
        lastError = failure;
        if (failure instanceof MQBrokerError && !this.deps.retryResponseCodes.includes(failure.responseCode)) {
          if (lastResult !== undefined) return lastResult;
          throw failure;
        }
        if (!isRetriable(failure)) throw failure;
        if (times + 1 < timesTotal) probe(this.deps, "client.producer.retry");
        this.deps.log.info("send failed, resend at once", { topic: message.topic, broker: mq.brokerName, attempt: times + 1, error: failure.message });
      }
    }
    if (lastResult !== undefined) return lastResult;
    const costMs = clock.monotonicMs() - beginMs;
    probe(this.deps, "client.producer.retries-exhausted");
    throw new MQClientError(
      `Send [${attempts}] times, still failed, cost [${costMs}]ms, Topic: ${message.topic}, BrokersSent: [${brokersSent}]: ${errorText(lastError)}`,
      responseCodeOf(lastError),
      { cause: lastError },
    );
  }

  /**
   * Selector send (sendSelectImpl): the route lookup and the one attempt share the timeout. A
   * lookup that spent it (a NameServer that does not answer) fails the send before anything is
   * written, instead of giving the attempt a fresh budget: a send that comes back ok long after
   * the caller's timeout would land behind sends the caller made after it.
   */
  async sendSelect(message: OutgoingMessage, select: (queues: readonly MessageQueue[]) => MessageQueue | undefined,
    timeoutMs = this.deps.sendMsgTimeoutMs): Promise<SendResult> {
    const beginMs = this.deps.clock.monotonicMs();
    const info = await this.deps.findPublishInfo(message.topic);
    if (info === undefined || !info.ok()) throw this.noRoute(message.topic);
    const mq = select(info.messageQueueList);
    if (mq === undefined) throw new MQClientError("select message queue returned null.");
    const costMs = this.deps.clock.monotonicMs() - beginMs;
    // `<=`, not Java's `<`: see sendDefault (a 0 ms attempt only writes a request it cannot wait for).
    if (timeoutMs <= costMs) {
      probe(this.deps, "client.producer.timeout-budget-spent");
      throw new MQClientError(`sendSelectImpl call timeout: ${costMs} ms spent, timeout ${timeoutMs} ms`, ClientErrorCode.REQUEST_TIMEOUT_EXCEPTION);
    }
    return this.sendToQueue(message, mq, timeoutMs - costMs);
  }

  /** One attempt to a given queue (send(msg, mq) and selector sends). */
  async sendToQueue(message: OutgoingMessage, mq: MessageQueue, timeoutMs = this.deps.sendMsgTimeoutMs): Promise<SendResult> {
    const startMs = this.deps.clock.monotonicMs();
    try {
      const result = await this.sendKernel(message, mq, timeoutMs);
      this.recordAttempt(message, mq, 0, startMs, undefined, result);
      return result;
    } catch (error) {
      this.recordAttempt(message, mq, 0, startMs, error instanceof Error ? error : new Error(String(error)), undefined);
      throw error;
    }
  }

  async sendOneway(message: OutgoingMessage): Promise<void> {
    const info = await this.deps.findPublishInfo(message.topic);
    if (info === undefined || !info.ok()) throw this.noRoute(message.topic);
    const mq = selectQueueWithFaultAvoidance(info, undefined, this.deps.faults);
    await this.deps.oneway(await this.deps.addrOf(mq), message, mq);
  }

  private async sendKernel(message: OutgoingMessage, mq: MessageQueue, timeoutMs: number): Promise<SendResult> {
    const addr = this.deps.addrNow?.(mq) ?? await this.deps.addrOf(mq);
    const response = await this.deps.invoke(addr, message, mq, timeoutMs);
    return processSendResponse(addr, mq, message, response);
  }

  private recordAttempt(message: OutgoingMessage, mq: MessageQueue, attempt: number, startMs: number, error: Error | undefined, result: SendResult | undefined): void {
    const latencyMs = this.deps.clock.monotonicMs() - startMs;
    this.deps.faults?.updateFaultItem(mq.brokerName, latencyMs, error !== undefined);
    if (this.deps.onSendAttempt === undefined) return;
    const keys = (message.batch?.[0]?.properties ?? message.properties).get(MessageConst.KEYS);
    const event: SendAttemptEvent = error === undefined
      ? { topic: message.topic, mq, attempt, latencyMs, outcome: "ok", sendStatus: result?.sendStatus ?? "SEND_OK", ...(keys === undefined ? {} : { keys }) }
      : {
        topic: message.topic, mq, attempt, latencyMs, outcome: "error", error: error.message, errorName: error.name,
        ...(error instanceof MQBrokerError ? { responseCode: error.responseCode } : {}), ...(keys === undefined ? {} : { keys }),
      };
    this.deps.onSendAttempt(event);
  }

  private noRoute(topic: string): Error {
    return this.deps.noRouteError?.(topic) ?? new MQClientError(`No route info of this topic: ${topic}`, ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION);
  }
}

/** Transport and client-side errors are retried on another broker (Java catches RemotingException and MQClientException). */
function isRetriable(error: Error): boolean {
  return error instanceof MQBrokerError || error instanceof MQClientError || error.name.startsWith("Remoting");
}

function responseCodeOf(error: Error | undefined): number {
  if (error instanceof MQBrokerError) return error.responseCode;
  if (error instanceof RemotingConnectError) return ClientErrorCode.CONNECT_BROKER_EXCEPTION;
  if (error instanceof RemotingTimeoutError) return ClientErrorCode.ACCESS_BROKER_TIMEOUT;
  if (error instanceof MQClientError) return ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION;
  return ClientErrorCode.NONE;
}
