import { test } from "node:test";
import assert from "node:assert/strict";
import type { StoreDigestEvent } from "../history/types.ts";
import type { ReplicaEvidence } from "./replica.ts";
import { checkReplica } from "./replica.ts";
import { HistoryBuilder, testContext, topologyFacts } from "./testing/history_builder.ts";

const context = testContext({ topology: topologyFacts("2m-2s-sync") });
const digest = (node: string, role: "master" | "slave", max: number, sha256: string, prefix?: Record<string, string>): StoreDigestEvent => ({
  type: "store-digest", timeMs: 1, node, brokerName: node.replace(/-s$/, ""), role, minPhysicalOffset: 0, maxPhysicalOffset: max, sha256,
  ...(prefix === undefined ? {} : { prefixSha256: prefix }),
});
const verdicts = (evidence: unknown): string[] => (evidence as ReplicaEvidence).findings.map((finding) => `${finding.slave}:${finding.verdict}`);

test("identical and lagging-prefix slaves pass; a slave with other bytes fails", () => {
  const good = new HistoryBuilder().raw(digest("broker-a", "master", 100, "A100", { 80: "A80" })).raw(digest("broker-a-s", "slave", 80, "A80"))
    .raw(digest("broker-b", "master", 50, "B50")).raw(digest("broker-b-s", "slave", 50, "B50")).build();
  const result = checkReplica(good, context);
  assert.equal(result.verdict, "pass", result.summary);
  assert.deepEqual(verdicts(result.evidence), ["broker-a-s:behind", "broker-b-s:prefix"]);
  const bad = new HistoryBuilder().raw(digest("broker-a", "master", 100, "A100", { 80: "A80" })).raw(digest("broker-a-s", "slave", 80, "X80")).build();
  const failed = checkReplica(bad, context);
  assert.equal(failed.verdict, "fail");
  assert.match(failed.summary, /broker-a-s vs broker-a: bytes differ from the master's in \[0, 80\), and broker-a never lost power/);
});

test("different bytes after a master power loss: the divergence one step on, a note naming where it starts", () => {
  const chunked = (node: string, role: "master" | "slave", max: number, sha: string, chunks: string[], prefix?: Record<string, string>): StoreDigestEvent =>
    ({ ...digest(node, role, max, sha, prefix), chunkSha256: chunks, chunkSizeBytes: 10 });
  const events = new HistoryBuilder().fault(5, 6, "power-loss", "broker-a")
    .raw(chunked("broker-a", "master", 40, "M40", ["c0", "c1", "m2", "m3"], { 30: "M30" }))
    .raw(chunked("broker-a-s", "slave", 30, "S30", ["c0", "c1", "s2"])).build();
  const result = checkReplica(events, context);
  assert.equal(result.verdict, "pass", result.summary);
  const finding = (result.evidence as ReplicaEvidence).findings[0];
  assert.deepEqual([finding?.verdict, finding?.firstDifferenceAt], ["diverged-after-power-loss", 20]);
  assert.match(result.summary, /from about offset 20 after broker-a's power loss/);
});

test("a slave ahead of a master that lost power is the documented divergence (a note); without the power loss it fails", () => {
  const ahead = (): HistoryBuilder => new HistoryBuilder().raw(digest("broker-a", "master", 60, "A60")).raw(digest("broker-a-s", "slave", 100, "S100", { 60: "A60" }));
  const noted = checkReplica(ahead().fault(10, 20, "power-loss", "broker-a").build(), context);
  assert.equal(noted.verdict, "pass");
  assert.deepEqual(verdicts(noted.evidence), ["broker-a-s:ahead-after-power-loss"]);
  assert.match(noted.summary, /4\.9\.7's documented divergence/);
  assert.equal(checkReplica(ahead().build(), context).verdict, "fail");
});

test("no digests: nothing to judge", () => {
  const result = checkReplica(new HistoryBuilder().sends("m-", 1).build(), context);
  assert.equal(result.verdict, "pass");
  assert.match(result.summary, /nothing to judge/);
});
