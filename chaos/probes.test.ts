// Probe coverage: aggregation over runs (first hitter, counts, not-collected runs), the required
// probe verdict (a run set missing one required probe fails naming it, in the API and in
// `mqlab coverage`), and a real simulated broker crash whose result.json lists the recovery
// probes it must have taken, the same ones on a second run of the same seed — and without the
// crash in its schedule, the recovery probes are reported missing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { requiredProbeNames, type ProbeName } from "../system/env/index.ts";
import { findScenario } from "../scenarios/index.ts";
import { SimDeployer } from "./deploy/sim/sim_deployer.ts";
import { aggregateProbes, checkRequiredProbes, readProbeRuns, renderProbeText, type ProbeRun } from "./probes.ts";
import { emptyCounts, writeRunResult, type ProbeHits, type RunResult } from "./result.ts";
import { runScenario } from "./runner.ts";
import { probeTableHtml } from "../reports/probes_html.ts";
import { writeRunReport } from "../reports/run_dir.ts";

function fakeResult(scenario: string, seed: number, probes: RunResult["probes"]): RunResult {
  return {
    scenario, topology: "1m", deployer: "sim", seed, verdict: "pass", checks: [], counts: emptyCounts(), faults: [],
    intervals: {} as RunResult["intervals"], wallMs: 1, replay: `npx mqlab run ${scenario} --seed ${seed}`, brokerConfig: {},
    startedAt: "2026-01-01T00:00:00.000Z", ...(probes === undefined ? {} : { probes }),
  };
}

function hitsOf(names: readonly ProbeName[], count = 1): ProbeHits {
  return Object.fromEntries(names.map((name) => [name, count]));
}

test("aggregation sums hits, counts runs, and names the first run to hit each probe", () => {
  const runs: ProbeRun[] = [
    { result: fakeResult("a", 1, { collected: true, hits: { "store.recovery.abnormal": 2 } }), dir: "/runs/a" },
    { result: fakeResult("b", 2, { collected: true, hits: { "store.recovery.abnormal": 3, "ha.slave.reconnect": 1 } }) },
    { result: fakeResult("c", 3, { collected: false, reason: "the process deployer does not collect code probes" }) },
  ];
  const aggregate = aggregateProbes(runs);
  const row = aggregate.rows.find((candidate) => candidate.name === "store.recovery.abnormal")!;
  assert.equal(row.hits, 5);
  assert.equal(row.runs, 2);
  assert.deepEqual(row.first, { scenario: "a", seed: 1, replay: "npx mqlab run a --seed 1", dir: "/runs/a" });
  assert.equal(aggregate.rows.find((candidate) => candidate.name === "ha.slave.reconnect")!.first?.scenario, "b");
  assert.equal(aggregate.runsCollected, 2);
  assert.deepEqual(aggregate.notCollected.map((run) => run.scenario), ["c"]);
  assert.deepEqual(aggregate.hit, ["store.recovery.abnormal", "ha.slave.reconnect"]);
});

test("a run set that misses one required probe fails naming exactly that probe", () => {
  const dropped = requiredProbeNames[requiredProbeNames.length - 1]!;
  const hits = hitsOf(requiredProbeNames.filter((name) => name !== dropped));
  assert.deepEqual(checkRequiredProbes(Object.keys(hits)), [dropped]);
  const aggregate = aggregateProbes([{ result: fakeResult("s", 1, { collected: true, hits }) }]);
  assert.deepEqual(aggregate.missingRequired, [dropped]);
  assert.match(renderProbeText(aggregate), new RegExp(`REQUIRED PROBE NOT HIT: ${dropped.replaceAll(".", "\\.")}`));
  assert.match(probeTableHtml(aggregate), /REQUIRED PROBES MISSED/);
  const complete = aggregateProbes([{ result: fakeResult("s", 1, { collected: true, hits: hitsOf(requiredProbeNames) }) }]);
  assert.deepEqual(complete.missingRequired, []);
  // Nothing collected: nothing to judge (and the report says so), rather than "all missed".
  const none = aggregateProbes([{ result: fakeResult("p", 1, { collected: false, reason: "not collected here" }) }]);
  assert.deepEqual(none.missingRequired, []);
  assert.match(probeTableHtml(none), /NOT COLLECTED/);
});

