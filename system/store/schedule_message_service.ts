// Delayed delivery (RocketMQ's ScheduleMessageService). A message with DELAY level L is stored
// in SCHEDULE_TOPIC_XXXX queue L−1 with REAL_TOPIC/REAL_QID (rewriteForDelay; the broker calls
// it before putMessage); its consume-queue tagsCode is the delivery time. One timer chain per
// level walks that queue and re-puts each due message into its real topic; per-level offsets
// are persisted to delayOffset.json (fastjson form: {"offsetTable":{1:0,2:5}}) atomically.
// Only masters deliver. Timing: first check after 1 s, retry a failed re-put after 10 s
// (RocketMQ's FIRST_DELAY_TIME, DELAY_FOR_A_PERIOD). RocketMQ re-checks an idle level every
// 100 ms; here a caught-up level sleeps until a message arrives in its queue (onArrival), which
// delivers at the same times without 180 idle timer events per second in the simulator.

import type { Env, TimerHandle } from "../env/env.ts";
import { MessageConst, MessageSysFlag, SystemTopic, transactionType, utf8Text } from "../message/index.ts";
import type { MessageExt, MessageExtBrokerInner } from "../message/index.ts";
import type { ConsumeQueueTable } from "./consume_queue_table.ts";
import { isPutStored, type PutMessageResult } from "./status.ts";
import type { StoreConfig } from "./store_config.ts";
import { probe } from "../env/probe.ts";

const FIRST_DELAY_MS = 1000;
const DELAY_FOR_A_PERIOD_MS = 10_000;

/**
 * Moves a message with a DELAY level into SCHEDULE_TOPIC_XXXX (levels above the table are
 * capped). Returns the message unchanged when it has no delay, is a prepared/rollback
 * transaction message, or is already in the schedule topic.
 */
export function rewriteForDelay(message: MessageExtBrokerInner, levelCount: number): MessageExtBrokerInner {
  const level = Number.parseInt(message.properties.get(MessageConst.DELAY_TIME_LEVEL) ?? "0", 10);
  const type = transactionType(message.sysFlag);
  if (!(level > 0) || message.topic === SystemTopic.SCHEDULE_TOPIC) return message;
  if (type !== MessageSysFlag.TRANSACTION_NOT_TYPE && type !== MessageSysFlag.TRANSACTION_COMMIT_TYPE) return message;
  const capped = Math.min(level, levelCount);
  const properties = new Map(message.properties);
  properties.set(MessageConst.REAL_TOPIC, message.topic);
  properties.set(MessageConst.REAL_QUEUE_ID, String(message.queueId));
  properties.set(MessageConst.DELAY_TIME_LEVEL, String(capped));
  return { ...message, topic: SystemTopic.SCHEDULE_TOPIC, queueId: capped - 1, properties };
}

/** The message to re-put when its delay is over [ScheduleMessageService.messageTimeup]. */
export function messageTimeup(message: MessageExt): MessageExtBrokerInner | undefined {
  const topic = message.properties.get(MessageConst.REAL_TOPIC);
  const queueId = Number.parseInt(message.properties.get(MessageConst.REAL_QUEUE_ID) ?? "", 10);
  if (topic === undefined || !Number.isInteger(queueId)) return undefined;
  const properties = new Map(message.properties);
  properties.delete(MessageConst.DELAY_TIME_LEVEL);
  return {
    topic, queueId, flag: message.flag, body: message.body, properties, sysFlag: message.sysFlag,
    bornTimestamp: message.bornTimestamp, bornHost: message.bornHost, storeHost: message.storeHost,
    reconsumeTimes: message.reconsumeTimes, preparedTransactionOffset: 0,
  };
}

export function encodeDelayOffsets(offsets: ReadonlyMap<number, number>): string {
  const entries = [...offsets].sort(([a], [b]) => a - b).map(([level, offset]) => `${level}:${offset}`);
  return `{"offsetTable":{${entries.join(",")}}}`;
}

