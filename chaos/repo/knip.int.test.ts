// `just check` runs knip (knip.json): a new unused export must fail it. A probe program is
// written where knip.json's entry points are (chaos/bench/*.ts) with a library beside it that
// exports one name the program uses and one nobody uses; knip must fail naming only the second.
// The probes live inside the tree (knip reads the project's paths) and are removed afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const repoRoot = join(import.meta.dirname, "..", "..");

test("an unused export fails knip, naming it; a used one does not", () => {
  const name = `knip_probe_${process.pid}`;
  const program = join(repoRoot, "chaos", "bench", `${name}.ts`);
  const libDir = join(repoRoot, "chaos", name);
  try {
    mkdirSync(libDir, { recursive: true });
    writeFileSync(join(libDir, "lib.ts"), "export const probeUsed = 1;\nexport const probeUnused = 2;\n");
    writeFileSync(program, `import { probeUsed } from "../${name}/lib.ts";\nprocess.stdout.write(String(probeUsed));\n`);
    const result = spawnSync("npx", ["knip", "--no-progress", "--include", "exports"], { cwd: repoRoot, encoding: "utf8", timeout: 180_000 });
    const output = `${result.stdout}${result.stderr}`;
    assert.equal(result.status, 1, output);
    assert.match(output, /probeUnused\s+chaos\/knip_probe_\d+\/lib\.ts/, output);
    assert.doesNotMatch(output, /probeUsed/, output);
  } finally {
    rmSync(program, { force: true });
    rmSync(libDir, { recursive: true, force: true });
  }
});
