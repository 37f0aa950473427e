// The issue-16 scenarios in the simulator: transactions pass the delivery and transactions
// checkers with commits, rollbacks, check-resolved UNKNOWs and a producer crash; system-busy
// shows SYSTEM_BUSY [TIMEOUT_CLEAN_QUEUE] failures (not retried by the 4.9.x producer) and loses
// nothing acked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimDeployer } from "../../chaos/deploy/sim/sim_deployer.ts";
import type { HistoryEvent } from "../../chaos/history/types.ts";
import { parseHistoryJsonl } from "../../chaos/history/types.ts";
import { runScenario } from "../../chaos/runner.ts";
import type { Scenario } from "../../chaos/scenario.ts";
import type { RunResult } from "../../chaos/result.ts";
import { systemBusyScenario, transactionScenario } from "./transactions.ts";

async function run(scenario: Scenario): Promise<{ result: RunResult; history: HistoryEvent[] }> {
  const outDir = mkdtempSync(join(tmpdir(), "mqlab-issue16-"));
  try {
    const result = await runScenario(scenario, { deployer: new SimDeployer(), seed: 1, outDir });
    return { result, history: parseHistoryJsonl(readFileSync(join(outDir, "history.jsonl"), "utf8")) };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

test("1m/transactions: commits delivered, rollbacks never, UNKNOWs resolved by checks, across a producer crash", async () => {
  const { result, history } = await run(transactionScenario());
  const failed = result.checks.filter((check) => check.verdict !== "pass").map((check) => `${check.name}: ${check.summary}`);
  assert.equal(result.verdict, "pass", result.error ?? failed.join("; "));
  const tx = history.filter((event) => event.type === "transaction");
  const decisions = new Set(tx.map((event) => `${event.phase}:${event.decision}`));
  for (const expected of ["local:commit", "local:rollback", "local:unknown", "check:commit", "check:rollback"]) assert.ok(decisions.has(expected), `saw ${expected}`);
  const checkedBy = new Set(tx.filter((event) => event.phase === "check").map((event) => event.process));
  assert.ok(checkedBy.has("producer-2"), "producer-2 answers checks");
  const summary = result.checks.find((check) => check.name === "transactions")!.summary;
  assert.match(summary, /resolved by a check/);
});

test("2m-noslave/system-busy: broker-a answers SYSTEM_BUSY, the producer does not retry it, nothing acked is lost", async () => {
  const { result, history } = await run(systemBusyScenario());
  const failed = result.checks.filter((check) => check.verdict !== "pass").map((check) => `${check.name}: ${check.summary}`);
  assert.equal(result.verdict, "pass", result.error ?? failed.join("; "));
  const busy = history.filter((event) => event.type === "fail" && /TIMEOUT_CLEAN_QUEUE/.test(event.error ?? ""));
  assert.ok(busy.length > 0, "some sends got [TIMEOUT_CLEAN_QUEUE]");
  const busyAttempts = history.filter((event) => event.type === "attempt" && event.responseCode === 2);
  assert.ok(busyAttempts.every((event) => event.type === "attempt" && event.broker === "broker-a"), "only broker-a is busy");
  assert.equal(result.counts.lost, 0);
});
