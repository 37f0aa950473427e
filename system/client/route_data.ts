// Topic route data from the NameServer (the one TopicRouteData is system/protocol/route.ts) and what the clients derive from it:
// the publish queues (writable queues of brokers that have a master, or orderTopicConf) and the
// subscribe queues (readable queues). Parsing accepts fastjson's bare numeric brokerAddrs keys
// and both topicSysFlag spellings. Invariants: brokerAddrs keys are broker ids (0 = master).
import { MQClientError } from "./client_errors.ts";
import { decodeTopicRouteData, MASTER_ID, type TopicRouteData } from "../protocol/route.ts";
import { isReadable, isWriteable } from "../protocol/topic_config.ts";
import type { MessageQueue } from "../protocol/message_queue.ts";
import { compareJavaStrings } from "./message_queue.ts";

/** Decodes GET_ROUTEINFO_BY_TOPIC's body, both sorted by brokerName as Java's clients sort them. */
export function parseTopicRouteData(body: Uint8Array | undefined): TopicRouteData {
  if (body === undefined || body.length === 0) throw new MQClientError("topic route response has no body");
  const route = decodeTopicRouteData(body);
  return {
    queueDatas: [...route.queueDatas].sort((a, b) => compareJavaStrings(a.brokerName, b.brokerName)),
    brokerDatas: [...route.brokerDatas].sort((a, b) => compareJavaStrings(a.brokerName, b.brokerName)),
    orderTopicConf: route.orderTopicConf,
    filterServerTable: route.filterServerTable,
  };
}

/** A stable text form for change detection (MQClientInstance.topicRouteDataIsChange). */
export function routeFingerprint(route: TopicRouteData): string {
  return JSON.stringify({
    q: route.queueDatas,
    b: route.brokerDatas.map((bd) => [bd.cluster, bd.brokerName, [...bd.brokerAddrs.entries()].sort((x, y) => x[0] - y[0])]),
    o: route.orderTopicConf ?? null,
  });
}

/** topicRouteData2TopicPublishInfo: the queues a producer may write. */
export function publishQueuesOf(topic: string, route: TopicRouteData): { queues: MessageQueue[]; orderTopic: boolean } {
  const queues: MessageQueue[] = [];
  if (route.orderTopicConf !== undefined && route.orderTopicConf.length > 0) {
    for (const item of route.orderTopicConf.split(";")) {
      const [brokerName, count] = item.split(":");
      if (brokerName === undefined || count === undefined) continue;
      for (let i = 0; i < Number(count); i++) queues.push({ topic, brokerName, queueId: i });
    }
    return { queues, orderTopic: true };
  }
  for (const qd of route.queueDatas) {
    if (!isWriteable(qd.perm)) continue;
    const brokerData = route.brokerDatas.find((bd) => bd.brokerName === qd.brokerName);
    if (brokerData === undefined || !brokerData.brokerAddrs.has(MASTER_ID)) continue;
    for (let i = 0; i < qd.writeQueueNums; i++) queues.push({ topic, brokerName: qd.brokerName, queueId: i });
  }
  return { queues, orderTopic: false };
}

/** topicRouteData2TopicSubscribeInfo: the queues a consumer may read. */
export function subscribeQueuesOf(topic: string, route: TopicRouteData): MessageQueue[] {
  const queues: MessageQueue[] = [];
  for (const qd of route.queueDatas) {
    if (!isReadable(qd.perm)) continue;
    for (let i = 0; i < qd.readQueueNums; i++) queues.push({ topic, brokerName: qd.brokerName, queueId: i });
  }
  return queues;
}

/** The TBW102 route reshaped for a new topic (updateTopicRouteInfoFromNameServer isDefault). */
export function defaultRouteFor(route: TopicRouteData, defaultTopicQueueNums: number): TopicRouteData {
  return {
    ...route,
    queueDatas: route.queueDatas.map((qd) => {
      const queueNums = Math.min(defaultTopicQueueNums, qd.readQueueNums);
      return { ...qd, readQueueNums: queueNums, writeQueueNums: queueNums };
    }),
  };
}
