// Loads a scenario file (YAML or JSON): a scenario (chaos/scenario.ts's shape) or an incident
// (`incident:` story + symptom and `phases: {broken, fixed}`), validated by the schema and
// then by the topology it names. A relative topology directory is resolved against the file's
// directory, so scenario.json in a run directory names it absolutely and replay finds it.
// Anything wrong throws one ScenarioFileError (file:line:column: reason).
import { readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import type { Incident, PhaseRun, SymptomReading } from "../incident_types.ts";
import type { Scenario, TopologyName } from "../scenario.ts";
import type { IncidentFile, ScenarioFileScenario } from "./schema.ts";
import { resolveTopology, semanticError } from "./semantics.ts";
import { parseSource, ScenarioFileError, type ParsedSource, type PathSegment } from "./source.ts";
import { schemaError } from "./validate.ts";

export type LoadedFile =
  | { kind: "scenario"; file: string; scenario: Scenario }
  | { kind: "incident"; file: string; incident: Incident };

const fileExtensions = [".yaml", ".yml", ".json"];

/** A run argument that names a file rather than a built-in scenario. */
export function looksLikeScenarioFile(argument: string): boolean {
  return fileExtensions.includes(extname(argument).toLowerCase());
}

/**
 * Built-in incidents by name, for an incident file whose symptom is `{builtin: <name>}`. The
 * catalog lives in scenarios/, above this layer, so the caller (chaos/cli) passes it in.
 */
export type IncidentLookup = (name: string) => Incident;

const noCatalog: IncidentLookup = (name) => {
  throw new Error(`a built-in symptom ("${name}") needs the incident catalog, which this caller did not give`);
};

export function loadScenarioFile(path: string, findIncident: IncidentLookup = noCatalog): LoadedFile {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ScenarioFileError(path, 1, 1, `cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseScenarioText(path, text, findIncident);
}

/** The same as loadScenarioFile, from text (`file` names it in errors and anchors a relative topology). */
export function parseScenarioText(file: string, text: string, findIncident: IncidentLookup = noCatalog): LoadedFile {
  const source = parseSource(file, text);
  const value = source.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw source.error([], "a scenario file holds one mapping (a scenario, or an incident with `incident` and `phases`)");
  const { $schema: _schema, ...body } = value as Record<string, unknown>;
  if ("phases" in body || "incident" in body) return { kind: "incident", file, incident: incidentFrom(source, body, findIncident) };
  return { kind: "scenario", file, scenario: scenarioFrom(source, body, []) };
}

/** `at` is where the scenario sits in the file: [] for a scenario file, phases.<phase> in an incident. */
function scenarioFrom(source: ParsedSource, body: unknown, at: readonly PathSegment[]): Scenario {
  // An incident's phases were validated with the whole file (errors located from its root).
  const problem = at.length === 0 ? schemaError(source, body, "scenario") : null;
  if (problem !== null) throw problem;
  const parsed = body as ScenarioFileScenario;
  const topology = resolveTopology(source, parsed.topology, at);
  if (topology instanceof ScenarioFileError) throw topology;
  const scenario: Scenario = { ...parsed, topology: topology as TopologyName };
  const semantic = semanticError(source, scenario, at);
  if (semantic !== null) throw semantic;
  return scenario;
}

function incidentFrom(source: ParsedSource, body: Record<string, unknown>, findIncident: IncidentLookup): Incident {
  const problem = schemaError(source, body, "incident");
  if (problem !== null) throw problem;
  const parsed = body as unknown as IncidentFile;
  const broken = scenarioFrom(source, parsed.phases.broken, ["phases", "broken"]);
  const fixed = scenarioFrom(source, parsed.phases.fixed, ["phases", "fixed"]);
  const story = parsed.incident;
  const symptom = symptomOf(source, story.symptom, findIncident);
  return {
    name: story.name,
    number: story.number ?? 0,
    narrative: story.narrative,
    phaseTitles: story.phaseTitles,
    // A file incident is the phases it spells out; they run as written on any deployer.
    deployers: ["sim", "process"],
    phases: () => ({ broken, fixed }),
    symptom,
  };
}

function symptomOf(source: ParsedSource, symptom: IncidentFile["incident"]["symptom"], findIncident: IncidentLookup): (run: PhaseRun) => SymptomReading {
  if ("builtin" in symptom) {
    try {
      const builtin = findIncident(symptom.builtin);
      return (run) => builtin.symptom(run);
    } catch (error) {
      throw source.error(["incident", "symptom", "builtin"], (error as Error).message);
    }
  }
  const names = symptom.checkFails;
  return (run) => {
    const failed = names.filter((name) => run.result.checks.some((check) => check.name === name && check.verdict === "fail"));
    const present = failed.length === names.length;
    return {
      present,
      summary: `${failed.length} of ${names.length} named checks failed (${names.map((name) => `${name}: ${failed.includes(name) ? "failed" : "passed or did not run"}`).join(", ")}).`,
      measured: Object.fromEntries(names.map((name) => [name, failed.includes(name)])),
      spans: [],
    };
  };
}
