// `mqlab check <property>`: fast-check property runs in the simulator (chaos/check/). Prints a
// line per run on stderr and, for a counterexample, the shrunk schedule, the run directory,
// the `mqlab replay` command and the command that repeats the search. Exit codes: 0 the
// property held for every run, 1 a counterexample was found, 2 the command was wrong.
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { join } from "node:path";
import { renderTextSummary } from "../../reports/text.ts";
import { brokenTag, brokenUsage, parseBrokenSwitches } from "../check/broken.ts";
import { runCheck, type CheckReport, type CheckRunEvent } from "../check/check.ts";
import { describeSchedule } from "../check/check_scenario.ts";
import { findProperty, propertyNames } from "../check/properties.ts";
import { isTopologyName, topologyNames, type TopologyName } from "../scenario.ts";
import { swarmSource } from "../swarm/swarm_case.ts";
import { writeRunReport } from "../../reports/run_dir.ts";
import { errorText } from "../../system/stdx/index.ts";

export const checkDefaults = { runs: 100, shrinkRuns: 60, topology: "2m-noslave" as TopologyName, outRoot: "reports/out/check" };

interface CheckCliOptions {
  runs: number;
  seed?: number;
  topology: string;
  broken?: string;
  path?: string;
  shrinkRuns: number;
  out?: string;
  swarm?: boolean;
}

function count(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError(`not a positive integer: ${value}`);
  return parsed;
}

function seedOf(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < -0x8000_0000 || parsed > 0x7fff_ffff) throw new InvalidArgumentError(`not a 32-bit integer: ${value}`);
  return parsed;
}

function progressLine(event: CheckRunEvent): string {
  const failed = event.failedChecks.length > 0 ? ` (${event.failedChecks.join(", ").slice(0, 160)})` : "";
  return `${event.phase} ${String(event.index).padStart(3)}: ${event.verdict.padEnd(7)} ${event.faults} fault(s)${failed} ${Math.round(event.wallMs)} ms\n`;
}

export function renderCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  const broken = report.testFaults === undefined ? "" : `, broken broker ${JSON.stringify(report.testFaults)}`;
  const head = `${report.property} on ${report.counterexample?.scenario.topology ?? report.topology} (fast-check seed ${report.seed}${broken})`;
  const example = report.counterexample;
  if (!report.failed || example === undefined) {
    lines.push(`PASS  ${head}: held for ${report.runs} generated runs in ${(report.wallMs / 1_000).toFixed(1)} s`);
    lines.push(`code probes hit over these runs: ${Object.keys(report.probes).length} (${Object.keys(report.probes).join(", ") || "none"})`);
    return lines.join("\n");
  }
  lines.push(`FAIL  ${head}: counterexample after ${report.runs} run(s), shrunk in ${report.shrinks} step(s) ` +
    `(${report.shrinkRuns} shrink run(s)), ${(report.wallMs / 1_000).toFixed(1)} s`);
  lines.push("", `first failing schedule (${example.originalFaults.length} fault(s)):`);
  for (const line of describeSchedule({ faults: example.originalFaults })) lines.push(`  ${line}`);
  lines.push("", `shrunk schedule (${example.scenario.faults.length} fault(s)):`);
  for (const line of describeSchedule({ faults: example.scenario.faults })) lines.push(`  ${line}`);
  if (example.scenario.faults.length === 0) lines.push("  (none: the failure needs no fault)");
  lines.push("", `workload: ${example.scenario.description}`, "", renderTextSummary(example.result), "");
  lines.push(`run directory: ${example.outDir}`);
  lines.push(`replay:        ${example.replay}`);
  lines.push(`search again:  ${example.reproduce}`);
  return lines.join("\n");
}

async function checkAction(propertyName: string, options: CheckCliOptions): Promise<never> {
  const usage = (message: string): never => {
    process.stderr.write(`mqlab check: ${message}\n`);
    process.exit(2);
  };
  let property;
  try {
    property = findProperty(propertyName);
  } catch (error) {
    return usage((error as Error).message);
  }
  if (!isTopologyName(options.topology)) usage(`unknown topology "${options.topology}" (known: ${topologyNames.join(", ")})`);
  const topology = options.topology as TopologyName;
  let testFaults;
  try {
    testFaults = options.broken === undefined ? undefined : parseBrokenSwitches(options.broken);
  } catch (error) {
    return usage((error as Error).message);
  }
  // An unseeded check explores new cases each time; the seed is printed so it can be repeated.
  const seed = options.seed ?? (Math.random() * 0x7fff_ffff) >>> 0;
  const tag = testFaults === undefined ? "" : `--broken-${brokenTag(testFaults)}`;
  const swarm = options.swarm === true;
  if (property.swarmOnly === true && !swarm) usage(`property ${property.name} needs generated configurations: add --swarm`);
  const outDir = options.out ?? join(checkDefaults.outRoot, `${property.name}--${swarm ? "swarm" : topology}--seed-${seed}${tag}`);
  const command = [`npx mqlab check ${property.name} ${swarm ? "--swarm" : `--topology ${topology}`} --runs ${options.runs}`,
    ...(options.broken === undefined ? [] : [`--broken ${options.broken}`]),
    ...(options.shrinkRuns === checkDefaults.shrinkRuns ? [] : [`--shrink-runs ${options.shrinkRuns}`])].join(" ");
  process.stderr.write(`mqlab check: ${property.name} on ${swarm ? "generated topologies and configurations (swarm)" : topology}, ${options.runs} runs, fast-check seed ${seed}` +
    `${testFaults === undefined ? "" : `, broken broker ${JSON.stringify(testFaults)}`}\n  ${property.description}\n`);
  let report: CheckReport;
  try {
    report = await runCheck({
      property, topology, runs: options.runs, seed, shrinkRunsMax: options.shrinkRuns, outDir, command,
      ...(options.path === undefined ? {} : { path: options.path }),
      ...(testFaults === undefined ? {} : { testFaults }),
      ...(swarm ? { source: swarmSource(property, testFaults) } : {}),
      // Candidates past the shrink budget are not run; listing them would only be noise.
      onRun: (event) => (event.verdict === "skipped" ? undefined : process.stderr.write(progressLine(event))),
    });
  } catch (error) {
    process.stderr.write(`mqlab check: the check itself broke: ${errorText(error)}\n`);
    process.exit(2);
  }
  if (report.counterexample !== undefined) writeRunReport(report.counterexample.outDir);
  process.stdout.write(renderCheckReport(report) + "\n");
  process.exit(report.failed ? 1 : 0);
}

/** Registers `check` on the mqlab program. */
export function registerCheckCommand(program: Command): void {
  program
    .command("check <property>")
    .description(`fast-check property runs in the simulator, shrinking a failure to a minimal schedule (${propertyNames.join(" | ")})`)
    .option("--runs <n>", "generated runs before the property is declared to hold", count, checkDefaults.runs)
    .option("--seed <n>", "fast-check seed (default: random, printed)", seedOf)
    .option("--topology <name>", topologyNames.join(" | "), checkDefaults.topology)
    .option("--broken <switch>", `turn on test-only faults (comma-separated): ${brokenUsage()}`)
    .option("--path <path>", "fast-check path of a counterexample (printed with it) to replay")
    .option("--shrink-runs <n>", "most runs spent shrinking", count, checkDefaults.shrinkRuns)
    .option("--swarm", "swarm mode: each run also draws its topology and broker/client configuration (chaos/swarm/); --topology is ignored")
    .option("--out <dir>", `run directory of the counterexample (default ${checkDefaults.outRoot}/<property>--<topology>--seed-<n>)`)
    .action(checkAction);
}
