// The preload that keeps --test-force-exit from losing verdicts (blocking_stdout.ts): a file of
// 3,000 empty tests run by a child runner exactly as package.json "test" runs it, three times;
// every run must report every test. Without the preload the same file lost up to 81 of its
// 3,000 verdicts in most runs on this project's 2-core CI machine, on the project's Node 24 and
// on Node 20 alike (nodejs/node#64833).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const preload = fileURLToPath(new URL("./blocking_stdout.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const testCount = 3_000;

/** Without this runner's NODE_TEST_* variables, or the child would report to us instead of printing. */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("NODE_TEST")));
}

test("with the preload, a force-exited test file reports every verdict", () => {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-force-exit-"));
  try {
    const file = join(dir, "many.test.cjs");
    const lines = ["const { test } = require('node:test');"];
    for (let index = 0; index < testCount; index++) lines.push(`test('t${String(index)}', () => {});`);
    writeFileSync(file, `${lines.join("\n")}\n`);
    for (let run = 0; run < 3; run++) {
      const output = execFileSync(process.execPath, ["--import", "tsx", "--import", preload, "--test", "--test-force-exit", "--test-reporter=tap", file], {
        cwd: repoRoot, env: childEnv(), encoding: "utf8", timeout: 120_000,
      });
      assert.match(output, new RegExp(`^# tests ${String(testCount)}$`, "m"), `run ${String(run + 1)} lost verdicts:\n${output.split("\n").filter((line) => line.startsWith("# ")).join("\n")}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
