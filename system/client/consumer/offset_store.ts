// Consumer offset stores (RocketMQ's OffsetStore). An offset is the NEXT queue offset to
// consume. Two implementations:
// - RemoteBrokerOffsetStore (clustering): offsets live in memory, are sent to the queue's broker
//   with UPDATE_CONSUMER_OFFSET (oneway) every persistConsumerOffsetInterval and on queue
//   removal/shutdown, and are read from the broker when a queue is newly assigned;
// - LocalFileOffsetStore (broadcasting, local_file_offset_store.ts).
// Invariant: with increaseOnly, an offset in memory never goes backwards.
import type { Log } from "../../env/env.ts";
import { MQBrokerError } from "../client_errors.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { MessageQueueMap } from "../message_queue.ts";
import { ResponseCode } from "../../remoting/response_code.ts";
import { errorText } from "../../stdx/error_text.ts";

export type ReadOffsetType = "READ_FROM_MEMORY" | "READ_FROM_STORE" | "MEMORY_FIRST_THEN_STORE";

/** readOffset result when no offset exists. */
export const OFFSET_NONE = -1;
/** readOffset result when the store could not be read (broker down). */
export const OFFSET_ERROR = -2;

export type OffsetCommitListener = (mq: MessageQueue, offset: number, reason: "persist" | "remove") => void;

export interface OffsetStore {
  load(): Promise<void>;
  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void;
  /** -1 = no offset, -2 = read failed (remote). */
  readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number>;
  /** Sends/stores the offsets of mqs; forgets offsets of queues not in mqs. */
  persistAll(mqs: readonly MessageQueue[]): Promise<void>;
  persist(mq: MessageQueue): Promise<void>;
  removeOffset(mq: MessageQueue): void;
  cloneOffsetTable(topic?: string): MessageQueueMap<number>;
}

/** In-memory table shared by both stores. */
export class OffsetTable {
  readonly table = new MessageQueueMap<number>();

  update(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    const old = this.table.get(mq);
    if (old === undefined || !increaseOnly || offset > old) this.table.set(mq, offset);
  }

  readMemory(mq: MessageQueue): number {
    return this.table.get(mq) ?? OFFSET_NONE;
  }

  clone(topic?: string): MessageQueueMap<number> {
    const copy = new MessageQueueMap<number>();
    for (const [mq, offset] of this.table.entriesList()) if (topic === undefined || mq.topic === topic) copy.set(mq, offset);
    return copy;
  }
}

/** What the remote store needs from the client instance. */
export interface OffsetBrokerApi {
  /** Throws MQBrokerError QUERY_NOT_FOUND (22) when the broker has no offset. */
  queryConsumerOffset(group: string, mq: MessageQueue): Promise<number>;
  updateConsumerOffsetOneway(group: string, mq: MessageQueue, offset: number): Promise<void>;
}

export class RemoteBrokerOffsetStore implements OffsetStore {
  private readonly offsets = new OffsetTable();

  constructor(
    private readonly group: string,
    private readonly api: OffsetBrokerApi,
    private readonly log: Log,
    private readonly onCommit: OffsetCommitListener = () => {},
  ) {}

  async load(): Promise<void> {}

  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    this.offsets.update(mq, offset, increaseOnly);
  }

  async readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number> {
    if (type !== "READ_FROM_STORE") {
      const memory = this.offsets.readMemory(mq);
      if (memory !== OFFSET_NONE || type === "READ_FROM_MEMORY") return memory;
    }
    try {
      const brokerOffset = await this.api.queryConsumerOffset(this.group, mq);
      this.offsets.update(mq, brokerOffset, false);
      return brokerOffset;
    } catch (error) {
      // Java: any MQBrokerException (normally 22 QUERY_NOT_FOUND) means "no offset stored";
      // anything else (transport) is an error the caller must not mistake for a new group.
      if (error instanceof MQBrokerError) {
        if (error.responseCode !== ResponseCode.QUERY_NOT_FOUND) this.log.info("query offset refused", { error: error.message });
        return OFFSET_NONE;
      }
      this.log.warn("fetchConsumeOffsetFromBroker failed", { group: this.group, topic: mq.topic, queueId: mq.queueId, error: errorText(error) });
      return OFFSET_ERROR;
    }
  }

  async persistAll(mqs: readonly MessageQueue[]): Promise<void> {
    const wanted = new MessageQueueMap<true>();
    for (const mq of mqs) wanted.set(mq, true);
    const sends: Promise<void>[] = [];
    for (const [mq, offset] of this.offsets.table.entriesList()) {
      if (wanted.has(mq)) sends.push(this.send(mq, offset, "persist"));
      else this.offsets.table.delete(mq);
    }
    await Promise.all(sends);
  }

  async persist(mq: MessageQueue): Promise<void> {
    const offset = this.offsets.table.get(mq);
    if (offset !== undefined) await this.send(mq, offset, "remove");
  }

  removeOffset(mq: MessageQueue): void {
    this.offsets.table.delete(mq);
  }

  cloneOffsetTable(topic?: string): MessageQueueMap<number> {
    return this.offsets.clone(topic);
  }

  private async send(mq: MessageQueue, offset: number, reason: "persist" | "remove"): Promise<void> {
    try {
      await this.api.updateConsumerOffsetOneway(this.group, mq, offset);
      this.onCommit(mq, offset, reason);
    } catch (error) {
      this.log.warn("updateConsumeOffsetToBroker failed", { group: this.group, topic: mq.topic, queueId: mq.queueId, error: errorText(error) });
    }
  }
}
