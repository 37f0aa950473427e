// Concurrent consumption (RocketMQ's ConsumeMessageConcurrentlyService): pulled messages are cut
// into batches of consumeMessageBatchMaxSize and handed to the listener, at most consumeThreadMax
// batches at a time. After the listener: failed messages (RECONSUME_LATER, a throw, or the ones
// past ackIndex) go back to the broker with CONSUMER_SEND_MSG_BACK (clustering; broadcasting
// drops them), then the batch leaves the ProcessQueue and the queue's offset advances to the
// smallest offset still in flight. A message whose send-back failed is consumed again locally
// after 5 s. Messages in flight longer than consumeTimeout are sent back (delay level 3).
// Invariant: an offset is committed only after every message below it was consumed or sent back.
import { MessageConst } from "../../message/message_const.ts";
import type { TimerHandle } from "../../env/env.ts";

import type { ClientMessageExt } from "../message.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import type { ConsumeServiceHost } from "./consume_service.ts";
import { resetRetryTopic } from "./consume_service.ts";
import type { ProcessQueue } from "./process_queue.ts";
import { probe } from "../../env/probe.ts";
import { errorText } from "../../stdx/error_text.ts";

export type ConsumeConcurrentlyStatus = "CONSUME_SUCCESS" | "RECONSUME_LATER";

export interface ConsumeConcurrentlyContext {
  readonly messageQueue: MessageQueue;
  /** 0 = the broker decides (3 + reconsumeTimes); -1 = straight to the DLQ; n = that level. */
  delayLevelWhenNextConsume: number;
  /** With CONSUME_SUCCESS: messages after this index are treated as failed. */
  ackIndex: number;
}

export type MessageListenerConcurrently = (
  messages: ClientMessageExt[],
  context: ConsumeConcurrentlyContext,
) => Promise<ConsumeConcurrentlyStatus>;

/** Java: submitConsumeRequestLater after a failed send-back. */
const LOCAL_RETRY_DELAY_MS = 5000;
/** Java's cleanExpireMsg looks at no more than 16 messages per queue per round. */
const EXPIRE_SCAN_MAX = 16;

interface ConsumeRequest {
  readonly messages: ClientMessageExt[];
  readonly pq: ProcessQueue;
  readonly mq: MessageQueue;
}

export class ConsumeConcurrentlyService {
  private readonly waiting: ConsumeRequest[] = [];
  private active = 0;
  private readonly timers = new Set<TimerHandle>();
  private cleanTimer: TimerHandle | undefined;
  /** A scan in progress (its send-backs may outlast the period) and the ticks that fell inside it. */
  private cleanRunning = false;
  private cleanTicksOwed = 0;
  private stopped = false;

  constructor(private readonly host: ConsumeServiceHost, private readonly listener: MessageListenerConcurrently) {}

  start(): void {
    const { timers } = this.host.env;
    this.cleanTimer = timers.setInterval(() => void this.cleanExpireMsgOnTick(), this.host.settings.consumeTimeoutMs);
  }

  shutdown(): void {
    this.stopped = true;
    this.host.env.timers.clear(this.cleanTimer);
    for (const timer of this.timers) this.host.env.timers.clear(timer);
    this.timers.clear();
    this.waiting.length = 0;
  }

  get inFlight(): number {
    return this.active + this.waiting.length;
  }

  submitConsumeRequest(messages: readonly ClientMessageExt[], pq: ProcessQueue, mq: MessageQueue): void {
    const batchSize = this.host.settings.consumeMessageBatchMaxSize;
    // One batch (the usual case): no copy; a pull's message list is not touched after this.
    if (messages.length <= batchSize) this.waiting.push({ messages: messages as ClientMessageExt[], pq, mq });
    else {
      for (let start = 0; start < messages.length; start += batchSize) {
        this.waiting.push({ messages: messages.slice(start, start + batchSize), pq, mq });
      }
    }
    this.drain();
  }

  private drain(): void {
    while (!this.stopped && this.active < this.host.settings.consumeThreadMax && this.waiting.length > 0) {
      const request = this.waiting.shift()!;
      this.active++;
      void this.run(request).finally(this.runDone);
    }
  }

  /** One closure for every batch (drain used to make one per batch); same ticks as before. */
  private readonly runDone = (): void => {
    this.active--;
    this.drain();
  };

