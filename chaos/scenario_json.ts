// Reading a scenario back from a run directory's scenario.json (what `mqlab replay` re-runs).
// The file may be hand-edited, truncated or from another version, so it is checked before a
// run trusts it: the shape Scenario promises at the top level (names, topology, times), the
// workload's lists, every scheduled fault's times and kind, the expectations' checkers. A
// problem is one message naming the JSON path ("faults[2].fault.kind: ..."); the nested
// fields of a fault beyond its kind are checked by the deployer that plays it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { allCheckerNames } from "./checkers/index.ts";
import { allFaultKinds } from "./faults/types.ts";
import { isTopologyName, topologyNames, type Scenario } from "./scenario.ts";

export const scenarioFileName = "scenario.json";

export class ScenarioFileError extends Error {
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = "ScenarioFileError";
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const isTime = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value) && value >= 0;

/** Checks parsed JSON against the Scenario shape; returns the first problem or undefined. */
export function scenarioProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "not a JSON object";
  if (typeof value.name !== "string" || value.name === "") return "name: missing or not a string";
  if (typeof value.description !== "string") return "description: missing or not a string";
  if (typeof value.topology !== "string" || !isTopologyName(value.topology)) {
    return `topology: ${JSON.stringify(value.topology)} is not one of ${topologyNames.join(", ")}`;
  }
  for (const key of ["durationMs", "quiesceMs"] as const) if (!isTime(value[key])) return `${key}: not a time ≥ 0 (ms)`;
  return workloadProblem(value.workload) ?? faultsProblem(value.faults) ?? expectationsProblem(value.expectations) ?? optionalProblem(value);
}

function workloadProblem(workload: unknown): string | undefined {
  if (!isObject(workload)) return "workload: missing or not an object";
  for (const key of ["topics", "producers", "consumers"] as const) {
    const list = workload[key];
    if (!Array.isArray(list)) return `workload.${key}: not a list`;
    const bad = list.findIndex((item) => !isObject(item));
    if (bad >= 0) return `workload.${key}[${bad}]: not an object`;
  }
  return undefined;
}

function faultsProblem(faults: unknown): string | undefined {
  if (!Array.isArray(faults)) return "faults: not a list";
  for (const [index, scheduled] of faults.entries()) {
    const at = `faults[${index}]`;
    if (!isObject(scheduled)) return `${at}: not an object`;
    if (!isTime(scheduled.atMs)) return `${at}.atMs: not a time ≥ 0 (ms)`;
    if (scheduled.healAtMs !== undefined && (!isTime(scheduled.healAtMs) || scheduled.healAtMs < scheduled.atMs)) return `${at}.healAtMs: not a time ≥ atMs`;
    if (!isObject(scheduled.fault)) return `${at}.fault: not an object`;
    const kind = scheduled.fault.kind;
    if (typeof kind !== "string" || !(allFaultKinds as readonly string[]).includes(kind)) {
      return `${at}.fault.kind: ${JSON.stringify(kind)} is not a fault kind (known: ${allFaultKinds.join(", ")})`;
    }
  }
  return undefined;
}

function expectationsProblem(expectations: unknown): string | undefined {
  if (!isObject(expectations)) return "expectations: missing or not an object";
  if (!Array.isArray(expectations.checkers)) return "expectations.checkers: not a list";
  const unknown = expectations.checkers.find((name) => typeof name !== "string" || !(allCheckerNames as readonly string[]).includes(name));
  return unknown === undefined ? undefined : `expectations.checkers: ${JSON.stringify(unknown)} is not a checker (known: ${allCheckerNames.join(", ")})`;
}

function optionalProblem(value: Json): string | undefined {
  for (const key of ["brokerConfig", "brokerConfigByNode", "intervals", "testFaults", "generated", "simNetwork"] as const) {
    if (value[key] !== undefined && !isObject(value[key])) return `${key}: not an object`;
  }
  if (value.brokerTopics !== undefined && !Array.isArray(value.brokerTopics)) return "brokerTopics: not a list";
  return undefined;
}

/** The scenario a run directory was made from (for replay); throws ScenarioFileError naming the problem. */
export function readScenarioFile(outDir: string): Scenario {
  const path = join(outDir, scenarioFileName);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ScenarioFileError(path, (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ScenarioFileError(path, `not JSON (${(error as Error).message})`);
  }
  const problem = scenarioProblem(value);
  if (problem !== undefined) throw new ScenarioFileError(path, problem);
  return value as Scenario;
}
