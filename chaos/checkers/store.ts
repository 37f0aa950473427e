// Store integrity, from the consume-queue audits in the StoreDigestEvents a deployer records
// after the run drains (chaos/deploy/sim/consume_queue_audit.ts; the sim deployer only). Every
// broker running at the end must have every consume-queue unit point at its own record: inside
// the broker's commit log, of the unit's size, topic, queue id and queue offset. RocketMQ 4.9.x
// keeps this through every crash and power loss (recovery cuts the units whose records the
// commit log lost). A unit that breaks it hands consumers of that queue offset another message,
// or none, and no delivery check sees it unless a consumer happens to pull that very offset.
// No audits (another deployer, or every broker down at the end): nothing to judge, said so.
import type { ConsumeQueueAudit, HistoryEvent, StoreDigestEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { plural } from "./evidence.ts";
import { indexHistory } from "./history_index.ts";

export type StoreFinding = ConsumeQueueAudit & { node: string };

export type StoreEvidence = { audited: number; findings: StoreFinding[] };

export function checkStore(history: readonly HistoryEvent[], _context: CheckContext): CheckResult {
  const latest = new Map<string, StoreDigestEvent>();
  for (const digest of indexHistory(history).digests) latest.set(digest.node, digest);
  const findings: StoreFinding[] = [];
  for (const digest of latest.values()) {
    const audit = digest.consumeQueueAudit;
    if (audit === undefined) continue;
    findings.push({ node: digest.node, ...audit });
  }
  const bad = findings.filter((finding) => finding.problemCount > 0);
  const units = findings.reduce((sum, finding) => sum + finding.units, 0);
  const first = bad[0];
  const summary = first !== undefined
    ? `${plural(bad.reduce((sum, finding) => sum + finding.problemCount, 0), "consume-queue unit")} on ${plural(bad.length, "broker")} ` +
      `not pointing at its own record; first on ${first.node}: ${first.problems[0] ?? "(not described)"}.`
    : findings.length === 0 ? "No consume-queue audit in this history (the deployer records none, or no broker ran at the end): nothing to judge."
      : `${plural(units, "consume-queue unit")} of ${plural(findings.length, "running broker")} audited: each points at its own record in its broker's commit log.`;
  const evidence: StoreEvidence = { audited: findings.length, findings };
  return { name: "store", verdict: bad.length > 0 ? "fail" : "pass", summary, evidence };
}
