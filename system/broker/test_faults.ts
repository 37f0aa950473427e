// Deliberate faults for the lab: it must prove its checkers catch a broken broker. Every switch
// is off by default and only ever set by a test or a lab scenario (never from broker.conf: the
// switches are not config keys, and a broker.conf line naming one is an unknown key). The type
// gathers every role's switches (the name is historical): the NameServer's
// (system/namesrv/test_faults.ts) and replication's (system/ha/test_faults.ts) too; the sim
// deployer hands the scenario's set to every node, each reads its own.
//
// - ackBeforeFlush: answer SEND with SUCCESS before the store has written/flushed the message
//   (the store write still happens); a crash right after the ack loses acked messages.
// - dropEveryNthSend: acknowledge but never store every Nth message (0 = off): silent loss.
// - duplicatePullEveryNth: return every Nth non-empty pull twice by not advancing
//   nextBeginOffset (0 = off): duplicates.
// - skipCommitOffset: ignore consumer offset commits: redelivery after rebalance/restart.
// - writeBehindMs: acknowledge a send at once and hand it to the store only this many ms later
//   (0 = off), a write-behind buffer in the broker's memory. Invisible while the broker lives;
//   a crash or power loss in between loses acked messages no consumer could have seen, so
//   catching it takes a fault (the lab's `mqlab check no-acked-loss --broken` demo).
//
// Issue 11's switches, each the kind of bug one checker exists for:
// - lockGrantEveryone: LOCK_BATCH_MQ answers every requested queue as locked, whoever holds it
//   (the lock table is still updated): two orderly consumers can process one queue at once
//   during a rebalance (orderly exclusivity).
// - retryWithoutDelay: CONSUMER_SEND_MSG_BACK stores the retry in %RETRY%<group> without its
//   delay level, so a failed message comes back at once instead of after 10 s, 30 s, ... (retry).
// - dlqOffByOne: a message moves to %DLQ%<group> only when reconsumeTimes > maxReconsumeTimes
//   instead of ≥: one redelivery too many before the DLQ (retry / DLQ).
// - delayIgnored: SEND_MESSAGE drops a message's delayTimeLevel, so a delayed message is
//   delivered at once (delay).
// - lastOffsetFromZero: QUERY_CONSUMER_OFFSET answers 0 for a group with no stored offset even
//   when the queue is no longer young (min offset > 0, or offset 0 no longer in memory), so a
//   new CONSUME_FROM_LAST_OFFSET group replays the whole queue (late joiners).
// - sqlFilterIgnored: PULL_MESSAGE skips SQL92 evaluation, so a SQL92 group gets every message
//   of its topic (sql-filter).
// - namesrvKeepsClosedBroker, slaveCorruptsReplica, syncMasterAcksEarly: see the NameServer and
//   HA files named above.
import type { HATestFaults } from "../ha/test_faults.ts";
import type { NamesrvTestFaults } from "../namesrv/test_faults.ts";

export interface BrokerTestFaults extends HATestFaults, NamesrvTestFaults {
  ackBeforeFlush?: boolean;
  dropEveryNthSend?: number;
  duplicatePullEveryNth?: number;
  skipCommitOffset?: boolean;
  writeBehindMs?: number;
  lockGrantEveryone?: boolean;
  retryWithoutDelay?: boolean;
  dlqOffByOne?: boolean;
  delayIgnored?: boolean;
  lastOffsetFromZero?: boolean;
  sqlFilterIgnored?: boolean;
}

/** True when any switch is on (a flag set, or a count/interval above 0). */
export function anyFaultOn(faults: BrokerTestFaults): boolean {
  return Object.values(faults).some((value) => value === true || (typeof value === "number" && value > 0));
}
