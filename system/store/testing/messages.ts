// Message builders for store tests.

import type { MessageExtBrokerInner } from "../../message/index.ts";

export function makeMessage(options: {
  topic?: string; queueId?: number; body?: Uint8Array | string; tags?: string; keys?: string; uniqKey?: string;
  properties?: Record<string, string>; bornTimestamp?: number;
} = {}): MessageExtBrokerInner {
  const properties = new Map<string, string>(Object.entries(options.properties ?? {}));
  if (options.tags !== undefined) properties.set("TAGS", options.tags);
  if (options.keys !== undefined) properties.set("KEYS", options.keys);
  if (options.uniqKey !== undefined) properties.set("UNIQ_KEY", options.uniqKey);
  const body = typeof options.body === "string" ? new TextEncoder().encode(options.body) : (options.body ?? new Uint8Array([1, 2, 3]));
  return {
    topic: options.topic ?? "TopicTest", queueId: options.queueId ?? 0, flag: 0, body, properties, sysFlag: 0,
    bornTimestamp: options.bornTimestamp ?? 1_700_000_000_000, bornHost: "10.0.0.9:50000", storeHost: "10.0.0.1:10911",
    reconsumeTimes: 0, preparedTransactionOffset: 0,
  };
}
