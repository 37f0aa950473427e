// DefaultMessageStore: the facade the broker uses. Owns the commit log, consume queues, index,
// checkpoint, flushing, dispatch, retention, delayed delivery, the disk guard and statistics.
// Lifecycle: constructor → load() (recovery) → start() (abort file, timers) → shutdown()
// (flush everything, write the checkpoint, remove the abort file).
//
// Invariants: puts are appended and dispatched synchronously in call order (JS runs one put at
// a time), so the commit log, queue offsets and consume queues agree when a put returns from
// its synchronous part; waiting (flush, replication) happens after. Message bodies are never
// cached: every read goes to env.disk.

import type { Env, TimerHandle } from "../env/env.ts";
import { MessageConst, MessageSysFlag, SystemTopic, decodeMessageRecord, transactionType } from "../message/index.ts";
import type { MessageExt, MessageExtBrokerInner } from "../message/index.ts";
import { assert } from "../stdx/assert.ts";
import { CleanService } from "./clean_service.ts";
import { CommitLog } from "./commit_log.ts";
import type { AppendOutcome } from "./commit_log.ts";
import { ConsumeQueueTable } from "./consume_queue_table.ts";
import { DiskGuard } from "./disk_guard.ts";
import { Dispatcher } from "./dispatcher.ts";
import { CommitLogFlusher } from "./flush_service.ts";
import { getMessage, offsetInQueueByTime, storeTimestampAt } from "./get_message.ts";
import type { GetMessageContext } from "./get_message.ts";
import { IndexService } from "./index_service.ts";
import { LogicsFlusher } from "./logics_flusher.ts";
import { recover } from "./recovery.ts";
import type { RecoveryReport } from "./recovery.ts";
import { ScheduleMessageService } from "./schedule_message_service.ts";
import type {
  GetMessageResult, MessageArrivingListener, PutMessageResult, PutMessageStatus, QueryMessageResult, TagsCodeFilter,
} from "./status.ts";
import { StoreCheckpoint } from "./store_checkpoint.ts";
import { parseDelayLevels, storeConfigProblem } from "./store_config.ts";
import type { StoreConfig } from "./store_config.ts";
import { StoreStats } from "./store_stats.ts";
import { type PutBatch, PutBatcher } from "./put_batch.ts";
import { probe } from "../env/probe.ts";

/** SYNC_MASTER hook: resolves PUT_OK once a slave has everything below endOffset. */
export type ReplicationWaiter = (endOffset: number) => Promise<PutMessageStatus>;

/** SYNC_MASTER visibility: how far a slave has acknowledged the commit log. */
export interface ReplicaProgress {
  /** Highest commit-log offset a slave acknowledged (RocketMQ's push2SlaveMaxOffset). */
  ackedOffset(): number;
  /**
   * False while no slave is connected: visibility then falls back to local durability, as
   * RocketMQ 5's controller mode does with a sync-state set of one (consumers are not stalled
   * for a whole slave outage; sends meanwhile answer SLAVE_NOT_AVAILABLE, which promises nothing).
   */
  slaveConnected(): boolean;
}

export interface PutOptions {
  /** Wait for flush/replication before resolving (default: the message's WAIT property, else true). */
  waitStoreMsgOK?: boolean;
  /** A batch's body as sent; over maxMessageSize → MESSAGE_ILLEGAL (4.9.7 DefaultMessageStore.checkMessages). */
  batchSizeBytes?: number | undefined;
}

const DISPATCH_RETRY_MS = 1000;
const NO_OPTIONS: PutOptions = Object.freeze({});

function failed(status: PutMessageStatus, reason: string): PutMessageResult {
  return { status, appendResult: undefined, reason };
}

