// What a request asks for: RocketMQ 4.9's PlainAccessValidator.parse. From the request code and
// its extFields (and, for HEART_BEAT, its body) it derives the resources and the permission
// each needs, and the signed content (every extField except Signature and _UNIQUE_KEY_QUERY,
// sorted, values joined, body appended). Groups are named by their retry topic (%RETRY%group).
//   SEND_MESSAGE (10) / _V2 (310, fields b=topic a=group): PUB on the topic; a retry topic
//     (%RETRY%…) instead needs SUB on the group's retry topic
//   CONSUMER_SEND_MSG_BACK (36): SUB on %RETRY%group
//   PULL_MESSAGE (11): SUB on the topic and on %RETRY%consumerGroup
//   QUERY_MESSAGE (12): SUB on the topic
//   HEART_BEAT (34): SUB on each consumer group's retry topic and each subscribed topic
//   UNREGISTER_CLIENT (35), GET_CONSUMER_LIST_BY_GROUP (38): SUB on %RETRY%consumerGroup
//   UPDATE_CONSUMER_OFFSET (15): SUB on %RETRY%consumerGroup and on the topic
//   anything else: no resource (signature only; admin codes are checked by code).
// A header field Java requires (@CFNotNull) that is missing, or an undecodable heartbeat body,
// is an AclException thrown from parse, as in Java.
import { RETRY_GROUP_TOPIC_PREFIX } from "../message/message_const.ts";
import { parseJsonBody } from "../protocol/body_json.ts";
import type { RemotingCommand } from "../remoting/remoting_command.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { AclException, AclThrowSite } from "./acl_exception.ts";
import { ACCESS_KEY_FIELD, combineRequestContent, SECURITY_TOKEN_FIELD, SIGNATURE_FIELD, UNIQUE_MSG_QUERY_FLAG } from "./acl_signer.ts";
import { Permission } from "./permission.ts";
import { hostOf } from "./remote_address.ts";

export interface AccessRequest {
  readonly requestCode: number;
  /** Remote host without the port. */
  readonly remoteHost: string;
  readonly accessKey: string | undefined;
  readonly signature: string | undefined;
  readonly securityToken: string | undefined;
  /** Resource (topic or %RETRY%group) → needed permission; insertion order = Java's check order is a HashMap's, unordered. */
  readonly resourcePerms: ReadonlyMap<string, number>;
  /** The bytes the client must have signed. */
  readonly content: Uint8Array;
}

const skippedWhenVerifying: ReadonlySet<string> = new Set([SIGNATURE_FIELD, UNIQUE_MSG_QUERY_FLAG]);

export function retryTopicOf(group: string): string {
  return RETRY_GROUP_TOPIC_PREFIX + group;
}

export function isRetryTopic(topic: string | undefined): boolean {
  return topic !== undefined && topic.startsWith(RETRY_GROUP_TOPIC_PREFIX);
}

function required(extFields: Readonly<Record<string, string>>, field: string): string {
  const value = extFields[field];
  if (value === undefined) throw new AclException(`the custom field <${field}> is null`, AclThrowSite.parse);
  return value;
}

function addGroup(perms: Map<string, number>, group: string | undefined): void {
  if (group !== undefined) perms.set(retryTopicOf(group), Permission.SUB);
}

function addTopic(perms: Map<string, number>, topic: string | undefined, perm: number): void {
  if (topic !== undefined) perms.set(topic, perm);
}

function addSend(perms: Map<string, number>, topic: string | undefined, group: string | undefined): void {
  if (isRetryTopic(topic)) addGroup(perms, group);
  else addTopic(perms, topic, Permission.PUB);
}

/** HEART_BEAT: every consumer group and every subscription in the body. */
function addHeartbeat(perms: Map<string, number>, body: Uint8Array | undefined): void {
  let heartbeat;
  try {
    heartbeat = parseJsonBody(body, "HeartbeatData");
  } catch (error) {
    throw new AclException(error instanceof Error ? error.message : undefined, AclThrowSite.parse);
  }
  const consumers = heartbeat["consumerDataSet"];
  if (!Array.isArray(consumers)) return;
  for (const consumer of consumers as unknown[]) {
    if (typeof consumer !== "object" || consumer === null) continue;
    const record = consumer as Record<string, unknown>;
    if (typeof record["groupName"] === "string") addGroup(perms, record["groupName"]);
    const subscriptions = record["subscriptionDataSet"];
    if (!Array.isArray(subscriptions)) continue;
    for (const subscription of subscriptions as unknown[]) {
      const topic = typeof subscription === "object" && subscription !== null ? (subscription as Record<string, unknown>)["topic"] : undefined;
      if (typeof topic === "string") addTopic(perms, topic, Permission.SUB);
    }
  }
}

function resourcePermsOf(request: RemotingCommand): Map<string, number> {
  const fields = request.extFields;
  const perms = new Map<string, number>();
  switch (request.code) {
    case RequestCode.SEND_MESSAGE:
      addSend(perms, fields["topic"], fields["group"]);
      break;
    case RequestCode.SEND_MESSAGE_V2:
      addSend(perms, fields["b"], fields["a"]);
      break;
    case RequestCode.CONSUMER_SEND_MSG_BACK:
      addGroup(perms, fields["group"]);
      break;
    case RequestCode.PULL_MESSAGE:
      addTopic(perms, fields["topic"], Permission.SUB);
      addGroup(perms, fields["consumerGroup"]);
      break;
    case RequestCode.QUERY_MESSAGE:
      addTopic(perms, fields["topic"], Permission.SUB);
      break;
    case RequestCode.HEART_BEAT:
      addHeartbeat(perms, request.body);
      break;
    case RequestCode.UNREGISTER_CLIENT:
      required(fields, "clientID");
      addGroup(perms, fields["consumerGroup"]);
      break;
    case RequestCode.GET_CONSUMER_LIST_BY_GROUP:
      addGroup(perms, required(fields, "consumerGroup"));
      break;
    case RequestCode.UPDATE_CONSUMER_OFFSET:
      addGroup(perms, required(fields, "consumerGroup"));
      addTopic(perms, required(fields, "topic"), Permission.SUB);
      required(fields, "queueId");
      required(fields, "commitOffset");
      break;
    default:
      break;
  }
  return perms;
}

/** PlainAccessValidator.parse(request, remoteAddr). */
export function parseAccessRequest(request: RemotingCommand, remoteAddress: string): AccessRequest {
  const fields = request.extFields;
  return {
    requestCode: request.code,
    remoteHost: hostOf(remoteAddress),
    accessKey: fields[ACCESS_KEY_FIELD],
    signature: fields[SIGNATURE_FIELD],
    securityToken: fields[SECURITY_TOKEN_FIELD],
    resourcePerms: resourcePermsOf(request),
    content: combineRequestContent(fields, request.body, skippedWhenVerifying),
  };
}
