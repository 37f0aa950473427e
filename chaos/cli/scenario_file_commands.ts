// The scenario-file side of the CLI: `mqlab show <scenario|incident>` (a built-in as YAML),
// `mqlab new <name>` (a commented starter file), and the helpers `mqlab run` uses when its
// argument is a file (a scenario runs like a built-in one; an incident runs both phases).
// Misuse and malformed files end in one line on stderr and exit 2.
import type { Command } from "commander";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { allIncidents, findIncident } from "../../scenarios/incidents/index.ts";
import type { IncidentDeployer } from "../incident_types.ts";
import { allScenarios } from "../../scenarios/index.ts";
import type { Deployer } from "../deploy/types.ts";
import { runIncident } from "../incident.ts";
import { exitCodeOf } from "../result.ts";
import { loadScenarioFile, looksLikeScenarioFile, type LoadedFile } from "../scenario_file/load.ts";
import { starterScenarioYaml } from "../scenario_file/starter.ts";
import { incidentYaml, scenarioYaml } from "../scenario_file/to_yaml.ts";

function fail(message: string): never {
  process.stderr.write(`mqlab: ${message}\n`);
  process.exit(2);
}

/** The YAML of a built-in scenario, or of an incident ("<name>" or "incident/<name>"). */
export function builtinYaml(name: string, deployer: IncidentDeployer): string {
  const scenario = allScenarios().find((candidate) => candidate.name === name);
  if (scenario !== undefined) return scenarioYaml(scenario);
  const incidentName = name.replace(/^incident\//, "");
  const incident = allIncidents().find((candidate) => candidate.name === incidentName || String(candidate.number) === incidentName);
  if (incident !== undefined) return incidentYaml(incident, deployer);
  const close = [...allScenarios().map((entry) => entry.name), ...allIncidents().map((entry) => `incident/${entry.name}`)]
    .filter((candidate) => candidate.includes(name)).slice(0, 5);
  throw new Error(`unknown scenario or incident "${name}"${close.length > 0 ? ` (did you mean: ${close.join(", ")}?)` : ""}; \`mqlab list\` and \`mqlab incident list\` show all`);
}

/** The file `mqlab run` was given, loaded, or undefined for a built-in name (exits 2 on a bad file). */
export function scenarioFileArgument(argument: string): LoadedFile | undefined {
  if (!looksLikeScenarioFile(argument)) return undefined;
  try {
    return loadScenarioFile(argument, findIncident);
  } catch (error) {
    fail((error as Error).message);
  }
}

/** `mqlab run incident.yaml`: both phases, the incident's verdict as the exit code. */
export async function runIncidentFile(loaded: Extract<LoadedFile, { kind: "incident" }>, deployer: Deployer, options: { seed: number; outDir: string; replay: string }): Promise<never> {
  process.stderr.write(`mqlab: incident ${loaded.incident.name} (${loaded.file}) on ${deployer.name}, seed ${options.seed}\n`);
  const outcome = await runIncident(loaded.incident, { deployer, seed: options.seed, outDir: options.outDir, replayCommand: options.replay, force: true });
  const result = outcome.result;
  const lines = [`${result.verdict.toUpperCase()} ${result.scenario}  seed ${result.seed}  (${result.deployer})`];
  for (const phase of result.phases ?? []) {
    lines.push(`  ${phase.phase}: checks ${phase.verdict}${phase.traceHash === undefined ? "" : `, traceHash ${phase.traceHash}`}${phase.symptom === undefined ? "" : `; symptom ${phase.symptom.present ? "SHOWN" : "absent"}: ${phase.symptom.summary}`}`);
  }
  for (const check of result.checks) lines.push(`  ${check.verdict === "pass" ? "✓" : "✗"} ${check.name}: ${check.summary}`);
  if (result.error !== undefined) lines.push(`  error: ${result.error}`);
  lines.push(`  replay: ${result.replay}`, `  report: ${join(options.outDir, "report.html")}`);
  process.stdout.write(lines.join("\n") + "\n");
  process.exit(exitCodeOf(result.verdict));
}

export function registerScenarioFileCommands(program: Command): void {
  program
    .command("show <scenario>")
    .description("print a built-in scenario or incident as a scenario file (YAML) to copy and edit; run it with `mqlab run <file>`")
    .option("--deployer <name>", "incidents: the sim or process variant of the phases", "sim")
    .action((name: string, options: { deployer: string }) => {
      if (options.deployer !== "sim" && options.deployer !== "process") fail(`--deployer for show is sim or process, got "${options.deployer}"`);
      try {
        process.stdout.write(builtinYaml(name, options.deployer));
      } catch (error) {
        fail((error as Error).message);
      }
    });
  program
    .command("new <name>")
    .description("write a commented starter scenario file <name>.yaml (or the path given with --out)")
    .option("--out <file>", "where to write it (default ./<name>.yaml)")
    .option("--force", "overwrite an existing file")
    .action((name: string, options: { out?: string; force?: boolean }) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(name)) fail(`scenario name "${name}" may hold letters, digits, ".", "_", "-", "/" only`);
      const target = resolve(options.out ?? `${name.replaceAll("/", "_")}.yaml`);
      if (existsSync(target) && options.force !== true) fail(`${target} exists (use --force to overwrite)`);
      writeFileSync(target, starterScenarioYaml(name));
      process.stdout.write(`wrote ${target}\nrun it: npx mqlab run ${target}\n`);
    });
}
