// Producer-side duplicates: a send attempt that failed at the client (a timeout, a closed
// connection, FLUSH_SLAVE_TIMEOUT) may still have been stored by its broker, and the producer's
// retry stores a second copy on another queue (RocketMQ's at-least-once on the send side: the
// Java client retries after a timeout without knowing whether the broker wrote the message).
// Both copies are then delivered, each from its own queue. This is explained by the send's own
// attempts, not by a fault window: the slow path that made the first attempt time out may
// outlast its fault (a slow link still drains what it queued), and the copy may be read long
// after. Invariant: only a pair of deliveries from two different queues, each the queue of one
// attempt of that message's send, with at least one of those attempts failed or both answered
// within one send (a non-OK status retried elsewhere), is explained.
import type { SendAttemptEvent } from "../history/types.ts";
import type { HistoryIndex } from "./history_index.ts";

/** Attempts of each message's send(s), by message id (attempts carry the send's opId). */
export function attemptsByMessage(index: HistoryIndex): Map<string, SendAttemptEvent[]> {
  const messagesByOpId = new Map<number, string[]>();
  const batchMembers = new Map<string, string[]>();
  for (const send of index.sends) {
    if (send.batchId === undefined) continue;
    const members = batchMembers.get(send.batchId);
    if (members === undefined) batchMembers.set(send.batchId, [send.messageId]);
    else members.push(send.messageId);
  }
  // A batch is one request, and its attempts carry the op id of its first message: they are
  // attempts of every message in it (seed 11 swarm run 439: a batch timed out on one queue, was
  // stored there and again on the retry's queue, and only its first message's copies were explained).
  for (const send of index.sends) messagesByOpId.set(send.opId, send.batchId === undefined ? [send.messageId] : batchMembers.get(send.batchId)!);
  const out = new Map<string, SendAttemptEvent[]>();
  for (const attempt of index.attempts) {
    if (attempt.opId === undefined) continue;
    for (const messageId of messagesByOpId.get(attempt.opId) ?? []) {
      const list = out.get(messageId) ?? [];
      list.push(attempt);
      out.set(messageId, list);
    }
  }
  return out;
}

/**
 * Why the copies of `messageId` on queues `firstQueue` and `againQueue` are a producer retry's
 * two stored copies, or undefined when the attempts do not show that. `distinctRecords`: the two
 * deliveries were different records (offsets) of one queue, which only a send that attempted that
 * queue twice can store.
 */
export function explainProducerRetry(
  attempts: ReadonlyMap<string, readonly SendAttemptEvent[]>, messageId: string, firstQueue: string, againQueue: string,
  distinctRecords = false,
): string | undefined {
  const list = attempts.get(messageId) ?? [];
  if (firstQueue === againQueue) {
    // With two brokers, 4.9.x's retry to another broker (selectOneMessageQueue skipping the last
    // broker's queues) cycles back to the same queue every second attempt (seed 4 swarm run 860:
    // attempts on a:5, b:0, a:0, b:0, a:0, b:0, each stored SLAVE_NOT_AVAILABLE).
    if (!distinctRecords) return undefined;
    const bySend = new Map<number, number>();
    for (const attempt of list) if (attempt.queue === firstQueue && attempt.opId !== undefined) bySend.set(attempt.opId, (bySend.get(attempt.opId) ?? 0) + 1);
    const most = Math.max(0, ...bySend.values());
    if (most < 2) return undefined;
    return `producer retry: one send attempted ${firstQueue} ${String(most)} times (a retry to another broker cycles back to it) and each attempt was stored`;
  }
  const first = list.find((attempt) => attempt.queue === firstQueue);
  const again = list.find((attempt) => attempt.queue === againQueue);
  if (first === undefined || again === undefined) return undefined;
  const failed = [first, again].filter((attempt) => attempt.outcome === "error").sort((a, b) => a.timeMs - b.timeMs)[0];
  if (failed === undefined) {
    // Two answered attempts of one send: the earlier was stored with a status other than SEND_OK
    // (a slave not available or late), and retryAnotherBrokerWhenNotStoreOK sent it again — the
    // only way 4.9.x's sendDefaultImpl goes on after an answer (seed 2 swarm run 167).
    if (first.opId === undefined || first.opId !== again.opId) return undefined;
    const [earlier, later] = first.timeMs <= again.timeMs ? [first, again] : [again, first];
    return `producer retry: the attempt on ${earlier.queue} was stored with a status other than SEND_OK and retryAnotherBrokerWhenNotStoreOK stored another copy on ${later.queue}`;
  }
  const other = failed === first ? again : first;
  return `producer retry: the attempt on ${failed.queue} failed at the client (${failed.errorName ?? "error"}` +
    `${failed.responseCode === undefined ? "" : `, code ${failed.responseCode}`}) yet was stored; the send's attempt on ${other.queue} stored another copy`;
}