export class DefaultMessageStore {
  readonly commitLog: CommitLog;
  readonly consumeQueues: ConsumeQueueTable;
  readonly indexService: IndexService | undefined;
  readonly checkpoint: StoreCheckpoint;
  readonly dispatcher: Dispatcher;
  readonly flusher: CommitLogFlusher;
  readonly diskGuard: DiskGuard;
  readonly stats = new StoreStats();
  readonly scheduleService: ScheduleMessageService;
  readonly cleanService: CleanService;
  readonly logicsFlusher: LogicsFlusher;
  readonly delayLevels: number[];
  /** Gathers each turn's appends into one commit-log write and one dispatch (put_batch.ts). */
  readonly putBatcher: PutBatcher;
  private replicationWaiter: ReplicationWaiter | undefined;
  private replicaProgress: ReplicaProgress | undefined;
  /** Built once: a context (and its closure) per pull showed up in profiles. */
  private readonly getContext: GetMessageContext;
  private timers: TimerHandle[] = [];
  private running = false;
  private shutdownDone = false;
  recoveryReport: RecoveryReport | undefined;

  constructor(readonly env: Env, readonly config: StoreConfig) {
    const problem = storeConfigProblem(config);
    assert(problem === null, `bad store config: ${problem}`);
    this.delayLevels = parseDelayLevels(config.messageDelayLevel)!;
    this.commitLog = new CommitLog(env, config, this.delayLevels);
    this.consumeQueues = new ConsumeQueueTable(env, config);
    this.indexService = config.messageIndexEnable ? new IndexService(env, config) : undefined;
    this.checkpoint = new StoreCheckpoint(env.disk, config.storeCheckpoint);
    this.dispatcher = new Dispatcher(env, this.commitLog, this.consumeQueues, this.indexService, this.delayLevels);
    this.flusher = new CommitLogFlusher(env, config, this.commitLog, (offset, timestamp) => {
      this.checkpoint.physicOffset = Math.max(this.checkpoint.physicOffset, offset);
      if (timestamp > 0) this.checkpoint.physicMsgTimestamp = timestamp;
      // Before the flush waiters resolve: an acked SYNC_FLUSH message is already visible.
      this.onDurabilityAdvanced();
    });
    this.diskGuard = new DiskGuard(env, config);
    this.putBatcher = new PutBatcher({
      commitLog: this.commitLog,
      dispatch: (requests) => this.dispatcher.dispatchAppended(requests),
      onWriteFailed: (reason) => {
        if (reason === "disk full") this.diskGuard.markFull();
      },
    });
    this.flusher.beforeRound = () => this.putBatcher.drainNow();
    this.logicsFlusher = new LogicsFlusher(env, config, {
      queues: this.consumeQueues, index: this.indexService, dispatcher: this.dispatcher, commitLogFlusher: this.flusher,
      checkpoint: this.checkpoint,
    });
    this.scheduleService = new ScheduleMessageService(env, config, this, this.delayLevels);
    this.cleanService = new CleanService(env, config, this);
    this.getContext = {
      config, commitLog: this.commitLog,
      onTransferred: (count) => {
        this.stats.getMessageTransferedMsgCount += count;
      },
      readBuffer: new Uint8Array(0),
    };
    this.dispatcher.internalListener = (topic, queueId) => {
      if (topic === SystemTopic.SCHEDULE_TOPIC) this.scheduleService.onArrival(queueId);
    };
  }

  /** Opens files and recovers. False when the store directory is unusable. */
  load(): boolean {
    const disk = this.env.disk;
    disk.mkdirs(this.config.storePathCommitLog);
    const lastExitOK = !disk.exists(this.config.abortFile);
    this.checkpoint.load();
    if (!this.commitLog.queue.load() || !this.consumeQueues.load()) return false;
    const indexRedispatch = this.indexService?.load(this.checkpoint.indexOffset) ?? Number.POSITIVE_INFINITY;
    this.recoveryReport = recover({
      env: this.env, config: this.config, commitLog: this.commitLog, queues: this.consumeQueues, index: this.indexService,
      checkpoint: this.checkpoint, dispatcher: this.dispatcher, levels: this.delayLevels,
    }, lastExitOK, indexRedispatch);
    this.scheduleService.load();
    return true;
  }

  start(): void {
    assert(!this.running, "start once");
    const abort = this.env.disk.open(this.config.abortFile, { create: true });
    abort.close();
    this.running = true;
    this.flusher.start();
    if (this.boundsVisibility()) this.dispatcher.endLimit = () => this.confirmOffset();
    this.logicsFlusher.start();
    const every = (ms: number, task: () => void): void => { this.timers.push(this.env.timers.setInterval(task, ms)); };
    every(this.config.flushIntervalConsumeQueue, () => void this.flushConsumeQueues(false));
    every(DISPATCH_RETRY_MS, () => {
      if (this.dispatcher.reputFromOffset < this.commitLog.maxOffset()) this.dispatcher.catchUp();
      this.stats.sample(this.env.clock.monotonicMs());
    });
    this.cleanService.start();
    if (this.config.brokerRole !== "SLAVE") this.scheduleService.start();
  }

