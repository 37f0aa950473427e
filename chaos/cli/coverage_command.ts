// `mqlab coverage <dir...>`: the code-probe table of every run under the given directories
// (result.json found recursively), and the suite's own probe verdict. Exit codes: 0 every
// required probe was hit (or --report-only), 1 a required probe was not hit (named on stderr),
// 2 the command was wrong (no run found, unreadable result).
import type { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { aggregateProbes, readProbeRuns, renderProbeText, type ProbeAggregate, type ProbeRun } from "../probes.ts";
import { requiredProbeNames, type ProbeName } from "../../system/env/index.ts";
import { renderProbeCoverage } from "../../reports/probes_html.ts";

export const coverageJsonName = "coverage.json";
export const coverageHtmlName = "coverage.html";

/** Writes coverage.json and coverage.html into outDir; returns the aggregate. */
export function writeProbeCoverage(
  outDir: string, title: string, runs: readonly ProbeRun[], required: readonly ProbeName[] = requiredProbeNames,
): ProbeAggregate {
  const aggregate = aggregateProbes(runs, required);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, coverageJsonName), JSON.stringify(aggregate, null, 2) + "\n");
  writeFileSync(join(outDir, coverageHtmlName), renderProbeCoverage(title, aggregate));
  return aggregate;
}

/** The one line (and the named misses) a campaign prints; true when it must fail. */
export function reportRequiredProbes(aggregate: ProbeAggregate, write: (text: string) => void): boolean {
  for (const name of aggregate.missingRequired) write(`mqlab: required code probe not hit: ${name}\n`);
  return aggregate.missingRequired.length > 0;
}

export function registerCoverageCommand(program: Command): void {
  program
    .command("coverage <dirs...>")
    .description("code-probe coverage of the runs under the given directories (result.json, recursively); fails naming a required probe no run hit")
    .option("--report-only", "print the table; do not fail on a missed required probe")
    .option("--html <dir>", "also write coverage.html and coverage.json there")
    .option("--json", "print the aggregate as JSON instead of the table")
    .action((dirs: string[], options: { reportOnly?: boolean; html?: string; json?: boolean }) => {
      let runs: ProbeRun[];
      try {
        runs = readProbeRuns(dirs.map((dir) => resolve(dir)));
      } catch (error) {
        process.stderr.write(`mqlab coverage: ${(error as Error).message}\n`);
        process.exit(2);
      }
      if (runs.length === 0) {
        process.stderr.write(`mqlab coverage: no result.json under ${dirs.join(", ")}\n`);
        process.exit(2);
      }
      const aggregate = options.html === undefined ? aggregateProbes(runs) : writeProbeCoverage(resolve(options.html), `Code probes: ${dirs.join(", ")}`, runs);
      process.stdout.write(options.json === true ? JSON.stringify(aggregate, null, 2) + "\n" : renderProbeText(aggregate));
      if (options.html !== undefined) process.stdout.write(`coverage: ${join(resolve(options.html), coverageHtmlName)}\n`);
      const failed = reportRequiredProbes(aggregate, (text) => process.stderr.write(text));
      process.exit(failed && options.reportOnly !== true ? 1 : 0);
    });
}
