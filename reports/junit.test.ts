import { test } from "node:test";
import assert from "node:assert/strict";
import { failureMessage, renderJunit } from "./junit.ts";
import { runFixture } from "./testing/fixtures.ts";
import { wellFormednessError } from "./testing/wellformed.ts";

test("JUnit XML: a testsuite per suite, a testcase per scenario × seed, failures carry the failed checks", () => {
  const failing = runFixture(true).result;
  const passing = runFixture(false).result;
  const broken = { ...passing, seed: 7, verdict: "error" as const, error: "deployer <died> & left", checks: [] };
  const xml = renderJunit([
    { name: "smoke", results: [passing, failing], timestamp: "2026-01-01T00:00:00Z" },
    { name: "chaos & co", results: [broken] },
    { name: "empty", results: [] },
  ]);
  assert.equal(wellFormednessError(xml, "xml"), null);
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="mqlab" tests="3" failures="1" errors="1" time="3.702">/);
  assert.match(xml, /<testsuite name="smoke" tests="2" failures="1" errors="0" skipped="0" time="2.468" timestamp="2026-01-01T00:00:00Z">/);
  assert.match(xml, /<testsuite name="chaos &amp; co" tests="1" failures="0" errors="1"/);
  assert.match(xml, /<testcase classname="smoke.2m-noslave.sim" name="2m-noslave\/broker-a crash &lt;script&gt; seed=42" time="1.234">/);
  assert.match(xml, /<failure message="delivery: 1 acked message lost \(msg-&lt;lost&gt;&amp;7\)[^"\n]*&#10;rebalance: [^"\n]*" type="CheckFailure">/);
  assert.match(xml, /rebalance: group G: broker-a:1 held by consumer-G-1 and consumer-G-2/);
  assert.match(xml, /<error message="deployer &lt;died&gt; &amp; left" type="RunError">/);
  assert.match(xml, /<system-out>replay: npx mqlab run &#39;2m-noslave\/broker-a crash&#39; --seed 42 --deployer sim<\/system-out>/);
  assert.equal(failureMessage(passing), "");
});
