// Records a client's view of a topic's route (RouteEvent) when it changes: the brokers it would
// send to (writable queues with a master) and read from (readable queues). A client applies a
// route whenever the NameServer's answer changed, which may not change either set (e.g. a slave
// joined): only a change of the sets is recorded.
import type { TopicRouteData } from "../../system/protocol/index.ts";
import { publishQueuesOf, subscribeQueuesOf } from "../../system/client/index.ts";
import type { HistoryRecorder } from "../history/types.ts";

function brokerSet(queues: readonly { brokerName: string }[]): string[] {
  return [...new Set(queues.map((queue) => queue.brokerName))].sort();
}

export class RouteRecorder {
  private readonly lastByTopic = new Map<string, string>();

  constructor(private readonly process: string, private readonly recorder: HistoryRecorder, private readonly runTimeMs: () => number) {}

  update(topic: string, route: TopicRouteData): void {
    const writableBrokers = brokerSet(publishQueuesOf(topic, route).queues);
    const readableBrokers = brokerSet(subscribeQueuesOf(topic, route));
    const key = `${writableBrokers.join(",")}|${readableBrokers.join(",")}`;
    if (this.lastByTopic.get(topic) === key) return;
    this.lastByTopic.set(topic, key);
    this.recorder.record({ type: "route", timeMs: this.runTimeMs(), process: this.process, topic, writableBrokers, readableBrokers });
  }
}
