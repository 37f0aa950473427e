// The bench client's node flags: the default, the environment's replacement, and Node's defaults.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchClientNodeArgs, benchClientNodeOptionsDefault } from "./bench_node_args.ts";
import { semiSpaceSizeMiBDefault } from "../../system/cli/index.ts";

test("a bench's client gets the servers' semi-space unless MQLAB_BENCH_CLIENT_NODE_OPTIONS replaces it", () => {
  assert.equal(benchClientNodeOptionsDefault, `--max-semi-space-size=${semiSpaceSizeMiBDefault}`);
  assert.deepEqual(benchClientNodeArgs({}), [benchClientNodeOptionsDefault]);
  assert.deepEqual(benchClientNodeArgs({ MQLAB_BENCH_CLIENT_NODE_OPTIONS: " --max-semi-space-size=16  --single-threaded-gc " }),
    ["--max-semi-space-size=16", "--single-threaded-gc"]);
  assert.deepEqual(benchClientNodeArgs({ MQLAB_BENCH_CLIENT_NODE_OPTIONS: "" }), []);
});

test("a process started without the flags replaces itself under them; a bad flag is one line and exit 2", () => {
  const script = [
    `import { reexecWithBenchClientNodeArgs } from ${JSON.stringify(new URL("./bench_node_args.ts", import.meta.url).href)};`,
    `const args = reexecWithBenchClientNodeArgs("probe");`,
    `console.log(JSON.stringify({ args, execArgv: process.execArgv.filter((flag) => flag.startsWith("--max-semi")) }));`,
  ].join("\n");
  // A script file: a re-exec needs one to run again (`node -e` has none).
  const dir = mkdtempSync(join(tmpdir(), "mqlab-bench-node-args-"));
  const file = join(dir, "probe.mjs");
  writeFileSync(file, script);
  const run = (extra: Record<string, string>) => spawnSync(process.execPath, ["--import", "tsx", file], {
    encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "", ...extra },
  });
  try {
    check(run);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function check(run: (extra: Record<string, string>) => SpawnSyncReturns<string>): void {
  const tuned = run({});
  assert.equal(tuned.status, 0, tuned.stderr);
  assert.deepEqual(JSON.parse(tuned.stdout), { args: [benchClientNodeOptionsDefault], execArgv: [benchClientNodeOptionsDefault] });
  const defaults = run({ MQLAB_BENCH_CLIENT_NODE_OPTIONS: "" });
  assert.deepEqual(JSON.parse(defaults.stdout), { args: [], execArgv: [] });
  const bad = run({ MQLAB_BENCH_CLIENT_NODE_OPTIONS: "oops" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^probe: MQLAB_BENCH_CLIENT_NODE_OPTIONS: "oops" is not a node flag/);
}
