// The commands defined in chaos/cli/mqlab.ts itself — list, run, replay, suite, sim — in-process
// through the real boundary (the module is imported once per call with this argv): exit 0 for a
// passing run, 1 for a failed check (a deliberately broken broker), 2 for misuse or a replay
// whose traceHash differs, each failure one line on stderr. mqlab_misuse.int.test.ts spawns the
// real binary for the option-parsing misuses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allScenarios } from "../../scenarios/index.ts";
import { assertOneLine, runMqlab } from "./testing/in_process_cli.ts";

const dir = mkdtempSync(join(tmpdir(), "mqlab-cli-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

test("list prints every scenario and the suites; --json is an array of {name, topology, faults}", { timeout: 60_000 }, async () => {
  const text = await runMqlab(["list"]);
  assert.equal(text.code, 0, text.stderr);
  for (const scenario of allScenarios()) assert.ok(text.stdout.includes(scenario.name), scenario.name);
  assert.match(text.stdout, /\nsuites: ci \(/);
  const json = await runMqlab(["list", "--json"]);
  const rows = JSON.parse(json.stdout) as { name: string; topology: string; faults: string[] }[];
  assert.equal(rows.length, allScenarios().length);
  assert.deepEqual(Object.keys(rows[0]!), ["name", "topology", "faults"]);
});

test("run → 0 and replay → 0 (identical traceHash); a broken broker → 1; a tampered traceHash → replay 2", { timeout: 120_000 }, async () => {
  const passDir = join(dir, "pass");
  const passed = await runMqlab(["run", "smoke/1m/no-fault", "--seed", "1", "--out", passDir]);
  assert.equal(passed.code, 0, passed.stdout + passed.stderr);
  assert.equal(passed.stderr, "mqlab: running smoke/1m/no-fault on sim, seed 1\n");
  assert.match(passed.stdout, /^PASS /);
  assert.ok(passed.stdout.endsWith(`report: ${join(passDir, "report.html")}\n`));
  assert.ok(existsSync(join(passDir, "report.html")));

  const replayed = await runMqlab(["replay", passDir]);
  assert.equal(replayed.code, 0, replayed.stdout + replayed.stderr);
  assert.match(replayed.stdout, /verdict pass -> pass \(same\), traceHash identical\n$/);
  // --logs prints every node's lines (simulated time first) and changes nothing in the run.
  const logged = await runMqlab(["replay", passDir, "--logs", "info", "--out", join(dir, "logged")]);
  assert.equal(logged.code, 0, logged.stdout + logged.stderr);
  assert.match(logged.stdout, /traceHash identical\n$/);
  assert.match(logged.stderr, /^\d+\.\d{3} broker-a info /m);

  const tampered = join(dir, "tampered");
  cpSync(passDir, tampered, { recursive: true });
  const resultPath = join(tampered, "result.json");
  writeFileSync(resultPath, readFileSync(resultPath, "utf8").replace(/"traceHash": "[0-9a-f]+"/, `"traceHash": "${"0".repeat(64)}"`));
  const different = await runMqlab(["replay", tampered]);
  assert.equal(different.code, 2, different.stdout + different.stderr);
  assert.match(different.stdout, /traceHash DIFFERENT \(000000000000 vs [0-9a-f]{12}\)\n$/);

  const broken = await runMqlab(["run", "smoke/1m/no-fault", "--seed", "1", "--broken", "dropEveryNthSend=2", "--out", join(dir, "broken")]);
  assert.equal(broken.code, 1, broken.stdout + broken.stderr);
  assert.match(broken.stdout, /^FAIL /);
  assert.match(broken.stderr, /deliberately broken \{"dropEveryNthSend":2\}/);
});

test("run misuse: --broken off the simulator, --console in it, a malformed scenario file → one line, exit 2", { timeout: 30_000 }, async () => {
  assertOneLine(await runMqlab(["run", "smoke/1m/no-fault", "--broken", "dropEveryNthSend", "--deployer", "process"]), 2,
    /^mqlab: --broken needs --deployer sim \(test faults are simulator-only\), got "process"$/, "broken off sim");
  assertOneLine(await runMqlab(["run", "smoke/1m/no-fault", "--console"]), 2, /^mqlab: --console needs --deployer process or container/, "console");
  assertOneLine(await runMqlab(["run", "smoke/1m/no-fault", "--broken", "nope"]), 2, /^mqlab: unknown --broken switch "nope"/, "bad switch");
  writeFileSync(join(dir, "bad.yaml"), "name: x\ntopology: 9m\n");
  assertOneLine(await runMqlab(["run", join(dir, "bad.yaml")]), 2, /^mqlab: .*bad\.yaml/, "bad file");
  assertOneLine(await runMqlab(["replay", join(dir, "nowhere")]), 2, /^mqlab replay: .*nowhere: no such file or directory/, "replay missing");
  assertOneLine(await runMqlab(["run", "smoke/1m/no-fault", "--logs", "info", "--deployer", "process"]), 2, /^mqlab: --logs needs --deployer sim/, "logs off sim");
  assertOneLine(await runMqlab(["run", "smoke/1m/no-fault", "--logs", "loud"]), 2, /^mqlab run: .*"loud" is not one of debug, info, warn, error/, "log level");
});

test("suite runs its shard and writes junit.xml (exit 0); misuse → 2", { timeout: 120_000 }, async () => {
  const out = join(dir, "suite");
  const ran = await runMqlab(["suite", "ci", "--seeds", "1", "--shard", "1/40", "--out", out]);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  assert.match(ran.stderr, /^\[1\/1\] \S+ seed 1: pass \(\d+ ms\)\n$/);
  assert.match(ran.stdout, /\njunit: .*junit\.xml\nprobes: \d+\/\d+ hit over 1 run\(s\); coverage: /);
  assert.match(readFileSync(join(out, "junit.xml"), "utf8"), /<testsuite /);
  assertOneLine(await runMqlab(["suite", "nope"]), 2, /^mqlab: unknown suite/, "unknown suite");
  assertOneLine(await runMqlab(["suite", "ci", "--probes", "maybe"]), 2, /^mqlab suite: .*"maybe" is not one of report, require/, "probes");
  assertOneLine(await runMqlab(["suite", "ci", "--seeds", "0"]), 2, /^mqlab suite: option '--seeds <n>' argument '0' is invalid/, "seeds");
});

test("sim prints one JSON summary (exit 0); a bad topology → 2", { timeout: 60_000 }, async () => {
  const ran = await runMqlab(["sim", "--topology", "1m", "--minutes", "0.2", "--rate", "5", "--seed", "3"]);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  const summary = JSON.parse(ran.stdout) as { topology: string; seed: number; traceHash: string; counts: { sent: number; acked: number } };
  assert.deepEqual({ topology: summary.topology, seed: summary.seed }, { topology: "1m", seed: 3 });
  assert.match(summary.traceHash, /^[0-9a-f]{64}$/);
  assert.ok(summary.counts.acked > 0 && summary.counts.acked <= summary.counts.sent);
  assertOneLine(await runMqlab(["sim"]), 2, /^mqlab sim: required option '--topology <name>' not specified/, "no topology");
});
