// Replica consistency, from the StoreDigestEvents a deployer records after the run drains
// (chaos/deploy/sim/store_digest.ts; only the sim deployer records them today). Per slave,
// against its master (same brokerName):
// - the slave's log [min, max) must equal the master's prefix at the slave's end
//   (master.prefixSha256[slave.max] === slave.sha256); a slave behind its master is still a
//   prefix (the lag is reported, not failed: the guarantee is the prefix);
// - a slave AHEAD of its master is RocketMQ 4.9.7's documented divergence when the master
//   lost power (its unflushed tail was gone, the slave had already copied it; 4.x has no
//   truncation of the slave on reconnect): reported as a note, not a failure, provided the
//   master's log is a prefix of the slave's (slave.prefixSha256[master.max] === master.sha256).
//   Ahead without a master power loss, or with different bytes, fails;
// - different bytes in the shared range after a master power loss are the same divergence one
//   step on (the restarted master reused the lost offsets; replication resumed past the
//   slave's end): a note naming where they first differ (1 MiB chunk digests). Without a
//   master power loss, different bytes fail;
// - logs with different minimum offsets (different retention) are not comparable: noted.
// No digest events: nothing to judge, and the check says so (it does not invent data).
import type { HistoryEvent, StoreDigestEvent } from "../history/types.ts";
import type { CheckResult } from "../result.ts";
import type { CheckContext } from "./context.ts";
import { plural } from "./evidence.ts";
import { indexHistory } from "./history_index.ts";

export type ReplicaFinding = {
  brokerName: string; master: string; slave: string;
  verdict: "prefix" | "behind" | "ahead-after-power-loss" | "diverged-after-power-loss" | "diverged" | "ahead-unexplained" | "not-comparable" | "no-master";
  masterMaxOffset: number | null; slaveMaxOffset: number; detail: string;
  /** Where the logs first differ, to chunk precision (when both digests carry chunk hashes). */
  firstDifferenceAt?: number;
};

export type ReplicaEvidence = { digests: number; findings: ReplicaFinding[]; notes: string[] };

const failing = new Set<ReplicaFinding["verdict"]>(["diverged", "ahead-unexplained"]);

export function checkReplica(history: readonly HistoryEvent[], context: CheckContext): CheckResult {
  const index = indexHistory(history);
  const latest = new Map<string, StoreDigestEvent>();
  for (const digest of index.digests) latest.set(digest.node, digest);
  const powerLost = new Set<string>();
  for (const event of index.nodes) if (event.event === "power-loss") powerLost.add(event.node);
  for (const event of index.nemesis) if (event.phase === "inject" && event.kind === "power-loss") powerLost.add(event.target);
  if (index.nodes.length === 0 && index.nemesis.length === 0) {
    for (const scheduled of context.faults) if (scheduled.fault.kind === "power-loss") powerLost.add(scheduled.fault.target);
  }
  const findings: ReplicaFinding[] = [];
  const digests = [...latest.values()];
  for (const slave of digests.filter((digest) => digest.role === "slave")) {
    const master = digests.find((digest) => digest.role === "master" && digest.brokerName === slave.brokerName);
    findings.push(judge(slave, master, powerLost));
  }
  const notes = findings.filter((finding) => !failing.has(finding.verdict) && finding.verdict !== "prefix").map((finding) => `${finding.slave}: ${finding.detail}`);
  const evidence: ReplicaEvidence = { digests: digests.length, findings, notes };
  const bad = findings.filter((finding) => failing.has(finding.verdict));
  const first = bad[0];
  const summary = first !== undefined
    ? `${plural(bad.length, "slave")} not a prefix of its master; first ${first.slave} vs ${first.master}: ${first.detail}.`
    : digests.length === 0 ? "No store digests in this history (the deployer records none): nothing to judge."
      : findings.length === 0 ? `${plural(digests.length, "store digest")}, no slave in this topology: nothing to compare.`
      : notes.length === 0 ? `${plural(findings.length, "slave")} compared: each a byte-identical prefix of its master.`
        : `${plural(findings.length, "slave")} compared, ${findings.length - notes.length} a byte-identical prefix of its master; notes: ${notes.join("; ")}.`;
  return { name: "replica", verdict: bad.length > 0 ? "fail" : "pass", summary, evidence };
}

