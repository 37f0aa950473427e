// The broker's transactional message service [broker/.../transaction/queue/
// TransactionalMessageServiceImpl.java + TransactionalMessageBridge.java], over the BrokerStore
// port. prepare() stores a half message; lookupHalf() finds it by commit-log offset for
// END_TRANSACTION; markDone() writes the op message; check() is one round of the check service.
// The check's progress is the CID_RMQ_SYS_TRANS group's offset on the half queue and on the op
// queue (consumerOffset.json), everything else is in the commit log, so after a restart the next
// round picks up where the persisted offsets say (at worst re-checking a few: at least once).
// check() round, as 4.9.x: read op messages from the op offset (which half offsets are done);
// walk the half queue from the half offset; skip done ones; stop at a copy written during this
// round or at a message younger than transactionTimeOut (or its CHECK_IMMUNITY_TIME_IN_SECONDS);
// a message already checked transactionCheckMax times goes to TRANS_CHECK_MAX_TIME_TOPIC;
// otherwise append a copy with TRANSACTION_CHECK_TIMES+1 and ask a producer about the copy.
import type { Env, Log } from "../../env/env.ts";
import type { MessageExt, MessageExtBrokerInner } from "../../message/index.ts";
import { decodeMessageRecord, MessageConst } from "../../message/index.ts";
import { assert } from "../../stdx/assert.ts";
import type { ConsumerOffsetManager } from "../consumer_offset_manager.ts";
import { Perm } from "../../protocol/topic_config.ts";
import type { BrokerStore, PutMessageResult } from "../store_port.ts";
import type { TopicConfigManager } from "../topic_config_manager.ts";
import {
  buildOpMessage, CHECK_MAX_TIME_TOPIC, checkTimesOf, discardedMessage, HALF_QUEUE_ID, HALF_TOPIC, OP_TOPIC,
  parseHalfMessageInner, parseOpBody, renewHalfMessage, TRANS_SYS_GROUP,
} from "./transactional_message_util.ts";

/** Half messages one check round looks at, at most (the rest wait for the next round). */
export const CHECK_ROUND_HALF_MAX = 4096;
/** Op messages one round reads, at most. */
export const CHECK_ROUND_OP_MAX = 16_384;
const READ_BATCH_MAX = 32;

export interface TransactionDeps {
  env: Env;
  log: Log;
  store: BrokerStore;
  consumerOffsetManager: ConsumerOffsetManager;
  topicConfigManager: TopicConfigManager;
  storeHost: () => string;
}

export interface CheckSettings {
  transactionTimeOutMs: number;
  transactionCheckMax: number;
}

export interface CheckRoundResult {
  checked: number;
  discarded: number;
  skippedDone: number;
  halfOffset: number;
  opOffset: number;
}

export class TransactionalMessageService {
  constructor(private readonly deps: TransactionDeps) {}

  /** asyncPrepareMessage: the prepared message, rewritten, into the half topic. */
  prepare(message: MessageExtBrokerInner, waitStoreMsgOK: boolean): Promise<PutMessageResult> {
    this.ensureTopic(HALF_TOPIC);
    return this.deps.store.putMessage(parseHalfMessageInner(message), { waitStoreMsgOK });
  }

  /** getHalfMessageByOffset: the half message at a commit-log offset, if it is one. */
  lookupHalf(commitLogOffset: number): MessageExt | undefined {
    if (!Number.isSafeInteger(commitLogOffset) || commitLogOffset < 0) return undefined;
    const message = this.deps.store.lookMessageByOffset(commitLogOffset);
    return message?.topic === HALF_TOPIC ? message : undefined;
  }

  /** deletePrepareMessage: the op message saying this half message is resolved. */
  async markDone(half: MessageExt): Promise<boolean> {
    assert(half.topic === HALF_TOPIC, "only half messages are marked done");
    this.ensureTopic(OP_TOPIC);
    const result = await this.deps.store.putMessage(buildOpMessage(half.queueOffset, this.deps.storeHost(), this.deps.env.clock.nowMs()), { waitStoreMsgOK: false });
    if (result.status !== "PUT_OK") this.deps.log.warn("transaction op message not stored", { halfOffset: half.queueOffset, status: result.status });
    return result.status === "PUT_OK";
  }

