// A group's dead letters as the history knows them. The broker dead-letters a message whose
// count reached maxReconsumeTimes: on a send-back (CONSUMER_SEND_MSG_BACK), and on a client's own
// re-send to %RETRY%<group> after a failed send-back (4.9.x SendMessageProcessor.handleRetryAndDLQ:
// the re-sent copy carries its count + 1). The lab sees the DLQ only where the group's first node
// read it at the end (dlq_reader.ts: groups that expect dead letters); elsewhere a message the
// client re-sent straight into the DLQ is dead-lettered but unverified.
import type { RetryResendEvent } from "../history/types.ts";
import type { ConsumerGroupSpec } from "../scenario.ts";
import type { CheckContext } from "./context.ts";
import type { HistoryIndex } from "./history_index.ts";

/** RocketMQ 4.9.x DefaultMQPushConsumer.maxReconsumeTimes default (concurrent listeners). */
export const defaultMaxReconsumeTimes = 16;
/**
 * Orderly listeners: maxReconsumeTimes -1 (the default) means Integer.MAX_VALUE
 * (ConsumeMessageOrderlyService.getMaxReconsumeTimes).
 */
export const defaultMaxReconsumeTimesOrderly = Number.MAX_SAFE_INTEGER;

export function maxReconsumeTimesOf(spec: ConsumerGroupSpec): number {
  return spec.maxReconsumeTimes ?? (spec.orderly === true ? defaultMaxReconsumeTimesOrderly : defaultMaxReconsumeTimes);
}

/** Whether the run read the group's DLQ (DlqEvents for it, or a spec that asks for the read). */
export function dlqReadFor(index: HistoryIndex, spec: ConsumerGroupSpec): boolean {
  return spec.readDlq === true || (spec.poisonPercent ?? 0) > 0 || index.dlqs.some((event) => event.group === spec.group);
}

/** Whether a client re-send went to the DLQ at once: the copy's count (reconsumeTimes + 1) reached maxReconsumeTimes. */
export function resentIntoDlq(resend: RetryResendEvent, maxReconsumeTimes: number): boolean {
  return resend.reconsumeTimes + 1 >= maxReconsumeTimes;
}

/**
 * Whether `group`'s only copy of a message (`copy`: its last client re-send, guarantee.ts
 * resentCopiesOf) went straight into a DLQ the run did not read. Such a message is dead-lettered
 * where the lab cannot see it: the delivery checker lists it, no checker judges it lost.
 */
export function resentIntoUnreadDlq(index: HistoryIndex, context: CheckContext, group: string, copy: RetryResendEvent | undefined): boolean {
  if (copy === undefined) return false;
  const spec = context.workload.consumers.find((each) => each.group === group);
  return spec !== undefined && resentIntoDlq(copy, maxReconsumeTimesOf(spec)) && !dlqReadFor(index, spec);
}
