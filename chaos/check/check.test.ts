// End to end in the simulator: a healthy broker passes a few generated runs; a deliberately
// broken one (write-behind acks) is caught, shrunk to at most two faults, written as a run
// directory that replays to the same verdict and traceHash; the fast-check seed and path
// reproduce the search.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import { readRunResult } from "../result.ts";
import { runScenario } from "../runner.ts";
import { readScenarioFile } from "../scenario_json.ts";
import fc from "fast-check";
import { runCheck, scheduleSource, type CheckOptions } from "./check.ts";
import { findProperty } from "./properties.ts";

const root = mkdtempSync(join(tmpdir(), "mqlab-check-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));

function options(overrides: Partial<CheckOptions> & { outName: string }): CheckOptions {
  const { outName, ...rest } = overrides;
  return {
    property: findProperty("no-acked-loss"), topology: "2m-noslave", runs: 4, seed: 1, shrinkRunsMax: 30,
    outDir: join(root, outName), command: "npx mqlab check no-acked-loss", ...rest,
  };
}

test("a healthy broker keeps every acked message through a few generated fault schedules", async () => {
  const report = await runCheck(options({ outName: "healthy", runs: 4 }));
  assert.equal(report.failed, false);
  assert.equal(report.runs, 4);
  assert.equal(report.counterexample, undefined);
});

test("a write-behind broker is caught, shrunk to ≤ 2 faults, and its run directory replays", async () => {
  const testFaults = { writeBehindMs: 500 };
  const events: string[] = [];
  const report = await runCheck(options({ outName: "broken", runs: 20, testFaults, onRun: (event) => events.push(`${event.phase}:${event.verdict}`) }));
  assert.equal(report.failed, true);
  const example = report.counterexample;
  assert.ok(example !== undefined);
  assert.ok(example.scenario.faults.length >= 1 && example.scenario.faults.length <= 2, `shrunk to ${example.scenario.faults.length} faults`);
  assert.ok(example.scenario.faults.length <= example.originalFaults.length);
  assert.ok(example.scenario.faults.some((scheduled) => ["crash", "power-loss"].includes(scheduled.fault.kind)));
  assert.equal(example.result.verdict, "fail");
  assert.equal(example.result.checks.find((check) => check.name === "delivery")?.verdict, "fail");
  assert.deepEqual(example.result.testFaults, testFaults);
  assert.ok(events.includes("search:fail") && events.some((event) => event.startsWith("shrink:")));
  // What `mqlab replay <dir>` does: the written scenario, the recorded seed, a fresh world.
  const original = readRunResult(example.outDir);
  assert.deepEqual(original.testFaults, testFaults);
  const replayed = await runScenario(readScenarioFile(example.outDir), { deployer: new SimDeployer(), seed: original.seed, outDir: join(example.outDir, "replay") });
  assert.equal(replayed.verdict, original.verdict);
  assert.equal(replayed.traceHash, original.traceHash);
  const record = JSON.parse(readFileSync(join(example.outDir, "check.json"), "utf8")) as { fastCheck: { path: string }; shrunkFaults: unknown[] };
  assert.equal(record.fastCheck.path, example.path);
  assert.deepEqual(record.shrunkFaults, example.scenario.faults);
  // The fast-check seed + path go straight to the shrunk case (one run, no new shrink).
  const again = await runCheck(options({ outName: "path", runs: 20, testFaults, path: example.path, shrinkRunsMax: 0 }));
  assert.equal(again.runs, 1);
  assert.deepEqual(again.counterexample?.scenario, example.scenario);
  assert.equal(again.counterexample?.result.traceHash, example.result.traceHash);
});

test("cases a precondition rejects are reported as skipped, never as runs or passes", async () => {
  const base = scheduleSource(findProperty("no-acked-loss"), "2m-noslave");
  let drawn = 0;
  // The first two cases fail an fc.pre in the source; fast-check draws another each time.
  const source = { ...base, scenarioOf: (checkCase: Parameters<typeof base.scenarioOf>[0]) => {
    fc.pre(++drawn > 2);
    return base.scenarioOf(checkCase);
  } };
  const events: string[] = [];
  const report = await runCheck(options({ outName: "skipped", runs: 1, source, onRun: (event) => events.push(`${event.phase}:${event.verdict}`) }));
  assert.equal(report.failed, false);
  assert.equal(report.skipped, 2);
  assert.equal(report.runs, 1, "only the judged case is a run");
  assert.deepEqual(events, ["search:skipped", "search:skipped", "search:pass"]);
});
