// AsyncTraceDispatcher and the trace hooks [client/trace AsyncTraceDispatcher,
// SendMessageTraceHookImpl, ConsumeMessageTraceHookImpl], for enableMsgTrace on producers and
// push consumers. Records wait in a bounded queue (1024, as Java; when full they are dropped and
// counted) and are flushed every TRACE_FLUSH_INTERVAL_MS into messages of at most 128000 bytes
// sent by an inner producer (group _INNER_TRACE_PRODUCER-<group>, instance
// PID_CLIENT_INNER_TRACE_PRODUCER) to RMQ_SYS_TRACE_TOPIC (or the customized trace topic).
// A trace message's KEYS are the traced msgIds and message keys, so queryMsgTraceById finds it
// by the msgId through the index.
// Invariants: tracing never fails or delays the traced send/consume (errors are logged); the
// trace topic itself is never traced; after shutdown() the queue is flushed once and empty.
import type { Env, TimerHandle } from "../../env/env.ts";
import { MessageConst } from "../../message/message_const.ts";
import { errorText } from "../../stdx/error_text.ts";
import type { ClientMessageExt } from "../message.ts";
import type { OutgoingMessage, SendResult } from "../producer/send_kernel.ts";
import { encodeTraceRecord, RMQ_SYS_TRACE_TOPIC, TRACE_GROUP_NAME_PREFIX, TRACE_INSTANCE_NAME, traceKeys } from "./trace_data.ts";
import type { TraceRecord } from "./trace_data.ts";

const TRACE_QUEUE_MAX = 1024;
const TRACE_MESSAGE_BYTES_MAX = 128_000;
const TRACE_FLUSH_INTERVAL_MS = 50;

export interface TraceOptions {
  readonly namesrvAddrs: readonly string[];
  readonly group: string;
  readonly traceTopic?: string | undefined;
  /**
   * Starts the inner producer the records go through (a Producer of group producerGroup). A port,
   * so trace/ does not import producer/, which imports trace/ for its send hook.
   */
  readonly startSender: (settings: { producerGroup: string; instanceName: string; maxMessageSize: number }) => Promise<TraceSender>;
}

/** What the dispatcher needs of its inner producer. */
export interface TraceSender {
  send(message: { topic: string; body: string; keys: string[] }): Promise<unknown>;
  shutdown(): Promise<void>;
}

export class TraceDispatcher {
  readonly traceTopic: string;
  dropped = 0;
  private readonly queue: TraceRecord[] = [];
  private producer: TraceSender | undefined;
  private starting: Promise<TraceSender> | undefined;
  private timer: TimerHandle | undefined;
  private flushing: Promise<void> | undefined;

  constructor(private readonly env: Env, private readonly options: TraceOptions) {
    this.traceTopic = options.traceTopic ?? RMQ_SYS_TRACE_TOPIC;
  }

