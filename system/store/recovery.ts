// Start-up recovery (RocketMQ's recoverNormally / recoverAbnormally, plus consume-queue and
// index repair). Finds the end of the valid commit log by validating records (magic, size,
// PHYSICALOFFSET, CRC when checkCRCOnRecover), cuts the torn tail, drops consume-queue units
// and index files beyond it, and re-dispatches records the queues or index may have missed.
// Validation starts at the third-last segment (RocketMQ's normal recovery) or earlier, at the
// segment holding the checkpoint's lowest covered offset; re-dispatch starts there too
// (consume queues skip units they have; the index skips offsets at or below its newest
// non-empty file's end). The index persists its slots and header only at checkpoints, seals
// and shutdown, so IndexService.load has already dropped every index file not whole on disk
// (endPhyOffset at or past the checkpoint's index mark, or slots that disagree with the
// header) and re-dispatch also starts at or below the lowest of their beginPhyOffsets.
// The abort file is not trusted alone: a power loss can drop an unsynced abort file, and a
// clean shutdown writes a checkpoint covering everything anyway, so the checkpoint decides how
// far back to go (from the first segment when it has no offsets: a Java-written or missing
// checkpoint).

import type { Env } from "../env/env.ts";
import type { CommitLog } from "./commit_log.ts";
import type { ConsumeQueueTable } from "./consume_queue_table.ts";
import type { DelayLevelTable } from "./dispatch_request.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { IndexService } from "./index_service.ts";
import { walkSegment } from "./record_walk.ts";
import { MessageSysFlag, transactionType } from "../message/index.ts";
import type { StoreCheckpoint } from "./store_checkpoint.ts";
import type { StoreConfig } from "./store_config.ts";
import { probe } from "../env/probe.ts";

export interface RecoveryContext {
  env: Env;
  config: StoreConfig;
  commitLog: CommitLog;
  queues: ConsumeQueueTable;
  index: IndexService | undefined;
  checkpoint: StoreCheckpoint;
  dispatcher: Dispatcher;
  levels: DelayLevelTable;
}

export interface RecoveryReport {
  lastExitOK: boolean;
  validEnd: number;
  cutBytes: number;
  redispatchFrom: number;
}

/** Validates segments from `startIndex` and returns the end of the last valid record. */
export function findValidEnd(context: RecoveryContext, startIndex: number): number {
  const files = context.commitLog.queue.files;
  let end = files[startIndex]?.fileFromOffset ?? context.commitLog.minOffset();
  for (let index = startIndex; index < files.length; index++) {
    const file = files[index]!;
    const limit = Math.min(file.physicalSize(), file.fileSize);
    const stop = walkSegment(file, 0, limit, context.config.checkCRCOnRecover, context.levels, () => true);
    if (stop.stop === "blank") {
      end = file.fileFromOffset + file.fileSize;
      continue;
    }
    end = file.fileFromOffset + stop.position;
    if (stop.stop === "end" && limit > stop.position) {
      probe(context.env, "store.recovery.tail-cut");
      context.env.log.warn("commit log tail cut", { offset: end, reason: stop.reason });
    }
    break;
  }
  return end;
}

function segmentStart(context: RecoveryContext, offset: number): number {
  const size = context.config.mappedFileSizeCommitLog;
  return Math.max(context.commitLog.minOffset(), offset - (offset % size));
}

