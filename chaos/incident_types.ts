// What an incident of the library is: a production problem reproduced as two scenarios — the
// `broken` phase shows the symptom, the `fixed` phase applies the fix — plus the story told
// next to the evidence and a `symptom` reading that decides, from one phase's checker results,
// counts and recorded history (never from log text), whether the symptom showed. The same
// reading is applied to both phases; an incident passes when it is present in `broken`,
// absent in `fixed`, and the fixed phase passes every check it ran.
import type { HistoryEvent } from "./history/types.ts";
import type { Narrative, PhaseSymptom, RunResult } from "./result.ts";
import type { Intervals, Scenario } from "./scenario.ts";

/** Where an incident can run: the simulator always; some also as real processes. */
export type IncidentDeployer = "sim" | "process";

export type PhaseName = "broken" | "fixed";

export const phaseNames: readonly PhaseName[] = ["broken", "fixed"];

export interface IncidentPhases {
  broken: Scenario;
  fixed: Scenario;
}

/** One phase as it ran: its result (checks, counts) and its recorded history. */
export interface PhaseRun {
  result: RunResult;
  history: readonly HistoryEvent[];
}

/** A stretch of run time in which the symptom showed (shaded on the phase's timeline). */
export type SymptomSpan = PhaseSymptom["spans"][number];

/** Present or not, a one-sentence summary with the numbers, the numbers, and when. */
export type SymptomReading = PhaseSymptom;

export interface Incident {
  /** Folder name under scenarios/incidents/ (the library), e.g. "broker-port-firewalled". */
  name: string;
  /** Position in the library (issue 8's numbering). */
  number: number;
  narrative: Narrative;
  /** One line per phase: what differs. */
  phaseTitles: Record<PhaseName, string>;
  /** Deployers this incident is meant to pass on (always "sim"). */
  deployers: readonly IncidentDeployer[];
  /** The shortened intervals of the wall-clock (process) variant; printed by `show` and the report. */
  processIntervals?: Partial<Intervals>;
  /** The two scenarios for a deployer (process variants use processIntervals and shorter times). */
  phases(deployer: IncidentDeployer): IncidentPhases;
  /** Reads the symptom from one phase's checks, counts and history. */
  symptom(run: PhaseRun): SymptomReading;
  /** Set when the incident cannot run yet (why); pending incidents are listed, never run by CI. */
  pending?: string;
}

/** Scenario name of an incident's phase: "incident/<name>/<phase>". */
export function phaseScenarioName(incident: Pick<Incident, "name">, phase: PhaseName): string {
  return `incident/${incident.name}/${phase}`;
}
