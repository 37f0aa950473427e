// Hooks for the lab: a workload passes an observer to record what a consumer saw and did
// (Jepsen-style histories) without monkey-patching. Every callback is optional, synchronous and
// must not throw (a throwing observer is logged and ignored). Events carry the Env's wall time.
import type { ClientMessageExt } from "../message.ts";
import type { SendResult } from "../producer/send_kernel.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import type { PullStatus } from "./pull_api.ts";
import type { TopicRouteData } from "../../protocol/route.ts";

export interface RebalanceEvent {
  readonly group: string;
  readonly clientId: string;
  readonly topic: string;
  /**
   * The queues of `topic` this consumer holds now (sorted): after a rebalance round that changed
   * them, or after a queue left outside a round (OFFSET_ILLEGAL fix, reset offset).
   */
  readonly assigned: readonly MessageQueue[];
  readonly added: readonly MessageQueue[];
  readonly removed: readonly MessageQueue[];
  /** The consumer ids the allocation saw (clustering), sorted; undefined outside a round. */
  readonly consumerIds: readonly string[] | undefined;
  readonly atMs: number;
}

export interface PullResultEvent {
  readonly group: string;
  readonly clientId: string;
  readonly mq: MessageQueue;
  readonly requestOffset: number;
  readonly status: PullStatus;
  readonly nextBeginOffset: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  /** Messages handed on after the client-side tag check. */
  readonly messageCount: number;
  /** Those messages, in the order the broker returned them (the lab checks where they came from). */
  readonly messages: readonly ClientMessageExt[];
  readonly atMs: number;
}

/**
 * A pull failed (a remoting error, or a broker's error code such as TOPIC_NOT_EXIST from a slave
 * that has not synced the topic yet): the queue's next pull waits retryInMs
 * (pullTimeDelayMillsWhenException, or 20 ms after a broker's FLOW_CONTROL).
 */
export interface PullErrorEvent {
  readonly group: string;
  readonly clientId: string;
  readonly mq: MessageQueue;
  readonly requestOffset: number;
  readonly error: string;
  readonly retryInMs: number;
  readonly atMs: number;
}

export interface DeliverEvent {
  readonly group: string;
  readonly clientId: string;
  readonly mq: MessageQueue;
  readonly messages: readonly ClientMessageExt[];
  readonly orderly: boolean;
  readonly atMs: number;
}

export interface ConsumeResultEvent extends DeliverEvent {
  readonly status: string;
}

export interface OffsetCommitEvent {
  readonly group: string;
  readonly clientId: string;
  readonly mq: MessageQueue;
  readonly offset: number;
  /** persist = periodic/shutdown UPDATE_CONSUMER_OFFSET; remove = queue dropped; pull = commitOffset in a pull. */
  readonly reason: "persist" | "remove" | "pull";
  readonly atMs: number;
}

export interface QueueDroppedEvent {
  readonly group: string;
  readonly clientId: string;
  readonly mq: MessageQueue;
  readonly reason: "rebalance" | "pull-expired" | "offset-illegal" | "shutdown";
  readonly atMs: number;
}

/**
 * sendMessageBack's fallback stored a consumed message in %RETRY%<group> through the client's
 * inner producer (CONSUMER_SEND_MSG_BACK had failed). The consume service then counts the
 * message as done, so the group's offset moves past the original: this copy, stored wherever
 * the inner producer's queue selection put it, is the group's only way back to the message.
 */
export interface RetryResentEvent {
  readonly group: string;
  readonly clientId: string;
  /** The message as consumed (the failed delivery's reconsumeTimes; the copy carries one more). */
  readonly message: ClientMessageExt;
  /** Where the copy was stored: its %RETRY%<group> queue, queue offset and send status. */
  readonly sendResult: SendResult;
  /** When the inner producer's send began (atMs is when it returned). */
  readonly sendStartMs: number;
  readonly atMs: number;
}

/**
 * Both ways back failed (CONSUMER_SEND_MSG_BACK and the re-send to %RETRY%<group>), so the
 * consume service parked these messages of one process queue, their reconsumeTimes counted up,
 * to be consumed again after delayMs (submitConsumeRequestLater). They stay in the process queue
 * meanwhile, holding its committed offset before them; if that process queue is dropped before
 * the delay ends, the parked request is dropped with it and the queue's next holder reads the
 * messages from the broker again at their old count. atMs is when the last send-back of the
 * batch ended, not when the listener failed: the send-backs run one after another.
 */
export interface LocalRetryEvent {
  readonly group: string;
  readonly clientId: string;
  readonly mq: MessageQueue;
  readonly messages: readonly ClientMessageExt[];
  readonly delayMs: number;
  readonly atMs: number;
}

export interface ConsumerObserver {
  onRebalance?(event: RebalanceEvent): void;
  onPullResult?(event: PullResultEvent): void;
  onPullError?(event: PullErrorEvent): void;
  onDeliver?(event: DeliverEvent): void;
  onConsumeResult?(event: ConsumeResultEvent): void;
  onOffsetCommitted?(event: OffsetCommitEvent): void;
  onQueueDropped?(event: QueueDroppedEvent): void;
  onRetryResent?(event: RetryResentEvent): void;
  onLocalRetry?(event: LocalRetryEvent): void;
  /** This client applied a changed route of a topic (any topic its ClientInstance refreshes). */
  onRouteChange?(topic: string, route: TopicRouteData): void;
}
