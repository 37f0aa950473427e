// The messages clients handle: `Message` is what a producer sends (Java's Message: topic, tags,
// keys, user properties, body, delay level, waitStoreMsgOK, flag); `ClientMessageExt` is what a
// consumer receives (Java's MessageClientExt: msgId is the UNIQ_KEY when the producer set one,
// else the offset msgId; offsetMsgId always the broker's).
import type { MessageExt } from "../message/message_record.ts";
import { MessageConst } from "../message/message_const.ts";
import { MQClientError } from "./client_errors.ts";

export interface Message {
  topic: string;
  body: Uint8Array | string;
  tags?: string | undefined;
  /** One key, or several (stored space-separated in KEYS and indexed). */
  keys?: string | readonly string[] | undefined;
  /** User properties (must not use RocketMQ's reserved keys). */
  properties?: Readonly<Record<string, string>> | undefined;
  /** 1..18: deliver after messageDelayLevel[level-1]. */
  delayTimeLevel?: number | undefined;
  /** false = the broker replies without waiting for flush/replication (WAIT=false). Default true. */
  waitStoreMsgOK?: boolean | undefined;
  /** User int stored in the record's FLAG field. */
  flag?: number | undefined;
}

export interface ClientMessageExt extends MessageExt {
  /** UNIQ_KEY if present, else the offset msgId. */
  msgId: string;
  /** The broker's id: store host + commit-log offset. */
  offsetMsgId: string;
  /** Broker the message was pulled from. */
  brokerName: string;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export function bodyBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === "string" ? textEncoder.encode(body) : body;
}

export function bodyText(message: { body: Uint8Array }): string {
  return textDecoder.decode(message.body);
}

/** Reserved keys a user may not set directly (Java MessageConst.STRING_HASH_SET, abridged). */
const RESERVED = new Set<string>(Object.values(MessageConst).filter((key) => key !== " "));

/** The properties map Java's Message would carry, in Java's insertion order. */
export function messageProperties(message: Message): Map<string, string> {
  // Runs for every send: no Object.entries / spread / filter arrays on the way.
  const properties = new Map<string, string>();
  const user = message.properties;
  if (user !== undefined) {
    for (const key in user) {
      if (!Object.hasOwn(user, key)) continue;
      if (RESERVED.has(key)) throw new MQClientError(`The Property<${key}> is used by system, input another please`);
      properties.set(key, user[key]!);
    }
  }
  if (message.tags !== undefined && message.tags.length > 0) properties.set(MessageConst.TAGS, message.tags);
  const keyText = message.keys === undefined ? "" : typeof message.keys === "string" ? message.keys : joinKeys(message.keys);
  if (keyText.length > 0) properties.set(MessageConst.KEYS, keyText);
  if (message.delayTimeLevel !== undefined && message.delayTimeLevel > 0) {
    properties.set(MessageConst.DELAY_TIME_LEVEL, String(message.delayTimeLevel));
  }
  if (message.waitStoreMsgOK === false) properties.set(MessageConst.WAIT_STORE_MSG_OK, "false");
  return properties;
}

/** Non-empty keys joined by KEY_SEPARATOR (a space), as Java's setKeys(Collection). */
function joinKeys(keys: Iterable<string>): string {
  let text = "";
  for (const key of keys) {
    if (key.length === 0) continue;
    text = text.length === 0 ? key : text + MessageConst.KEY_SEPARATOR + key;
  }
  return text;
}

/** Turns a decoded record into what the consumer API hands out. */
export function toClientMessage(message: MessageExt, brokerName: string): ClientMessageExt {
  const uniq = message.properties.get(MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
  return { ...message, offsetMsgId: message.msgId, msgId: uniq ?? message.msgId, brokerName };
}
