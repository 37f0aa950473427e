// The battery's contract: run i depends on (seed, i) only (same seed → same run list, a budget
// only cuts it), junit.xml and battery.json describe what ran, a deliberately broken broker is
// caught with exit 1 and a run directory whose replay gives the same traceHash, and CLI misuse
// is one line and exit 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import { readRunResult } from "../result.ts";
import { runScenario } from "../runner.ts";
import { readScenarioFile } from "../scenario_json.ts";
import { probeCatalog } from "../../system/env/index.ts";
import { renderBatteryText } from "./battery_command.ts";
import type { ProbeAggregate } from "../probes.ts";
import { runBattery, shrinkReserveMs, swarmTotals } from "./battery.ts";
import { batteryProperties, runPlan, runSeed } from "./swarm_run.ts";
import type { BatterySummary, SwarmRunRecord } from "../swarm/battery_summary.ts";
import { renderBatteryHtml } from "../../reports/battery.ts";
import { swarmFaultKinds } from "../swarm/faults.ts";
import { swarmCaseArbitrary, swarmFaultWeights } from "../swarm/swarm_case.ts";
import fc from "fast-check";
import { findProperty } from "../check/properties.ts";

const root = mkdtempSync(join(tmpdir(), "mqlab-battery-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));

test("run i is a function of (seed, i): properties cycle, seeds differ per run and per battery seed", () => {
  const plans = Array.from({ length: 40 }, (_, index) => runPlan(1, index));
  assert.deepEqual(plans, Array.from({ length: 40 }, (_, index) => runPlan(1, index)));
  // The covering pass: run i focuses fault kind i, under a property that may draw it.
  assert.deepEqual(plans.slice(0, swarmFaultKinds.length).map((plan) => plan.focus), [...swarmFaultKinds]);
  for (const plan of plans.slice(0, swarmFaultKinds.length)) assert.ok(swarmFaultWeights(findProperty(plan.property))[plan.focus!] !== undefined, `${plan.property} cannot draw ${plan.focus}`);
  // Each covering case draws its focus kind first (on a master where the plan says so).
  for (const plan of plans.slice(0, swarmFaultKinds.length)) {
    for (const swarmCase of fc.sample(swarmCaseArbitrary(findProperty(plan.property), plan.focus, plan.focusRole), { numRuns: 3, seed: plan.fastCheckSeed })) {
      assert.equal(swarmCase.draws[0]?.kind, plan.focus);
      if (plan.focusRole !== undefined) assert.equal(swarmCase.draws[0]?.role, plan.focusRole);
    }
  }
  // Then the properties cycle with free draws.
  const after = plans.slice(swarmFaultKinds.length);
  assert.ok(after.every((plan) => plan.focus === undefined));
  assert.deepEqual(after.map((plan) => plan.property), after.map((_, offset) => batteryProperties[(swarmFaultKinds.length + offset) % batteryProperties.length]));
  assert.equal(new Set(plans.map((plan) => plan.fastCheckSeed)).size, plans.length);
  assert.notEqual(runSeed(1, 0), runSeed(2, 0));
  for (const plan of plans) assert.ok(Number.isSafeInteger(plan.fastCheckSeed) && plan.fastCheckSeed > 0 && plan.fastCheckSeed <= 0x7fff_ffff);
  assert.equal(shrinkReserveMs(300_000), 60_000);
  assert.equal(shrinkReserveMs(300_000, 24, 2_000), 52_000);
  assert.equal(shrinkReserveMs(300_000, 24, 20_000), 150_000);
});

function brief(summary: BatterySummary): unknown[] {
  return summary.runs.map((run) => [run.index, run.property, run.fastCheckSeed, run.worldSeed, run.topology, run.config, run.faultKinds, run.verdict, run.traceHash]);
}

test("same seed, same runs: two batteries agree run for run (on one thread or three), and junit.xml / battery.json say what ran", async () => {
  // Too few runs to reach the required probes: that verdict has its own test below.
  const options = { budgetMs: 600_000, seed: 5, deployer: "sim", suite: false, runsMax: 4, requiredProbes: [] };
  const first = await runBattery({ ...options, outDir: join(root, "a") });
  const lines: string[] = [];
  const second = await runBattery({ ...options, outDir: join(root, "b"), threads: 3, onLine: (text) => lines.push(text) });
  assert.equal(first.runs.length, 4);
  assert.deepEqual(brief(first), brief(second));
  assert.deepEqual(second.distribution, first.distribution);
  assert.deepEqual(second.probes, first.probes);
  // Accepted in index order, whichever thread finished first.
  assert.deepEqual(lines.map((text) => /^\[swarm (\d+)\]/.exec(text)?.[1]), ["1", "2", "3", "4"]);
  assert.equal(first.stoppedBy, "runs");
  assert.equal(first.exitCode, 0);
  assert.equal(first.distribution.runs, 4);
  const junit = readFileSync(join(root, "a", "junit.xml"), "utf8");
  assert.match(junit, /<testsuite name="battery.swarm" tests="4" failures="0" errors="0"/);
  for (const run of first.runs) assert.ok(junit.includes(`--seed ${run.fastCheckSeed}`), "each testcase carries its reproduce command");
  const json = JSON.parse(readFileSync(join(root, "a", "battery.json"), "utf8")) as BatterySummary;
  assert.deepEqual(brief(json), brief(first));
  assert.match(readFileSync(join(root, "a", "battery.html"), "utf8"), /What the swarm visited \(4 runs\)/);
  // A budget already spent runs nothing: it cuts the list, it never changes a run.
  let clockMs = 0;
  const spent = await runBattery({ ...options, runsMax: 5, budgetMs: 1_000, outDir: join(root, "c"), nowMs: () => (clockMs += 2_000) });
  assert.equal(spent.runs.length, 0);
  assert.equal(spent.stoppedBy, "budget");
});

test("a broken broker (drops every 5th send) fails with exit 1, on two threads as on one; the printed replay gives the same traceHash", async () => {
  const options = {
    budgetMs: 600_000, seed: 1, deployer: "sim", suite: false, runsMax: 4, shrinkRunsMax: 1,
    testFaults: { dropEveryNthSend: 5 }, brokenText: "dropEveryNthSend=5", requiredProbes: [],
  };
  const summary = await runBattery({ ...options, outDir: join(root, "broken") });
  assert.equal(summary.exitCode, 1);
  assert.equal(summary.verdict, "fail");
  assert.equal(summary.stoppedBy, "failure");
  const failure = summary.failure;
  assert.ok(failure !== undefined && failure.phase === "swarm");
  // Two threads: the other thread's later runs are dropped, the same run fails and shrinks alike.
  const threaded = await runBattery({ ...options, outDir: join(root, "broken-threaded"), threads: 2 });
  assert.deepEqual(brief(threaded), brief(summary));
  assert.equal(summary.runs.at(-1)?.index, failure.runIndex, "the search stops at the first failure");
  assert.equal(threaded.failures.length, 1);
  assert.equal(threaded.failure?.runIndex, failure.runIndex);
  assert.equal(threaded.failure?.result.traceHash, failure.result.traceHash);
  assert.equal(threaded.stoppedBy, "failure");
  assert.match(failure.replay, /^npx mqlab replay /);
  assert.match(failure.reproduce ?? "", /npx mqlab check \S+ --swarm --runs 1 --broken dropEveryNthSend=5 --seed \d+ --path /);
  const recorded = readRunResult(failure.outDir);
  const replayed = await runScenario(readScenarioFile(failure.outDir), { deployer: new SimDeployer(), seed: recorded.seed, outDir: join(failure.outDir, "replay") });
  assert.equal(replayed.verdict, "fail");
  assert.equal(replayed.traceHash, recorded.traceHash);
  assert.match(readFileSync(join(root, "broken", "junit.xml"), "utf8"), /<testsuite name="battery.shrunk" tests="1" failures="1"/);
});

test("every run passes but a required probe out of the battery's reach fails it (exit 1), naming the probe", async () => {
  // One calm-or-not swarm run cannot hit every probe of the catalog (ENOSPC, HA divergence,
  // DLQ, ... each needs its own fault or mix): require them all, and the battery names the misses.
  const summary = await runBattery({
    budgetMs: 600_000, seed: 3, deployer: "sim", suite: false, runsMax: 1, outDir: join(root, "probes"),
    requiredProbes: probeCatalog.map((spec) => spec.name),
  });
  assert.equal(summary.failure, undefined, "the run itself passed");
  assert.equal(summary.runs[0]?.verdict, "pass");
  assert.equal(summary.exitCode, 1);
  assert.equal(summary.verdict, "fail");
  const coverage = JSON.parse(readFileSync(join(root, "probes", "coverage.json"), "utf8")) as ProbeAggregate;
  assert.equal(coverage.runsCollected, 1);
  assert.ok(coverage.hit.length > 0, "the run hit some probes");
  const expectedMissing = probeCatalog.map((spec) => spec.name).filter((name) => !coverage.hit.includes(name));
  assert.ok(expectedMissing.length > 0);
  assert.deepEqual(summary.probes.missingRequired, expectedMissing);
  assert.equal(summary.probes.requiredHit, coverage.hit.length);
  const text = renderBatteryText(summary);
  for (const name of expectedMissing) assert.ok(text.includes(`mqlab: required code probe not hit: ${name}\n`), name);
  assert.match(text, /^FAIL {2}battery seed 3: every run passed, but \d+ required code probe\(s\) were not hit/m);
  assert.match(readFileSync(join(root, "probes", "battery.html"), "utf8"), /Required code probes not hit: /);
  // The same run with only the probes it hit required passes.
  const hitOnly = await runBattery({
    budgetMs: 600_000, seed: 3, deployer: "sim", suite: false, runsMax: 1, outDir: join(root, "probes-hit"), requiredProbes: coverage.hit,
  });
  assert.equal(hitOnly.exitCode, 0);
});

test("cases skipped by a precondition are counted apart: not runs, not passes, and the summary says so", async () => {
  const record = (index: number, verdict: SwarmRunRecord["verdict"], skipped: number): SwarmRunRecord => ({
    index, property: "all", fastCheckSeed: index + 1, topology: "1m", verdict, skipped, failedChecks: verdict === "pass" ? [] : ["rebalance"],
    wallMs: 1000, description: "d", config: {}, faultKinds: [], reproduce: "r",
  });
  const totals = swarmTotals([record(0, "pass", 0), record(1, "pass", 3), record(2, "fail", 1)], 60_000, 120_000);
  assert.deepEqual(totals, { runs: 3, passed: 2, skipped: 4, wallMs: 60_000, runsPerMinute: 3, simulatedSecondsPerWallSecond: 2 });
  const summary = await runBattery({ budgetMs: 600_000, seed: 5, deployer: "sim", suite: false, runsMax: 1, requiredProbes: [], outDir: join(root, "skips") });
  assert.equal(summary.swarm.skipped, 0, "the swarm sources have no precondition today");
  assert.equal(summary.runs[0]?.skipped, 0);
  const shown = { ...summary, swarm: { ...summary.swarm, skipped: 4 } };
  assert.match(renderBatteryText(shown), /^swarm: 1 run\(s\), 1 passed, 4 case\(s\) skipped by a precondition, /m);
  assert.match(renderBatteryHtml(shown), /cases skipped by a fast-check precondition \(neither run nor passed\): 4/);
  assert.equal((JSON.parse(readFileSync(join(root, "skips", "battery.json"), "utf8")) as BatterySummary).swarm.skipped, 0);
});

test("CLI misuse is one line on stderr and exit 2", () => {
  const cases: [string[], RegExp][] = [
    [["battery"], /--budget <seconds> is required/],
    [["battery", "--budget", "ten"], /--budget wants a positive integer/],
    [["battery", "--budget", "10", "--broken", "nope"], /unknown --broken switch "nope"/],
    [["battery", "--budget", "10", "--deployer", "process"], /only sim is supported/],
    [["battery", "--budget", "10", "--frobnicate"], /unknown option '--frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const run = spawnSync(process.execPath, ["--import", "tsx", "chaos/cli/mqlab.ts", ...args], { encoding: "utf8" });
    assert.equal(run.status, 2, `${args.join(" ")}: exit ${String(run.status)} ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trim().split("\n").length, 1, `${args.join(" ")}: ${run.stderr}`);
  }
});
