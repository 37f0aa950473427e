// `mqlab incident list | show <name> | run <name|all>`: the incident library on the command
// line. `run` executes both phases (chaos/incident.ts) and exits 0 when the symptom showed in
// the broken phase and the fix removed it, 1 when not, 2 when a run broke or the command was
// wrong. `run all` runs every incident that is not pending and meant for the deployer.
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { join, resolve } from "node:path";
import { allIncidents, findIncident } from "../../scenarios/incidents/index.ts";
import type { Incident, IncidentDeployer } from "../incident_types.ts";
import { phaseNames } from "../incident_types.ts";
import { createDeployer } from "../deploy/index.ts";
import { runIncident } from "../incident.ts";
import { exitCodeOf, type RunResult } from "../result.ts";
import { effectiveIntervals, rocketmqIntervals, type Intervals } from "../scenario.ts";
import { writeIncidentReport, writeRunReport } from "../../reports/run_dir.ts";

const defaultOutRoot = "reports/out";

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new InvalidArgumentError(`not an integer: ${value}`);
  return parsed;
}

function deployerOption(value: string): IncidentDeployer {
  if (value !== "sim" && value !== "process") throw new InvalidArgumentError(`incidents run on sim or process, not "${value}"`);
  return value;
}

function fail(message: string): never {
  process.stderr.write(`mqlab: ${message}\n`);
  process.exit(2);
}

function lookup(name: string): Incident {
  try {
    return findIncident(name);
  } catch (error) {
    fail((error as Error).message);
  }
}

/** The intervals a phase runs with that differ from RocketMQ's defaults. */
function changedIntervals(intervals: Intervals): string {
  const changed = (Object.keys(rocketmqIntervals) as (keyof Intervals)[])
    .filter((key) => intervals[key] !== rocketmqIntervals[key])
    .map((key) => `${key}=${intervals[key]}`);
  return changed.length === 0 ? "RocketMQ defaults" : changed.join(", ");
}

export function describeIncident(incident: Incident): string {
  const story = incident.narrative;
  const lines = [
    `${incident.number}. ${incident.name}: ${story.title}`,
    "",
    `Symptom:  ${story.symptom}`,
    `Cause:    ${story.cause}`,
    `Report:   ${story.reportShows}`,
    `Fix:      ${story.fix}`,
    "",
    `Deployers: ${incident.deployers.join(", ")}${incident.pending === undefined ? "" : `   PENDING: ${incident.pending}`}`,
  ];
  for (const deployer of incident.deployers) {
    const scenarios = incident.phases(deployer);
    for (const phase of phaseNames) {
      const scenario = scenarios[phase];
      lines.push(`  ${deployer} ${phase.padEnd(6)} ${incident.phaseTitles[phase]} — ${scenario.topology}, ${(scenario.durationMs / 1000).toFixed(0)} s + ${(scenario.quiesceMs / 1000).toFixed(0)} s drain, ` +
        `faults: ${scenario.faults.map((fault) => `${fault.fault.kind}@${fault.atMs / 1000}s${fault.healAtMs === undefined ? "" : `–${fault.healAtMs / 1000}s`}`).join(", ") || "none"}; ` +
        `intervals: ${changedIntervals(effectiveIntervals(scenario))}`);
    }
  }
  return lines.join("\n") + "\n";
}

function printOutcome(result: RunResult, reportPath: string): void {
  const lines = [`${result.verdict.toUpperCase().padEnd(5)} ${result.scenario}  seed ${result.seed}  (${result.deployer}, ${(result.wallMs / 1000).toFixed(1)} s wall)`];
  for (const phase of result.phases ?? []) {
    lines.push(`  ${phase.phase}: checks ${phase.verdict}${phase.symptom === undefined ? "" : `; symptom ${phase.symptom.present ? "SHOWN" : "absent"}: ${phase.symptom.summary}`}`);
  }
  for (const check of result.checks) lines.push(`  ${check.verdict === "pass" ? "✓" : "✗"} ${check.name}: ${check.summary}`);
  if (result.error !== undefined) lines.push(`  error: ${result.error}`);
  lines.push(`  replay: ${result.replay}`, `  report: ${reportPath}`);
  process.stdout.write(lines.join("\n") + "\n");
}

