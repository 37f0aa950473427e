// The CI scenario suite as part of `npm test`: every topology × {no fault, broker crash,
// firewall drop, heartbeat loss, consumer crash} in the simulator over two seeds. Each run
// writes its directory under reports/out/suite-ci/ (report.html, result.json, history.jsonl),
// and the suite writes junit.xml there, so a red run can be opened and replayed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SimDeployer } from "../chaos/deploy/sim/sim_deployer.ts";
import { runScenario } from "../chaos/runner.ts";
import type { RunResult } from "../chaos/result.ts";
import { renderJunit } from "../reports/junit.ts";
import { findScenario, findSuite } from "./index.ts";

const outRoot = fileURLToPath(new URL("../reports/out/suite-ci/", import.meta.url));
const suite = findSuite("ci");
const seeds = Number(process.env["MQLAB_CI_SEEDS"] ?? suite.seeds);
const results: RunResult[] = [];

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
    });
  }
}

test("suite ci: junit.xml", () => {
  mkdirSync(outRoot, { recursive: true });
  writeFileSync(join(outRoot, "junit.xml"), renderJunit([{ name: "ci", results }]));
  assert.equal(results.length, suite.scenarios.length * seeds);
});
