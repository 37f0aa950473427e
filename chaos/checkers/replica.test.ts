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
  assert.match(failed.summary, /broker-a-s vs broker-a: bytes \[0, 80\) differ/);
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