  /** Flushes everything, writes the checkpoint, removes the abort file. */
  async shutdown(): Promise<void> {
    if (this.shutdownDone) return;
    this.shutdownDone = true;
    const wasRunning = this.running;
    this.running = false;
    for (const timer of this.timers) this.env.timers.clear(timer);
    this.cleanService.stop();
    await this.scheduleService.shutdown();
    this.flusher.stop();
    try {
      await this.flusher.flushAll();
      await this.flushConsumeQueues(true);
      if (wasRunning) {
        this.env.disk.remove(this.config.abortFile);
        probe(this.env, "store.abort-file.removed");
      }
    } finally {
      this.commitLog.queue.close();
      this.consumeQueues.close();
      this.indexService?.close();
    }
  }

  /**
   * Stops every timer and refuses further work without flushing, writing or closing anything:
   * what a process crash leaves on disk (in-process crash tests and simulations).
   */
  halt(): void {
    this.running = false;
    this.shutdownDone = true;
    for (const timer of this.timers) this.env.timers.clear(timer);
    this.cleanService.stop();
    this.scheduleService.halt();
    this.flusher.stop();
    this.putBatcher.abandon();
  }

  isRunning(): boolean {
    return this.running;
  }

  setMessageArrivingListener(listener: MessageArrivingListener | undefined): void {
    this.dispatcher.listener = listener;
  }

  setReplicationWaiter(waiter: ReplicationWaiter | undefined): void {
    this.replicationWaiter = waiter;
  }

  /** SYNC_MASTER: where the slave is; the HA layer calls onDurabilityAdvanced when it moves. */
  setReplicaProgress(progress: ReplicaProgress | undefined): void {
    this.replicaProgress = progress;
    this.onDurabilityAdvanced();
  }

  /** True when this store holds consumers to confirmOffset() (see the header). */
  boundsVisibility(): boolean {
    const { config } = this;
    return !config.readUnCommitted && config.brokerRole !== "SLAVE"
      && (config.flushDiskType === "SYNC_FLUSH" || config.brokerRole === "SYNC_MASTER");
  }

  /**
   * The end of what the configuration calls durable [CommitLog.getConfirmOffset]: the flushed
   * offset under SYNC_FLUSH, at most the slave's acknowledged offset under SYNC_MASTER while a
   * slave is connected, else the commit-log end.
   */
  confirmOffset(): number {
    let bound = this.commitLog.maxOffset();
    if (!this.boundsVisibility()) return bound;
    if (this.config.flushDiskType === "SYNC_FLUSH") bound = Math.min(bound, this.flusher.flushedOffset);
    const replica = this.replicaProgress;
    if (this.config.brokerRole === "SYNC_MASTER" && replica !== undefined && replica.slaveConnected()) {
      bound = Math.min(bound, replica.ackedOffset());
    }
    return bound;
  }

  /** A flush round or a slave ack moved the durable end: dispatch (and wake pulls) up to it. */
  onDurabilityAdvanced(): void {
    if (this.running && this.dispatcher.endLimit !== undefined) this.dispatcher.catchUp();
  }

  private refusal(): PutMessageResult | undefined {
    if (!this.running) return failed("SERVICE_NOT_AVAILABLE", "message store is not running");
    if (this.config.brokerRole === "SLAVE") return failed("SERVICE_NOT_AVAILABLE", "message store is a slave");
    if (this.diskGuard.isFull()) {
      probe(this.env, "store.put.refused-disk-full");
      return failed("SERVICE_NOT_AVAILABLE", "disk full");
    }
    return undefined;
  }