  /** One check round; resolve() is handed each renewed copy to ask a producer about. */
  async check(settings: CheckSettings, resolve: (half: MessageExt) => void): Promise<CheckRoundResult> {
    const { store } = this.deps;
    const startMs = this.deps.env.clock.nowMs();
    // No half message was ever stored: nothing to walk, and no CID_RMQ_SYS_TRANS offsets to write
    // (they would show up in every broker's consumerOffset.json).
    if (store.getMaxOffsetInQueue(HALF_TOPIC, HALF_QUEUE_ID) <= 0) return { checked: 0, discarded: 0, skippedDone: 0, halfOffset: 0, opOffset: 0 };
    const halfStart = this.startOffset(HALF_TOPIC);
    const opStart = this.startOffset(OP_TOPIC);
    const ops = this.readOps(opStart, halfStart);
    const halfMax = store.getMaxOffsetInQueue(HALF_TOPIC, HALF_QUEUE_ID);
    const result: CheckRoundResult = { checked: 0, discarded: 0, skippedDone: 0, halfOffset: halfStart, opOffset: opStart };
    let offset = halfStart;
    while (offset < halfMax && offset - halfStart < CHECK_ROUND_HALF_MAX) {
      const doneBy = ops.removed.get(offset);
      if (doneBy !== undefined) {
        ops.done.offsets.add(doneBy);
        result.skippedDone += 1;
        offset += 1;
        continue;
      }
      const read = this.readHalf(offset);
      if (read.kind === "stop") break;
      if (read.kind === "moved") {
        offset = read.nextOffset;
        continue;
      }
      const half = read.message;
      if (half.storeTimestamp >= startMs) break;
      const ageMs = startMs - half.bornTimestamp;
      if (ageMs >= 0 && ageMs < immunityMs(half, settings.transactionTimeOutMs)) break;
      const times = checkTimesOf(half);
      if (times >= settings.transactionCheckMax) {
        await this.discard(half, times);
        result.discarded += 1;
        offset += 1;
        continue;
      }
      const copy = await this.renew(half, times + 1);
      if (copy === undefined) break;
      resolve(copy);
      result.checked += 1;
      offset += 1;
    }
    result.halfOffset = offset;
    result.opOffset = advanceOverDone(opStart, ops.done);
    this.commitProgress(result);
    return result;
  }

  private startOffset(topic: string): number {
    const committed = this.deps.consumerOffsetManager.queryOffset(TRANS_SYS_GROUP, topic, HALF_QUEUE_ID);
    return committed >= 0 ? committed : Math.max(0, this.deps.store.getMinOffsetInQueue(topic, HALF_QUEUE_ID));
  }

  /**
   * fillOpRemoveMap: op offsets naming half offsets before the walk start are simply done. An op
   * offset the queue no longer holds (a forced clean on a full disk deleted its head, a hole) is
   * skipped to nextBeginOffset, as 4.9.x does on OFFSET_ILLEGAL and NO_MATCHED_MSG; stopping there
   * instead hid every later op message, so every half message was checked and committed again
   * each round, forever (battery seed 1 swarm run 278 of the rogue-peer re-draw).
   */
  private readOps(opStart: number, halfStart: number): { removed: Map<number, number>; done: DoneOps } {
    const removed = new Map<number, number>();
    const done: DoneOps = { offsets: new Set<number>(), skipped: [] };
    let offset = opStart;
    while (offset - opStart < CHECK_ROUND_OP_MAX) {
      const got = this.deps.store.getMessage(TRANS_SYS_GROUP, OP_TOPIC, HALF_QUEUE_ID, offset, READ_BATCH_MAX, undefined);
      if (got.status !== "FOUND" || got.messages.length === 0) {
        const nothingNew = got.status === "OFFSET_OVERFLOW_ONE" || got.status === "NO_MESSAGE_IN_QUEUE";
        if (nothingNew || got.nextBeginOffset <= offset) break;
        this.deps.log.warn("transaction op queue: offset not held, skipping ahead", { offset, status: got.status, nextOffset: got.nextBeginOffset });
        done.skipped.push({ fromOffset: offset, toOffset: got.nextBeginOffset });
        offset = got.nextBeginOffset;
        continue;
      }
      got.messages.forEach((bytes, index) => {
        const opOffset = got.messageQueueOffsets[index]!;
        const halfOffsets = parseOpBody(decodeMessageRecord(bytes));
        if (halfOffsets.length === 0) done.offsets.add(opOffset);
        for (const halfOffset of halfOffsets) {
          if (halfOffset < halfStart) done.offsets.add(opOffset);
          else removed.set(halfOffset, opOffset);
        }
      });
      assert(got.nextBeginOffset > offset, "op reads advance");
      offset = got.nextBeginOffset;
    }
    return { removed, done };
  }