export function recover(context: RecoveryContext, lastExitOK: boolean, indexRedispatchFrom: number): RecoveryReport {
  const { commitLog, queues, checkpoint } = context;
  for (const queue of queues.all()) queue.recover();
  const files = commitLog.queue.files;
  const covered = checkpoint.minOffset();
  const holding = files.findIndex((file) => file.fileFromOffset + file.fileSize > covered);
  let startIndex = Math.max(0, files.length - 3);
  startIndex = covered <= 0 ? 0 : holding < 0 ? startIndex : Math.min(startIndex, holding);
  // A first start (no segment yet) recovers nothing: it is neither path.
  if (files.length > 0) probe(context.env, lastExitOK ? "store.recovery.normal" : "store.recovery.abnormal");
  if (covered > 0 && holding >= 0 && holding < files.length - 3) probe(context.env, "store.recovery.from-checkpoint-segment");
  const maxBefore = files.length === 0 ? 0 : files.at(-1)!.fileFromOffset + Math.min(files.at(-1)!.physicalSize(), files.at(-1)!.fileSize);
  const validEnd = files.length === 0 ? 0 : findValidEnd(context, startIndex);
  if (files.length > 0) commitLog.queue.truncateDirtyFiles(validEnd);
  const last = commitLog.queue.last();
  if (last !== undefined) last.flushedPosition = 0;
  for (const queue of queues.all()) {
    if (queue.maxPhysicOffset > validEnd) {
      probe(context.env, "store.recovery.queue-truncated");
      queue.truncateDirtyLogicFiles(validEnd);
    }
  }
  let redispatchFrom = Math.min(indexRedispatchFrom, context.index?.truncateBeyond(validEnd) ?? Number.POSITIVE_INFINITY);
  redispatchFrom = Math.min(redispatchFrom, covered);
  // A queue that lost segments after a gap (MappedFileQueue.load) is rebuilt from its last unit on.
  for (const queue of queues.all()) {
    if (!queue.queue.cutAtGap) continue;
    probe(context.env, "store.recovery.queue-gap-rebuilt");
    redispatchFrom = Math.min(redispatchFrom, queue.maxPhysicOffset);
  }
  redispatchFrom = Math.min(validEnd, redispatchFrom);
  if (redispatchFrom < validEnd) {
    probe(context.env, "store.recovery.redispatch");
    redispatchFrom = segmentStart(context, redispatchFrom);
  }
  context.dispatcher.reputFromOffset = redispatchFrom;
  context.dispatcher.reput(false);
  for (const queue of queues.all()) {
    commitLog.setQueueOffset(queue.topic, queue.queueId, queue.maxOffset());
    queue.correctMinOffset(commitLog.minOffset());
  }
  if (context.dispatcher.reputFromOffset < validEnd) raiseQueueOffsetsPastUndispatched(context, validEnd);
  context.env.log.info("store recovered", { lastExitOK, validEnd, cutBytes: Math.max(0, maxBefore - validEnd), redispatchFrom });
  return { lastExitOK, validEnd, cutBytes: Math.max(0, maxBefore - validEnd), redispatchFrom };
}

/**
 * Re-dispatch stopped early (a disk error while writing consume queues or the index: retried
 * later by the dispatcher), so the consume queues do not yet hold every valid record. Queue
 * offsets must still continue after the records the log already holds, or new puts would reuse
 * their queue offsets and the retried dispatch would find its units taken (seed 1 swarm run 98:
 * a power loss, then a restart on a full disk, and the queues restarted at offset 0). So the
 * undispatched records are walked (read only) and each queue's next offset is raised past them.
 */
function raiseQueueOffsetsPastUndispatched(context: RecoveryContext, validEnd: number): void {
  const { commitLog } = context;
  probe(context.env, "store.recovery.offsets-from-log");
  let at = context.dispatcher.reputFromOffset;
  while (at < validEnd) {
    const file = commitLog.queue.findByOffset(at);
    if (file === undefined) return;
    const limit = Math.min(file.wrotePosition, validEnd - file.fileFromOffset);
    const stop = walkSegment(file, at - file.fileFromOffset, limit, false, context.levels, (request) => {
      const type = transactionType(request.sysFlag);
      if (type === MessageSysFlag.TRANSACTION_NOT_TYPE || type === MessageSysFlag.TRANSACTION_COMMIT_TYPE) {
        const next = request.consumeQueueOffset + 1;
        if (next > commitLog.queueOffsetOf(request.topic, request.queueId)) commitLog.setQueueOffset(request.topic, request.queueId, next);
      }
      return true;
    });
    if (stop.stop !== "blank" && !(stop.stop === "limit" && limit === file.wrotePosition)) return;
    at = file.fileFromOffset + file.fileSize;
  }
}
