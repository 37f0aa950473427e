// TopicPublishInfo: the writable queues of a topic over all brokers with a master, and the
// round-robin cursor (sendWhichQueue) the producer advances on every selection. Queue choice
// follows Java: plain round robin, skipping the last failed broker on a retry; with latency
// fault avoidance on, the first available broker's queue in round-robin order.
import type { Random } from "../../env/env.ts";
import { assert } from "../../stdx/assert.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import type { TopicRouteData } from "../../protocol/route.ts";
import type { LatencyFaultTolerance } from "./latency_fault_tolerance.ts";
import { probe, type ProbeSite } from "../../env/probe.ts";

/** A 32-bit wrapping counter starting at a random value (Java's ThreadLocalIndex). */
export class SendWhichQueue {
  private index: number;
  constructor(random: Random) {
    this.index = random.intBetween(0, 0x7fffffff);
  }
  incrementAndGet(): number {
    this.index = (this.index + 1) | 0;
    return this.index;
  }
}

export class TopicPublishInfo {
  constructor(
    readonly messageQueueList: readonly MessageQueue[],
    readonly routeData: TopicRouteData | undefined,
    readonly sendWhichQueue: SendWhichQueue,
    readonly orderTopic: boolean,
  ) {}

  get haveTopicRouterInfo(): boolean {
    return this.routeData !== undefined;
  }

  ok(): boolean {
    return this.messageQueueList.length > 0;
  }

  selectOneMessageQueue(lastBrokerName?: string): MessageQueue {
    assert(this.ok(), "selectOneMessageQueue on an empty queue list");
    if (lastBrokerName !== undefined) {
      for (let i = 0; i < this.messageQueueList.length; i++) {
        const mq = this.pick(this.sendWhichQueue.incrementAndGet());
        if (mq.brokerName !== lastBrokerName) return mq;
      }
    }
    return this.pick(this.sendWhichQueue.incrementAndGet());
  }

  /** Write queue count of brokerName, or -1 (TopicPublishInfo.getQueueIdByBroker). */
  writeQueueNumsOf(brokerName: string): number {
    const queueData = this.routeData?.queueDatas.find((qd) => qd.brokerName === brokerName);
    return queueData === undefined ? -1 : queueData.writeQueueNums;
  }

  private pick(index: number): MessageQueue {
    return this.messageQueueList[Math.abs(index) % this.messageQueueList.length]!;
  }
}

/** MQFaultStrategy.selectOneMessageQueue. */
export function selectQueueWithFaultAvoidance(
  info: TopicPublishInfo, lastBrokerName: string | undefined, faults: LatencyFaultTolerance | undefined, site: ProbeSite = {},
): MessageQueue {
  if (faults === undefined) return info.selectOneMessageQueue(lastBrokerName);
  let index = info.sendWhichQueue.incrementAndGet();
  for (let i = 0; i < info.messageQueueList.length; i++) {
    const mq = info.messageQueueList[Math.abs(index) % info.messageQueueList.length]!;
    index = (index + 1) | 0;
    if (faults.isAvailable(mq.brokerName)) return mq;
    probe(site, "client.latency.avoided-broker");
  }
  const notBestBroker = faults.pickOneAtLeast();
  if (notBestBroker !== undefined) {
    probe(site, "client.latency.pick-not-best");
    const writeQueueNums = info.writeQueueNumsOf(notBestBroker);
    if (writeQueueNums > 0) {
      const mq = info.selectOneMessageQueue();
      return { topic: mq.topic, brokerName: notBestBroker, queueId: Math.abs(info.sendWhichQueue.incrementAndGet()) % writeQueueNums };
    }
    faults.remove(notBestBroker);
  }
  return info.selectOneMessageQueue();
}
