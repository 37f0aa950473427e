// Rebalance of a push consumer (RocketMQ's RebalanceImpl + RebalancePushImpl): for every
// subscribed topic, compute this consumer's queues (clustering: allocation strategy over the
// sorted queues and the sorted consumer ids from a broker; broadcasting: every readable queue),
// drop the ProcessQueues of queues it no longer holds (offset committed first; orderly: broker
// lock released) and create ProcessQueues + pull requests for new ones (orderly: only after
// LOCK_BATCH_MQ succeeded). Also owns the orderly lock bookkeeping (lockAll / unlockAll).
// Invariants: a queue is in processQueueTable at most once; a queue taken away is marked
// dropped before it leaves the table, so its pull loop and consume requests stop.
import { RETRY_GROUP_TOPIC_PREFIX } from "../../message/message_const.ts";
import type { ClientInstance } from "../client_instance.ts";
import type { MessageModel } from "../client_inner.ts";

import type { MessageQueue } from "../../protocol/message_queue.ts";
import { MessageQueueMap } from "../message_queue.ts";
import { compareMessageQueues } from "../../protocol/message_queue.ts";
import type { AllocateMessageQueueStrategy } from "./allocate_strategy.ts";
import { sortClientIds } from "./allocate_strategy.ts";
import { ProcessQueue } from "./process_queue.ts";
import type { SubscriptionData } from "./subscription_data.ts";
import { probe } from "../../env/probe.ts";
import { errorText } from "../../stdx/error_text.ts";

export interface RebalanceHooks {
  /** -1 / error → the queue is not added this round. */
  computePullFromWhere(mq: MessageQueue): Promise<number>;
  /** Commit the offset, forget it, release the lock; false = try again next round. */
  removeUnnecessaryMessageQueue(mq: MessageQueue, pq: ProcessQueue, reason: "rebalance" | "pull-expired"): Promise<boolean>;
  dispatchPullRequest(mq: MessageQueue, pq: ProcessQueue, nextOffset: number): void;
  messageQueueChanged(topic: string, assigned: readonly MessageQueue[], added: readonly MessageQueue[], removed: readonly MessageQueue[], cidAll: readonly string[] | undefined): void;
  removeDirtyOffset(mq: MessageQueue): void;
}

export interface RebalanceSettings {
  readonly group: string;
  readonly messageModel: MessageModel;
  readonly strategy: AllocateMessageQueueStrategy;
  readonly orderly: boolean;
  readonly pullMaxIdleTimeMs: number;
  readonly lockTimeoutMs: number;
}

export class RebalanceImpl {
  readonly processQueueTable = new MessageQueueMap<ProcessQueue>();
  readonly topicSubscribeInfoTable = new Map<string, readonly MessageQueue[]>();
  readonly subscriptionInner = new Map<string, SubscriptionData>();

  constructor(
    private readonly instance: ClientInstance,
    private readonly settings: RebalanceSettings,
    private readonly hooks: RebalanceHooks,
  ) {}

  async doRebalance(): Promise<void> {
    for (const topic of [...this.subscriptionInner.keys()]) {
      try {
        await this.rebalanceByTopic(topic);
      } catch (error) {
        if (!topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) this.instance.log.warn("rebalanceByTopic failed", { topic, error: errorText(error) });
      }
    }
    this.truncateMessageQueueNotMyTopic();
  }

