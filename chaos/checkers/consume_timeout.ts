// Consume timeout (ConsumeMessageConcurrentlyService.cleanExpireMsg in 4.9.x): every
// consumeTimeout a concurrent consumer looks at the first message of each process queue, and one
// whose listener started more than consumeTimeout ago is sent back (delay level 3) and removed
// from the queue while the listener still runs. So a first delivery that outlasted the group's
// consumeTimeout explains, by design: a retry copy after it succeeded, a duplicate success, and
// its own completion landing after later offsets of its queue. An orderly consumer has no
// consume timeout (4.9.x's orderly service never sends back on time).
// Invariant: "outlasted" needs the listener's start (DeliverEvent.startMs); without it nothing is
// explained.
import type { DeliverEvent } from "../history/types.ts";
import type { ConsumerGroupSpec } from "../scenario.ts";

/** RocketMQ's consumeTimeout default: 15 minutes. */
export const consumeTimeoutMsDefault = 15 * 60_000;

export function consumeTimeoutMsOf(spec: Pick<ConsumerGroupSpec, "consumeTimeoutMs"> | undefined): number {
  return spec?.consumeTimeoutMs ?? consumeTimeoutMsDefault;
}

/** The listener ran on this delivery longer than the group's consumeTimeout (concurrent groups only). */
export function outlastedConsumeTimeout(delivery: Pick<DeliverEvent, "startMs" | "timeMs">, spec: Pick<ConsumerGroupSpec, "consumeTimeoutMs" | "orderly"> | undefined): boolean {
  if (spec?.orderly === true || delivery.startMs === undefined) return false;
  return delivery.timeMs - delivery.startMs > consumeTimeoutMsOf(spec);
}

/** The client's delay before consuming a message again itself (4.9.x: 5 s, consumeMessageLater). */
export const localRetryDelayMs = 5_000;

/**
 * A retry the consumer made locally: send-back and its own re-send to %RETRY% both failed, so it
 * consumes the message again from its own queue (same record: queue, offset and store time; reconsumeTimes + 1)
 * after localRetryDelayMs. A re-send that timed out may still have been stored: a later copy
 * from %RETRY% is then a duplicate by design.
 */
type Stored = Pick<DeliverEvent, "queue" | "queueOffset" | "reconsumeTimes" | "storeTimeMs">;

export function isLocalRetry(failed: Stored, retry: Stored): boolean {
  // The same stored record (a %RETRY% copy is a new record with its own store time).
  const sameRecord = failed.storeTimeMs !== undefined && retry.storeTimeMs === failed.storeTimeMs;
  return sameRecord && retry.reconsumeTimes === failed.reconsumeTimes + 1 && retry.queue === failed.queue && retry.queueOffset === failed.queueOffset;
}

/**
 * A failed message waiting for its local retry stays in the process queue with the failed
 * attempt's consume start, so an expire scan during the wait finds it past consumeTimeout and
 * sends it back (4.9.x ProcessQueue.cleanExpiredMsg reads CONSUME_START_TIMESTAMP) at the count
 * the failure raised: the local retry and a copy one level above it both come (seed 3 swarm run
 * 1104: failed at 19.2 s, expired at 23.0 s with consumeTimeout 2 s, local retry at 24.2 s).
 */
export function expiredAwaitingLocalRetry(
  failed: Stored & Pick<DeliverEvent, "startMs" | "timeMs">,
  localRetry: Stored & Pick<DeliverEvent, "startMs" | "timeMs">,
  spec: Pick<ConsumerGroupSpec, "consumeTimeoutMs" | "orderly"> | undefined,
): boolean {
  if (spec?.orderly === true || !isLocalRetry(failed, localRetry)) return false;
  return (localRetry.startMs ?? localRetry.timeMs) - (failed.startMs ?? failed.timeMs) > consumeTimeoutMsOf(spec);
}
