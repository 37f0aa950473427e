// The push consumer's pull loop (DefaultMQPushConsumerImpl.pullMessage + PullMessageService):
// one long-polling PULL_MESSAGE per held queue at a time. Before pulling: flow control by cached
// count, cached size and (concurrent) offset span → retry in 50 ms; orderly queues pull only
// while locked, and re-read their offset from the broker on the first pull after locking. After:
// FOUND → messages into the ProcessQueue and to the consume service, pull again at once;
// NO_NEW_MSG / NO_MATCHED_MSG → advance (and commit when nothing is cached), pull again;
// OFFSET_ILLEGAL → drop the queue, fix its offset after 10 s, let rebalance re-add it;
// errors → retry after pullTimeDelayMillsWhenException (3 s; broker FLOW_CONTROL: 20 ms).
// Invariants: a dropped ProcessQueue is never pulled again; a pull result for a dropped queue
// is discarded; timers only from the Env.
import type { TimerHandle } from "../../env/env.ts";
import { RETRY_GROUP_TOPIC_PREFIX } from "../../message/message_const.ts";
import { ResponseCode } from "../../remoting/response_code.ts";
import { MQBrokerError } from "../client_errors.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import type { PullAPIWrapper, PullResult } from "./pull_api.ts";
import type { ProcessQueue } from "./process_queue.ts";
import type { PushConsumerSettings } from "./push_consumer_options.ts";
import {
  OFFSET_ILLEGAL_FIX_DELAY_MS, PULL_DELAY_WHEN_BROKER_FLOW_CONTROL_MS, PULL_DELAY_WHEN_FLOW_CONTROL_MS,
} from "./push_consumer_options.ts";
import type { ConsumeServiceHost } from "./consume_service.ts";
import type { PullErrorEvent, PullResultEvent } from "./consumer_observer.ts";
import type { SubscriptionData } from "./subscription_data.ts";
import { probe } from "../../env/probe.ts";
import { errorText } from "../../stdx/error_text.ts";

export interface PullRequest {
  readonly mq: MessageQueue;
  readonly pq: ProcessQueue;
  nextOffset: number;
  previouslyLocked: boolean;
}

export interface PullLoopHost extends ConsumeServiceHost {
  readonly settings: PushConsumerSettings & ConsumeServiceHost["settings"];
  readonly orderly: boolean;
  readonly pullApi: PullAPIWrapper;
  isRunning(): boolean;
  subscription(topic: string): SubscriptionData | undefined;
  computePullFromWhere(mq: MessageQueue): Promise<number>;
  /** Hands found messages to the consume service. */
  submitConsumeRequest(request: PullRequest, messages: PullResult["msgFoundList"], dispatchToConsume: boolean): void;
  emitPull(event: Omit<PullResultEvent, "group" | "clientId" | "atMs">): void;
  emitPullError(event: Omit<PullErrorEvent, "group" | "clientId" | "atMs">): void;
  emitPullCommit(mq: MessageQueue, offset: number): void;
  emitDropped(mq: MessageQueue, reason: "offset-illegal"): void;
  /** Removes the queue (after OFFSET_ILLEGAL) so the next rebalance re-adds it. */
  removeProcessQueue(mq: MessageQueue): Promise<void>;
}

const MIB = 1024 * 1024;

export class PullLoop {
  private readonly timers = new Set<TimerHandle>();
  private stopped = false;

  constructor(private readonly host: PullLoopHost) {}

  shutdown(): void {
    this.stopped = true;
    for (const timer of this.timers) this.host.env.timers.clear(timer);
    this.timers.clear();
  }

  executeImmediately(request: PullRequest): void {
    if (this.stopped) return;
    void Promise.resolve().then(() => this.pullMessage(request));
  }

  executeLater(request: PullRequest, delayMs: number): void {
    this.later(delayMs, () => void this.pullMessage(request));
  }

