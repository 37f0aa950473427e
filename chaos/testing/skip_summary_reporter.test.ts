// The skip summary: grouping by what the machine lacks, and the reporter run for real beside
// the spec reporter exactly as package.json "test" runs it (node's closing counts still there,
// then the summary with the commands that enable each group).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderSkipSummary } from "./skip_summary_reporter.ts";

const reporter = fileURLToPath(new URL("./skip_summary_reporter.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Without this runner's NODE_TEST_* variables, or the child would report to us instead of printing. */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("NODE_TEST")));
}

test("groups skipped tests by what is missing, with the command that enables each group", () => {
  const text = renderSkipSummary([
    { name: "netns mode", file: "/repo/chaos/a.int.test.ts", reason: "needs a network namespace with nftables: nftables is missing" },
    { name: "incident 1", file: "/repo/scenarios/b.int.test.ts", reason: "the process deployer needs a network namespace with nftables: needs root" },
    { name: "containers", file: "/repo/chaos/c.int.test.ts", reason: "no Docker engine answers (start one with `npx just docker-up`)" },
    { name: "pending one", file: undefined, reason: "waits for the order checker" },
  ], "/repo");
  assert.match(text, /skip summary: 4 tests skipped/);
  assert.match(text, /2 tests need a network namespace with nftables \(Linux, root\); to run them, as root: `npx just setup-nft`\n {4}- chaos\/a\.int\.test\.ts: netns mode\n {4}- scenarios\/b\.int\.test\.ts: incident 1/);
  assert.match(text, /1 test needs a Docker engine; to run them, `npx just docker-up`/);
  assert.match(text, /1 test skipped because: waits for the order checker\n {4}- pending one/);
  assert.match(renderSkipSummary([]), /no test skipped/);
});

test("beside the spec reporter: node's closing counts, then the summary", { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-skip-summary-"));
  try {
    const file = join(dir, "fixture.test.mjs");
    writeFileSync(file, [
      'import { test } from "node:test";',
      'test("runs", () => {});',
      'test("needs nft", { skip: "needs a network namespace with nftables: nftables is missing" }, () => {});',
      'test("needs docker", { skip: "no Docker engine answers" }, () => {});',
    ].join("\n"));
    const output = execFileSync(process.execPath, [
      "--import", "tsx", "--test",
      "--test-reporter=spec", "--test-reporter-destination=stdout",
      `--test-reporter=${reporter}`, "--test-reporter-destination=stdout",
      file,
    ], { cwd: repoRoot, encoding: "utf8", env: childEnv() });
    assert.match(output, /ℹ tests 3\n(.|\n)*ℹ skipped 2/, output);
    assert.match(output, /skip summary: 2 tests skipped(.|\n)*npx just setup-nft(.|\n)*fixture\.test\.mjs: needs nft(.|\n)*npx just docker-up/, output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
