// JUnit XML for CI: one <testsuite> per suite, one <testcase> per scenario × seed. A failed
// run is a <failure> whose message lists the failed checks' summaries; a run that broke is an
// <error>. The replay command goes to <system-out> so CI shows how to reproduce it. Newlines in
// the message attribute are written as &#10; (a parser would fold a raw one into a space).
import type { RunResult } from "../chaos/result.ts";
import { esc } from "./escape.ts";

export interface SuiteRun {
  name: string;
  results: readonly RunResult[];
  /** ISO time the suite started (optional). */
  timestamp?: string;
}

const secondsOf = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

export function testcaseName(result: RunResult): string {
  return `${result.scenario} seed=${result.seed}`;
}

export function failureMessage(result: RunResult): string {
  if (result.verdict === "error") return result.error ?? "the run broke";
  return result.checks.filter((check) => check.verdict === "fail").map((check) => `${check.name}: ${check.summary}`).join("\n");
}

function testcase(suite: string, result: RunResult): string {
  const attributes = `classname="${esc(`${suite}.${result.topology}.${result.deployer}`)}" name="${esc(testcaseName(result))}" time="${secondsOf(result.wallMs)}"`;
  const out = `<system-out>${esc(`replay: ${result.replay}`)}</system-out>`;
  if (result.verdict === "pass") return `    <testcase ${attributes}>${out}</testcase>`;
  const message = failureMessage(result);
  const element = result.verdict === "error" ? "error" : "failure";
  const type = result.verdict === "error" ? "RunError" : "CheckFailure";
  const body = `${message}\n\nreplay: ${result.replay}`;
  return `    <testcase ${attributes}><${element} message="${esc(message).replace(/\n/g, "&#10;")}" type="${type}">${esc(body)}</${element}>${out}</testcase>`;
}

export function renderJunit(suites: readonly SuiteRun[]): string {
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let timeMs = 0;
  const bodies = suites.map((suite) => {
    const suiteFailures = suite.results.filter((result) => result.verdict === "fail").length;
    const suiteErrors = suite.results.filter((result) => result.verdict === "error").length;
    const suiteMs = suite.results.reduce((sum, result) => sum + result.wallMs, 0);
    tests += suite.results.length;
    failures += suiteFailures;
    errors += suiteErrors;
    timeMs += suiteMs;
    const timestamp = suite.timestamp === undefined ? "" : ` timestamp="${esc(suite.timestamp)}"`;
    return `  <testsuite name="${esc(suite.name)}" tests="${suite.results.length}" failures="${suiteFailures}" errors="${suiteErrors}" skipped="0" time="${secondsOf(suiteMs)}"${timestamp}>\n` +
      suite.results.map((result) => testcase(suite.name, result)).join("\n") + (suite.results.length > 0 ? "\n" : "") + "  </testsuite>";
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="mqlab" tests="${tests}" failures="${failures}" errors="${errors}" time="${secondsOf(timeMs)}">\n` +
    bodies.join("\n") + (bodies.length > 0 ? "\n" : "") + "</testsuites>\n";
}
