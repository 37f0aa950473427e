// The server node flags really apply to a started server: the bin shims (what users, the image and
// compose run) and a direct `node --import tsx mqbroker.ts` re-execute themselves under them in
// the same pid, and V8 honours them. A probe module (loaded through MQLAB_SERVER_NODE_ARGS
// --import=...) runs inside the server: at exit it allocates fast enough to grow an unbounded young
// generation and reports new_space's size from v8.getHeapSpaceStatistics.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { semiSpaceSizeMiBDefault } from "./server_node_args.ts";

const repoRoot = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "mqlab-node-args-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const probe = join(dir, "heap_probe.mjs");
writeFileSync(probe, `import v8 from "node:v8";
process.on("exit", () => {
  let kept = [];
  for (let index = 0; index < 2_000_000; index++) { kept.push({ index }); if (kept.length > 100_000) kept = []; }
  const space = v8.getHeapSpaceStatistics().find((each) => each.space_name === "new_space");
  process.stderr.write("heap-probe " + JSON.stringify({ pid: process.pid, execArgv: process.execArgv, newSpaceBytes: space.space_size }) + "\\n");
});
`);

interface Probed { pid: number; execArgv: string[]; newSpaceBytes: number }

function run(argv: string[], environment: Record<string, string>): { status: number | null; pid: number; stderr: string; probed: Probed | undefined } {
  const { MQLAB_NODE_OPTIONS: _tuning, MQLAB_SERVER_NODE_ARGS: _extra, ...inherited } = process.env;
  const child = spawnSync(process.execPath, argv, {
    cwd: repoRoot, encoding: "utf8", timeout: 60_000, env: { ...inherited, MQLAB_LOG_LEVEL: "warn", ...environment },
  });
  const line = child.stderr.split("\n").find((text) => text.startsWith("heap-probe "));
  const probed = line === undefined ? undefined : JSON.parse(line.slice("heap-probe ".length)) as Probed;
  return { status: child.status, pid: child.pid ?? -1, stderr: child.stderr, probed };
}

const withProbe = { MQLAB_SERVER_NODE_ARGS: `--import=${probe}` };
const mib = 1024 * 1024;

test("mqbroker's bin shim runs the broker under the default semi-space limit, in the same pid", { timeout: 90_000 }, () => {
  const result = run([join(repoRoot, "system/cli/bin/mqbroker.mjs"), "-p"], withProbe);
  assert.equal(result.status, 0, result.stderr);
  assert.ok(result.probed !== undefined, `no probe line: ${result.stderr}`);
  assert.equal(result.probed.pid, result.pid, "re-executed in place, not as a child");
  assert.ok(result.probed.execArgv.includes(`--max-semi-space-size=${semiSpaceSizeMiBDefault}`), result.probed.execArgv.join(" "));
  // new_space is two semi-spaces.
  assert.ok(result.probed.newSpaceBytes <= 2 * semiSpaceSizeMiBDefault * mib, `new_space ${result.probed.newSpaceBytes} B`);
});

test("with MQLAB_NODE_OPTIONS empty the young generation grows as Node's default lets it (the probe can tell)", { timeout: 90_000 }, () => {
  const result = run([join(repoRoot, "system/cli/bin/mqbroker.mjs"), "-p"], { ...withProbe, MQLAB_NODE_OPTIONS: "" });
  assert.equal(result.status, 0, result.stderr);
  assert.ok(result.probed !== undefined, `no probe line: ${result.stderr}`);
  assert.ok(!result.probed.execArgv.some((flag) => flag.startsWith("--max-semi-space-size")));
  assert.ok(result.probed.newSpaceBytes >= 16 * mib, `new_space ${result.probed.newSpaceBytes} B`);
});

test("a broker started without the shim (node --import tsx mqbroker.ts) and mqnamesrv's shim get MQLAB_NODE_OPTIONS", { timeout: 90_000 }, () => {
  const options = { ...withProbe, MQLAB_NODE_OPTIONS: "--max-semi-space-size=1" };
  for (const argv of [["--import", "tsx", join(repoRoot, "system/cli/mqbroker.ts"), "-p"], [join(repoRoot, "system/cli/bin/mqnamesrv.mjs"), "-p"]]) {
    const result = run(argv, options);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(result.probed !== undefined, `no probe line: ${result.stderr}`);
    assert.equal(result.probed.pid, result.pid);
    assert.ok(result.probed.execArgv.includes("--max-semi-space-size=1"));
    assert.ok(result.probed.newSpaceBytes <= 2 * mib, `new_space ${result.probed.newSpaceBytes} B`);
  }
});

test("a malformed MQLAB_NODE_OPTIONS is one line and exit 2", { timeout: 60_000 }, () => {
  const result = run([join(repoRoot, "system/cli/bin/mqbroker.mjs"), "-p"], { MQLAB_NODE_OPTIONS: "max-semi-space-size=2" });
  assert.equal(result.status, 2);
  assert.equal(result.stderr, 'mqbroker: MQLAB_NODE_OPTIONS: "max-semi-space-size=2" is not a node flag (flags start with -)\n');
});
