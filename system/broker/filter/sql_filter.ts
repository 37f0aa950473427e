// The broker's SQL92 filtering on the pull path [PullMessageProcessor, ExpressionMessageFilter,
// ConsumerFilterManager, ClientManageProcessor.checkClientConfig], kept outside the pull
// processor so its hook there is two calls.
// - Which selector applies: from the pull header (sysFlag SUBSCRIPTION; a bad expression →
//   SUBSCRIPTION_PARSE_FAILED) or from the heartbeat subscription (a bad expression → 27
//   FILTER_DATA_NOT_EXIST: Java never registered filter data for it); then, with
//   enablePropertyFilter=false, SYSTEM_ERROR "The broker does not support consumer to filter
//   message by SQL92" — the same order as RocketMQ 4.9.
// - Evaluation: after the store read, each record's properties are decoded and the selector
//   evaluated (isMatchedByCommitLog); a record that does not match is skipped and the pull
//   still advances past it. mqlab has no consume-queue bloom bitmap (enableCalcFilterBitMap),
//   so the consume-queue stage lets every SQL92 message through and long polls wake on any
//   arrival, as RocketMQ does without the bitmap.
// Invariants: TAG subscriptions never reach the evaluator; a FOUND result that loses all its
// messages becomes NO_MATCHED_MESSAGE (→ PULL_RETRY_IMMEDIATELY) with the same nextBeginOffset.
import { compileFilterExpression, isTagType, propertiesMatch, Sql92ParseError } from "../../filter/index.ts";
import type { Expression } from "../../filter/index.ts";
import { decodeMessageRecord } from "../../message/index.ts";
import { ResponseCode } from "../../remoting/index.ts";
import { assert } from "../../stdx/assert.ts";
import type { GetMessageResult } from "../store_port.ts";
import type { SubscriptionData } from "./subscription_data.ts";

export const PROPERTY_FILTER_DISABLED_REMARK = "The broker does not support consumer to filter message by ";

export type SqlFilterResolution =
  | { readonly ok: true; readonly expression: Expression | undefined }
  | { readonly ok: false; readonly code: number; readonly remark: string };

/** The compiled selector a pull must apply (undefined for TAG subscriptions), or the refusal. */
export function resolvePullFilter(subscription: SubscriptionData, fromHeader: boolean, enablePropertyFilter: boolean): SqlFilterResolution {
  if (isTagType(subscription.expressionType)) return { ok: true, expression: undefined };
  let expression: Expression | undefined;
  try {
    expression = compileFilterExpression(subscription.expressionType, subscription.subString);
  } catch (error) {
    if (!(error instanceof Sql92ParseError)) throw error;
    if (fromHeader) return { ok: false, code: ResponseCode.SUBSCRIPTION_PARSE_FAILED, remark: "parse the consumer's subscription failed" };
    return { ok: false, code: ResponseCode.FILTER_DATA_NOT_EXIST, remark: "The broker's consumer filter data is not exist!Your expression may be wrong!" };
  }
  if (!enablePropertyFilter) {
    return { ok: false, code: ResponseCode.SYSTEM_ERROR, remark: PROPERTY_FILTER_DISABLED_REMARK + subscription.expressionType };
  }
  return { ok: true, expression };
}

/** CHECK_CLIENT_CONFIG's verdict for one subscription: undefined = SUCCESS. */
export function checkSubscriptionConfig(expressionType: string | undefined, subString: string, enablePropertyFilter: boolean): { code: number; remark: string } | undefined {
  if (isTagType(expressionType)) return undefined;
  if (!enablePropertyFilter) return { code: ResponseCode.SYSTEM_ERROR, remark: PROPERTY_FILTER_DISABLED_REMARK + String(expressionType) };
  try {
    compileFilterExpression(String(expressionType), subString);
  } catch (error) {
    if (!(error instanceof Sql92ParseError)) throw error;
    return { code: ResponseCode.SUBSCRIPTION_PARSE_FAILED, remark: error.message };
  }
  return undefined;
}

/** ExpressionMessageFilter.isMatchedByCommitLog over a store result. */
export function applyPullFilter(result: GetMessageResult, expression: Expression | undefined): GetMessageResult {
  if (expression === undefined || result.messages.length === 0) return result;
  const messages: Uint8Array[] = [];
  const messageQueueOffsets: number[] = [];
  let bufferTotalSize = 0;
  result.messages.forEach((record, index) => {
    const message = decodeMessageRecord(record, 0, { readBody: false });
    if (!propertiesMatch(expression, message.properties)) return;
    messages.push(record);
    messageQueueOffsets.push(result.messageQueueOffsets[index]!);
    bufferTotalSize += record.length;
  });
  assert(messages.length <= result.messages.length);
  if (messages.length === result.messages.length) return result;
  const status = messages.length === 0 && result.status === "FOUND" ? "NO_MATCHED_MESSAGE" : result.status;
  return { ...result, status, messages, messageQueueOffsets, bufferTotalSize };
}
