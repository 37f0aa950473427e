// What a workload producer sends next: a "send unit" is one message (single send, possibly
// delayed, large or compressible, or ordered by key) or a batch of batchSize messages (one
// SEND_BATCH_MESSAGE; each message keeps its own identity, invoke and outcome). Every choice is
// drawn from the node's Random, so a simulated run is the same for the same seed.
// Invariants: every message's body starts with its identity (message_identity.ts), whatever its
// size; batches never carry delayed or large messages (RocketMQ refuses delayed batches, and a
// batch's total must stay under maxMessageSize); ordered producers never batch.
import type { Random } from "../../system/env/index.ts";
import type { Message } from "../../system/client/index.ts";
import type { SendInvoke } from "../history/types.ts";
import type { ProducerSpec } from "../scenario.ts";
import { bodyHeadBytes, encodeBody, makeMessageId } from "./message_identity.ts";
import { sqlPropertiesOf } from "./sql_properties.ts";

export const defaultBodySizeBytes = 256;
/** RocketMQ's compressMsgBodyOverHowmuch (4 KiB): compressible bodies are 4× that. */
export const compressibleBodySizeBytes = 16 * 1024;
/** maxMessageSize (4 MiB) less room for properties and the record header: "near the limit". */
export const defaultLargeBodySizeBytes = 4 * 1024 * 1024 - 64 * 1024;
export const defaultDelayLevels: readonly number[] = [1, 2, 3];

export interface PlannedMessage {
  invoke: SendInvoke;
  message: Message;
}

/** One send: a single message (`batch` false) or a batch (every message to one queue). */
export interface SendUnit {
  batch: boolean;
  messages: PlannedMessage[];
}

export interface PlanContext {
  node: string;
  startToken: string;
  random: Random;
  nextOpId(): number;
  runTimeMs(): number;
}

/**
 * Bodies that must not shrink under compression (large ones: they must stay near the size
 * limit on the wire and in the store): the identity head, then pseudo-random printable bytes
 * from a xorshift seeded by the node's Random (cheap for megabytes, deterministic).
 */
export function incompressibleBody(messageId: string, sizeBytes: number, seed: number): Uint8Array {
  const body = encodeBody(messageId, sizeBytes);
  const headLength = bodyHeadBytes(messageId);
  let state = seed | 1;
  for (let index = headLength; index < body.length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    body[index] = 0x21 + ((state >>> 0) % 94);
  }
  return body;
}

export class MessagePlan {
  private sequence = 0;
  private batchNumber = 0;
  private readonly orderSeqByKey = new Map<string, number>();
  private readonly orderKeys: number;
  private readonly batchSize: number;

  constructor(private readonly spec: ProducerSpec, private readonly context: PlanContext) {
    this.orderKeys = spec.ordered === true ? Math.max(1, spec.orderKeys ?? 8) : 0;
    this.batchSize = spec.ordered === true ? 1 : Math.max(1, spec.batchSize ?? 1);
  }

  /** Messages planned so far. */
  get sent(): number {
    return this.sequence;
  }

  /** Messages one unit carries (for rate keeping). */
  get unitSize(): number {
    return this.batchSize;
  }

  next(options: { burst: boolean; sendMode: SendInvoke["sendMode"]; remaining: number }): SendUnit {
    const count = Math.max(1, Math.min(this.batchSize, options.remaining));
    if (this.batchSize <= 1) return { batch: false, messages: [this.plan(options, undefined)] };
    const batchId = `${this.context.node}.${this.context.startToken}.b${++this.batchNumber}`;
    const messages: PlannedMessage[] = [];
    for (let index = 0; index < count; index++) messages.push(this.plan(options, { batchId, batchIndex: index }));
    return { batch: true, messages };
  }

  private percent(value: number | undefined): boolean {
    return value !== undefined && value > 0 && this.context.random.chance(Math.round(value * 100), 10_000);
  }

  private plan(options: { burst: boolean; sendMode: SendInvoke["sendMode"] }, inBatch: { batchId: string; batchIndex: number } | undefined): PlannedMessage {
    const { spec, context } = this;
    const sequence = ++this.sequence;
    const messageId = makeMessageId(context.node, context.startToken, sequence);
    const tags = spec.tags?.length ? spec.tags[sequence % spec.tags.length] : undefined;
    const invoke: SendInvoke = {
      type: "invoke", op: "send", opId: context.nextOpId(), timeMs: context.runTimeMs(), process: context.node,
      topic: spec.topic, messageId, sendMode: options.sendMode,
    };
    if (tags !== undefined) invoke.tags = tags;
    if (this.orderKeys > 0) {
      // The start token keeps a restarted producer's keys (and their sequences) apart.
      const orderKey = `${context.node}.${context.startToken}-key-${sequence % this.orderKeys}`;
      const orderSeq = this.orderSeqByKey.get(orderKey) ?? 0;
      this.orderSeqByKey.set(orderKey, orderSeq + 1);
      invoke.orderKey = orderKey;
      invoke.orderSeq = orderSeq;
    }
    if (inBatch !== undefined) {
      invoke.batchId = inBatch.batchId;
      invoke.batchIndex = inBatch.batchIndex;
    }
    if (options.burst) invoke.burst = true;
    let delayLevel: number | undefined;
    if (inBatch === undefined && this.percent(spec.delayPercent)) {
      const levels = spec.delayLevels?.length ? spec.delayLevels : defaultDelayLevels;
      delayLevel = levels[context.random.intBetween(0, levels.length - 1)];
    }
    if (delayLevel !== undefined) invoke.delayLevel = delayLevel;
    let body: Uint8Array;
    if (inBatch === undefined && this.percent(spec.largeBodyPercent)) {
      body = incompressibleBody(messageId, spec.largeBodySizeBytes ?? defaultLargeBodySizeBytes, context.random.nextU32());
    } else if (this.percent(spec.compressiblePercent)) {
      body = encodeBody(messageId, Math.max(compressibleBodySizeBytes, spec.bodySizeBytes ?? 0));
    } else {
      body = encodeBody(messageId, spec.bodySizeBytes ?? defaultBodySizeBytes);
    }
    invoke.bodySizeBytes = body.length;
    const message: Message = { topic: spec.topic, body, tags, keys: [messageId], ...(delayLevel === undefined ? {} : { delayTimeLevel: delayLevel }) };
    if (spec.sqlProperties === true) message.properties = sqlPropertiesOf(messageId);
    return { invoke, message };
  }
}
