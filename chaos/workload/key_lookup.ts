// Looks the messages a producer stored up by their keys when the run drains, as a user would with
// mqadmin queryMsgByKey: QUERY_MESSAGE (topic, key) on the master of the broker that acked the
// send, answered from that broker's IndexFiles. Each answer is a LookupEvent (found or not); a
// query that fails (the master unreachable, a timeout) is recorded with its error and not judged.
// The key checker (chaos/checkers/key_lookup.ts) decides which misses are failures.
// Only the broker that stored the message is asked: a slave's index is not what mqadmin reads,
// and asking every master would double the queries without judging anything more.
import type { Env } from "../../system/env/index.ts";
import { AdminClient } from "../../system/client/index.ts";
import { MASTER_ID } from "../../system/protocol/index.ts";
import type { HistoryRecorder } from "../history/types.ts";
import { describeError } from "./outcome.ts";

/** A message a send acknowledged: its key (the workload's messageId) and the broker that stored it. */
export interface StoredMessage {
  messageId: string;
  topic: string;
  brokerName: string;
}

export interface KeyLookupContext {
  env: Env;
  recorder: HistoryRecorder;
  process: string;
  namesrvAddr: string;
  credentials: { accessKey?: string; secretKey?: string };
  runTimeMs(): number;
}

/**
 * Lookups per producer: a suite run acks thousands of messages and a query per message cost a
 * third of its wall time. Beyond the cap the producer asks for an even spread of its messages
 * plus its newest ones (the keys a lost index write or an unpersisted slot would drop first).
 */
export const lookupsPerProducerMax = 120;
const newestAlwaysLookedUp = 30;

/** Which stored messages to look up: all up to the cap, else an even spread plus the newest. */
export function lookupSample<T>(stored: readonly T[], max = lookupsPerProducerMax, newest = newestAlwaysLookedUp): T[] {
  if (stored.length <= max) return [...stored];
  const head = stored.length - newest;
  const spread = max - newest;
  const picked: T[] = [];
  for (let index = 0; index < spread; index++) picked.push(stored[Math.floor((index * head) / spread)]!);
  return [...picked, ...stored.slice(head)];
}

/** Queries in flight at once (a drain-time read; the run is quiet by then). */
const lookupsInFlight = 8;
/** RocketMQ's mqadmin default: a key names one message here, its retried copies a few more. */
const maxNumPerQuery = 64;

export async function lookUpStoredMessages(context: KeyLookupContext, acked: readonly StoredMessage[]): Promise<void> {
  const stored = lookupSample(acked);
  if (stored.length === 0) return;
  const { env, recorder, process } = context;
  const admin = new AdminClient(env, { namesrvAddr: context.namesrvAddr, instanceName: `${process}-lookup`, ...context.credentials });
  admin.start();
  try {
    const masterByTopicBroker = new Map<string, string | undefined>();
    const routedTopics = new Set<string>();
    for (const topic of new Set(stored.map((message) => message.topic))) {
      try {
        const route = await admin.topicRoute(topic);
        routedTopics.add(topic);
        for (const broker of route.brokerDatas) masterByTopicBroker.set(`${topic}\n${broker.brokerName}`, broker.brokerAddrs.get(MASTER_ID));
      } catch (error) {
        recorder.record({ type: "note", timeMs: context.runTimeMs(), process, text: `key lookups of ${topic} skipped: no route (${describeError(error)})` });
      }
    }
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < stored.length) {
        const message = stored[next++]!;
        if (!routedTopics.has(message.topic)) continue;
        const addr = masterByTopicBroker.get(`${message.topic}\n${message.brokerName}`);
        const base = { type: "lookup", timeMs: 0, process, messageId: message.messageId, topic: message.topic, broker: message.brokerName } as const;
        if (addr === undefined) {
          recorder.record({ ...base, timeMs: context.runTimeMs(), found: false, error: "no master of the broker in the topic's route" });
          continue;
        }
        try {
          const found = await queryKey(admin, addr, message);
          recorder.record({ ...base, timeMs: context.runTimeMs(), found });
        } catch (error) {
          recorder.record({ ...base, timeMs: context.runTimeMs(), found: false, error: describeError(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(lookupsInFlight, stored.length) }, lane));
  } finally {
    admin.shutdown();
  }
}

/** QUERY_MESSAGE on one broker: does its answer hold a message of the topic with this key? */
async function queryKey(admin: AdminClient, addr: string, message: StoredMessage): Promise<boolean> {
  const found = await admin.queryMsgByKey(message.topic, message.messageId, { brokerAddr: addr, maxNum: maxNumPerQuery, inflateBody: false });
  return found.length > 0;
}