  private submitLater(request: ConsumeRequest, delayMs: number): void {
    const timer = this.host.env.timers.setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) this.submitConsumeRequest(request.messages, request.pq, request.mq);
    }, delayMs);
    this.timers.add(timer);
  }

  private async run(request: ConsumeRequest): Promise<void> {
    const { pq, mq } = request;
    if (pq.dropped) return;
    const messages = request.messages;
    resetRetryTopic(messages, this.host.settings.group);
    const startMs = this.host.env.clock.nowMs();
    const startText = String(startMs);
    for (const message of messages) message.properties.set(MessageConst.CONSUME_START_TIMESTAMP, startText);
    const context: ConsumeConcurrentlyContext = { messageQueue: mq, delayLevelWhenNextConsume: 0, ackIndex: Number.MAX_SAFE_INTEGER };
    this.host.emitDeliver(mq, messages, false);
    let status: ConsumeConcurrentlyStatus;
    try {
      status = await this.listener(messages, context);
    } catch (error) {
      this.host.log.warn("consumeMessage exception, will reconsume later", { topic: mq.topic, queueId: mq.queueId, error: errorText(error) });
      status = "RECONSUME_LATER";
    }
    if (status !== "CONSUME_SUCCESS" && status !== "RECONSUME_LATER") status = "RECONSUME_LATER";
    this.host.emitConsumeResult(mq, messages, false, status);
    if (pq.dropped) return;
    await this.processConsumeResult(status, context, request);
  }

  private async processConsumeResult(status: ConsumeConcurrentlyStatus, context: ConsumeConcurrentlyContext, request: ConsumeRequest): Promise<void> {
    const { pq, mq } = request;
    let ackIndex = status === "CONSUME_SUCCESS" ? Math.min(context.ackIndex, request.messages.length - 1) : -1;
    if (ackIndex < -1) ackIndex = -1;
    const failed = request.messages.slice(ackIndex + 1);
    let consumed = request.messages;
    if (failed.length > 0 && this.host.settings.messageModel === "BROADCASTING") {
      for (const message of failed) this.host.log.warn("BROADCASTING, the message consume failed, drop it", { msgId: message.msgId });
    } else if (failed.length > 0) {
      probe(this.host.env, "client.consume.reconsume-later");
      const backFailed: ClientMessageExt[] = [];
      for (const message of failed) {
        if (!(await this.host.sendMessageBack(message, context.delayLevelWhenNextConsume, mq.brokerName))) {
          probe(this.host.env, "client.consume.local-retry");
          message.reconsumeTimes++;
          backFailed.push(message);
        }
      }
      if (backFailed.length > 0) {
        consumed = request.messages.filter((message) => !backFailed.includes(message));
        this.submitLater({ messages: backFailed, pq, mq }, LOCAL_RETRY_DELAY_MS);
        this.host.emitLocalRetry(mq, backFailed, LOCAL_RETRY_DELAY_MS);
      }
    }
    const offset = pq.removeMessage(consumed);
    if (offset >= 0 && !pq.dropped) this.host.offsetStore.updateOffset(mq, offset, true);
  }

  /**
   * Java runs cleanExpireMsg with scheduleAtFixedRate: never two at once (a scan whose send-backs
   * time out would otherwise send the same message back twice), and ticks missed while a scan
   * ran are run back to back after it.
   */
  async cleanExpireMsgOnTick(): Promise<void> {
    if (this.cleanRunning) {
      this.cleanTicksOwed++;
      return;
    }
    this.cleanRunning = true;
    try {
      await this.cleanExpireMsg();
      while (this.cleanTicksOwed > 0 && !this.stopped) {
        this.cleanTicksOwed--;
        await this.cleanExpireMsg();
      }
    } finally {
      this.cleanRunning = false;
      this.cleanTicksOwed = 0;
    }
  }

  /** ConsumeMessageConcurrentlyService.cleanExpireMsg / ProcessQueue.cleanExpiredMsg. */
  async cleanExpireMsg(): Promise<void> {
    const nowMs = this.host.env.clock.nowMs();
    for (const [mq, pq] of this.host.processQueues()) {
      for (let i = 0; i < EXPIRE_SCAN_MAX && !pq.dropped; i++) {
        const first = pq.firstMessage();
        const started = Number(first?.properties.get(MessageConst.CONSUME_START_TIMESTAMP) ?? NaN);
        if (first === undefined || !Number.isFinite(started) || nowMs - started <= this.host.settings.consumeTimeoutMs) break;
        probe(this.host.env, "client.consume.timeout-send-back");
        this.host.log.info("consume timeout, send message back", { msgId: first.msgId, queueOffset: first.queueOffset });
        // Java removes it only once sent back (without moving the offset; the listener's late
        // result is then a no-op). When the send-back and the re-send to %RETRY% both fail it
        // stays ("send expired msg exception"): removing it would let the offset pass a message
        // nobody holds (a consumer that then dies loses it), and the next round tries again.
        if (!(await this.host.sendMessageBack(first, 3, mq.brokerName))) continue;
        if (pq.firstMessage() === first) pq.removeMessage([first]);
      }
    }
  }
}
