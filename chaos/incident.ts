// Runs one incident of the library (scenarios/incidents/): the broken phase, then the fixed
// phase, each a whole run (runScenario) in DIR/broken and DIR/fixed, then reads the symptom in
// both and writes DIR/result.json (narrative, both phases with their symptom readings, and the
// incident's own checks). The CLI renders DIR/report.html from the outcome (reports/run_dir.ts).
// Verdict: "pass" when the symptom showed in the broken phase, is gone in
// the fixed phase, and the fixed phase passed every check; "error" when a phase itself broke.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Incident, PhaseName, PhaseRun, SymptomReading } from "./incident_types.ts";
import { phaseNames } from "./incident_types.ts";
import type { Deployer } from "./deploy/types.ts";
import { parseHistoryJsonl, type HistoryEvent } from "./history/types.ts";
import { historyFileName, writeRunResult, type CheckResult, type PhaseResult, type RunResult } from "./result.ts";
import { runScenario } from "./runner.ts";

export interface IncidentRunOptions {
  deployer: Deployer;
  seed: number;
  outDir: string;
  /** The command that re-runs this incident (default: `npx mqlab incident run <name> ...`). */
  replayCommand?: string;
  /** Run an incident marked pending anyway. */
  force?: boolean;
  /** Called as each phase starts and ends (progress on a terminal). */
  onPhase?: (phase: PhaseName, state: "start" | "done", result?: RunResult) => void;
}

export interface IncidentOutcome {
  result: RunResult;
  phases: Record<PhaseName, { run: PhaseRun; reading: SymptomReading | undefined; outDir: string }>;
}

export class PendingIncidentError extends Error {
  constructor(incident: Incident) {
    super(`incident ${incident.name} is pending: ${incident.pending ?? "no reason given"} (use --force to run it anyway)`);
    this.name = "PendingIncidentError";
  }
}

export function incidentReplayCommand(incident: Incident, deployer: string, seed: number): string {
  return `npx mqlab incident run ${incident.name} --deployer ${deployer} --seed ${seed}`;
}

export async function runIncident(incident: Incident, options: IncidentRunOptions): Promise<IncidentOutcome> {
  if (incident.pending !== undefined && options.force !== true) throw new PendingIncidentError(incident);
  const deployerName = options.deployer.name === "process" ? "process" : "sim";
  const scenarios = incident.phases(deployerName);
  const replay = options.replayCommand ?? incidentReplayCommand(incident, options.deployer.name, options.seed);
  const startedAt = new Date().toISOString();
  const phases = {} as IncidentOutcome["phases"];
  for (const phase of phaseNames) {
    const outDir = join(options.outDir, phase);
    options.onPhase?.(phase, "start");
    const result = await runScenario(scenarios[phase], { deployer: options.deployer, seed: options.seed, outDir });
    const history = readHistory(outDir);
    const run: PhaseRun = { result, history };
    const reading = result.verdict === "error" ? undefined : incident.symptom(run);
    phases[phase] = { run, reading, outDir };
    options.onPhase?.(phase, "done", result);
  }
  const result = combine(incident, phases, { deployer: options.deployer.name, seed: options.seed, replay, startedAt });
  writeRunResult(options.outDir, result);
  return { result, phases };
}

function readHistory(outDir: string): HistoryEvent[] {
  try {
    return parseHistoryJsonl(readFileSync(join(outDir, historyFileName), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** The incident's own checks: symptom shown when broken, gone when fixed, fixed phase healthy. */
export function incidentChecks(phases: Pick<IncidentOutcome["phases"], PhaseName>): CheckResult[] {
  const broken = phases.broken.reading;
  const fixed = phases.fixed.reading;
  const fixedFailed = phases.fixed.run.result.checks.filter((check) => check.verdict === "fail").map((check) => check.name);
  return [
    {
      name: "symptom shown (broken phase)",
      verdict: broken?.present === true ? "pass" : "fail",
      summary: broken === undefined ? "The broken phase did not complete." : `${broken.present ? "Shown" : "NOT shown"}: ${broken.summary}`,
      evidence: broken?.measured ?? {},
    },
    {
      name: "symptom gone (fixed phase)",
      verdict: fixed !== undefined && !fixed.present ? "pass" : "fail",
      summary: fixed === undefined ? "The fixed phase did not complete." : `${fixed.present ? "STILL shown" : "Gone"}: ${fixed.summary}`,
      evidence: fixed?.measured ?? {},
    },
    {
      name: "fixed phase passes its checks",
      verdict: phases.fixed.run.result.verdict === "pass" ? "pass" : "fail",
      summary: phases.fixed.run.result.verdict === "error"
        ? `The fixed phase broke: ${phases.fixed.run.result.error ?? "no message"}`
        : fixedFailed.length === 0
          ? `Every check of the fixed phase passed (${phases.fixed.run.result.checks.map((check) => check.name).join(", ")}).`
          : `The fixed phase failed: ${fixedFailed.join(", ")}.`,
      evidence: {},
    },
  ];
}

function combine(
  incident: Incident,
  phases: IncidentOutcome["phases"],
  run: { deployer: RunResult["deployer"]; seed: number; replay: string; startedAt: string },
): RunResult {
  const broken = phases.broken.run.result;
  const errored = phaseNames.map((phase) => phases[phase].run.result).filter((result) => result.verdict === "error");
  const checks = incidentChecks(phases);
  const result: RunResult = {
    scenario: `incident/${incident.name}`,
    topology: broken.topology,
    deployer: run.deployer,
    seed: run.seed,
    verdict: errored.length > 0 ? "error" : checks.every((check) => check.verdict === "pass") ? "pass" : "fail",
    checks,
    counts: broken.counts,
    faults: [],
    intervals: broken.intervals,
    wallMs: phaseNames.reduce((sum, phase) => sum + phases[phase].run.result.wallMs, 0),
    replay: run.replay,
    brokerConfig: {},
    startedAt: run.startedAt,
    narrative: incident.narrative,
    phases: phaseNames.map((phase) => phaseResult(incident, phase, phases[phase].run.result, phases[phase].reading)),
  };
  if (errored.length > 0) result.error = errored.map((phase) => `${phase.scenario}: ${phase.error ?? "error"}`).join("; ");
  const simulatedMs = phaseNames.reduce((sum, phase) => sum + (phases[phase].run.result.simulatedMs ?? 0), 0);
  if (run.deployer === "sim") result.simulatedMs = simulatedMs;
  return result;
}

function phaseResult(incident: Incident, phase: PhaseName, result: RunResult, reading: SymptomReading | undefined): PhaseResult {
  const { phases: _phases, narrative: _narrative, ...summary } = result;
  const entry: PhaseResult = { ...summary, phase: `${phase}: ${incident.phaseTitles[phase]}` };
  if (reading !== undefined) entry.symptom = reading;
  return entry;
}
