// A forward clock skew on a master stalls its transaction checks (4.9.x, and mqlab, which
// does the same): TransactionalMessageServiceImpl.check stops scanning the half queue at the
// first half whose storeTimestamp is at or after the round's start ("fresh stored"). Halves
// stored while the broker's clock ran S ms ahead carry timestamps S ms in the future, so after
// the skew heals every round stops at them until the broker's clock passes them: until
// heal + S. Every half behind them (renewed by a check, or stored later) waits too. A committed
// message whose END_TRANSACTION was lost, or an UNKNOW one, is then resolved only by a round
// after heal + S, and delivered a little later.
// So a transaction whose half sits on such a broker may be unresolved, and its commit
// undelivered, at the run's end when the end comes before heal + S + transactionCheckInterval
// + settleMs. The allowance is that wide and no wider: after it, an unresolved half is a
// failure again. The half's broker is the one its send's last successful attempt went to.
import type { ScheduledFault } from "../faults/types.ts";
import type { CheckContext } from "./context.ts";
import { formatMs } from "./evidence.ts";
import type { HistoryIndex } from "./history_index.ts";
import { runEndMs } from "./history_index.ts";

/** 4.9.x's transactionCheckInterval default, used when the scenario does not override it. */
const defaultCheckIntervalMs = 60_000;
/** Room after the first unstalled check round for END_TRANSACTION and a consumer's pull. */
const settleMs = 5_000;

export interface CheckStall {
  brokerName: string;
  node: string;
  skewedFromMs: number;
  /** The skew's heal; null: it never healed. */
  skewedUntilMs: number | null;
  offsetMs: number;
  /** When a check round could next pass the skewed halves, plus a round and settleMs; null: never. */
  excusedUntilMs: number | null;
}

/** Why a transaction's missing resolution is excused by a check stall, or undefined. */
export type StallExcuse = (messageId: string) => string | undefined;

/** The check stalls of a run: forward clock skews on master brokers (from the history's nemesis events). */
export function transactionCheckStalls(index: HistoryIndex, context: CheckContext): CheckStall[] {
  const checkIntervalMs = Number(context.brokerConfig?.transactionCheckInterval ?? defaultCheckIntervalMs);
  const roundMs = Number.isFinite(checkIntervalMs) && checkIntervalMs > 0 ? checkIntervalMs : defaultCheckIntervalMs;
  const stalls: CheckStall[] = [];
  for (const inject of index.nemesis) {
    if (inject.phase !== "inject" || inject.kind !== "clock-skew") continue;
    const fault: ScheduledFault["fault"] | undefined = context.faults[inject.faultIndex]?.fault;
    if (fault?.kind !== "clock-skew" || fault.offsetMs <= 0) continue;
    const broker = context.topology.brokers.find((each) => each.node === fault.target && each.role !== "SLAVE");
    if (broker === undefined) continue;
    const heal = index.nemesis.find((other) => other.phase === "heal" && other.faultIndex === inject.faultIndex && other.timeMs >= inject.timeMs);
    const skewedUntilMs = heal?.timeMs ?? null;
    stalls.push({
      brokerName: broker.brokerName, node: broker.node, skewedFromMs: inject.timeMs, skewedUntilMs, offsetMs: fault.offsetMs,
      excusedUntilMs: skewedUntilMs === null ? null : skewedUntilMs + fault.offsetMs + roundMs + settleMs,
    });
  }
  return stalls;
}

/**
 * The excuse for a transactional message (one with a TransactionEvent) left unresolved or
 * undelivered at the run's end: its half sat on a broker whose checks were still stalled (or
 * had just resumed) by a forward clock skew; undefined for any other message.
 */
export function stallExcuse(index: HistoryIndex, context: CheckContext): StallExcuse {
  const stalls = transactionCheckStalls(index, context);
  if (stalls.length === 0) return () => undefined;
  const endMs = runEndMs(index, context.endMs);
  const transactional = new Set<string>();
  for (const event of index.events) if (event.type === "transaction") transactional.add(event.messageId);
  return (messageId) => {
    const send = transactional.has(messageId) ? index.sendById.get(messageId) : undefined;
    const brokerName = send === undefined ? undefined : index.okAttemptByOp.get(send.opId)?.broker;
    if (brokerName === undefined) return undefined;
    const stall = stalls.find((each) => each.brokerName === brokerName && each.skewedFromMs < endMs && (each.excusedUntilMs === null || each.excusedUntilMs > endMs));
    if (stall === undefined) return undefined;
    const healed = stall.skewedUntilMs === null ? "never healed" : `healed at ${formatMs(stall.skewedUntilMs)}`;
    const passed = stall.skewedUntilMs === null ? "never" : `at ${formatMs(stall.skewedUntilMs + stall.offsetMs)}`;
    return `half on ${brokerName}, whose checks stall behind halves stored during a +${formatMs(stall.offsetMs)} clock skew on ${stall.node} ` +
      `(from ${formatMs(stall.skewedFromMs)}, ${healed}) until its clock passes them (${passed}); the run ended at ${formatMs(endMs)}` +
      (stall.excusedUntilMs === null ? "" : `, before one more check round and ${formatMs(settleMs)} to deliver (${formatMs(stall.excusedUntilMs)})`);
  };
}