  later(delayMs: number, task: () => void): void {
    if (this.stopped) return;
    const timer = this.host.env.timers.setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) task();
    }, delayMs);
    this.timers.add(timer);
  }

  /** One pull for the request; schedules the next one. */
  async pullMessage(request: PullRequest): Promise<void> {
    const { pq, mq } = request;
    const { settings } = this.host;
    if (pq.dropped || this.stopped) return;
    pq.lastPullMs = this.host.env.clock.monotonicMs();
    if (!this.host.isRunning()) return this.executeLater(request, settings.pullTimeDelayMillsWhenException);
    if (pq.msgCount > settings.pullThresholdForQueue || pq.msgSizeBytes / MIB > settings.pullThresholdSizeForQueueMiB) {
      return this.executeLater(request, PULL_DELAY_WHEN_FLOW_CONTROL_MS);
    }
    if (!this.host.orderly && pq.maxSpan() > settings.consumeConcurrentlyMaxSpan) {
      return this.executeLater(request, PULL_DELAY_WHEN_FLOW_CONTROL_MS);
    }
    if (this.host.orderly && !(await this.prepareOrderly(request))) return;
    const subscription = this.host.subscription(mq.topic);
    if (subscription === undefined) return this.executeLater(request, settings.pullTimeDelayMillsWhenException);
    let commitOffset: number | undefined;
    if (settings.messageModel === "CLUSTERING") {
      const memory = await this.host.offsetStore.readOffset(mq, "READ_FROM_MEMORY");
      if (memory > 0) commitOffset = memory;
    }
    const requestOffset = request.nextOffset;
    let result: PullResult;
    try {
      result = await this.host.pullApi.pull({
        mq, subscription, postSubscription: settings.postSubscriptionWhenPull, offset: requestOffset,
        maxNums: settings.pullBatchSize, commitOffset, suspend: true,
        brokerSuspendMaxTimeMs: settings.brokerSuspendMaxTimeMillis, timeoutMs: settings.consumerTimeoutMillisWhenSuspend,
      });
    } catch (error) {
      // A pull cut short by shutdown or by the queue being dropped is expected, not news.
      if (this.stopped || pq.dropped) return;
      probe(this.host.env, "client.pull.exception");
      if (!mq.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
        this.host.log.warn("execute the pull request exception", { topic: mq.topic, brokerName: mq.brokerName, queueId: mq.queueId, error: errorText(error) });
      }
      const flowControl = error instanceof MQBrokerError && error.responseCode === ResponseCode.FLOW_CONTROL;
      const retryInMs = flowControl ? PULL_DELAY_WHEN_BROKER_FLOW_CONTROL_MS : settings.pullTimeDelayMillsWhenException;
      this.host.emitPullError({ mq, requestOffset, error: errorText(error), retryInMs });
      return this.executeLater(request, retryInMs);
    }
    if (commitOffset !== undefined) this.host.emitPullCommit(mq, commitOffset);
    if (pq.dropped || this.stopped) return;
    this.host.emitPull({
      mq, requestOffset, status: result.pullStatus, nextBeginOffset: result.nextBeginOffset,
      minOffset: result.minOffset, maxOffset: result.maxOffset, messageCount: result.msgFoundList.length,
      messages: result.msgFoundList,
    });
    this.onPullResult(request, result);
  }

  private onPullResult(request: PullRequest, result: PullResult): void {
    const { pq, mq } = request;
    switch (result.pullStatus) {
      case "FOUND": {
        request.nextOffset = result.nextBeginOffset;
        if (result.msgFoundList.length === 0) return this.executeImmediately(request);
        const dispatchToConsume = pq.putMessage(result.msgFoundList);
        this.host.submitConsumeRequest(request, result.msgFoundList, dispatchToConsume);
        if (this.host.settings.pullIntervalMs > 0) return this.executeLater(request, this.host.settings.pullIntervalMs);
        return this.executeImmediately(request);
      }
      case "NO_NEW_MSG":
      case "NO_MATCHED_MSG":
        request.nextOffset = result.nextBeginOffset;
        // correctTagsOffset: nothing cached, so everything below nextOffset is done.
        if (pq.msgCount === 0) this.host.offsetStore.updateOffset(mq, request.nextOffset, true);
        return this.executeImmediately(request);
      case "OFFSET_ILLEGAL":
        probe(this.host.env, "client.pull.offset-illegal");
        this.host.log.warn("the pull request offset illegal", { topic: mq.topic, queueId: mq.queueId, offset: request.nextOffset, next: result.nextBeginOffset });
        request.nextOffset = result.nextBeginOffset;
        pq.dropped = true;
        this.host.emitDropped(mq, "offset-illegal");
        this.later(OFFSET_ILLEGAL_FIX_DELAY_MS, () => {
          this.host.offsetStore.updateOffset(mq, request.nextOffset, false);
          void this.host.offsetStore.persist(mq).then(() => this.host.removeProcessQueue(mq));
        });
        return;
    }
  }

  /** Orderly: pull only while locked; first pull after locking re-reads the broker offset. */
  private async prepareOrderly(request: PullRequest): Promise<boolean> {
    const { settings } = this.host;
    if (!request.pq.locked) {
      this.executeLater(request, settings.pullTimeDelayMillsWhenException);
      return false;
    }
    if (request.previouslyLocked) return true;
    let offset: number;
    try {
      offset = await this.host.computePullFromWhere(request.mq);
    } catch (error) {
      this.host.log.warn("failed to compute pull offset", { queueId: request.mq.queueId, error: errorText(error) });
      this.executeLater(request, settings.pullTimeDelayMillsWhenException);
      return false;
    }
    if (offset < 0) {
      this.executeLater(request, settings.pullTimeDelayMillsWhenException);
      return false;
    }
    request.previouslyLocked = true;
    request.nextOffset = offset;
    return !request.pq.dropped;
  }
}
