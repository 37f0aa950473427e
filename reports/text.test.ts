import { test } from "node:test";
import assert from "node:assert/strict";
import { renderSuiteText, renderTextSummary } from "./text.ts";
import { runFixture } from "./testing/fixtures.ts";

test("the terminal summary: verdict, counts, failed checks, replay", () => {
  const { result } = runFixture(true);
  const text = renderTextSummary(result, { reportPath: "reports/out/run/report.html" });
  const lines = text.trimEnd().split("\n");
  assert.equal(lines[0], "FAIL  2m-noslave/broker-a crash <script>  seed 42  (sim, 2m-noslave)");
  assert.match(text, /sent 80 {2}acked 80 {2}failed 0 {2}unknown 0 {2}consumed 79 {2}deliveries 81 {2}lost 1 {2}duplicated 1 {2}unexpected 0/);
  assert.match(text, /✗ delivery: 1 acked message lost \(msg-<lost>&7\)/);
  assert.match(text, /✗ rebalance: group G: broker-a:1 held by/);
  assert.match(text, /✓ order, failover, latency/);
  assert.match(text, /90\.0 s simulated in 1234 ms wall, trace 9f2c/);
  assert.match(text, /replay: npx mqlab run '2m-noslave\/broker-a crash' --seed 42 --deployer sim/);
  assert.match(text, /report: reports\/out\/run\/report.html/);
  assert.ok(!text.includes("\u001b["));
  assert.ok(renderTextSummary(result, { color: true }).includes("\u001b[31m"));
});

test("the suite summary lists each run and the totals", () => {
  const failing = runFixture(true).result;
  const passing = runFixture(false).result;
  const text = renderSuiteText([passing, failing, { ...passing, verdict: "error", error: "boom" }]);
  assert.equal(text, [
    "PASS  2m-noslave/broker-a crash <script>  seed 42",
    "FAIL  2m-noslave/broker-a crash <script>  seed 42  (delivery, rebalance)",
    `  ✗ delivery: ${failing.checks.find((check) => check.name === "delivery")?.summary ?? ""}`,
    `  ✗ rebalance: ${failing.checks.find((check) => check.name === "rebalance")?.summary ?? ""}`,
    `  replay: ${failing.replay}`,
    "ERROR 2m-noslave/broker-a crash <script>  seed 42  (boom)",
    `  replay: ${passing.replay}`,
    "3 runs: 1 passed, 1 failed, 1 errors",
    "",
  ].join("\n"));
});