/**
 * Different bytes in the shared range. After a master power loss this is still 4.9.7's
 * documented divergence, one step later: the slave kept the master's lost unflushed tail, the
 * restarted master wrote new records at those offsets, and replication resumed past the
 * slave's end without rewriting them. Without a master power loss it is a failure.
 */
function diverged(pair: Omit<ReplicaFinding, "verdict" | "detail">, slave: StoreDigestEvent, master: StoreDigestEvent, powerLost: ReadonlySet<string>): ReplicaFinding {
  const at = firstDifference(slave, master);
  const where = at === undefined ? `in [${slave.minPhysicalOffset}, ${Math.min(slave.maxPhysicalOffset, master.maxPhysicalOffset)})` : `from about offset ${at}`;
  const found: ReplicaFinding = powerLost.has(master.node)
    ? { ...pair, verdict: "diverged-after-power-loss", detail: `bytes differ ${where} after ${master.node}'s power loss: the slave kept the master's lost unflushed tail and the restarted master reused those offsets (RocketMQ 4.9.7's documented divergence; no truncation on reconnect)` }
    : { ...pair, verdict: "diverged", detail: `bytes differ from the master's ${where}, and ${master.node} never lost power` };
  if (at !== undefined) found.firstDifferenceAt = at;
  return found;
}

function firstDifference(slave: StoreDigestEvent, master: StoreDigestEvent): number | undefined {
  const size = slave.chunkSizeBytes;
  if (size === undefined || size !== master.chunkSizeBytes || slave.chunkSha256 === undefined || master.chunkSha256 === undefined) return undefined;
  const shared = Math.min(slave.maxPhysicalOffset, master.maxPhysicalOffset);
  for (let chunk = 0; chunk < slave.chunkSha256.length && chunk < master.chunkSha256.length; chunk++) {
    const end = slave.minPhysicalOffset + (chunk + 1) * size;
    // A partial last chunk of the shorter log is compared only via the prefix digests.
    if (end > shared) return slave.minPhysicalOffset + chunk * size;
    if (slave.chunkSha256[chunk] !== master.chunkSha256[chunk]) return slave.minPhysicalOffset + chunk * size;
  }
  return undefined;
}

function judge(slave: StoreDigestEvent, master: StoreDigestEvent | undefined, powerLost: ReadonlySet<string>): ReplicaFinding {
  const base = { brokerName: slave.brokerName, slave: slave.node, slaveMaxOffset: slave.maxPhysicalOffset };
  if (master === undefined) return { ...base, master: "–", masterMaxOffset: null, verdict: "no-master", detail: "no master digest to compare with" };
  const pair = { ...base, master: master.node, masterMaxOffset: master.maxPhysicalOffset };
  if (master.minPhysicalOffset !== slave.minPhysicalOffset) {
    return { ...pair, verdict: "not-comparable", detail: `different first offsets (master ${master.minPhysicalOffset}, slave ${slave.minPhysicalOffset}): retention differs` };
  }
  if (slave.maxPhysicalOffset <= master.maxPhysicalOffset) {
    const prefix = slave.maxPhysicalOffset === master.maxPhysicalOffset ? master.sha256 : master.prefixSha256?.[String(slave.maxPhysicalOffset)];
    if (prefix === undefined) return { ...pair, verdict: "not-comparable", detail: `the master's digest has no prefix at ${slave.maxPhysicalOffset}` };
    if (prefix !== slave.sha256) return diverged(pair, slave, master, powerLost);
    const lag = master.maxPhysicalOffset - slave.maxPhysicalOffset;
    return lag === 0 ? { ...pair, verdict: "prefix", detail: "identical" } : { ...pair, verdict: "behind", detail: `a prefix, ${lag} bytes behind the master` };
  }
  const masterPrefix = slave.prefixSha256?.[String(master.maxPhysicalOffset)];
  const ahead = slave.maxPhysicalOffset - master.maxPhysicalOffset;
  if (masterPrefix !== undefined && masterPrefix !== master.sha256) return diverged(pair, slave, master, powerLost);
  if (powerLost.has(master.node)) {
    return { ...pair, verdict: "ahead-after-power-loss", detail: `${ahead} bytes ahead of ${master.node}, which lost its unflushed tail to a power loss: RocketMQ 4.9.7's documented divergence (the slave is not truncated)` };
  }
  return { ...pair, verdict: "ahead-unexplained", detail: `${ahead} bytes ahead of ${master.node}, which never lost power` };
}
