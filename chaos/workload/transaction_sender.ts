// Transactional sends for the workload producer (issue 16). The "application database" is the
// message itself: the planned decision travels in the user property MQLAB_TX, so any producer
// of the group — the one that sent it or another after a crash — answers a check the same way.
// Decisions are drawn per message from its id (deterministic): COMMIT, ROLLBACK, or UNKNOW whose
// check answer is commit or rollback. History: the send invoke as usual; the outcome is ok for
// a local COMMIT, fail for a local ROLLBACK, unknown for UNKNOW (decided later); one
// TransactionEvent per local decision and per check answered.
import type { Env } from "../../system/env/index.ts";
import { TransactionProducer } from "../../system/client/index.ts";
import type { LocalTransactionState, TransactionMessage, ProducerOptions, Message } from "../../system/client/index.ts";
import type { HistoryRecorder, SendInvoke, TransactionEvent } from "../history/types.ts";
import type { ProducerSpec } from "../scenario.ts";
import { orderKeyHash } from "./message_identity.ts";

export const TX_PROPERTY = "MQLAB_TX";
export type PlannedDecision = "commit" | "rollback" | "unknown-commit" | "unknown-rollback";

/** The decision planned for a message, from its id (a stable hash: same id, same decision). */
export function plannedDecision(messageId: string, spec: NonNullable<ProducerSpec["transactional"]>): PlannedDecision {
  const draw = orderKeyHash(`tx:${messageId}`) % 100;
  if (draw < spec.rollbackPercent) return "rollback";
  if (draw < spec.rollbackPercent + spec.unknownPercent) return orderKeyHash(`check:${messageId}`) % 2 === 0 ? "unknown-commit" : "unknown-rollback";
  return "commit";
}

function localState(decision: PlannedDecision): LocalTransactionState {
  if (decision === "commit") return "COMMIT_MESSAGE";
  if (decision === "rollback") return "ROLLBACK_MESSAGE";
  return "UNKNOW";
}

function checkState(decision: PlannedDecision | undefined): LocalTransactionState {
  if (decision === "commit" || decision === "unknown-commit") return "COMMIT_MESSAGE";
  if (decision === "rollback" || decision === "unknown-rollback") return "ROLLBACK_MESSAGE";
  return "UNKNOW";
}

function decisionOf(state: LocalTransactionState): TransactionEvent["decision"] {
  return state === "COMMIT_MESSAGE" ? "commit" : state === "ROLLBACK_MESSAGE" ? "rollback" : "unknown";
}

export interface TransactionSenderDeps {
  env: Env;
  node: string;
  spec: NonNullable<ProducerSpec["transactional"]>;
  recorder: HistoryRecorder;
  runTimeMs: () => number;
}

/** A TransactionProducer whose listener records decisions; the rest of its options as given. */
export function createTransactionProducer(deps: TransactionSenderDeps, options: ProducerOptions): TransactionProducer {
  const record = (message: TransactionMessage, phase: TransactionEvent["phase"], state: LocalTransactionState): void => {
    const messageId = message.properties.get("KEYS")?.split(" ")[0] ?? message.transactionId;
    deps.recorder.record({ type: "transaction", timeMs: deps.runTimeMs(), process: deps.node, messageId, phase, decision: decisionOf(state) });
  };
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => deps.env.timers.setTimeout(resolve, ms));
  return new TransactionProducer(deps.env, {
    ...options,
    transactionListener: {
      executeLocalTransaction: async (message) => {
        if ((deps.spec.localTransactionMs ?? 0) > 0) await sleep(deps.spec.localTransactionMs!);
        const state = localState((message.properties.get(TX_PROPERTY) ?? "commit") as PlannedDecision);
        record(message, "local", state);
        return state;
      },
      checkLocalTransaction: (message) => {
        const state = checkState(message.properties.get(TX_PROPERTY) as PlannedDecision | undefined);
        record(message, "check", state);
        return state;
      },
    },
  });
}

/** Sends one planned message in a transaction and records its outcome. */
export async function sendInTransaction(
  producer: TransactionProducer, deps: TransactionSenderDeps, invoke: SendInvoke, message: Message, onError: (error: unknown) => void,
): Promise<void> {
  const decision = plannedDecision(invoke.messageId, deps.spec);
  const base = { op: "send" as const, opId: invoke.opId, process: deps.node, messageId: invoke.messageId };
  try {
    const result = await producer.sendMessageInTransaction({ ...message, properties: { ...message.properties, [TX_PROPERTY]: decision } });
    const timeMs = deps.runTimeMs();
    if (result.localTransactionState === "COMMIT_MESSAGE") deps.recorder.record({ type: "ok", ...base, timeMs, sendStatus: result.sendStatus });
    else if (result.localTransactionState === "ROLLBACK_MESSAGE") deps.recorder.record({ type: "fail", ...base, timeMs, error: `transaction rolled back (${result.sendStatus})` });
    else deps.recorder.record({ type: "unknown", ...base, timeMs, error: "transaction UNKNOW: decided by the broker's check" });
  } catch (error) {
    onError(error);
  }
}
