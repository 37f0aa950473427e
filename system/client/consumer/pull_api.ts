// PULL_MESSAGE for both consumers (RocketMQ's PullAPIWrapper): picks the broker node (master,
// or the slave the broker suggested last time), sends the pull, maps the response code to a
// PullStatus (0 FOUND, 19 NO_NEW_MSG, 20 NO_MATCHED_MSG, 21 OFFSET_ILLEGAL; anything else is an
// MQBrokerError), decodes the records (inflating compressed bodies) and applies the client-side
// exact tag check. A record that does not decode fails the pull loudly (never a silent skip).
import { MessageConst } from "../../message/message_const.ts";
import { decodeMessageRecords } from "../../message/message_record_decode.ts";
import { buildPullSysFlag, PullSysFlag } from "../../message/message_const.ts";
import { ResponseCode } from "../../remoting/response_code.ts";
import { assertNever } from "../../stdx/assert.ts";
import type { ClientInstance } from "../client_instance.ts";
import { MQClientError } from "../client_errors.ts";
import type { ClientMessageExt } from "../message.ts";
import type { MessageExt } from "../../message/message_record.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { MessageQueueMap } from "../message_queue.ts";
import type { RawPullResult } from "../mq_client_api.ts";
import { MASTER_ID } from "../../protocol/route.ts";
import type { SubscriptionData } from "./subscription_data.ts";
import { tagMatches } from "./subscription_data.ts";

export type PullStatus = "FOUND" | "NO_NEW_MSG" | "NO_MATCHED_MSG" | "OFFSET_ILLEGAL";

export interface PullResult {
  readonly pullStatus: PullStatus;
  readonly nextBeginOffset: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  /** FOUND: decoded messages that pass the exact tag check (may be empty). */
  readonly msgFoundList: ClientMessageExt[];
}

/** Response code → PullStatus; undefined for codes that are errors. */
export function pullStatusOf(code: number): PullStatus | undefined {
  switch (code) {
    case ResponseCode.SUCCESS:
      return "FOUND";
    case ResponseCode.PULL_NOT_FOUND:
      return "NO_NEW_MSG";
    case ResponseCode.PULL_RETRY_IMMEDIATELY:
      return "NO_MATCHED_MSG";
    case ResponseCode.PULL_OFFSET_MOVED:
      return "OFFSET_ILLEGAL";
    default:
      return undefined;
  }
}

export interface PullRequestSpec {
  readonly mq: MessageQueue;
  readonly subscription: SubscriptionData;
  /** Send the expression in the header (sysFlag subscription bit) instead of relying on heartbeats. */
  readonly postSubscription: boolean;
  readonly offset: number;
  readonly maxNums: number;
  /** Offset to commit on the broker (clustering), or undefined. */
  readonly commitOffset: number | undefined;
  readonly suspend: boolean;
  readonly brokerSuspendMaxTimeMs: number;
  readonly timeoutMs: number;
}

export class PullAPIWrapper {
  private readonly pullFromWhichNode = new MessageQueueMap<number>();

  constructor(private readonly instance: ClientInstance, private readonly group: string) {}

  async pull(spec: PullRequestSpec): Promise<PullResult> {
    const { mq } = spec;
    const brokerId = this.pullFromWhichNode.get(mq) ?? MASTER_ID;
    const found = await this.instance.routes.findBrokerAddressInSubscribeWithRefresh(mq.topic, mq.brokerName, brokerId, false);
    let sysFlag = buildPullSysFlag(spec.commitOffset !== undefined && spec.commitOffset > 0, spec.suspend, spec.postSubscription, false);
    // Slaves never store consumer offsets: the commit flag goes to masters only.
    if (found.slave) sysFlag &= ~PullSysFlag.FLAG_COMMIT_OFFSET;
    const header = {
      consumerGroup: this.group,
      topic: mq.topic,
      queueId: mq.queueId,
      queueOffset: spec.offset,
      maxMsgNums: spec.maxNums,
      sysFlag,
      commitOffset: spec.commitOffset ?? 0,
      suspendTimeoutMillis: spec.brokerSuspendMaxTimeMs,
      subVersion: spec.subscription.subVersion,
      expressionType: spec.subscription.expressionType,
      bname: mq.brokerName,
    };
    // Two literal shapes instead of `delete header.subscription`: a delete turns the object into
    // a slow dictionary on every pull, the consumer's hottest request.
    const raw = await this.instance.api.pullMessage(found.brokerAddr, spec.postSubscription ? { ...header, subscription: spec.subscription.subString } : header, spec.timeoutMs);
    return this.processPullResult(mq, raw, spec.subscription);
  }

  /** PullAPIWrapper.processPullResult. */
  processPullResult(mq: MessageQueue, raw: RawPullResult, subscription: SubscriptionData): PullResult {
    // Set only on a change: the suggestion rarely moves, and a set allocates an entry per pull.
    if (this.pullFromWhichNode.get(mq) !== raw.suggestWhichBrokerId) this.pullFromWhichNode.set(mq, raw.suggestWhichBrokerId);
    const pullStatus = pullStatusOf(raw.code);
    if (pullStatus === undefined) throw new MQClientError(`unexpected pull response code ${raw.code}`, raw.code);
    const result = { pullStatus, nextBeginOffset: raw.nextBeginOffset, minOffset: raw.minOffset, maxOffset: raw.maxOffset };
    switch (pullStatus) {
      case "FOUND":
        break;
      case "NO_NEW_MSG":
      case "NO_MATCHED_MSG":
      case "OFFSET_ILLEGAL":
        return { ...result, msgFoundList: [] };
      default:
        assertNever(pullStatus);
    }
    const decoded = raw.body === undefined ? [] : decodeMessageRecords(raw.body, { inflateBody: true });
    const msgFoundList: ClientMessageExt[] = [];
    // Once per pull, not per message: every record of a pull carries the same two values.
    const minOffsetText = String(raw.minOffset);
    const maxOffsetText = String(raw.maxOffset);
    for (const record of decoded) {
      if (!tagMatches(subscription, record.tags)) continue;
      record.properties.set(MessageConst.MIN_OFFSET, minOffsetText);
      record.properties.set(MessageConst.MAX_OFFSET, maxOffsetText);
      msgFoundList.push(toClientMessageInPlace(record, mq.brokerName));
    }
    return { ...result, msgFoundList };
  }
}

/**
 * toClientMessage without the copy: the decoded record is fresh and nobody else holds it, so it
 * becomes the ClientMessageExt itself. Same fields and key order as toClientMessage's spread
 * (msgId keeps its place, offsetMsgId and brokerName follow), so observers see the same object.
 */
function toClientMessageInPlace(record: MessageExt, brokerName: string): ClientMessageExt {
  const message = record as ClientMessageExt;
  const uniq = record.properties.get(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
  const offsetMsgId = record.msgId;
  message.msgId = uniq ?? offsetMsgId;
  message.offsetMsgId = offsetMsgId;
  message.brokerName = brokerName;
  return message;
}
