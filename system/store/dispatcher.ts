// Dispatch (RocketMQ's ReputMessageService + CommitLogDispatcher chain): brings consume queues
// and the index up to the commit log. Appends on a master dispatch the requests built at append
// time; anything else (slave HA bytes, recovery, a retry after a disk error) walks raw
// commit-log bytes from reputFromOffset.
// Invariant: every record below reputFromOffset is in its consume queue and the index;
// reputFromOffset only stops early on an incomplete record or a disk error (retried later).

import type { Env } from "../env/env.ts";
import { DiskError, } from "../env/env.ts";
import { MessageSysFlag, transactionType } from "../message/index.ts";
import type { CommitLog } from "./commit_log.ts";
import type { ConsumeQueueTable } from "./consume_queue_table.ts";
import type { DelayLevelTable, DispatchRequest } from "./dispatch_request.ts";
import type { IndexService } from "./index_service.ts";
import { walkSegment } from "./record_walk.ts";
import type { MessageArrivingListener } from "./status.ts";
import { probe } from "../env/probe.ts";

export class Dispatcher {
  reputFromOffset = 0;
  /** Store timestamp of the newest dispatched record. */
  lastDispatchedTimestamp = 0;
  listener: MessageArrivingListener | undefined;
  /** The store's own arrival hook (delayed delivery), called before the broker's listener. */
  internalListener: MessageArrivingListener | undefined;

  constructor(
    private readonly env: Env,
    private readonly commitLog: CommitLog,
    private readonly queues: ConsumeQueueTable,
    private readonly index: IndexService | undefined,
    private readonly levels: DelayLevelTable,
  ) {}

  /** Dispatches records appended just now (falls back to the raw walk when behind). */
  dispatchAppended(requests: readonly DispatchRequest[]): void {
    if (requests[0]?.commitLogOffset !== this.reputFromOffset) {
      this.reput();
      return;
    }
    for (const request of requests) {
      if (!this.dispatchOne(request, true)) return;
    }
  }

  /** Dispatches every complete record between reputFromOffset and the commit-log end. */
  reput(notify = true): void {
    const queue = this.commitLog.queue;
    while (this.reputFromOffset < this.commitLog.maxOffset()) {
      if (this.reputFromOffset < this.commitLog.minOffset()) this.reputFromOffset = this.commitLog.minOffset();
      const file = queue.findByOffset(this.reputFromOffset);
      if (file === undefined) return;
      let failed = false;
      const stop = walkSegment(file, this.reputFromOffset - file.fileFromOffset, file.wrotePosition, false, this.levels, (request) => {
        failed = !this.dispatchOne(request, notify);
        return !failed;
      });
      if (failed) return;
      if (stop.stop === "blank" || (stop.stop === "limit" && file.isFull())) {
        this.reputFromOffset = file.fileFromOffset + file.fileSize;
        continue;
      }
      if (stop.stop === "end" && !stop.incomplete) {
        this.env.log.error("reput stopped at a bad record", { offset: file.fileFromOffset + stop.position, reason: stop.reason });
      }
      return;
    }
  }

  /** Puts one record in its consume queue and the index; false on a disk error (retry later). */
  private dispatchOne(request: DispatchRequest, notify: boolean): boolean {
    try {
      const type = transactionType(request.sysFlag);
      let arrived = false;
      if (type === MessageSysFlag.TRANSACTION_NOT_TYPE || type === MessageSysFlag.TRANSACTION_COMMIT_TYPE) {
        const queue = this.queues.findOrCreate(request.topic, request.queueId);
        arrived = queue.put({ commitLogOffset: request.commitLogOffset, size: request.msgSize, tagsCode: request.tagsCode },
          request.consumeQueueOffset);
      }
      this.index?.buildIndex(request);
      this.reputFromOffset = request.commitLogOffset + request.msgSize;
      this.lastDispatchedTimestamp = request.storeTimestamp;
      if (arrived) this.internalListener?.(request.topic, request.queueId, request.consumeQueueOffset + 1, request.tagsCode);
      if (arrived && notify) this.listener?.(request.topic, request.queueId, request.consumeQueueOffset + 1, request.tagsCode);
      return true;
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      probe(this.env, "store.dispatch.retry");
      this.env.log.error("dispatch failed; will retry", { offset: request.commitLogOffset, code: error.code });
      return false;
    }
  }
}
