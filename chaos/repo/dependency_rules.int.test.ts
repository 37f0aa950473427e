// The dependency rules of .dependency-cruiser.cjs (run by `just check`) really reject what
// docs/ARCHITECTURE.md forbids: a probe file with a bad import is cruised and must fail, and a
// file with allowed imports must pass. The probes live in a temporary folder inside the tree
// (the rules match repository paths) and are removed afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const repoRoot = join(import.meta.dirname, "..", "..");

function cruise(files: Record<string, string>): { status: number | null; output: string } {
  const written: string[] = [];
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(repoRoot, path, ".."), { recursive: true });
      writeFileSync(join(repoRoot, path), text);
      written.push(path);
    }
    const result = spawnSync("npx", ["depcruise", "--config", ".dependency-cruiser.cjs", "--output-type", "err", ...written],
      { cwd: repoRoot, encoding: "utf8", timeout: 120_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    for (const path of written) rmSync(join(repoRoot, path, ".."), { recursive: true, force: true });
  }
}

const probe = (layer: string): string => `${layer}/depcruise_probe_${process.pid}`;

test("each forbidden import fails the check, naming its rule", () => {
  const chaos = probe("chaos");
  const { status, output } = cruise({
    // system/ importing the lab
    [`${probe("system")}/bad.ts`]: 'import type { Scenario } from "../../chaos/scenario.ts";\nexport type S = Scenario;\n',
    // the lab importing reports/ or scenarios/ (only chaos/cli/ composes them)
    [`${chaos}/bad.ts`]: 'export { renderReport } from "../../reports/html.ts";\nexport { allScenarios } from "../../scenarios/index.ts";\n',
    // the lab reaching past a system/ package's index.ts
    [`${chaos}/internal.ts`]: 'export { createRequest } from "../../system/remoting/remoting_command.ts";\n',
    // reports/ importing system/
    [`${probe("reports")}/bad.ts`]: 'export { ResponseCode } from "../../system/remoting/index.ts";\n',
    // a deployer borrowing another deployer's internals (shared code lives in chaos/deploy/)
    [`${probe("chaos/deploy")}/bad.ts`]: 'export { ServerProcess } from "../process/server_process.ts";\n',
    // a cycle
    [`${chaos}/a.ts`]: 'import { b } from "./b.ts";\nexport const a = (): number => b() + 1;\n',
    [`${chaos}/b.ts`]: 'import { a } from "./a.ts";\nexport const b = (): number => (a.length > 1 ? 0 : 1);\n',
  });
  assert.notEqual(status, 0, output);
  for (const rule of [
    "system-imports-only-system", "lab-does-not-import-scenarios-or-reports", "reports-read-run-records-only", "no-circular",
    "lab-uses-system-through-index", "deployers-share-through-chaos-deploy",
  ]) {
    assert.match(output, new RegExp(rule), `${rule} not reported:\n${output}`);
  }
});

test("imports along the documented direction pass", () => {
  const { status, output } = cruise({
    [`${probe("scenarios")}/good.ts`]: 'import type { Scenario } from "../../chaos/scenario.ts";\nimport { ResponseCode } from "../../system/remoting/index.ts";\nexport type S = Scenario;\nexport const code = ResponseCode.SUCCESS;\n',
    // the documented exceptions to lab-uses-system-through-index: the real Env and (from test code) test helpers
    [`${probe("chaos")}/good.test_support.ts`]: 'export { createRealEnv } from "../../system/env/real/index.ts";\nexport { arbAnyCommand } from "../../system/remoting/remoting_arbitraries.test_support.ts";\n',
  });
  assert.equal(status, 0, output);
});