  append(record: TraceRecord): void {
    if (this.queue.length >= TRACE_QUEUE_MAX) {
      this.dropped++;
      return;
    }
    this.queue.push(record);
    this.timer ??= this.env.timers.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, TRACE_FLUSH_INTERVAL_MS);
  }

  /** Sends everything queued; one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.flushNow().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async shutdown(): Promise<void> {
    this.env.timers.clear(this.timer);
    this.timer = undefined;
    await this.flush();
    if (this.queue.length > 0) await this.flush();
    await (this.producer ?? (await this.starting?.catch(() => undefined)))?.shutdown();
    this.producer = undefined;
  }

  private async flushNow(): Promise<void> {
    while (this.queue.length > 0) {
      let body = "";
      const keys = new Set<string>();
      while (this.queue.length > 0) {
        const encoded = encodeTraceRecord(this.queue[0]!);
        if (body.length > 0 && body.length + encoded.length > TRACE_MESSAGE_BYTES_MAX) break;
        body += encoded;
        for (const key of traceKeys(this.queue.shift()!)) keys.add(key);
      }
      try {
        const producer = await this.innerProducer();
        await producer.send({ topic: this.traceTopic, body, keys: [...keys] });
      } catch (error) {
        this.env.log.warn("send trace data failed", { topic: this.traceTopic, error: errorText(error) });
      }
    }
  }

  private async innerProducer(): Promise<TraceSender> {
    if (this.producer !== undefined) return this.producer;
    this.starting ??= (async () => {
      const producer = await this.options.startSender({
        instanceName: TRACE_INSTANCE_NAME, producerGroup: `${TRACE_GROUP_NAME_PREFIX}-${this.options.group}`, maxMessageSize: TRACE_MESSAGE_BYTES_MAX,
      });
      this.producer = producer;
      return producer;
    })();
    return this.starting;
  }

}

/** SendMessageTraceHookImpl: a Pub record for a stored send (brokers with TRACE_ON=false are skipped). */
export function tracePub(dispatcher: TraceDispatcher, group: string, addr: string, message: OutgoingMessage, result: SendResult, startMs: number, nowMs: number): void {
  if (message.topic === dispatcher.traceTopic || !result.traceOn) return;
  const properties = message.batch?.[0]?.properties ?? message.properties;
  const delayed = properties.has(MessageConst.DELAY_TIME_LEVEL);
  const transactional = properties.get(MessageConst.TRANSACTION_PREPARED) === "true";
  dispatcher.append({
    type: "Pub", timestamp: startMs, regionId: result.regionId, groupName: group, topic: message.topic, msgId: result.msgId,
    tags: properties.get(MessageConst.TAGS) ?? null, keys: properties.get(MessageConst.KEYS) ?? null, storeHost: addr,
    bodyLength: message.body.length, costTime: Math.max(0, nowMs - startMs), msgType: transactional ? 1 : delayed ? 3 : 0,
    offsetMsgId: result.offsetMsgId, success: result.sendStatus === "SEND_OK",
  });
}

/** ConsumeMessageTraceHookImpl: SubBefore for each message of a batch, then SubAfter with the outcome. */
export class ConsumeTracer {
  private readonly started = new WeakMap<readonly ClientMessageExt[], { requestId: string; startMs: number }>();
  private requestCount = 0;

  constructor(private readonly env: Env, private readonly dispatcher: TraceDispatcher, private readonly group: string, private readonly clientId: () => string) {}

  before(messages: readonly ClientMessageExt[]): void {
    const traced = messages.filter((message) => message.properties.get(MessageConst.TRACE_SWITCH) !== "false");
    if (traced.length === 0) return;
    const startMs = this.env.clock.nowMs();
    const requestId = `${this.clientId()}-${startMs}-${this.requestCount++}`;
    this.started.set(messages, { requestId, startMs });
    for (const message of traced) {
      this.dispatcher.append({
        type: "SubBefore", timestamp: startMs, regionId: message.properties.get(MessageConst.MSG_REGION) ?? "DefaultRegion", groupName: this.group,
        requestId, msgId: message.msgId, retryTimes: message.reconsumeTimes, keys: message.properties.get(MessageConst.KEYS) ?? null,
      });
    }
  }

  after(messages: readonly ClientMessageExt[], success: boolean): void {
    const start = this.started.get(messages);
    if (start === undefined) return;
    this.started.delete(messages);
    const nowMs = this.env.clock.nowMs();
    const costTime = Math.floor((nowMs - start.startMs) / Math.max(1, messages.length));
    for (const message of messages) {
      if (message.properties.get(MessageConst.TRACE_SWITCH) === "false") continue;
      this.dispatcher.append({
        type: "SubAfter", requestId: start.requestId, msgId: message.msgId, costTime, success, keys: message.properties.get(MessageConst.KEYS) ?? null,
        contextCode: success ? 0 : 4, timestamp: start.startMs, groupName: this.group,
      });
    }
  }
}
