// The short terminal summary the CLI prints after a run: verdict, counts, failed checks with
// their one-sentence summaries, the replay command and where the report is. Colour is
// optional (ANSI), off by default so logs and tests see plain text.
import type { RunResult } from "../chaos/result.ts";

export interface TextOptions {
  color?: boolean;
  /** Path of the HTML report, printed when given. */
  reportPath?: string;
}

const ansi = { red: "\u001b[31m", green: "\u001b[32m", yellow: "\u001b[33m", bold: "\u001b[1m", dim: "\u001b[2m", reset: "\u001b[0m" };

export function renderTextSummary(result: RunResult, options: TextOptions = {}): string {
  const paint = (code: string, text: string): string => (options.color === true ? `${code}${text}${ansi.reset}` : text);
  const verdictColor = result.verdict === "pass" ? ansi.green : result.verdict === "fail" ? ansi.red : ansi.yellow;
  const lines = [
    `${paint(ansi.bold + verdictColor, result.verdict.toUpperCase().padEnd(5))} ${result.scenario}  seed ${result.seed}  (${result.deployer}, ${result.topology})`,
  ];
  if (result.verdict === "error") lines.push(`  error: ${result.error ?? "the run broke"}`);
  const counts = result.counts;
  lines.push(`  sent ${counts.sent}  acked ${counts.acked}  failed ${counts.failed}  unknown ${counts.unknown}  ` +
    `consumed ${counts.consumed}  deliveries ${counts.deliveries}  lost ${counts.lost}  duplicated ${counts.duplicated}  unexpected ${counts.unexpected}`);
  for (const check of result.checks) {
    if (check.verdict === "fail") lines.push(`  ${paint(ansi.red, "✗")} ${check.name}: ${check.summary}`);
  }
  const passed = result.checks.filter((check) => check.verdict === "pass").map((check) => check.name);
  if (passed.length > 0) lines.push(`  ${paint(ansi.green, "✓")} ${passed.join(", ")}`);
  const timing = result.simulatedMs === undefined ? `${result.wallMs} ms wall` : `${(result.simulatedMs / 1000).toFixed(1)} s simulated in ${result.wallMs} ms wall`;
  lines.push(paint(ansi.dim, `  ${timing}${result.traceHash === undefined ? "" : `, trace ${result.traceHash}`}`));
  lines.push(`  replay: ${result.replay}`);
  if (options.reportPath !== undefined) lines.push(`  report: ${options.reportPath}`);
  return lines.join("\n") + "\n";
}

/** One line per run, then a total: for suites. */
export function renderSuiteText(results: readonly RunResult[], options: TextOptions = {}): string {
  const paint = (code: string, text: string): string => (options.color === true ? `${code}${text}${ansi.reset}` : text);
  // A failing run also prints each failed check's summary and its replay: a CI log alone must say why.
  const lines = results.flatMap((result) => {
    const color = result.verdict === "pass" ? ansi.green : result.verdict === "fail" ? ansi.red : ansi.yellow;
    const failed = result.checks.filter((check) => check.verdict === "fail");
    const why = result.verdict === "error" ? `  (${result.error ?? "error"})` : failed.length > 0 ? `  (${failed.map((check) => check.name).join(", ")})` : "";
    const head = `${paint(color, result.verdict.toUpperCase().padEnd(5))} ${result.scenario}  seed ${result.seed}${why}`;
    if (result.verdict === "pass") return [head];
    return [head, ...failed.map((check) => `  ${paint(ansi.red, "✗")} ${check.name}: ${check.summary}`), `  replay: ${result.replay}`];
  });
  const count = (verdict: string): number => results.filter((result) => result.verdict === verdict).length;
  lines.push(`${results.length} runs: ${count("pass")} passed, ${count("fail")} failed, ${count("error")} errors`);
  return lines.join("\n") + "\n";
}
