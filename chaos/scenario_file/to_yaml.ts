// Built-in scenarios and incidents as scenario files (`mqlab show`): the same data the
// TypeScript library builds, written as YAML a user can copy and edit. Undefined fields are
// dropped exactly as scenario.json drops them, so loading the output gives back an equal
// scenario (the round-trip test holds every built-in to that).
import { stringify } from "yaml";
import type { Incident, IncidentDeployer } from "../incident_types.ts";
import type { Scenario } from "../scenario.ts";
import { incidentSchemaPath, scenarioSchemaPath } from "./schema_files.ts";

const yamlOptions = { lineWidth: 0, aliasDuplicateObjects: false } as const;

function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function header(schemaPath: string, lines: readonly string[]): string {
  return [`# yaml-language-server: $schema=${schemaPath}`, ...lines.map((line) => `# ${line}`), ""].join("\n");
}

export function scenarioYaml(scenario: Scenario): string {
  return header(scenarioSchemaPath, [
    `mqlab scenario ${scenario.name}: ${scenario.description}`,
    "Run it: npx mqlab run <this file> [--seed N] [--deployer sim|process|container|external]",
  ]) + stringify(plain(scenario), yamlOptions);
}

/** An incident's two phases for one deployer; its symptom reading is the built-in one, by name. */
export function incidentYaml(incident: Incident, deployer: IncidentDeployer): string {
  const phases = incident.phases(deployer);
  const body = {
    incident: {
      name: incident.name,
      number: incident.number,
      narrative: incident.narrative,
      phaseTitles: incident.phaseTitles,
      symptom: { builtin: incident.name },
    },
    phases: { broken: phases.broken, fixed: phases.fixed },
  };
  return header(incidentSchemaPath, [
    `mqlab incident ${incident.name} (${deployer} variant): ${incident.narrative.title}`,
    "Run it: npx mqlab run <this file> [--seed N]. symptom: {builtin: <incident>} reuses a built-in reading;",
    "{checkFails: [failover, ...]} says the symptom shows when every named check fails.",
  ]) + stringify(plain(body), yamlOptions);
}
