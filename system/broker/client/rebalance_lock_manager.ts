// RebalanceLockManager: per (group, message queue) locks for orderly consumption
// [broker/.../client/rebalance/RebalanceLockManager.java]. A lock belongs to one clientId and
// lapses lockMaxLiveTimeMs (RocketMQ: 60 s, rocketmq.broker.rebalance.lockMaxLiveTime) after
// its last renewal; clients renew every 20 s.
// Invariants: at most one live owner per queue; only the owner can unlock.
import type { Clock, Log } from "../../env/env.ts";
import { probe, type ProbeSite } from "../../env/probe.ts";
import { messageQueueKey, type MessageQueue } from "../../protocol/message_queue.ts";

export const REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT = 60_000;


interface LockEntry {
  clientId: string;
  lastUpdateTimestamp: number;
}

export class RebalanceLockManager {
  private readonly table = new Map<string, Map<string, LockEntry>>();

  constructor(
    private readonly clock: Clock,
    private readonly log: Log,
    private readonly lockMaxLiveTimeMs = REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT,
    private readonly site: ProbeSite = {},
  ) {}

  /** Locks (or renews) what it can for clientId; returns the queues clientId now holds. */
  tryLockBatch(group: string, mqs: readonly MessageQueue[], clientId: string): MessageQueue[] {
    const nowMs = this.clock.nowMs();
    let groupTable = this.table.get(group);
    if (groupTable === undefined) {
      groupTable = new Map();
      this.table.set(group, groupTable);
    }
    const locked: MessageQueue[] = [];
    for (const mq of mqs) {
      const key = messageQueueKey(mq);
      const entry = groupTable.get(key);
      if (entry === undefined) {
        groupTable.set(key, { clientId, lastUpdateTimestamp: nowMs });
        probe(this.site, "broker.lock.granted");
        this.log.info("tryLockBatch: queue not locked, I got it", { group, clientId, mq });
        locked.push(mq);
        continue;
      }
      const expired = nowMs - entry.lastUpdateTimestamp > this.lockMaxLiveTimeMs;
      if (entry.clientId === clientId && !expired) {
        entry.lastUpdateTimestamp = nowMs;
        locked.push(mq);
        continue;
      }
      if (expired) {
        probe(this.site, entry.clientId === clientId ? "broker.lock.granted" : "broker.lock.expired-takeover");
        this.log.info("tryLockBatch: queue lock expired, I got it", { group, oldClientId: entry.clientId, clientId, mq });
        entry.clientId = clientId;
        entry.lastUpdateTimestamp = nowMs;
        locked.push(mq);
        continue;
      }
      probe(this.site, "broker.lock.conflict");
      this.log.debug("tryLockBatch: queue locked by another client", { group, otherClientId: entry.clientId, clientId, mq });
    }
    return locked;
  }

  unlockBatch(group: string, mqs: readonly MessageQueue[], clientId: string): void {
    const groupTable = this.table.get(group);
    if (groupTable === undefined) return;
    for (const mq of mqs) {
      const key = messageQueueKey(mq);
      const entry = groupTable.get(key);
      if (entry === undefined) continue;
      if (entry.clientId === clientId) {
        groupTable.delete(key);
        this.log.info("unlockBatch: unlocked", { group, clientId, mq });
      } else {
        probe(this.site, "broker.lock.unlock-foreign");
        this.log.warn("unlockBatch: queue locked by another client", { group, owner: entry.clientId, clientId, mq });
      }
    }
    if (groupTable.size === 0) this.table.delete(group);
  }

  /** The live owner of mq in group, if any. */
  ownerOf(group: string, mq: MessageQueue): string | undefined {
    const entry = this.table.get(group)?.get(messageQueueKey(mq));
    if (entry === undefined || this.clock.nowMs() - entry.lastUpdateTimestamp > this.lockMaxLiveTimeMs) return undefined;
    return entry.clientId;
  }
}
