// A transaction check's re-put lost in a power loss (4.9.x, and mqlab, which does the same):
// every check round appends a copy of each half it checks (putBackHalfMsgQueue; the copy is
// built by renewHalfMessageInner with waitStoreMsgOK false, so the round never waits for its
// flush, even on SYNC_FLUSH), asks a producer about the copy, and moves the half queue's check
// progress (CID_RMQ_SYS_TRANS's offset) past the original. A power loss before the copy reached
// the disk takes the copy; when the progress had persisted past the original, the restarted
// master never checks that transaction again. An UNKNOW then stays unresolved, and a commit a
// producer answered for the lost copy finds no half for its END_TRANSACTION and is never
// delivered (battery seed 19 run 1447: a round at 15.0 s re-put seven UNKNOW halves onto a 1000x
// slow disk; broker-a lost power at 17 s; the rounds after its restart went on past them).
// So a transaction whose half went to a master that lost power is excused for those two findings
// when a round of that master could have re-put it inside the unwaited put's window before the
// loss (guarantee.ts unwaitedPutWindowOf), and no check reached a producer about it once the
// master served again:
// - a round re-puts a half only when its send began at least transactionTimeOut before the
//   round (its born time is no earlier) and its attempt had stored it;
// - on the simulator's clock with no slow disk on the master since the half was due, rounds run
//   at the master's (re)start + k x transactionCheckInterval and re-put within milliseconds, so a
//   round must fall inside the window; on a wall clock, or while a slow disk drags a round's
//   re-puts out, any round from the half's due time on may have re-put it late enough;
// - an undelivered commit is excused only when a check answered it at or after the window's
//   start (a commit decided earlier, or locally, is the delivery checker's and this one's to judge).
// The history has no half offset or re-put time, so this is the widest the evidence allows and
// no wider: a healthy SYNC_FLUSH master's window is two fsyncs.
import type { TransactionEvent } from "../history/types.ts";
import type { BrokerFacts, CheckContext } from "./context.ts";
import { formatMs } from "./evidence.ts";
import type { PowerLoss } from "./guarantee.ts";
import { powerLossesOf, unwaitedPutWindowOf } from "./guarantee.ts";
import type { HistoryIndex } from "./history_index.ts";

/** 4.9.x defaults, used when the scenario does not override them. */
const defaultTimeoutMs = 6_000;
const defaultCheckIntervalMs = 60_000;
/** On the simulator's clock: a round's time against its node's start event, and its re-puts' spread. */
const virtualRoundSlackMs = 50;

/** Why a transaction's missing resolution or delivery is excused by a lost check re-put, or undefined. */
export type ReputLossExcuse = (messageId: string, why: string) => string | undefined;

interface Settings {
  timeoutMs: number;
  intervalMs: number;
  virtual: boolean;
}

export function reputLossExcuse(index: HistoryIndex, context: CheckContext): ReputLossExcuse {
  const losses = powerLossesOf(index, context);
  if (losses.size === 0) return () => undefined;
  const settings: Settings = {
    timeoutMs: positive(context.brokerConfig?.transactionTimeOut, defaultTimeoutMs),
    intervalMs: positive(context.brokerConfig?.transactionCheckInterval, defaultCheckIntervalMs),
    virtual: context.options?.clock === "virtual",
  };
  const checks = new Map<string, TransactionEvent[]>();
  for (const event of index.events) {
    if (event.type !== "transaction" || event.phase !== "check") continue;
    checks.set(event.messageId, [...checks.get(event.messageId) ?? [], event]);
  }
  return (messageId, why) => {
    const send = index.sendById.get(messageId);
    const stored = send === undefined ? undefined : index.okAttemptByOp.get(send.opId);
    if (send === undefined || stored === undefined) return undefined;
    const master = context.topology.brokers.find((broker) => broker.brokerName === stored.broker && broker.role !== "SLAVE");
    if (master === undefined) return undefined;
    const dueMs = Math.max(send.invokeMs + settings.timeoutMs, stored.timeMs);
    const own = checks.get(messageId) ?? [];
    for (const loss of losses.get(master.node) ?? []) {
      const excuse = excuseFor(index, master, loss, dueMs, own, why, settings);
      if (excuse !== undefined) return excuse;
    }
    return undefined;
  };
}

function excuseFor(
  index: HistoryIndex, master: BrokerFacts, loss: PowerLoss, dueMs: number, checks: readonly TransactionEvent[], why: string, settings: Settings,
): string | undefined {
  if (dueMs > loss.timeMs) return undefined;
  // Checked again once the master served again: the loss did not strand it.
  if (loss.restartMs !== undefined && checks.some((check) => check.timeMs >= loss.restartMs!)) return undefined;
  const window = unwaitedPutWindowOf(master, loss);
  const windowStartMs = loss.timeMs - window.windowMs;
  if (why === "committed but never delivered") {
    const decided = checks.some((check) => check.decision === "commit" && check.timeMs >= windowStartMs - (settings.virtual ? virtualRoundSlackMs : 0));
    if (!decided) return undefined;
  } else if (why !== "UNKNOW never resolved by a check") {
    return undefined;
  }
  const dragged = (loss.slowDisks ?? []).some((slow) => slow.injectMs <= loss.timeMs && (slow.healMs === undefined || slow.healMs > dueMs));
  let roundText = `a round from ${formatMs(dueMs)} on (its due time) may have re-put it`;
  if (settings.virtual && !dragged) {
    const roundMs = roundInside(index, master.node, loss.timeMs, Math.max(windowStartMs, dueMs), settings.intervalMs);
    if (roundMs === undefined) return undefined;
    roundText = `its round at ${formatMs(roundMs)} may have re-put it`;
  }
  const windowText = window.slowFactor === undefined
    ? `its ${formatMs(window.windowMs)} window for a put that does not wait for its flush (${master.flushDiskType})`
    : `its ${formatMs(window.windowMs)} window for a put that does not wait for its flush (${master.flushDiskType}, a ${window.slowFactor}x slow disk)`;
  return `half on ${master.brokerName}; ${roundText} inside ${windowText} before ${master.node}'s power loss at ${formatMs(loss.timeMs)}, ` +
    "and no check came after the restart: 4.9.x's check re-puts a half without waiting for its flush and moves its progress past the original " +
    "(putBackHalfMsgQueue), so a lost re-put leaves the transaction unchecked";
}

/** The first check round at or after `fromMs` (and by `lossMs`) of `node`, counted from its last (re)start; undefined when none. */
function roundInside(index: HistoryIndex, node: string, lossMs: number, fromMs: number, intervalMs: number): number | undefined {
  const started = index.nodes.filter((event) => event.node === node && event.timeMs <= lossMs && (event.event === "start" || event.event === "restart")).at(-1);
  if (started === undefined) return undefined;
  const rounds = Math.max(1, Math.ceil((fromMs - virtualRoundSlackMs - started.timeMs) / intervalMs));
  const roundMs = started.timeMs + rounds * intervalMs;
  return roundMs <= lossMs + virtualRoundSlackMs ? roundMs : undefined;
}

function positive(value: string | undefined, fallback: number): number {
  const parsed = Number(value ?? fallback);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
}
