// Small helpers shared by processors: typed responses with string extFields, and the
// Java-compatible remark texts.
import { createResponse, fromUtf8, utf8 } from "../../remoting/index.ts";
import type { RemotingCommand } from "../../remoting/index.ts";
import { permToString } from "../../protocol/topic_config.ts";
import type { TopicConfig } from "../../protocol/topic_config.ts";

export function respond(
  request: RemotingCommand, code: number, remark?: string, extFields: Record<string, string | number | boolean> = {}, body?: Uint8Array,
): RemotingCommand {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(extFields)) fields[key] = String(value);
  return createResponse(request, code, remark, fields, body);
}

export function jsonBody(value: unknown): Uint8Array {
  return utf8(JSON.stringify(value));
}

export function bodyText(request: RemotingCommand): string | undefined {
  return request.body === undefined ? undefined : fromUtf8(request.body);
}

/** FAQUrl.suggestTodo: RocketMQ appends a FAQ link to some remarks; clients only show it. */
export function suggestTodo(url: string): string {
  return `\nSee ${url} for further details.`;
}

export const APPLY_TOPIC_URL = "http://rocketmq.apache.org/docs/faq/";
export const SUBSCRIPTION_GROUP_NOT_EXIST_URL = "http://rocketmq.apache.org/docs/faq/";
export const SAME_GROUP_DIFFERENT_TOPIC_URL = "http://rocketmq.apache.org/docs/faq/";

/** TopicConfig.toString, as 4.9.x puts it in remarks. */
export function topicConfigText(config: TopicConfig): string {
  return `TopicConfig [topicName=${config.topicName}, readQueueNums=${config.readQueueNums}, writeQueueNums=${config.writeQueueNums}, `
    + `perm=${permToString(config.perm)}, topicFilterType=${config.topicFilterType}, topicSysFlag=${config.topicSysFlag}, order=${config.order}]`;
}