  private async rebalanceByTopic(topic: string): Promise<void> {
    const mqSet = this.topicSubscribeInfoTable.get(topic);
    if (this.settings.messageModel === "BROADCASTING") {
      if (mqSet === undefined) {
        this.instance.log.warn("doRebalance, topic not exist", { group: this.settings.group, topic });
        return;
      }
      await this.updateProcessQueueTableInRebalance(topic, mqSet, undefined);
      return;
    }
    const cidAll = await this.instance.routes.findConsumerIdList(topic, this.settings.group);
    if (mqSet === undefined) {
      if (!topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) this.instance.log.warn("doRebalance, topic not exist", { group: this.settings.group, topic });
      return;
    }
    if (cidAll === undefined) return;
    const mqAll = [...mqSet].sort(compareMessageQueues);
    const sortedCids = sortClientIds(cidAll);
    const mine = this.settings.strategy.allocate(this.settings.group, this.instance.clientId, mqAll, sortedCids);
    if (mine.length === 0 && sortedCids.length > mqAll.length) probe(this.instance.env, "client.rebalance.more-consumers-than-queues");
    this.instance.log.debug("rebalance allocation", { group: this.settings.group, topic, consumers: sortedCids.length, queues: mqAll.length, mine: mine.length });
    await this.updateProcessQueueTableInRebalance(topic, mine, sortedCids);
  }

  private truncateMessageQueueNotMyTopic(): void {
    for (const [mq, pq] of this.processQueueTable.entriesList()) {
      if (this.subscriptionInner.has(mq.topic)) continue;
      this.processQueueTable.delete(mq);
      pq.dropped = true;
    }
  }

  private async updateProcessQueueTableInRebalance(topic: string, assigned: readonly MessageQueue[], cidAll: readonly string[] | undefined): Promise<void> {
    const wanted = new MessageQueueMap<true>();
    for (const mq of assigned) wanted.set(mq, true);
    const added: MessageQueue[] = [];
    const removed: MessageQueue[] = [];
    for (const [mq, pq] of this.processQueueTable.entriesList()) {
      if (mq.topic !== topic) continue;
      const expired = !wanted.has(mq) ? false : pq.isPullExpired(this.settings.pullMaxIdleTimeMs);
      if (wanted.has(mq) && !expired) continue;
      pq.dropped = true;
      probe(this.instance.env, expired ? "client.rebalance.pull-expired" : "client.rebalance.queue-removed");
      if (await this.hooks.removeUnnecessaryMessageQueue(mq, pq, expired ? "pull-expired" : "rebalance")) {
        if (this.processQueueTable.get(mq) === pq) this.processQueueTable.delete(mq);
        removed.push(mq);
      }
    }
    for (const mq of assigned) {
      if (this.processQueueTable.has(mq)) continue;
      if (this.settings.orderly && !(await this.lock(mq))) {
        probe(this.instance.env, "client.rebalance.lock-failed");
        this.instance.log.info("doRebalance: lock failed, queue not added", { group: this.settings.group, queueId: mq.queueId, brokerName: mq.brokerName });
        continue;
      }
      this.hooks.removeDirtyOffset(mq);
      const pq = new ProcessQueue(this.instance.env.clock);
      pq.locked = true;
      let nextOffset: number;
      try {
        nextOffset = await this.hooks.computePullFromWhere(mq);
      } catch (error) {
        this.instance.log.info("doRebalance: compute offset failed", { group: this.settings.group, topic, queueId: mq.queueId, error: errorText(error) });
        continue;
      }
      if (nextOffset < 0 || this.processQueueTable.has(mq) || !this.isSubscribed(topic)) continue;
      this.processQueueTable.set(mq, pq);
      added.push(mq);
      this.hooks.dispatchPullRequest(mq, pq, nextOffset);
    }
    if (added.length > 0 || removed.length > 0) {
      const now = this.processQueueTable.keys().filter((mq) => mq.topic === topic).sort(compareMessageQueues);
      this.hooks.messageQueueChanged(topic, now, added, removed, cidAll);
    }
  }

  private isSubscribed(topic: string): boolean {
    return this.subscriptionInner.has(topic);
  }

  // ---- orderly locks ----

  private brokerAddrOf(brokerName: string): string | undefined {
    return this.instance.routes.findBrokerAddressInSubscribe(brokerName, 0, true)?.brokerAddr;
  }

