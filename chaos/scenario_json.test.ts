import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allScenarios } from "../scenarios/index.ts";
import { readScenarioFile, scenarioFileName, scenarioProblem, ScenarioFileError } from "./scenario_json.ts";

test("every library scenario, written as scenario.json, reads back unchanged", () => {
  for (const scenario of allScenarios()) {
    const copy: unknown = JSON.parse(JSON.stringify(scenario));
    assert.equal(scenarioProblem(copy), undefined, scenario.name);
  }
});

test("a broken scenario.json names the JSON path of its first problem", () => {
  const base = JSON.parse(JSON.stringify(allScenarios()[0])) as Record<string, unknown>;
  assert.match(scenarioProblem([]) ?? "", /not a JSON object/);
  assert.match(scenarioProblem({ ...base, topology: "3m" }) ?? "", /^topology: "3m" is not one of/);
  assert.match(scenarioProblem({ ...base, durationMs: -1 }) ?? "", /^durationMs: not a time/);
  assert.match(scenarioProblem({ ...base, workload: { topics: [], producers: {}, consumers: [] } }) ?? "", /^workload\.producers: not a list/);
  assert.match(scenarioProblem({ ...base, faults: [{ atMs: 5, healAtMs: 1, fault: { kind: "crash", target: "broker-a" } }] }) ?? "", /^faults\[0\]\.healAtMs/);
  assert.match(scenarioProblem({ ...base, expectations: { checkers: ["vibes"] } }) ?? "", /^expectations\.checkers: "vibes" is not a checker/);
});

test("readScenarioFile throws ScenarioFileError for a missing or non-JSON file", () => {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-scenario-json-"));
  try {
    assert.throws(() => readScenarioFile(dir), (error) => error instanceof ScenarioFileError && /no such file/.test(error.message));
    writeFileSync(join(dir, scenarioFileName), "{\"name\":");
    assert.throws(() => readScenarioFile(dir), (error) => error instanceof ScenarioFileError && /not JSON/.test(error.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
