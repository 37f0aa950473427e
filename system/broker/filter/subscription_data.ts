// SubscriptionData (what a consumer subscribes to on a topic) and the broker's tag filter.
// Tag expressions are `*` or `TagA || TagB`; the broker filters on the consume queue's tagsCode
// (Java String.hashCode of the tag) against codeSet, so hash collisions pass and clients
// re-check the tag string [FilterAPI.buildSubscriptionData, ExpressionMessageFilter].
// The SubscriptionData type is the protocol layer's (HEART_BEAT bodies); this module keeps the
// broker's lenient reading of it (absent fields default, absent tag sets are rebuilt) and the filter.
import { javaStringHashCode } from "../../message/index.ts";
import { SUB_ALL } from "../../protocol/heartbeat.ts";
import type { SubscriptionData } from "../../protocol/heartbeat.ts";

export type { SubscriptionData } from "../../protocol/heartbeat.ts";

export class SubscriptionParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SubscriptionParseError";
  }
}

export function isTagType(expressionType: string | undefined): boolean {
  return expressionType === undefined || expressionType === "" || expressionType === "TAG";
}

/** FilterAPI.build: a subscription from a pull header's expression. */
export function buildSubscriptionData(topic: string, subString: string | undefined, expressionType: string | undefined, subVersion: number): SubscriptionData {
  const data: SubscriptionData = {
    topic,
    subString: SUB_ALL,
    tagsSet: [],
    codeSet: [],
    subVersion,
    expressionType: expressionType === undefined || expressionType === "" ? "TAG" : expressionType,
    classFilterMode: false,
  };
  if (!isTagType(data.expressionType)) {
    data.subString = subString ?? "";
    return data;
  }
  if (subString === undefined || subString === "" || subString === SUB_ALL) return data;
  data.subString = subString;
  for (const tag of subString.split("||")) {
    const trimmed = tag.trim();
    if (trimmed.length === 0) continue;
    data.tagsSet.push(trimmed);
    data.codeSet.push(javaStringHashCode(trimmed));
  }
  if (data.tagsSet.length === 0) throw new SubscriptionParseError(`subscription expression ${JSON.stringify(subString)} has no tag`);
  return data;
}

/** Reads a SubscriptionData from heartbeat JSON; throws SubscriptionParseError when malformed. */
export function subscriptionDataFromJson(value: unknown): SubscriptionData {
  if (typeof value !== "object" || value === null) throw new SubscriptionParseError("subscription data is not an object");
  const record = value as Record<string, unknown>;
  const topic = record["topic"];
  if (typeof topic !== "string" || topic === "") throw new SubscriptionParseError("subscription data without a topic");
  const subString = typeof record["subString"] === "string" ? record["subString"] : SUB_ALL;
  const expressionType = typeof record["expressionType"] === "string" ? record["expressionType"] : "TAG";
  const subVersion = Number(record["subVersion"] ?? 0);
  const tagsSet = Array.isArray(record["tagsSet"]) ? record["tagsSet"].map(String) : [];
  const codeSet = Array.isArray(record["codeSet"]) ? record["codeSet"].map(Number).filter(Number.isInteger) : [];
  // Some clients send the expression without the computed sets: compute them like FilterAPI.
  const rebuilt = isTagType(expressionType) && subString !== SUB_ALL && codeSet.length === 0
    ? buildSubscriptionData(topic, subString, expressionType, subVersion)
    : undefined;
  const data: SubscriptionData = {
    topic,
    subString,
    tagsSet: rebuilt?.tagsSet ?? tagsSet,
    codeSet: rebuilt?.codeSet ?? codeSet,
    subVersion: Number.isSafeInteger(subVersion) ? subVersion : 0,
    expressionType,
    classFilterMode: record["classFilterMode"] === true,
  };
  if (typeof record["filterClassSource"] === "string") data.filterClassSource = record["filterClassSource"];
  return data;
}

/** ExpressionMessageFilter.isMatchedByConsumeQueue for TAG subscriptions. */
export function isMatchedByTagsCode(subscription: SubscriptionData | undefined, tagsCode: number): boolean {
  if (subscription === undefined || subscription.classFilterMode) return true;
  if (!isTagType(subscription.expressionType)) return true;
  if (subscription.subString === SUB_ALL) return true;
  return subscription.codeSet.includes(tagsCode);
}
