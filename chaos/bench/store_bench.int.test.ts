// bench-store reads back its own output: a small fill in the broker-like child (real Env, real
// process, the servers' node flags) prints samples, the verdict and a JSON line that parses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { serverNodeArgs } from "../../system/cli/index.ts";
import { parseMemoryReport, rssAboveEmpty } from "./store_memory.ts";

const repoRoot = join(import.meta.dirname, "..", "..");

test("bench-store --memory-only: lines, the target verdict and a JSON report that parses", { timeout: 180_000 }, () => {
  const run = spawnSync(process.execPath, ["--import", "tsx", "chaos/bench/store_bench.ts", "--memory-only", "--million-count", "2000"], {
    cwd: repoRoot, encoding: "utf8", timeout: 170_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  assert.match(run.stdout, /^million\.read_pass_2\.rss_above_empty -?\d+\.\d\d MiB$/m);
  assert.match(run.stdout, /^million\.written\.new_space \d+\.\d\d MiB \(used /m);
  assert.match(run.stdout, /^million\.target (met|missed) \(< 50 MiB above empty\)$/m);
  const last = JSON.parse(lines.at(-1) ?? "") as { bench: string; memory: unknown; rssAboveEmptyMiB: Record<string, number> };
  assert.equal(last.bench, "store");
  const report = parseMemoryReport(JSON.stringify(last.memory));
  assert.equal(report.messageCount, 2000);
  assert.deepEqual(report.samples.map((sample) => sample.label),
    ["before_store", "empty", "written_500", "written_1000", "written_1500", "written", "read_pass_1", "read_pass_2"]);
  for (const flag of serverNodeArgs(process.env)) assert.ok(report.nodeArgs.includes(flag), `${flag} reached the child`);
  assert.deepEqual(last.rssAboveEmptyMiB, rssAboveEmpty(report));
  assert.equal(rssAboveEmpty(report)["empty"], 0);
});
