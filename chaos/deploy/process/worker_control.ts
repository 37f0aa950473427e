// The process deployer's acl-secret fault on a workload worker: the command goes down the
// worker's stdin (chaos/deploy/worker_commands.ts) and the worker answers once its clients sign
// with the new secret, so the fault's time in the history is when the swap happened. Heal sends
// the command without a key: the worker signs with its own secret again. What did not apply is
// a note, as the sim deployer notes it ("acl-secret skipped: ..."), never a silent no-op.
import type { AclSecretOutcome, WorkerProcess } from "../wall_cluster/worker_process.ts";
import type { NodeLedger } from "../wall_cluster/node_ledger.ts";

/** How long a running worker may take to answer (it only swaps a key; its loop may be busy). */
export const aclSecretAnswerTimeoutMs = 10_000;

/** The note an acl-secret command leaves in the history (what the run's reader sees). */
export function aclSecretNote(outcome: AclSecretOutcome | "no-such-worker", restored: boolean): string {
  switch (outcome) {
    case "applied":
      return restored ? "ACL secret restored" : "ACL secret replaced";
    case "queued-while-paused":
      return `ACL secret ${restored ? "restored" : "replaced"} once the paused worker resumes`;
    case "unsupported":
      return "acl-secret skipped: the worker's workload module cannot change its secret";
    case "not-running":
    case "no-such-worker":
      return "acl-secret skipped: not a running workload client";
    default: {
      const unreachable: never = outcome;
      throw new Error(`no note for acl-secret outcome ${String(unreachable)}`);
    }
  }
}

/** Swaps (secretKey) or restores (undefined) the signing secret of the worker named `node`. */
export async function swapAclSecret(worker: WorkerProcess | undefined, node: string, secretKey: string | undefined, ledger: NodeLedger): Promise<void> {
  const outcome = worker === undefined ? "no-such-worker" : await worker.setAclSecret(secretKey, aclSecretAnswerTimeoutMs);
  ledger.note(node, aclSecretNote(outcome, secretKey === undefined));
}
