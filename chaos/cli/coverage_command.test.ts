// `mqlab coverage <dirs...>` in-process through the CLI boundary: exit 0 when every required code
// probe was hit (or --report-only), 1 naming each required probe no run hit, 2 with one line for
// a missing directory or a tree without result.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyCounts, writeRunResult, type ProbeHits, type RunResult } from "../result.ts";
import { requiredProbeNames } from "../../system/env/index.ts";
import { registerCoverageCommand } from "./coverage_command.ts";
import { assertOneLine, runCommand } from "./testing/in_process_cli.ts";

const dir = mkdtempSync(join(tmpdir(), "mqlab-coverage-cli-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const cli = (args: readonly string[]): ReturnType<typeof runCommand> => runCommand(registerCoverageCommand, args);

/** A run directory whose result.json reports these probe hits. */
function run(root: string, name: string, hits: ProbeHits): void {
  const path = join(dir, root, name);
  mkdirSync(path, { recursive: true });
  const result: RunResult = {
    scenario: name, topology: "1m", deployer: "sim", seed: 1, verdict: "pass", checks: [], counts: emptyCounts(), faults: [],
    intervals: {} as RunResult["intervals"], wallMs: 1, replay: `npx mqlab run ${name}`, brokerConfig: {}, startedAt: "2026-01-01T00:00:00.000Z",
    probes: { collected: true, hits },
  };
  writeRunResult(path, result);
}

const [firstRequired, ...otherRequired] = requiredProbeNames;
run("all", "a", Object.fromEntries(requiredProbeNames.map((name) => [name, 1])));
run("some", "a", Object.fromEntries(otherRequired.map((name) => [name, 2])));
mkdirSync(join(dir, "empty"), { recursive: true });

test("every required probe hit → 0 with the table; --json prints the aggregate; --html writes the page", async () => {
  const table = await cli(["coverage", join(dir, "all")]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`required ${requiredProbeNames.length}/${requiredProbeNames.length} hit, over 1 run\\(s\\)`));
  const asJson = await cli(["coverage", join(dir, "all"), "--json"]);
  assert.equal(asJson.code, 0);
  assert.deepEqual((JSON.parse(asJson.stdout) as { missingRequired: string[] }).missingRequired, []);
  const html = await cli(["coverage", join(dir, "all"), "--html", join(dir, "html")]);
  assert.equal(html.code, 0);
  assert.ok(existsSync(join(dir, "html", "coverage.html")) && existsSync(join(dir, "html", "coverage.json")));
});

test("a required probe no run hit → 1 naming it on stderr; --report-only → 0", async () => {
  assert.ok(firstRequired !== undefined, "the catalog has required probes");
  const missed = await cli(["coverage", join(dir, "some")]);
  assert.equal(missed.code, 1);
  assert.equal(missed.stderr, `mqlab: required code probe not hit: ${firstRequired}\n`);
  assert.match(missed.stdout, new RegExp(`REQUIRED PROBE NOT HIT: ${firstRequired}`));
  const reportOnly = await cli(["coverage", join(dir, "some"), "--report-only"]);
  assert.equal(reportOnly.code, 0);
});

test("misuse: no result.json under the dirs, a missing dir, no dir at all → one line, exit 2", async () => {
  assertOneLine(await cli(["coverage", join(dir, "empty")]), 2, /^mqlab coverage: no result\.json under .*empty$/, "empty");
  assertOneLine(await cli(["coverage", join(dir, "missing")]), 2, /^mqlab coverage: .*no such file or directory/, "missing");
  assertOneLine(await cli(["coverage"]), 2, /^mqlab coverage: missing required argument 'dirs'/, "no dir");
});
