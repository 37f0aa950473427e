import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryHistory } from "../chaos/history/types.ts";
import { writeRunResult } from "../chaos/result.ts";
import { renderReport } from "./html.ts";
import { writeRunReport } from "./run_dir.ts";
import { lostId, runFixture } from "./testing/fixtures.ts";
import { wellFormednessError } from "./testing/wellformed.ts";

test("a failing report shows the verdict, the evidence ids, the replay command and the faults", () => {
  const { result, history } = runFixture(true);
  assert.equal(result.verdict, "fail");
  const html = renderReport(result, history);
  assert.match(html, /<div id="verdict" class="verdict verdict-fail"><span class="verdict-word">FAIL<\/span>/);
  assert.match(html, /Failed checks: delivery, rebalance/);
  // The lost id is escaped wherever it appears, never raw.
  assert.ok(html.includes("msg-&lt;lost&gt;&amp;7"));
  assert.ok(!html.includes(lostId));
  assert.ok(!html.includes("<script>\"") && !html.includes("crash <script>"));
  assert.ok(html.includes("npx mqlab run &#39;2m-noslave/broker-a crash&#39; --seed 42 --deployer sim"));
  assert.match(html, /class="fault-shade"/);
  assert.match(html, /<text class="fault-label"[^>]*>crash broker-a<\/text>/);
  assert.match(html, /inject 20 s → heal 50 s/);
  assert.match(html, /broker-a:1 held by consumer-G-1 and consumer-G-2/);
  assert.match(html, /class="hold double-held"/);
  assert.match(html, /<section id="lag-section"><h2>Consumer lag<\/h2>/);
  assert.match(html, /<polyline class="lag-series"[^>]*><title>lag of G<\/title>/);
  assert.match(html, /<code>msg-12<\/code><\/td><td>G<\/td><td>3<\/td>/);
  assert.equal(wellFormednessError(html, "html"), null);
});

test("a passing report is calm and well formed", () => {
  const { result, history } = runFixture(false);
  assert.equal(result.verdict, "pass", result.checks.map((check) => check.summary).join("\n"));
  const html = renderReport(result, history);
  assert.ok(result.checks.length >= 17, `${result.checks.length} checks`);
  assert.match(html, new RegExp(`verdict-pass"><span class="verdict-word">PASS</span><span class="verdict-detail">All ${result.checks.length} checks passed`));
  assert.ok(!html.includes("details class=\"evidence-details\" open"));
  assert.equal(wellFormednessError(html, "html"), null);
});

test("error runs, incidents with phases, and empty histories render", () => {
  const { result, history } = runFixture(true);
  const { result: fixed } = runFixture(false);
  const incident = {
    ...result,
    narrative: { title: "Lost <acks>", symptom: "acked messages vanished", cause: "ASYNC_FLUSH & power loss", reportShows: "the delivery check", fix: "SYNC_FLUSH" },
    phases: [{ ...result, phase: "before the fix" }, { ...fixed, phase: "after the fix", description: "flushDiskType=SYNC_FLUSH" }],
  };
  const html = renderReport(incident, history);
  assert.match(html, /Incident: Lost &lt;acks&gt;/);
  assert.match(html, /ASYNC_FLUSH &amp; power loss/);
  assert.match(html, /before the fix <span class="badge badge-fail">FAIL<\/span>/);
  assert.match(html, /after the fix <span class="badge badge-pass">PASS<\/span>/);
  assert.equal(wellFormednessError(html, "html"), null);
  const broken = renderReport({ ...result, verdict: "error", error: "deployer: port <busy>", checks: [] }, []);
  assert.match(broken, /ERROR<\/span><span class="verdict-detail">The run itself broke: deployer: port &lt;busy&gt;/);
  assert.equal(wellFormednessError(broken, "html"), null);
});

test("1e5+ events aggregate into a page of bounded size", () => {
  const { result } = runFixture(false);
  const recorder = new MemoryHistory();
  for (let index = 0; index < 40_000; index++) {
    const opId = recorder.nextOpId();
    const timeMs = index * 5;
    recorder.record({ type: "invoke", op: "send", opId, timeMs, process: "producer-1", topic: "T", messageId: `m-${index}`, sendMode: "sync" });
    recorder.record({ type: "ok", op: "send", opId, timeMs: timeMs + 2, process: "producer-1", messageId: `m-${index}`, queue: "broker-a:0", queueOffset: index });
    recorder.record({ type: "deliver", op: "consume", timeMs: timeMs + 3, process: "c", group: "G", messageId: `m-${index}`, topic: "T", queue: "broker-a:0", queueOffset: index, reconsumeTimes: 0, result: "success" });
  }
  const html = renderReport(result, recorder.events);
  assert.ok(html.length < 400_000, `${html.length} bytes`);
  assert.equal(wellFormednessError(html, "html"), null);
});

test("writeRunReport renders from result.json and history.jsonl alone", () => {
  const { result, history } = runFixture(true);
  const directory = mkdtempSync(join(tmpdir(), "mqlab-report-"));
  try {
    writeRunResult(directory, result);
    const recorder = new MemoryHistory();
    for (const event of history) recorder.record(event);
    writeFileSync(join(directory, "history.jsonl"), recorder.toJsonl());
    const path = writeRunReport(directory);
    assert.equal(readFileSync(path, "utf8"), renderReport(result, history));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("the well-formedness check catches what it should", () => {
  assert.match(wellFormednessError("<svg><g></svg>", "xml") ?? "", /closes <g>/);
  assert.match(wellFormednessError("<p>a & b</p>", "html") ?? "", /unescaped '&'/);
  assert.match(wellFormednessError("<div><span></span>", "html") ?? "", /unclosed <div>/);
  assert.equal(wellFormednessError("<p a=\"1\"><br><img src=\"x\"></p>", "html"), null);
});