  async lock(mq: MessageQueue): Promise<boolean> {
    const addr = this.brokerAddrOf(mq.brokerName);
    if (addr === undefined) return false;
    try {
      const locked = await this.instance.api.lockBatchMQ(addr, this.settings.group, this.instance.clientId, [mq], this.settings.lockTimeoutMs);
      for (const lockedMq of locked) this.markLocked(lockedMq, true);
      return locked.some((lockedMq) => compareMessageQueues(lockedMq, mq) === 0);
    } catch (error) {
      this.instance.log.warn("lockBatchMQ failed", { brokerName: mq.brokerName, queueId: mq.queueId, error: errorText(error) });
      return false;
    }
  }

  /** Re-locks every held queue (every 20 s); queues the broker refuses are marked unlocked. */
  async lockAll(): Promise<void> {
    for (const [brokerName, mqs] of this.byBroker()) {
      const addr = this.brokerAddrOf(brokerName);
      if (addr === undefined) continue;
      try {
        const locked = new MessageQueueMap<true>();
        for (const mq of await this.instance.api.lockBatchMQ(addr, this.settings.group, this.instance.clientId, mqs, this.settings.lockTimeoutMs)) {
          locked.set(mq, true);
        }
        for (const mq of mqs) this.markLocked(mq, locked.has(mq));
      } catch (error) {
        this.instance.log.warn("lockBatchMQ failed", { brokerName, error: errorText(error) });
      }
    }
  }

  async unlock(mq: MessageQueue, oneway: boolean): Promise<void> {
    const addr = this.brokerAddrOf(mq.brokerName);
    if (addr === undefined) {
      this.unlockSkipped(mq.brokerName, 1);
      return;
    }
    try {
      await this.instance.api.unlockBatchMQ(addr, this.settings.group, this.instance.clientId, [mq], this.settings.lockTimeoutMs, oneway);
    } catch (error) {
      this.instance.log.warn("unlockBatchMQ failed", { brokerName: mq.brokerName, queueId: mq.queueId, error: errorText(error) });
    }
  }

  async unlockAll(oneway: boolean): Promise<void> {
    for (const [brokerName, mqs] of this.byBroker()) {
      const addr = this.brokerAddrOf(brokerName);
      if (addr === undefined) {
        this.unlockSkipped(brokerName, mqs.length);
        continue;
      }
      try {
        await this.instance.api.unlockBatchMQ(addr, this.settings.group, this.instance.clientId, mqs, this.settings.lockTimeoutMs, oneway);
        for (const mq of mqs) this.markLocked(mq, false);
      } catch (error) {
        this.instance.log.warn("unlockBatchMQ failed", { brokerName, error: errorText(error) });
      }
    }
  }

  /**
   * 4.9.x's unlock finds no master address (the route lacks the broker's master: NameServer
   * trouble) and sends nothing; the broker keeps the lock until lockMaxLiveTime (60 s) after its
   * last renewal, so the queue's next owner cannot consume it until then. Said here, as 4.9.x
   * does not, because that stall is otherwise unexplained.
   */
  private unlockSkipped(brokerName: string, queues: number): void {
    probe(this.instance.env, "client.rebalance.unlock-no-master");
    this.instance.log.info("unlock not sent: the route has no master address; the broker keeps the lock until it expires", { brokerName, queues });
  }

  private markLocked(mq: MessageQueue, locked: boolean): void {
    const pq = this.processQueueTable.get(mq);
    if (pq === undefined) return;
    pq.locked = locked;
    if (locked) pq.lastLockMs = this.instance.env.clock.monotonicMs();
  }

  private byBroker(): Map<string, MessageQueue[]> {
    const result = new Map<string, MessageQueue[]>();
    for (const mq of this.processQueueTable.keys()) {
      const list = result.get(mq.brokerName) ?? [];
      list.push(mq);
      result.set(mq.brokerName, list);
    }
    return result;
  }
}
