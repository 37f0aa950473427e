// A forced clean on a full disk deletes half messages (4.9.x, and mqlab, which does the same):
// a half message and every copy the check renews (putBackHalfMsgQueue) are ordinary records in
// the commit log under RMQ_SYS_TRANS_HALF_TOPIC. Above diskSpaceCleanForciblyRatio with
// cleanFileForciblyEnable, CleanCommitLogService deletes the oldest commit-log files whether or
// not anything still needs them (guarantee.ts allowance (c)). The half queue's consume queue
// then starts past them, the next check round reads OFFSET_TOO_SMALL at its committed half
// offset and moves on to the new minimum ("Illegal offset" in TransactionalMessageServiceImpl.
// check), so a transaction whose latest half copy sat in a deleted file is never checked again:
// an UNKNOW stays unresolved, and a commit whose END_TRANSACTION did not get through (or whose
// real message was deleted too) is never delivered.
// So a transaction whose half went to a master that had a disk-full fault, stored before that
// fault healed, and whose final store digest shows deleted commit-log files
// (minPhysicalOffset > 0), is excused for those two findings, and nothing else: a half stored
// after the heal, on another broker, or on a broker whose store kept all its files is judged as
// before. The half's broker is the one its send's last successful attempt went to. The history
// carries no commit-log offset of the half or its copies, so, like allowance (c), the window is
// the disk-full fault's, not the deleted files' exact range.
import type { CheckContext } from "./context.ts";
import { formatMs } from "./evidence.ts";
import { forcedCleansOf } from "./guarantee.ts";
import type { HistoryIndex } from "./history_index.ts";

/** Why a transaction's missing resolution or delivery is excused by a forced clean, or undefined. */
export type ForcedCleanExcuse = (messageId: string) => string | undefined;

/**
 * The excuse for a transactional message (one with a TransactionEvent) left unresolved or
 * undelivered: its half was stored on a master, before a disk-full fault there healed, whose
 * store later showed deleted commit-log files; undefined for any other message.
 */
export function forcedCleanExcuse(index: HistoryIndex, context: CheckContext): ForcedCleanExcuse {
  const cleans = forcedCleansOf(index);
  if (cleans.size === 0) return () => undefined;
  const transactional = new Set<string>();
  for (const event of index.events) if (event.type === "transaction") transactional.add(event.messageId);
  return (messageId) => {
    const send = transactional.has(messageId) ? index.sendById.get(messageId) : undefined;
    const stored = send === undefined ? undefined : index.okAttemptByOp.get(send.opId);
    const half = stored === undefined ? undefined : { brokerName: stored.broker, storedMs: stored.timeMs };
    if (half === undefined) return undefined;
    const master = context.topology.brokers.find((broker) => broker.brokerName === half.brokerName && broker.role !== "SLAVE");
    if (master === undefined) return undefined;
    const clean = (cleans.get(master.node) ?? []).find((each) => each.healMs === undefined || half.storedMs <= each.healMs);
    if (clean === undefined) return undefined;
    const healed = clean.healMs === undefined ? "never healed" : `healed at ${formatMs(clean.healMs)}`;
    return `half stored on ${half.brokerName} at ${formatMs(half.storedMs)}; ${master.node}'s disk filled at ${formatMs(clean.injectMs)} (${healed}) ` +
      `and its store later began at commit-log offset ${clean.minPhysicalOffset}: a forced clean (4.9.x CleanCommitLogService, ` +
      "cleanFileForciblyEnable) deleted commit-log files, and with them the half messages in them, so no later check round could find it";
  };
}
