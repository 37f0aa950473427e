import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rocketmqIntervals } from "./scenario.ts";
import type { RunResult } from "./result.ts";
import { emptyCounts, exitCodeOf, faultRecordOf, readRunResult, ResultFileError, validateRunResult, verdictOf, writeRunResult } from "./result.ts";

const result: RunResult = {
  scenario: "2m-noslave/broker-crash", topology: "2m-noslave", deployer: "sim", seed: 42, verdict: "pass",
  checks: [{ name: "delivery", verdict: "pass", summary: "ok", evidence: {} }], counts: emptyCounts(),
  faults: [faultRecordOf({ atMs: 1000, healAtMs: 5000, fault: { kind: "crash", target: "broker-a" } })],
  intervals: rocketmqIntervals, wallMs: 12, replay: "npx mqlab run 2m-noslave/broker-crash --seed 42",
  brokerConfig: {}, startedAt: "2026-01-01T00:00:00.000Z",
};

test("a result round-trips through result.json", () => {
  const directory = mkdtempSync(join(tmpdir(), "mqlab-result-"));
  try {
    const path = writeRunResult(join(directory, "run"), result);
    assert.ok(path.endsWith("run/result.json"));
    assert.deepEqual(readRunResult(join(directory, "run")), result);
    assert.deepEqual(readRunResult(path), result);
    writeFileSync(join(directory, "bad.json"), "{\"scenario\": 1}");
    assert.throws(() => readRunResult(join(directory, "bad.json")), (error: unknown) =>
      error instanceof ResultFileError && /scenario: not a string/.test(error.message));
    writeFileSync(join(directory, "garbage.json"), "{");
    assert.throws(() => readRunResult(join(directory, "garbage.json")), ResultFileError);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("verdicts, exit codes and fault records", () => {
  assert.equal(verdictOf(result.checks), "pass");
  assert.equal(verdictOf([...result.checks, { name: "order", verdict: "fail", summary: "", evidence: {} }]), "fail");
  assert.deepEqual([exitCodeOf("pass"), exitCodeOf("fail"), exitCodeOf("error")], [0, 1, 2]);
  assert.deepEqual(result.faults[0], { atMs: 1000, healAtMs: 5000, kind: "crash", target: "broker-a" });
  const firewall = faultRecordOf({ atMs: 0, fault: { kind: "firewall", source: "producer-1", target: "broker-a", port: "broker", mode: "drop", direction: "both" } });
  assert.deepEqual(firewall, { atMs: 0, kind: "firewall", target: "producer-1->broker-a", detail: "drop both port broker" });
  assert.equal(validateRunResult({ ...result, verdict: "maybe" }), 'verdict: "maybe" is not pass|fail|error');
});