/** Parses delayOffset.json (bare or quoted numeric keys); undefined when malformed. */
export function decodeDelayOffsets(text: string): Map<number, number> | undefined {
  try {
    const parsed = JSON.parse(text.replace(/([{,]\s*)(\d+)\s*:/g, '$1"$2":')) as { offsetTable?: Record<string, unknown> };
    const offsets = new Map<number, number>();
    for (const [level, offset] of Object.entries(parsed.offsetTable ?? {})) {
      if (typeof offset === "number" && Number.isSafeInteger(offset)) offsets.set(Number(level), offset);
    }
    return offsets;
  } catch {
    return undefined;
  }
}

/** What delayed delivery needs of the store (DefaultMessageStore is one): the SCHEDULE_TOPIC queues, a lookup, a re-put. */
export interface ScheduleStore {
  readonly consumeQueues: ConsumeQueueTable;
  lookMessageByOffset(commitLogOffset: number): MessageExt | undefined;
  putMessage(message: MessageExtBrokerInner, options: { waitStoreMsgOK: boolean }): Promise<PutMessageResult>;
}

export class ScheduleMessageService {
  readonly offsetTable = new Map<number, number>();
  private readonly timers = new Map<number, TimerHandle>();
  /** Levels that are caught up and wait for onArrival. */
  private readonly idle = new Set<number>();
  private persistTimer: TimerHandle | undefined;
  private started = false;

  constructor(private readonly env: Env, private readonly config: StoreConfig, private readonly store: ScheduleStore,
    private readonly levels: readonly number[]) {}

  load(): void {
    const bytes = this.env.disk.readFile(this.config.delayOffsetStorePath);
    if (bytes === undefined) return;
    const offsets = decodeDelayOffsets(utf8Text(bytes));
    if (offsets === undefined) {
      this.env.log.error("bad delayOffset.json; starting from queue minimums", { path: this.config.delayOffsetStorePath });
      return;
    }
    for (const [level, offset] of offsets) this.offsetTable.set(level, offset);
  }

  /** The offsets as the slave sync (GET_ALL_DELAY_OFFSET) wants them. */
  encode(): string {
    return encodeDelayOffsets(this.offsetTable);
  }

  /**
   * Clamps each level's offset into its queue [ScheduleMessageService.correctDelayOffset, 4.9.3+].
   * delayOffset.json can run ahead of a queue that came back shorter (a power loss takes the
   * unflushed tail, the offsets file kept a later delivery): left alone, the level would wait for
   * the queue to grow past the stale offset and skip every message stored below it.
   */
  correctOffsets(): void {
    for (const [level, offset] of this.offsetTable) {
      // A missing queue is an empty one (4.9.x findConsumeQueue creates it on demand).
      const queue = this.store.consumeQueues.find(SystemTopic.SCHEDULE_TOPIC, level - 1);
      const corrected = queue === undefined ? 0 : Math.min(Math.max(offset, queue.minOffset), queue.maxOffset());
      if (corrected === offset) continue;
      probe(this.env, "store.schedule.offset-corrected");
      this.env.log.error("correct delay offset", { level, from: offset, to: corrected });
      this.offsetTable.set(level, corrected);
    }
  }

  /** Takes offsets from the master (slave side). */
  updateFrom(text: string): boolean {
    const offsets = decodeDelayOffsets(text);
    if (offsets === undefined) return false;
    for (const [level, offset] of offsets) this.offsetTable.set(level, offset);
    return true;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.correctOffsets();
    for (let level = 1; level <= this.levels.length; level++) this.schedule(level, FIRST_DELAY_MS);
    this.persistTimer = this.env.timers.setInterval(() => void this.persist(), this.config.flushDelayOffsetInterval);
  }

  async shutdown(): Promise<void> {
    const wasStarted = this.started;
    this.started = false;
    for (const timer of this.timers.values()) this.env.timers.clear(timer);
    this.timers.clear();
    this.idle.clear();
    this.env.timers.clear(this.persistTimer);
    if (wasStarted) await this.persist();
  }

  /** Stops the timers without persisting (crash). */
  halt(): void {
    this.started = false;
    for (const timer of this.timers.values()) this.env.timers.clear(timer);
    this.timers.clear();
    this.env.timers.clear(this.persistTimer);
  }

  async persist(): Promise<void> {
    try {
      this.env.disk.mkdirs(this.config.delayOffsetStorePath.substring(0, this.config.delayOffsetStorePath.lastIndexOf("/")));
      await this.env.disk.writeFileAtomic(this.config.delayOffsetStorePath, new TextEncoder().encode(this.encode()));
    } catch (error) {
      this.env.log.error("persisting delay offsets failed", { error: String(error) });
    }
  }

  private schedule(level: number, delayMs: number): void {
    if (!this.started) return;
    this.idle.delete(level);
    this.timers.set(level, this.env.timers.setTimeout(() => {
      this.timers.delete(level);
      void this.deliver(level);
    }, delayMs));
  }

  /** A message entered SCHEDULE_TOPIC_XXXX queue `queueId`: wake its level if it sleeps. */
  onArrival(queueId: number): void {
    const level = queueId + 1;
    if (this.started && this.idle.has(level)) this.schedule(level, 0);
  }

  /** Delivers every due message of one level, then re-arms its timer. */
  async deliver(level: number): Promise<void> {
    const queue = this.store.consumeQueues.find(SystemTopic.SCHEDULE_TOPIC, level - 1);
    if (queue === undefined) {
      this.idle.add(level);
      return;
    }
    let offset = Math.max(this.offsetTable.get(level) ?? 0, queue.minOffset);
    const delayMs = this.levels[level - 1] ?? 1000;
    while (this.started && offset < queue.maxOffset()) {
      const unit = queue.unitAt(offset);
      if (unit !== undefined) {
        const nowMs = this.env.clock.nowMs();
        const deliverMs = unit.tagsCode > nowMs + delayMs ? nowMs : unit.tagsCode;
        if (deliverMs > nowMs) {
          this.offsetTable.set(level, offset);
          probe(this.env, "store.schedule.waiting");
          return this.schedule(level, deliverMs - nowMs);
        }
        const message = this.store.lookMessageByOffset(unit.commitLogOffset);
        const inner = message === undefined ? undefined : messageTimeup(message);
        if (inner !== undefined) {
          // Waits like the original send did (WAIT, absent = true): under SYNC_FLUSH a copy whose
          // flush timed out is re-put later (a duplicate at worst), never counted as delivered
          // while a power loss can still take it [4.9.x: only PUT_OK advances]. Replication
          // statuses count as stored (4.9.x re-puts those too, duplicating every 10 s while a
          // SYNC_MASTER's slave is away; mqlab does not copy that).
          const result = await this.store.putMessage(inner, { waitStoreMsgOK: inner.properties.get(MessageConst.WAIT_STORE_MSG_OK) !== "false" });
          if (result.status === "FLUSH_DISK_TIMEOUT" || !isPutStored(result.status)) {
            probe(this.env, "store.schedule.reput-failed");
            this.env.log.warn("delayed message re-put failed; retrying later", { level, offset, status: result.status });
            this.offsetTable.set(level, offset);
            return this.schedule(level, DELAY_FOR_A_PERIOD_MS);
          }
          probe(this.env, "store.schedule.delivered");
        }
      }
      offset++;
      this.offsetTable.set(level, offset);
    }
    if (this.started) this.idle.add(level);
  }
}
