// Key lookups: a message a broker stored can be found there by its key. When the run drains,
// each producer asks the master that acked each of its sends (up to 120 of them: an even spread
// plus its newest) for the message's key (QUERY_MESSAGE, as mqadmin queryMsgByKey;
// chaos/workload/key_lookup.ts records LookupEvents).
// RocketMQ answers from the broker's IndexFiles, which every dispatched message enters (its
// UNIQ_KEY and each KEYS entry) and which recovery rebuilds after a crash or a power loss.
//
// A miss fails only when the message is known to be in that master's store at the end:
// - it was delivered from a queue of that broker in its topic (so it was stored and dispatched
//   there; a message never delivered is the delivery check's business, lost or not);
// - the broker's master did not lose power after acknowledging it, unless that ack was a
//   SYNC_FLUSH master's SEND_OK (fsynced before the answer, so it survives). An ASYNC_FLUSH
//   master's unflushed tail, or a record a SYNC_FLUSH master answered with a non-OK status,
//   may be gone from the master with its index entries (the guarantee table's row), though a
//   consumer still reads it from the slave, also after the master restarts, until its route
//   and pulls move back to the master (seed 1 swarm run 167: delivered from broker-a-s 0.6 s
//   after broker-a's restart, gone from broker-a);
// - no forced clean emptied the master's disk (a disk-full fault whose final store digest shows
//   deleted commit-log files): 4.9.x deletes the oldest files with their index entries.
// A lookup that failed (no answer: the master down, a timeout) judges nothing and is counted.
// No lookups (a deployer or workload without them): nothing to judge, and the check says so.
import type { HistoryEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { BrokerFacts, CheckContext } from "./context.ts";
import { brokerOfQueue, masters } from "./context.ts";
import { capped, idsMax, plural } from "./evidence.ts";
import { forcedCleansOf, powerLossesOf } from "./guarantee.ts";
import { indexHistory } from "./history_index.ts";
import type { SendRecord } from "./history_index.ts";

export interface KeyLookupMiss {
  messageId: string;
  broker: string;
  /** When a consumer last started on it from that broker's queue. */
  deliveredMs: number;
}

export function checkKeyLookup(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const lookups = index.lookups;
  if (lookups.length === 0) {
    return { name: "key-lookup", verdict: "pass", summary: "No key lookups in this history: nothing to judge.", evidence: { lookups: 0 } };
  }
  const losses = powerLossesOf(index, context);
  const cleans = forcedCleansOf(index);
  const masterByBroker = new Map(masters(context.topology).map((broker) => [broker.brokerName, broker]));
  // Latest delivery start of each (message, broker) in the message's own topic.
  const deliveredAt = new Map<string, number>();
  for (const delivery of index.deliveries) {
    const key = `${delivery.messageId}\n${delivery.topic}\n${brokerOfQueue(delivery.queue)}`;
    const startMs = delivery.startMs ?? delivery.timeMs;
    if (startMs > (deliveredAt.get(key) ?? Number.NEGATIVE_INFINITY)) deliveredAt.set(key, startMs);
  }
  let answered = 0;
  let found = 0;
  let unanswered = 0;
  let excused = 0;
  const missed: KeyLookupMiss[] = [];
  const excusedReasons = new Map<string, number>();
  const excuse = (reason: string): void => {
    excused++;
    excusedReasons.set(reason, (excusedReasons.get(reason) ?? 0) + 1);
  };
  for (const lookup of lookups) {
    if (lookup.error !== undefined) {
      unanswered++;
      continue;
    }
    answered++;
    if (lookup.found) {
      found++;
      continue;
    }
    const delivered = deliveredAt.get(`${lookup.messageId}\n${lookup.topic}\n${lookup.broker}`);
    const why = excusedBecause(delivered, index.sendById.get(lookup.messageId), masterByBroker.get(lookup.broker), losses, cleans);
    if (typeof why === "string") excuse(why);
    else missed.push({ messageId: lookup.messageId, broker: lookup.broker, deliveredMs: why.deliveredMs });
  }
  const evidence = {
    lookups: lookups.length, answered, found, unanswered, excused,
    excusedReasons: Object.fromEntries(excusedReasons),
    missed: capped(missed, idsMax(context)),
  };
  const first = missed[0];
  const summary = first !== undefined
    ? `${plural(missed.length, "stored message")} not found by key on the master that stored it; first ${first.messageId} on ${first.broker} (delivered from it at ${first.deliveredMs} ms; no power loss of its master could have taken it).`
    : `${plural(answered, "key lookup")} answered: ${found} found, ${excused} excused (not known to be in the master's store at the end)` +
      `${unanswered > 0 ? `; ${unanswered} not answered` : ""}.`;
  return { name: "key-lookup", verdict: missed.length > 0 ? "fail" : "pass", summary, evidence };
}

/** Why a miss is allowed (a reason), or the delivery that says the message is in the store. */
function excusedBecause(
  deliveredMs: number | undefined,
  send: SendRecord | undefined,
  master: BrokerFacts | undefined,
  losses: ReturnType<typeof powerLossesOf>,
  cleans: ReturnType<typeof forcedCleansOf>,
): string | { deliveredMs: number } {
  if (deliveredMs === undefined) return "never delivered from that broker (the delivery check judges it)";
  if (master === undefined) return "no master of that broker in the topology";
  const ackedMs = send?.outcomeMs ?? Number.POSITIVE_INFINITY;
  const fsyncedBeforeAck = master.flushDiskType === "SYNC_FLUSH" && send?.sendStatus === "SEND_OK";
  const lostAfterAck = (losses.get(master.node) ?? []).some((loss) => loss.timeMs >= ackedMs);
  if (lostAfterAck && !fsyncedBeforeAck) return "its master lost power after acking it without an fsync";
  if ((cleans.get(master.node) ?? []).length > 0) return "a forced clean deleted commit-log files on its master";
  return { deliveredMs };
}
