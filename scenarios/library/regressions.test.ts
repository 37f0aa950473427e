// Every kept regression passes with the seed that found it, and still walks the path that failed
// (so a later change cannot make the test pass by no longer reaching the bug).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimDeployer } from "../../chaos/deploy/sim/sim_deployer.ts";
import { parseHistoryJsonl } from "../../chaos/history/types.ts";
import { runScenario } from "../../chaos/runner.ts";
import { allScenarios } from "../index.ts";
import type { DeliveryEvidence } from "../../chaos/checkers/delivery.ts";
import type { OrderEvidence } from "../../chaos/checkers/order.ts";
import type { RunResult } from "../../chaos/result.ts";
import { regressions } from "./regressions.ts";

test("every regression is a library scenario", () => {
  const names = new Set(allScenarios().map((scenario) => scenario.name));
  for (const { scenario } of regressions()) assert.ok(names.has(scenario.name), scenario.name);
});

/** Runs a regression at its seed: every check must pass, then `body` asserts the path it guards is still taken. */
async function runRegression(name: string, body: (outDir: string, result: RunResult & { probes: { hits: Record<string, number> } }) => void): Promise<void> {
  const regression = regressions().find((candidate) => candidate.scenario.name === name);
  assert.ok(regression, name);
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-regression-"));
  try {
    const result = await runScenario(regression.scenario, { deployer: new SimDeployer(), seed: regression.seed, outDir });
    const failed = result.checks.filter((check) => check.verdict !== "pass").map((check) => `${check.name}: ${check.summary}`);
    assert.equal(result.verdict, "pass", result.error ?? failed.join("; "));
    assert.ok(result.probes?.collected === true, "the sim collects probes");
    body(outDir, { ...result, probes: result.probes });
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

test("regression/1m/offset-illegal-stale-rewind passes with seed 918837493: messages at reused offsets arrive late, after a stale rewind", () =>
  runRegression("regression/1m/offset-illegal-stale-rewind", (outDir, result) => {
    assert.ok((result.probes.hits["client.pull.offset-illegal"] ?? 0) > 0, "a pull still comes back OFFSET_ILLEGAL");
    const order = result.checks.find((check) => check.name === "order");
    assert.ok(((order?.evidence as OrderEvidence | undefined)?.reusedOffsetsNotJudged ?? 0) > 0, "the rewind still delivers reused offsets late");
    const rewound = parseHistoryJsonl(readFileSync(join(outDir, "history.jsonl"), "utf8"))
      .some((event) => event.type === "deliver" && event.queue === "broker-a:1" && event.queueOffset === 0 && event.timeMs > 23_000);
    assert.ok(rewound, "broker-a:1 went back to offset 0 after the stale fix");
  }));

test("regression/1m/offset-illegal-queue-moves passes with seed 918837493, after an OFFSET_ILLEGAL removal outside a rebalance round", () =>
  runRegression("regression/1m/offset-illegal-queue-moves", (outDir, result) => {
    assert.ok((result.probes.hits["client.pull.offset-illegal"] ?? 0) > 0, "a pull still comes back OFFSET_ILLEGAL");
    // The path that failed: consumer-GroupTest-5's queue leaves its table 10 s after the
    // OFFSET_ILLEGAL, between rebalance rounds, and the next round gives it nothing.
    const snapshots = parseHistoryJsonl(readFileSync(join(outDir, "history.jsonl"), "utf8"))
      .flatMap((event) => (event.type === "rebalance" && event.process === "consumer-GroupTest-5" && event.topic === "TopicTest" ? [event] : []));
    assert.ok(snapshots.some((event) => event.queues.length > 0), "consumer-GroupTest-5 held a queue");
    assert.deepEqual(snapshots.at(-1)?.queues, [], "and holds none at the end");
  }));

test("regression/1m/restart-on-full-disk-keeps-queue-offsets passes with seed 1978810121: no acked message lost after a restart on a full disk", () =>
  runRegression("regression/1m/restart-on-full-disk-keeps-queue-offsets", (_outDir, result) => {
    assert.equal(result.counts.lost, 0);
    // The path that failed: recovery's re-dispatch stopped on ENOSPC and offsets came from the log.
    assert.ok((result.probes.hits["store.recovery.offsets-from-log"] ?? 0) > 0, "recovery still meets a full disk");
  }));

test("regression/2m-2s-async/segment-create-failed-keeps-filler passes with seed 116126889: the slave stays a prefix of its crashed master", () =>
  runRegression("regression/2m-2s-async/segment-create-failed-keeps-filler", (_outDir, result) => {
    // The path that failed: a segment closed by its filler, the next one refused, then a crash.
    assert.ok((result.probes.hits["store.segment.create-failed"] ?? 0) > 0, "a segment still cannot be created");
    assert.ok((result.probes.hits["store.recovery.abnormal"] ?? 0) > 0, "broker-b still crashes and recovers");
    assert.equal(result.probes.hits["store.consume-queue.gap"], undefined, "the slave's queues have no gap");
    const replica = result.checks.find((check) => check.name === "replica");
    assert.match(replica?.summary ?? "", /2 slaves compared: each a byte-identical prefix of its master/);
  }));

test("regression/2m-noslave/ordered-send-overlaps-route-lookup passes with seed 310160854: a key's sends in flight together are not judged for order", () =>
  runRegression("regression/2m-noslave/ordered-send-overlaps-route-lookup", (outDir) => {
    const history = parseHistoryJsonl(readFileSync(join(outDir, "history.jsonl"), "utf8"));
    // The first path: a selector send's route lookup spent the whole timeout, so it failed unsent.
    assert.ok(history.some((event) => event.type === "fail" && /sendSelectImpl call timeout/.test(event.error ?? "")), "a lookup still spends a send's timeout");
    // The second: a key's seq delivered after a larger seq of its key sent while it was in flight
    // (this walk relies on concurrent first lookups spreading over both NameServers).
    const invokes = new Map(history.flatMap((event) => (event.type === "invoke" ? [[event.messageId, event] as const] : [])));
    const acked = new Map(history.flatMap((event) => (event.type === "ok" ? [[event.messageId, event.timeMs] as const] : [])));
    const delivered: { key: string; seq: number; invokeMs: number }[] = [];
    let overtakenInFlight = 0;
    for (const event of history) {
      if (event.type !== "deliver" || event.result !== "success" || event.reconsumeTimes !== 0) continue;
      const invoke = invokes.get(event.messageId);
      const ackedMs = acked.get(event.messageId);
      if (invoke?.orderKey === undefined || invoke.orderSeq === undefined || ackedMs === undefined) continue;
      const seq = invoke.orderSeq;
      if (delivered.some((earlier) => earlier.key === invoke.orderKey && earlier.seq > seq && earlier.invokeMs < ackedMs)) overtakenInFlight++;
      delivered.push({ key: invoke.orderKey, seq, invokeMs: invoke.timeMs });
    }
    assert.ok(overtakenInFlight > 0, "a key's seq is still overtaken by a later seq sent while it was in flight");
  }));

test("regression/2m-noslave/retry-resend-lost-in-power-loss passes with seed 1173166144: the client's re-send to %RETRY% is recorded and its loss judged where it was stored", () =>
  runRegression("regression/2m-noslave/retry-resend-lost-in-power-loss", (outDir, result) => {
    assert.ok((result.probes.hits["client.consume.send-back-failed"] ?? 0) > 0, "a send-back is still refused");
    const history = parseHistoryJsonl(readFileSync(join(outDir, "history.jsonl"), "utf8"));
    // The path that failed: the re-sent copy of wp4601.411 went to broker-b, which lost power before it came back.
    const resend = history.find((event) => event.type === "retry-resend" && event.messageId === "producer-1.wp4601.411");
    assert.ok(resend?.type === "retry-resend", "the re-send of producer-1.wp4601.411 is recorded");
    assert.deepEqual([resend.group, resend.fromQueue, resend.fromQueueOffset, resend.queue.split(":")[0], resend.sendStatus],
      ["GroupTest", "broker-a:7", 10, "broker-b", "SEND_OK"]);
    assert.ok(resend.startMs <= resend.timeMs);
    assert.ok(history.some((event) => event.type === "node" && event.node === "broker-b" && event.event === "power-loss" && event.timeMs > resend.timeMs),
      "broker-b still loses power after the re-send");
    const delivery = result.checks.find((check) => check.name === "delivery");
    const allowed = (delivery?.evidence as DeliveryEvidence | undefined)?.allowedLoss.items.find((item) => item.id === "producer-1.wp4601.411");
    assert.match(allowed?.mechanism ?? "", /client re-send to the retry topic/);
  }));
