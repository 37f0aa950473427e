import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { listRuns, reportFile } from "./lab_runs.ts";

test("runs are found up to four levels deep; a run inside a top-level folder belongs to that suite", () => {
  const root = mkdtempSync(join(tmpdir(), "mqconsole-lab-"));
  try {
    const run = (dir: string, json: unknown): void => {
      mkdirSync(join(root, dir), { recursive: true });
      writeFileSync(join(root, dir, "result.json"), JSON.stringify(json));
    };
    run("single", { scenario: "1m/no-fault", deployer: "sim", seed: 1, verdict: "pass", counts: { sent: 5, lost: 0 } });
    run("suite-ci/a--seed-1", { scenario: "a", deployer: "process", seed: 2, verdict: "fail", counts: { sent: 9 } });
    writeFileSync(join(root, "suite-ci/a--seed-1/report.html"), "<html>");
    run("broken", "not json {");
    writeFileSync(join(root, "broken/result.json"), "{ truncated");
    const runs = listRuns(root);
    assert.deepEqual(runs.map((r) => [r.dir, r.suite, r.scenario, r.deployer, r.seed, r.verdict, r.hasReport]), [
      ["single", undefined, "1m/no-fault", "sim", 1, "pass", false],
      ["suite-ci/a--seed-1", "suite-ci", "a", "process", 2, "fail", true],
    ]);
    assert.deepEqual(runs[0]!.counts, { sent: 5, lost: 0 });
    assert.equal(reportFile(root, "suite-ci/a--seed-1/report.html"), join(root, "suite-ci/a--seed-1/report.html"));
    assert.equal(reportFile(root, "../etc/passwd"), undefined);
    assert.equal(reportFile(root, "suite-ci/../../x"), undefined);
    assert.equal(reportFile(root, "suite-ci"), undefined, "directories are not served");
    assert.deepEqual(listRuns(join(root, "missing")), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
