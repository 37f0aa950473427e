// MessageQueue {topic, brokerName, queueId}: the unit of routing, locking and offsets — the one
// definition the broker, the clients and the lab share, with its one key and Java's order.
import type { JsonObject } from "./body_json.ts";
import { asObject, readNumber, readString } from "./body_json.ts";

export interface MessageQueue {
  readonly topic: string;
  readonly brokerName: string;
  readonly queueId: number;
}

export function messageQueueToJson(mq: MessageQueue): JsonObject {
  return { brokerName: mq.brokerName, queueId: mq.queueId, topic: mq.topic };
}

export function messageQueueFromJson(value: unknown, what = "MessageQueue"): MessageQueue {
  const object = asObject(value, what);
  return {
    topic: readString(object, "topic", what),
    brokerName: readString(object, "brokerName", what),
    queueId: readNumber(object, "queueId", what),
  };
}

/** The one map/set key of a queue (\u0001 cannot appear in topic or broker names). */
export function messageQueueKey(mq: MessageQueue): string {
  return `${mq.topic}\u0001${mq.brokerName}\u0001${mq.queueId}`;
}

/** Java MessageQueue.compareTo order: topic, then brokerName, then queueId. */
export function compareMessageQueues(a: MessageQueue, b: MessageQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}
