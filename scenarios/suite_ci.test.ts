// The CI scenario suite as part of `npm test`: every topology × {no fault, broker crash,
// firewall drop, heartbeat loss, consumer crash} in the simulator over two seeds, with the CI
// workload (every mix; each standard run's history must show each one's footprint), plus the
// probe-path scenarios (scenarios/library/probe_paths.ts: their own workloads, no mixes). Each run
// writes its directory under reports/out/suite-ci/ (report.html, result.json, history.jsonl),
// and the suite writes junit.xml there, so a red run can be opened and replayed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SimDeployer } from "../chaos/deploy/sim/sim_deployer.ts";
import { runScenario } from "../chaos/runner.ts";
import type { RunResult } from "../chaos/result.ts";
import { renderJunit } from "../reports/junit.ts";
import { findScenario, findSuite } from "./index.ts";
import { standardScenarios } from "./library/standard.ts";
import { parseHistoryJsonl, type HistoryEvent } from "../chaos/history/types.ts";

/** The mixes' footprints in a run's history; returns the ones missing (the suite must exercise them all). */
function missingFeatures(events: readonly HistoryEvent[]): string[] {
  const has = (name: string, found: boolean): string[] => (found ? [] : [name]);
  const deliveries = events.flatMap((event) => (event.type === "deliver" ? [event] : []));
  const invokes = events.flatMap((event) => (event.type === "invoke" ? [event] : []));
  return [
    ...has("orderly deliveries under a held lock", deliveries.some((event) => event.group === "GroupOrderly" && event.lockHeld === true)),
    ...has("failed deliveries redelivered", deliveries.some((event) => event.group === "GroupFailing" && event.reconsumeTimes > 0)),
    ...has("dead letters", events.some((event) => event.type === "dlq")),
    ...has("delayed sends", invokes.some((event) => event.delayLevel !== undefined)),
    ...has("batch sends", invokes.some((event) => event.batchId !== undefined)),
    ...has("burst sends", invokes.some((event) => event.burst === true)),
    ...has("two broadcasting consumers", new Set(deliveries.filter((event) => event.group === "GroupBroadcast").map((event) => event.process)).size === 2),
    ...has("a late join", events.some((event) => event.type === "membership" && event.group === "GroupLateLast" && event.change === "join" && event.timeMs >= 90_000)),
  ];
}

const outRoot = fileURLToPath(new URL("../reports/out/suite-ci/", import.meta.url));
const suite = findSuite("ci");
const seeds = Number(process.env["MQLAB_CI_SEEDS"] ?? suite.seeds);
const results: RunResult[] = [];
/** The runs with the CI workload (ciWorkload): the ones that must show every mix. */
const withCiWorkload = new Set(standardScenarios().map((scenario) => scenario.name));

for (const name of suite.scenarios) {
  for (let seed = 1; seed <= seeds; seed++) {
    test(`suite ci: ${name} seed ${seed}`, async () => {
      const outDir = join(outRoot, `${name.replaceAll("/", "__")}--seed-${seed}`);
      const result = await runScenario(findScenario(name), {
        deployer: new SimDeployer(), seed, outDir,
        replayCommand: `npx mqlab run ${name} --deployer sim --seed ${seed}`,
      });
      results.push(result);
      const failed = result.checks.filter((check) => check.verdict !== "pass").map((check) => `${check.name}: ${check.summary}`);
      assert.equal(result.verdict, "pass", `${result.error ?? failed.join("; ")} — report: ${join(outDir, "report.html")}; replay: ${result.replay}`);
      if (withCiWorkload.has(name)) {
        assert.deepEqual(missingFeatures(parseHistoryJsonl(readFileSync(join(outDir, "history.jsonl"), "utf8"))), [], "the CI workload exercised every mix");
      }
    });
  }
}

test("suite ci: junit.xml", () => {
  mkdirSync(outRoot, { recursive: true });
  writeFileSync(join(outRoot, "junit.xml"), renderJunit([{ name: "ci", results }]));
  assert.equal(results.length, suite.scenarios.length * seeds);
});
