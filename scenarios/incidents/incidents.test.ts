// Every incident of the library in the simulator: the symptom shows in the broken phase and
// is gone in the fixed phase (chaos/incident.ts decides from checker results, counts and the
// history). Pending incidents are skipped with their reason. Each runs in a few seconds of
// wall time (virtual time is cheap).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimDeployer } from "../../chaos/deploy/sim/sim_deployer.ts";
import { runIncident } from "../../chaos/incident.ts";
import { readRunResult } from "../../chaos/result.ts";
import { allIncidents } from "./index.ts";
import { phaseNames } from "../../chaos/incident_types.ts";
import { writeIncidentReport } from "../../reports/run_dir.ts";

for (const incident of allIncidents()) {
  test(`incident ${incident.number} ${incident.name}: symptom in broken, gone in fixed (sim)`, { skip: incident.pending ?? false, timeout: 240_000 }, async () => {
    const outDir = mkdtempSync(join(tmpdir(), `mqlab-incident-${incident.name}-`));
    try {
      const outcome = await runIncident(incident, { deployer: new SimDeployer(), seed: 1, outDir });
      const summary = outcome.result.checks.map((check) => `${check.verdict} ${check.name}: ${check.summary}`).join("\n");
      console.log(`${incident.name}: ${outcome.result.verdict} in ${outcome.result.wallMs} ms wall\n${summary}`);
      assert.equal(outcome.result.verdict, "pass", summary);
      const written = readRunResult(outDir);
      assert.equal(written.narrative?.title, incident.narrative.title);
      assert.deepEqual(written.phases?.map((phase) => phase.symptom?.present), [true, false]);
      const report = readFileSync(writeIncidentReport(outDir, outcome.result, phaseNames.map((phase) => outcome.phases[phase].run.history)), "utf8");
      assert.match(report, /id="narrative"/);
      assert.match(report, /id="timeline-phase-1"/);
      assert.match(report, /id="timeline-phase-2"/);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
}

test("the registry: unique names and numbers, every incident describes both phases", () => {
  const incidents = allIncidents();
  assert.equal(new Set(incidents.map((incident) => incident.name)).size, incidents.length);
  assert.equal(new Set(incidents.map((incident) => incident.number)).size, incidents.length);
  for (const incident of incidents) {
    assert.ok(incident.deployers.includes("sim"), `${incident.name} runs in the simulator`);
    for (const deployer of incident.deployers) {
      const phases = incident.phases(deployer);
      assert.equal(phases.broken.name, `incident/${incident.name}/broken`);
      assert.equal(phases.fixed.name, `incident/${incident.name}/fixed`);
    }
    if (incident.deployers.includes("process")) assert.ok(incident.processIntervals !== undefined, `${incident.name} declares its process intervals`);
  }
});
