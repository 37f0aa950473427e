// Deliberate faults for the lab: it must prove its checkers catch a broken broker. Every switch
// is off by default and only ever set by a test or a lab scenario (never from broker.conf).
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
export interface BrokerTestFaults {
  ackBeforeFlush?: boolean;
  dropEveryNthSend?: number;
  duplicatePullEveryNth?: number;
  skipCommitOffset?: boolean;
  writeBehindMs?: number;
}

export function anyFaultOn(faults: BrokerTestFaults): boolean {
  return faults.ackBeforeFlush === true || (faults.dropEveryNthSend ?? 0) > 0
    || (faults.duplicatePullEveryNth ?? 0) > 0 || faults.skipCommitOffset === true
    || (faults.writeBehindMs ?? 0) > 0;
}
