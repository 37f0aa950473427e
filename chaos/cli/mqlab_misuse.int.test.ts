// Every misuse of mqlab is one clear line on stderr and exit 2, never a stack trace
// (system/cli/cli_boundary.ts): unknown command or option, a bad number, topology, shard or
// deployer, a missing path, a scenario.json that is not a scenario, an unknown scenario or incident.
import { test } from "node:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertMisuses } from "../../system/cli/testing/misuse.ts";
import { emptyCounts, writeRunResult, type RunResult } from "../result.ts";
import { scenarioFileName } from "../scenario_json.ts";

const repoRoot = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "mqlab-misuse-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** A run directory with a valid result.json and the given scenario.json text. */
function runDir(name: string, scenarioText: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  const result: RunResult = {
    scenario: "smoke/1m/broker-crash", topology: "1m", deployer: "sim", seed: 1, verdict: "pass", checks: [], counts: emptyCounts(), faults: [],
    intervals: {} as RunResult["intervals"], wallMs: 1, replay: "npx mqlab run smoke/1m/broker-crash", brokerConfig: {}, startedAt: "2026-01-01T00:00:00.000Z",
  };
  writeRunResult(path, result);
  writeFileSync(join(path, scenarioFileName), scenarioText);
  return path;
}

test("mqlab misuse: one line, exit 2", { timeout: 300_000 }, async () => {
  await assertMisuses("chaos/cli/mqlab.ts", [
    { name: "no command", args: [], says: /^mqlab: missing command \(usage: mqlab/ },
    { name: "unknown command", args: ["bogus"], says: /^mqlab: unknown command 'bogus'/ },
    { name: "unknown option", args: ["run", "smoke/1m/broker-crash", "--frobnicate"], says: /^mqlab run: unknown option '--frobnicate' \(usage: mqlab run \[options\] <scenario>/ },
    { name: "bad number", args: ["run", "smoke/1m/broker-crash", "--seed", "abc"], says: /^mqlab run: option '--seed <n>' argument 'abc' is invalid\. "abc" is not an integer/ },
    { name: "bad deployer", args: ["run", "smoke/1m/broker-crash", "--deployer", "vm"], says: /^mqlab run: .*"vm" is not one of sim, process, container/ },
    { name: "unknown scenario", args: ["run", "nope/nope"], says: /^mqlab: unknown scenario "nope\/nope"/ },
    { name: "bad topology", args: ["sim", "--topology", "nope"], says: /^mqlab sim: .*"nope" is not one of 1m, 2m-noslave, 2m-2s-async, 2m-2s-sync/ },
    { name: "bad rate", args: ["sim", "--topology", "1m", "--rate", "abc"], says: /^mqlab sim: .*"abc" is not a number/ },
    { name: "bad minutes", args: ["sim", "--topology", "1m", "--minutes", "0"], says: /^mqlab sim: .*"0" is not a number > 0/ },
    { name: "bad shard", args: ["suite", "ci", "--shard", "3/2"], says: /^mqlab suite: .*"3\/2" is not a shard k\/n with 1 ≤ k ≤ n/ },
    { name: "malformed shard", args: ["suite", "ci", "--shard", "two"], says: /^mqlab suite: .*"two" is not a shard/ },
    { name: "unknown suite", args: ["suite", "nope"], says: /^mqlab: unknown suite/ },
    { name: "missing run directory", args: ["replay", join(dir, "missing")], says: /^mqlab replay: .*missing: no such file or directory/ },
    { name: "scenario.json not JSON", args: ["replay", runDir("broken-json", "{")], says: /^mqlab replay: .*scenario\.json: not JSON/ },
    { name: "scenario.json bad topology", args: ["replay", runDir("bad-topology", JSON.stringify({ name: "x", description: "", topology: "9m" }))], says: /^mqlab replay: .*scenario\.json: topology: "9m" is not one of/ },
    { name: "scenario.json bad fault", args: ["replay", runDir("bad-fault", JSON.stringify({
      name: "x", description: "", topology: "1m", durationMs: 1, quiesceMs: 1, workload: { topics: [], producers: [], consumers: [] },
      faults: [{ atMs: 0, fault: { kind: "meteor" } }], expectations: { checkers: [] },
    }))], says: /^mqlab replay: .*scenario\.json: faults\[0\]\.fault\.kind: "meteor" is not a fault kind/ },
    { name: "check: bad topology", args: ["check", "no-acked-loss", "--topology", "nope"], says: /^mqlab check: .*unknown topology "nope"/ },
    { name: "incident: unknown", args: ["incident", "run", "nope"], says: /unknown incident "nope"/ },
  ], repoRoot, 4);
});
