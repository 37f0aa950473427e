// The Done-when of scenario files, run for real in the simulator: `mqlab show X` loaded back
// and run gives the traceHash of the built-in X with the same seed, for a scenario and for an
// incident's phases; and the run directory's scenario.json (what `mqlab replay` re-runs) is the
// file's scenario. load.test.ts proves every built-in round-trips to an equal scenario; these
// runs prove that equal data means an equal run.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { findIncident } from "../../scenarios/incidents/index.ts";
import { findScenario } from "../../scenarios/index.ts";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import { runIncident } from "../incident.ts";
import { runScenario } from "../runner.ts";
import { readScenarioFile } from "../scenario_json.ts";
import { parseScenarioText } from "./load.ts";
import { incidentYaml, scenarioYaml } from "./to_yaml.ts";

test("show → run: a scenario file runs to the built-in's traceHash, and replay reads the file's scenario", async () => {
  const root = mkdtempSync(join(tmpdir(), "mqlab-roundtrip-"));
  try {
    const builtin = findScenario("broken/dropEveryNthSend");
    const loaded = parseScenarioText("x.yaml", scenarioYaml(builtin));
    assert.equal(loaded.kind, "scenario");
    if (loaded.kind !== "scenario") return;
    const fromFile = await runScenario(loaded.scenario, { deployer: new SimDeployer(), seed: 3, outDir: join(root, "file") });
    const original = await runScenario(builtin, { deployer: new SimDeployer(), seed: 3, outDir: join(root, "builtin") });
    assert.match(original.traceHash ?? "", /^[0-9a-f]{64}$/);
    assert.equal(fromFile.traceHash, original.traceHash);
    assert.equal(fromFile.verdict, original.verdict);
    assert.deepEqual(fromFile.counts, original.counts);
    assert.deepEqual(readScenarioFile(join(root, "file")), loaded.scenario);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("show → run: an incident file runs both phases to the built-in's traceHashes and verdict", async () => {
  const root = mkdtempSync(join(tmpdir(), "mqlab-roundtrip-"));
  try {
    const builtin = findIncident("broker-port-firewalled");
    const loaded = parseScenarioText("i.yaml", incidentYaml(builtin, "sim"), findIncident);
    assert.equal(loaded.kind, "incident");
    if (loaded.kind !== "incident") return;
    const fromFile = await runIncident(loaded.incident, { deployer: new SimDeployer(), seed: 2, outDir: join(root, "file") });
    const original = await runIncident(builtin, { deployer: new SimDeployer(), seed: 2, outDir: join(root, "builtin") });
    const hashes = (outcome: typeof original): (string | undefined)[] => (outcome.result.phases ?? []).map((phase) => phase.traceHash);
    assert.equal(hashes(original).length, 2);
    assert.deepEqual(hashes(fromFile), hashes(original));
    assert.equal(fromFile.result.verdict, original.result.verdict);
    assert.equal(original.result.verdict, "pass");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
