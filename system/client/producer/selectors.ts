// Message queue selectors for ordered sends (RocketMQ's SelectMessageQueueByHash): messages with
// the same key go to the same queue as long as the queue list does not change.
import { javaStringHashCode } from "../../message/java_hash.ts";
import { assert } from "../../stdx/assert.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";

/** |arg.hashCode()| mod queue count, as Java's SelectMessageQueueByHash (String keys). */
export function selectMessageQueueByHash(queues: readonly MessageQueue[], _message: unknown, key: string | number): MessageQueue {
  assert(queues.length > 0, "no queue to select from");
  const hash = typeof key === "number" ? key | 0 : javaStringHashCode(key);
  return queues[Math.abs(hash % queues.length)]!;
}