test("`mqlab coverage` finds results recursively and exits 1 naming a missed required probe", () => {
  const root = mkdtempSync(join(tmpdir(), "mqlab-coverage-"));
  try {
    const dropped = requiredProbeNames[0]!;
    const rest = requiredProbeNames.filter((name) => name !== dropped);
    mkdirSync(join(root, "suite", "x"), { recursive: true });
    writeRunResult(join(root, "suite", "x", "one"), fakeResult("one", 1, { collected: true, hits: hitsOf(rest.slice(0, 5)) }));
    writeRunResult(join(root, "two"), fakeResult("two", 1, { collected: true, hits: hitsOf(rest.slice(5)) }));
    assert.equal(readProbeRuns([root]).length, 2);
    const cli = (args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, ["--import", "tsx", "chaos/cli/mqlab.ts", "coverage", ...args], { encoding: "utf8" });
    const failed = cli([root, "--html", join(root, "html")]);
    assert.equal(failed.status, 1, String(failed.stderr));
    assert.match(String(failed.stderr), new RegExp(`required code probe not hit: ${dropped.replaceAll(".", "\\.")}\\n`));
    assert.doesNotMatch(String(failed.stderr), new RegExp(rest[0]!.replaceAll(".", "\\.")));
    assert.match(readFileSync(join(root, "html", "coverage.html"), "utf8"), /REQUIRED PROBES MISSED/);
    writeRunResult(join(root, "three"), fakeResult("three", 1, { collected: true, hits: hitsOf([dropped]) }));
    const passed = cli([root]);
    assert.equal(passed.status, 0, String(passed.stderr));
    writeFileSync(join(root, "three", "result.json"), "{");
    assert.equal(cli([root]).status, 2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a simulated broker crash lists the recovery probes it took in result.json, deterministically", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-probes-"));
  try {
    const scenario = findScenario("smoke/1m/broker-crash");
    const first = await runScenario(scenario, { deployer: new SimDeployer(), seed: 1, outDir: join(dir, "a") });
    writeRunReport(join(dir, "a"));
    const written = JSON.parse(readFileSync(join(dir, "a", "result.json"), "utf8")) as RunResult;
    assert.equal(written.probes?.collected, true);
    const hits = written.probes?.collected === true ? written.probes.hits : {};
    for (const name of ["store.recovery.abnormal", "store.recovery.redispatch", "namesrv.broker.channel-closed", "client.producer.retry", "broker.longpoll.woken"] as const) {
      assert.ok((hits[name] ?? 0) > 0, `${name} not hit: ${JSON.stringify(hits)}`);
    }
    // A crash is not a clean shutdown: nothing removed the abort file before the restart.
    assert.equal(hits["store.abort-file.removed"], undefined);
    assert.match(readFileSync(join(dir, "a", "report.html"), "utf8"), /store\.recovery\.abnormal/);
    const second = await runScenario(scenario, { deployer: new SimDeployer(), seed: 1, outDir: join(dir, "b") });
    assert.deepEqual(second.probes, first.probes);
    assert.equal(second.traceHash, first.traceHash);
    // Take the crash out of the schedule: the recovery probes leave the campaign's reach, and
    // the required-probe verdict names them.
    const calm = await runScenario({ ...scenario, name: "smoke/1m/no-crash", faults: [] }, { deployer: new SimDeployer(), seed: 1, outDir: join(dir, "c") });
    const missing = aggregateProbes([{ result: calm }]).missingRequired;
    assert.ok(missing.includes("store.recovery.abnormal") && missing.includes("namesrv.broker.channel-closed"), JSON.stringify(missing));
    assert.ok(!aggregateProbes([{ result: first }, { result: calm }]).missingRequired.includes("store.recovery.abnormal"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
