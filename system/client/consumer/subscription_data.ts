// Subscriptions (RocketMQ's SubscriptionData and FilterAPI.buildSubscriptionData): a topic and a
// tag expression, "*" (everything) or "TagA || TagB". The broker filters by tag hash code (Java
// String.hashCode, collisions pass), so the client checks the exact tag string again. SQL92
// subscriptions carry the selector text only; the broker evaluates it.
// Invariants: subString "*" ⇔ empty tagsSet; codeSet[i] = javaStringHashCode(tagsSet[i]).
import { javaStringHashCode } from "../../message/java_hash.ts";
import { MQClientError } from "../client_errors.ts";
import { subscriptionDataToJson } from "../../protocol/heartbeat.ts";
import type { SubscriptionData as ProtocolSubscriptionData } from "../../protocol/heartbeat.ts";

export const SUB_ALL = "*";

export type ExpressionType = "TAG" | "SQL92";

export interface SubscriptionData {
  readonly topic: string;
  readonly subString: string;
  readonly tagsSet: readonly string[];
  readonly codeSet: readonly number[];
  /** Version (ms); a new version tells the broker the subscription changed. */
  subVersion: number;
  readonly expressionType: ExpressionType;
  readonly classFilterMode: boolean;
}

/** MessageSelector.bySql / byTag: what subscribe() accepts besides a tag string. */
export interface MessageSelector {
  readonly type: ExpressionType;
  readonly expression: string;
}

/**
 * FilterAPI.build: a tag expression is parsed into tag sets; a SQL92 selector is kept as text
 * (the broker compiles and evaluates it; CHECK_CLIENT_CONFIG reports a bad one at start).
 */
export function buildSubscriptionData(
  topic: string, subString: string | undefined, subVersion: number, expressionType: ExpressionType = "TAG",
): SubscriptionData {
  if (expressionType === "SQL92") {
    if (subString === undefined || subString.trim() === "") throw new MQClientError("a SQL92 selector must not be empty");
    return { topic, subString, tagsSet: [], codeSet: [], subVersion, expressionType, classFilterMode: false };
  }
  if (expressionType !== "TAG") throw new MQClientError(`expression type ${String(expressionType)} is not supported (TAG or SQL92)`);
  if (subString === undefined || subString.trim() === "" || subString.trim() === SUB_ALL) {
    return { topic, subString: SUB_ALL, tagsSet: [], codeSet: [], subVersion, expressionType, classFilterMode: false };
  }
  const tagsSet: string[] = [];
  for (const part of subString.split("||")) {
    const tag = part.trim();
    if (tag.length > 0 && !tagsSet.includes(tag)) tagsSet.push(tag);
  }
  if (tagsSet.length === 0) {
    throw new MQClientError(`subscription expression ${JSON.stringify(subString)} names no tag`);
  }
  return {
    topic, subString, tagsSet, codeSet: tagsSet.map(javaStringHashCode), subVersion, expressionType, classFilterMode: false,
  };
}

/** The client-side exact check after a pull (PullAPIWrapper.processPullResult). */
export function tagMatches(subscription: SubscriptionData, tags: string | undefined): boolean {
  if (subscription.tagsSet.length === 0) return true;
  return tags !== undefined && subscription.tagsSet.includes(tags);
}

/** The protocol layer's SubscriptionData (HEART_BEAT bodies, running info): a mutable copy. */
export function toProtocolSubscription(subscription: SubscriptionData): ProtocolSubscriptionData {
  return {
    topic: subscription.topic,
    subString: subscription.subString,
    tagsSet: [...subscription.tagsSet],
    codeSet: [...subscription.codeSet],
    subVersion: subscription.subVersion,
    expressionType: subscription.expressionType,
    classFilterMode: subscription.classFilterMode,
  };
}

/** The heartbeat JSON form (the protocol writer: fastjson field names, alphabetical). */
export function subscriptionDataJson(subscription: SubscriptionData): Record<string, unknown> {
  return subscriptionDataToJson(toProtocolSubscription(subscription));
}
