// Orderly consumption (RocketMQ's ConsumeMessageOrderlyService): per queue, one batch at a time in
// offset order, and (clustering) only while this client holds the queue's broker lock
// (LOCK_BATCH_MQ, renewed every lockInterval, treated as expired after 30 s without renewal).
// SUSPEND_CURRENT_QUEUE_A_MOMENT puts the batch back and retries it after
// suspendCurrentQueueTimeMillis; SUCCESS commits the offset past the batch. A message that hit
// maxReconsumeTimes is sent to %RETRY%group (the broker moves it to the DLQ) and skipped.
// Invariants: at most one listener call per queue at a time; a batch is handed out only after
// every earlier message of the queue was committed or put back.
import { MessageConst } from "../../message/message_const.ts";
import type { TimerHandle } from "../../env/env.ts";

import type { ClientMessageExt } from "../message.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { MessageQueueMap } from "../message_queue.ts";
import type { ConsumeServiceHost } from "./consume_service.ts";
import { resetRetryTopic } from "./consume_service.ts";
import type { ProcessQueue } from "./process_queue.ts";
import { errorText } from "../../stdx/error_text.ts";
import { probe } from "../../env/probe.ts";

export type ConsumeOrderlyStatus = "SUCCESS" | "SUSPEND_CURRENT_QUEUE_A_MOMENT";

export interface ConsumeOrderlyContext {
  readonly messageQueue: MessageQueue;
  /** -1 = use the consumer's suspendCurrentQueueTimeMillis. */
  suspendCurrentQueueTimeMillis: number;
}

export type MessageListenerOrderly = (
  messages: ClientMessageExt[],
  context: ConsumeOrderlyContext,
) => Promise<ConsumeOrderlyStatus>;

/** Java MAX_TIME_CONSUME_CONTINUOUSLY: give other queues a turn after 60 s on one. */
const MAX_TIME_CONSUME_CONTINUOUSLY_MS = 60_000;