  /**
   * Not `async` itself (nor putMessages): the refusal and the append are synchronous, and an
   * async wrapper around finishPut's promise cost a promise and two microtask turns per put.
   */
  putMessage(message: MessageExtBrokerInner, options: PutOptions = NO_OPTIONS): Promise<PutMessageResult> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.resolve(refused);
    return this.finishPut(this.commitLog.appendMessage(message, this.env.clock.nowMs()), message, options);
  }

  /** A batch: same topic and queue, no delay level, not transactional [CommitLog.putMessages]. */
  putMessages(messages: readonly MessageExtBrokerInner[], options: PutOptions = NO_OPTIONS): Promise<PutMessageResult> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.resolve(refused);
    if ((options.batchSizeBytes ?? 0) > this.config.maxMessageSize) return Promise.resolve(failed("MESSAGE_ILLEGAL", `batch of ${options.batchSizeBytes} bytes > maxMessageSize`));
    const first = messages[0];
    if (first === undefined) return Promise.resolve(failed("MESSAGE_ILLEGAL", "empty batch"));
    for (const message of messages) {
      if (message.topic !== first.topic || message.queueId !== first.queueId) return Promise.resolve(failed("MESSAGE_ILLEGAL", "batch spans queues"));
      if (transactionType(message.sysFlag) !== MessageSysFlag.TRANSACTION_NOT_TYPE) return Promise.resolve(failed("MESSAGE_ILLEGAL", "transactional batch"));
      if (Number(message.properties.get(MessageConst.DELAY_TIME_LEVEL) ?? "0") > 0) return Promise.resolve(failed("MESSAGE_ILLEGAL", "delayed batch"));
    }
    return this.finishPut(this.commitLog.appendMessages(messages, this.env.clock.nowMs()), first, options);
  }

  private async finishPut(outcome: AppendOutcome, message: MessageExtBrokerInner, options: PutOptions): Promise<PutMessageResult> {
    if (!outcome.ok) {
      this.stats.putMessageFailedTimes++;
      if (outcome.reason === "disk full") this.diskGuard.markFull();
      // CREATE_MAPEDFILE_FAILED after the full segment was closed: its BLANK filler is already
      // in the log (maxOffset moved; HA and readers see it), as 4.9.x's filler is in the mmap.
      // It must reach the disk with this turn's drain like any append: left in memory, a crash
      // dropped it after HA had shipped it (the slave diverged; seed 1 swarm run 444).
      if (this.commitLog.hasPending()) this.putBatcher.join([]);
      return failed(outcome.status, outcome.reason);
    }
    const batch = this.putBatcher.join(outcome.requests);
    if (outcome.endOffset > batch.endOffsetMax) batch.endOffsetMax = outcome.endOffset;
    await batch.done;
    const failure = batch.failureOf(outcome.result.wroteOffset);
    if (failure !== undefined) {
      this.stats.putMessageFailedTimes++;
      return failed("SERVICE_NOT_AVAILABLE", failure);
    }
    this.stats.putMessageTimesTotal += outcome.result.msgNum;
    this.stats.putMessageSizeTotal += outcome.result.wroteBytes;
    const wait = options.waitStoreMsgOK ?? message.properties.get(MessageConst.WAIT_STORE_MSG_OK) !== "false";
    const flushWaits = this.config.flushDiskType === "SYNC_FLUSH";
    const replicaWaits = this.config.brokerRole === "SYNC_MASTER" && wait && this.replicationWaiter !== undefined;
    if (!flushWaits && !replicaWaits) return { status: "PUT_OK", appendResult: outcome.result, reason: undefined };
    // One wait alone is awaited as it is: no Promise.all and no wrapper promise per put.
    let status: PutMessageStatus;
    if (!replicaWaits) status = await this.handleFlush(batch, outcome.endOffset, wait);
    else if (!flushWaits) status = await this.replicationWaiter!(outcome.endOffset);
    else {
      const [flushStatus, replicaStatus] = await Promise.all([this.handleFlush(batch, outcome.endOffset, wait), this.replicationWaiter!(outcome.endOffset)]);
      status = replicaStatus !== "PUT_OK" ? replicaStatus : flushStatus;
    }
    return { status, appendResult: outcome.result, reason: undefined };
  }

  /**
   * SYNC_FLUSH: waits for the fsync that covers the put's batch (put_batch.ts, `flushed`). When
   * that wait times out, the put still gets PUT_OK if the flushes so far cover its own bytes.
   */
  private async handleFlush(batch: PutBatch, endOffset: number, wait: boolean): Promise<PutMessageStatus> {
    if (!wait) {
      this.flusher.kick();
      return "PUT_OK";
    }
    batch.flushed ??= this.flusher.waitForFlush(batch.endOffsetMax);
    if (await batch.flushed || endOffset <= this.flusher.flushedOffset) return "PUT_OK";
    probe(this.env, "store.flush.group-commit-timeout");
    return "FLUSH_DISK_TIMEOUT";
  }

  /** Flushes consume queues and the index; a thorough round also writes the checkpoint. */
  flushConsumeQueues(thoroughNow: boolean): Promise<void> {
    return this.logicsFlusher.flush(thoroughNow);
  }

  /**
   * Messages from one queue. transient: the records are views of the store's reused read buffer,
   * valid until the next transient call (get_message.ts readPicked); otherwise the caller owns them.
   */
  getMessage(_group: string, topic: string, queueId: number, offset: number, maxMsgNums: number, filter?: TagsCodeFilter, transient = false): GetMessageResult {
    // Offsets appended but held back by the visibility bound are not "beyond the queue".
    const appendedNextOffset = this.dispatcher.endLimit === undefined ? undefined : this.commitLog.queueOffsetOf(topic, queueId);
    const result = getMessage(this.getContext, this.consumeQueues.find(topic, queueId), offset, maxMsgNums, filter, transient, appendedNextOffset);
    if (result.status === "FOUND") this.stats.getMessageTimesTotalFound++;
    else this.stats.getMessageTimesTotalMiss++;
    return result;
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueues.find(topic, queueId)?.maxOffset() ?? 0;
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueues.find(topic, queueId)?.minOffset ?? 0;
  }

  getOffsetInQueueByTime(topic: string, queueId: number, timestampMs: number): number {
    const queue = this.consumeQueues.find(topic, queueId);
    return queue === undefined ? 0 : offsetInQueueByTime(this.commitLog, queue, timestampMs);
  }

  /** Commit-log offset of the message at a queue offset, or undefined. */
  getCommitLogOffsetInQueue(topic: string, queueId: number, queueOffset: number): number | undefined {
    return this.consumeQueues.find(topic, queueId)?.unitAt(queueOffset)?.commitLogOffset;
  }

  /** Store time of the message at queueOffset, or -1 [getMessageStoreTimeStamp]. */
  getMessageStoreTimeStamp(topic: string, queueId: number, queueOffset: number): number {
    const unit = this.consumeQueues.find(topic, queueId)?.unitAt(queueOffset);
    return unit === undefined ? -1 : (storeTimestampAt(this.commitLog, unit.commitLogOffset) ?? -1);
  }

  /** Store time of the earliest message of a queue, or -1. */
  getEarliestMessageTimeInQueue(topic: string, queueId: number): number {
    return this.getMessageStoreTimeStamp(topic, queueId, this.getMinOffsetInQueue(topic, queueId));
  }

  /** Store time of the first message in the commit log, or -1. */
  getEarliestMessageTime(): number {
    const first = this.commitLog.queue.first();
    return first === undefined ? -1 : (storeTimestampAt(this.commitLog, first.fileFromOffset) ?? -1);
  }

  /** The raw record at a commit-log offset (VIEW_MESSAGE_BY_ID), or undefined. */
  selectOneMessageByOffset(commitLogOffset: number): Uint8Array | undefined {
    const size = this.commitLog.readRecordSize(commitLogOffset);
    return size === undefined ? undefined : this.commitLog.readRecord(commitLogOffset, size);
  }

  lookMessageByOffset(commitLogOffset: number): MessageExt | undefined {
    const record = this.selectOneMessageByOffset(commitLogOffset);
    if (record === undefined) return undefined;
    try {
      return decodeMessageRecord(record);
    } catch (error) {
      this.env.log.warn("lookMessageByOffset: bad record", { commitLogOffset, error: String(error) });
      return undefined;
    }
  }

  queryMessage(topic: string, key: string, maxNum: number, beginMs: number, endMs: number): QueryMessageResult {
    const found = this.indexService?.queryOffset(topic, key, maxNum, beginMs, endMs);
    const messages: Uint8Array[] = [];
    for (const offset of found?.phyOffsets ?? []) {
      const record = this.selectOneMessageByOffset(offset);
      if (record !== undefined) messages.push(record);
    }
    return {
      messages, indexLastUpdateTimestamp: found?.indexLastUpdateTimestamp ?? 0,
      indexLastUpdatePhyoffset: found?.indexLastUpdatePhyoffset ?? 0,
    };
  }

  getMaxPhyOffset(): number {
    return this.commitLog.maxOffset();
  }

  getMinPhyOffset(): number {
    return this.commitLog.minOffset();
  }

  getFlushedPhyOffset(): number {
    return this.flusher.flushedOffset;
  }

  /** Raw commit-log bytes from offset within its segment, at most maxBytes (HA master). */
  getCommitLogData(offset: number, maxBytes: number): Uint8Array | undefined {
    return this.commitLog.readData(offset, maxBytes);
  }

  /**
   * Appends raw bytes received over HA at startOffset and dispatches the complete records.
   * startOffset must equal the max offset, or (empty store) start a segment. False otherwise.
   */
  appendToCommitLog(startOffset: number, bytes: Uint8Array): boolean {
    this.putBatcher.drainNow();
    if (this.shutdownDone || !this.commitLog.canAppendRawAt(startOffset)) return false;
    if (this.commitLog.queue.files.length === 0) this.dispatcher.reputFromOffset = startOffset;
    try {
      this.commitLog.appendRaw(startOffset, bytes);
    } catch (error) {
      this.env.log.error("appendToCommitLog failed", { startOffset, error: String(error) });
      return false;
    }
    this.dispatcher.reputAppended(startOffset, bytes);
    return true;
  }

  /** Cuts the commit log at `offset` (a record boundary) and everything derived beyond it. */
  truncateDirtyFiles(offset: number): void {
    this.putBatcher.drainNow();
    this.commitLog.queue.truncateDirtyFiles(offset);
    this.dispatcher.dropPending();
    for (const queue of this.consumeQueues.all()) {
      if (queue.maxPhysicOffset > offset) queue.truncateDirtyLogicFiles(offset);
      this.commitLog.setQueueOffset(queue.topic, queue.queueId, queue.maxOffset());
    }
    const redispatch = this.indexService?.truncateBeyond(offset) ?? Number.POSITIVE_INFINITY;
    this.dispatcher.reputFromOffset = Math.min(offset, redispatch === Number.POSITIVE_INFINITY ? offset
      : Math.max(this.commitLog.minOffset(), redispatch - (redispatch % this.config.mappedFileSizeCommitLog)));
    this.dispatcher.reput(false);
    this.flusher.flushedOffset = Math.min(this.flusher.flushedOffset, offset);
    this.checkpoint.physicOffset = Math.min(this.checkpoint.physicOffset, offset);
  }

  /** Removes a topic's consume queues and queue offsets (DELETE_TOPIC_IN_BROKER). */
  deleteTopic(topic: string): void {
    this.consumeQueues.destroyTopic(topic);
    this.commitLog.removeQueueOffsets(topic);
  }

  /** TRIGGER_DELETE_FILES: run retention now, ignoring deleteWhen. */
  executeDeleteFilesManually(): void {
    this.cleanService.triggerManually();
  }

  /** RocketMQ-style runtime info (GET_BROKER_RUNTIME_INFO adds these). */
  getRuntimeInfo(): Map<string, string> {
    const info = this.stats.runtimeInfo();
    info.set("commitLogDiskRatio", (this.diskGuard.usedPercent / 100).toFixed(4));
    info.set("commitLogMinOffset", String(this.getMinPhyOffset()));
    info.set("commitLogMaxOffset", String(this.getMaxPhyOffset()));
    info.set("commitLogFlushedOffset", String(this.getFlushedPhyOffset()));
    info.set("dispatchBehindBytes", String(this.commitLog.maxOffset() - this.dispatcher.reputFromOffset));
    info.set("commitLogConfirmOffset", String(this.confirmOffset()));
    info.set("earliestMessageTimeStamp", String(this.getEarliestMessageTime()));
    info.set("diskFull", String(this.diskGuard.isFull()));
    return info;
  }
}