  private readHalf(offset: number): { kind: "found"; message: MessageExt } | { kind: "moved"; nextOffset: number } | { kind: "stop" } {
    const got = this.deps.store.getMessage(TRANS_SYS_GROUP, HALF_TOPIC, HALF_QUEUE_ID, offset, 1, undefined);
    if (got.status === "FOUND" && got.messages.length > 0) {
      assert(got.messageQueueOffsets[0] === offset, "the half read returns the asked offset");
      return { kind: "found", message: decodeMessageRecord(got.messages[0]!) };
    }
    // Retention removed the head of the half queue: jump to what is left.
    if (got.status === "OFFSET_TOO_SMALL" && got.nextBeginOffset > offset) return { kind: "moved", nextOffset: got.nextBeginOffset };
    return { kind: "stop" };
  }

  /** putBackHalfMsgQueue: the copy the producer is asked about (its END_TRANSACTION names it). */
  private async renew(half: MessageExt, checkTimes: number): Promise<MessageExt | undefined> {
    const put = await this.deps.store.putMessage(renewHalfMessage(half, checkTimes), { waitStoreMsgOK: false });
    if (put.status !== "PUT_OK" || put.appendResult === undefined) {
      this.deps.log.warn("transaction check: re-putting a half message failed", { halfOffset: half.queueOffset, status: put.status });
      return undefined;
    }
    const copy = this.deps.store.lookMessageByOffset(put.appendResult.wroteOffset);
    assert(copy !== undefined && copy.topic === HALF_TOPIC, "the renewed half message reads back");
    return copy;
  }

  /** resolveDiscardMsg: checked transactionCheckMax times → TRANS_CHECK_MAX_TIME_TOPIC. */
  private async discard(half: MessageExt, times: number): Promise<void> {
    this.ensureTopic(CHECK_MAX_TIME_TOPIC);
    const put = await this.deps.store.putMessage(discardedMessage(half), { waitStoreMsgOK: false });
    this.deps.log.warn("half message checked too often, moved to TRANS_CHECK_MAX_TIME_TOPIC", {
      uniqKey: half.properties.get(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX), checkTimes: times, status: put.status,
    });
  }

  private commitProgress(result: CheckRoundResult): void {
    const offsets = this.deps.consumerOffsetManager;
    if (offsets.queryOffset(TRANS_SYS_GROUP, HALF_TOPIC, HALF_QUEUE_ID) !== result.halfOffset) {
      offsets.commitOffset("broker", TRANS_SYS_GROUP, HALF_TOPIC, HALF_QUEUE_ID, result.halfOffset);
    }
    if (offsets.queryOffset(TRANS_SYS_GROUP, OP_TOPIC, HALF_QUEUE_ID) !== result.opOffset) {
      offsets.commitOffset("broker", TRANS_SYS_GROUP, OP_TOPIC, HALF_QUEUE_ID, result.opOffset);
    }
  }

  private ensureTopic(topic: string): void {
    this.deps.topicConfigManager.createTopicInSendMessageBackMethod(topic, 1, Perm.WRITE | Perm.READ, 0);
  }
}

/** PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS overrides transactionTimeOut for one message. */
function immunityMs(half: MessageExt, transactionTimeOutMs: number): number {
  const text = half.properties.get(MessageConst.CHECK_IMMUNITY_TIME_IN_SECONDS);
  if (text === undefined || !/^\d+$/.test(text)) return transactionTimeOutMs;
  return Number(text) * 1000;
}

/** Op offsets a round is done with: op messages read and settled, and ranges the queue no longer holds. */
export interface DoneOps {
  offsets: Set<number>;
  skipped: { fromOffset: number; toOffset: number }[];
}

/** calculateOpOffset: the op offset moves over the contiguous run of done op messages (and skipped ranges). */
export function advanceOverDone(opStart: number, done: DoneOps): number {
  let offset = opStart;
  for (;;) {
    if (done.offsets.has(offset)) {
      offset += 1;
      continue;
    }
    const range = done.skipped.find((skipped) => skipped.fromOffset <= offset && offset < skipped.toOffset);
    if (range === undefined) return offset;
    offset = range.toOffset;
  }
}