async function runOne(incident: Incident, options: { deployer: IncidentDeployer; seed: number; out?: string; force?: boolean }): Promise<RunResult> {
  const outDir = resolve(options.out ?? join(defaultOutRoot, `incident__${incident.name}--${options.deployer}--seed-${options.seed}`));
  const deployer = await createDeployer(options.deployer).catch((error: unknown) => fail(String((error as Error).message ?? error)));
  process.stderr.write(`mqlab: incident ${incident.name} on ${deployer.name}, seed ${options.seed}\n`);
  const outcome = await runIncident(incident, {
    deployer, seed: options.seed, outDir, ...(options.force === true ? { force: true } : {}),
    onPhase: (phase, state, result) => {
      if (state === "start") process.stderr.write(`mqlab:   ${phase} phase: ${incident.phaseTitles[phase]} ...\n`);
      else process.stderr.write(`mqlab:   ${phase} phase: ${result?.verdict ?? "?"} (${((result?.wallMs ?? 0) / 1000).toFixed(1)} s wall)\n`);
    },
  });
  for (const phase of phaseNames) writeRunReport(outcome.phases[phase].outDir);
  printOutcome(outcome.result, writeIncidentReport(outDir, outcome.result, phaseNames.map((phase) => outcome.phases[phase].run.history)));
  return outcome.result;
}

export function registerIncidentCommand(program: Command): void {
  const incident = program.command("incident").description("the incident library: production problems reproduced, broken then fixed");
  incident
    .command("list")
    .description("list the incidents (number, name, deployers, title)")
    .option("--names", "print only the names")
    .action((options: { names?: boolean }) => {
      for (const entry of allIncidents()) {
        if (options.names === true) {
          process.stdout.write(`${entry.name}\n`);
          continue;
        }
        const status = entry.pending === undefined ? entry.deployers.join(",") : "PENDING";
        process.stdout.write(`${String(entry.number).padStart(2)}  ${entry.name.padEnd(36)} ${status.padEnd(12)} ${entry.narrative.title}\n`);
      }
    });
  incident
    .command("show <name>")
    .description("print an incident's story (symptom, cause, what the report shows, fix) and its phases")
    .action((name: string) => {
      process.stdout.write(describeIncident(lookup(name)));
    });
  incident
    .command("run <name>")
    .description("run both phases; exit 0 when the symptom shows and the fix removes it ('all': every incident for the deployer)")
    .option("--deployer <name>", "sim | process", deployerOption, "sim")
    .option("--seed <n>", "seed", integer, 1)
    .option("--out <dir>", "output directory (default reports/out/incident__<name>--<deployer>--seed-<n>)")
    .option("--force", "run an incident marked pending")
    .action(async (name: string, options: { deployer: IncidentDeployer; seed: number; out?: string; force?: boolean }) => {
      const chosen = name === "all"
        ? allIncidents().filter((entry) => entry.pending === undefined && entry.deployers.includes(options.deployer))
        : [lookup(name)];
      const verdicts: RunResult["verdict"][] = [];
      for (const entry of chosen) {
        const out = options.out === undefined ? undefined : chosen.length > 1 ? join(options.out, entry.name) : options.out;
        try {
          verdicts.push((await runOne(entry, { ...options, ...(out === undefined ? {} : { out }) })).verdict);
        } catch (error) {
          if (chosen.length === 1) fail((error as Error).message);
          process.stderr.write(`mqlab: incident ${entry.name}: ${(error as Error).message}\n`);
          verdicts.push("error");
        }
      }
      if (chosen.length > 1) {
        const count = (verdict: string): number => verdicts.filter((entry) => entry === verdict).length;
        process.stdout.write(`${verdicts.length} incidents: ${count("pass")} passed, ${count("fail")} failed, ${count("error")} errors\n`);
      }
      const worst = verdicts.includes("error") ? "error" : verdicts.includes("fail") ? "fail" : "pass";
      process.exit(exitCodeOf(worst));
    });
}