export class ConsumeOrderlyService {
  /** Queues with a consume loop running (Java's per-queue objLock). */
  private readonly running = new MessageQueueMap<true>();
  private readonly timers = new Set<TimerHandle>();
  private lockTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly host: ConsumeServiceHost, private readonly listener: MessageListenerOrderly) {}

  private get clustering(): boolean {
    return this.host.settings.messageModel === "CLUSTERING";
  }

  start(): void {
    if (!this.clustering) return;
    this.lockTimer = this.host.env.timers.setInterval(() => void this.host.rebalance.lockAll(), this.host.settings.lockIntervalMs);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.host.env.timers.clear(this.lockTimer);
    for (const timer of this.timers) this.host.env.timers.clear(timer);
    this.timers.clear();
    if (this.clustering) await this.host.rebalance.unlockAll(false);
  }

  /** True while a listener call for mq is running (rebalance must not unlock then). */
  isConsuming(mq: MessageQueue): boolean {
    return this.running.has(mq);
  }

  submitConsumeRequest(pq: ProcessQueue, mq: MessageQueue, dispatchToConsume: boolean): void {
    if (dispatchToConsume) void this.run(pq, mq);
  }

  private later(delayMs: number, task: () => void): void {
    const timer = this.host.env.timers.setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) task();
    }, delayMs);
    this.timers.add(timer);
  }

  private submitLater(pq: ProcessQueue, mq: MessageQueue, delayMs: number): void {
    this.later(delayMs, () => this.submitConsumeRequest(pq, mq, true));
  }

  private tryLockLaterAndReconsume(pq: ProcessQueue, mq: MessageQueue, delayMs: number): void {
    this.later(delayMs, () => {
      void this.host.rebalance.lock(mq).then((locked) => this.submitLater(pq, mq, locked ? 10 : 3000));
    });
  }

  private lockUsable(pq: ProcessQueue): boolean {
    return !this.clustering || (pq.locked && !pq.isLockExpired(this.host.settings.lockMaxLiveTimeMs));
  }

  private async run(pq: ProcessQueue, mq: MessageQueue): Promise<void> {
    if (pq.dropped || this.stopped) return;
    if (this.running.has(mq)) return;
    if (!this.lockUsable(pq)) {
      this.tryLockLaterAndReconsume(pq, mq, 100);
      return;
    }
    this.running.set(mq, true);
    try {
      await this.consumeLoop(pq, mq);
    } finally {
      this.running.delete(mq);
    }
  }

  private async consumeLoop(pq: ProcessQueue, mq: MessageQueue): Promise<void> {
    const beginMs = this.host.env.clock.monotonicMs();
    for (;;) {
      if (pq.dropped || this.stopped) return;
      if (!this.lockUsable(pq)) {
        this.tryLockLaterAndReconsume(pq, mq, 10);
        return;
      }
      if (this.host.env.clock.monotonicMs() - beginMs > MAX_TIME_CONSUME_CONTINUOUSLY_MS) {
        this.submitLater(pq, mq, 10);
        return;
      }
      const messages = pq.takeMessages(this.host.settings.consumeMessageBatchMaxSize);
      if (messages.length === 0) return;
      resetRetryTopic(messages, this.host.settings.group);
      const context: ConsumeOrderlyContext = { messageQueue: mq, suspendCurrentQueueTimeMillis: -1 };
      this.host.emitDeliver(mq, messages, true);
      let status: ConsumeOrderlyStatus;
      try {
        status = await this.listener(messages, context);
      } catch (error) {
        this.host.log.warn("consumeMessage exception, suspend the queue a moment", { topic: mq.topic, queueId: mq.queueId, error: errorText(error) });
        status = "SUSPEND_CURRENT_QUEUE_A_MOMENT";
      }
      if (status !== "SUCCESS") status = "SUSPEND_CURRENT_QUEUE_A_MOMENT";
      this.host.emitConsumeResult(mq, messages, true, status);
      if (!(await this.processConsumeResult(messages, status, context, pq, mq))) return;
    }
  }

  /** Returns whether to keep consuming this queue. */
  private async processConsumeResult(messages: ClientMessageExt[], status: ConsumeOrderlyStatus, context: ConsumeOrderlyContext, pq: ProcessQueue, mq: MessageQueue): Promise<boolean> {
    let commitOffset = -1;
    let keepGoing = true;
    if (status === "SUCCESS") {
      commitOffset = pq.commit();
    } else if (await this.checkReconsumeTimes(messages, mq)) {
      pq.makeMessageToConsumeAgain(messages);
      const delayMs = context.suspendCurrentQueueTimeMillis >= 10 && context.suspendCurrentQueueTimeMillis <= 30_000
        ? context.suspendCurrentQueueTimeMillis
        : this.host.settings.suspendCurrentQueueTimeMs;
      this.submitLater(pq, mq, delayMs);
      keepGoing = false;
    } else {
      commitOffset = pq.commit();
    }
    if (commitOffset >= 0 && !pq.dropped) this.host.offsetStore.updateOffset(mq, commitOffset, false);
    return keepGoing;
  }

  /** True = suspend (retry the batch locally); messages over maxReconsumeTimes go to %RETRY% instead. */
  private async checkReconsumeTimes(messages: ClientMessageExt[], mq: MessageQueue): Promise<boolean> {
    let suspend = false;
    for (const message of messages) {
      if (message.reconsumeTimes >= this.host.settings.maxReconsumeTimes) {
        message.properties.set(MessageConst.RECONSUME_TIME, String(message.reconsumeTimes));
        if (!(await this.host.sendMessageBack(message, -1, mq.brokerName))) {
          probe(this.host.env, "client.consume.local-retry");
          suspend = true;
          message.reconsumeTimes++;
        }
      } else {
        suspend = true;
        message.reconsumeTimes++;
      }
    }
    return suspend;
  }
}
