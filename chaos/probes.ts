// Code-probe coverage of a set of runs (system/env/probe.ts has the probes themselves): which
// probes a suite, a battery or any set of run directories hit, how often, which run hit each
// first (with its replay command), and which required probes nobody hit. This is the API the
// battery (`mqlab battery`, issue 12) calls: aggregateProbes(runs) over its runs, then
// checkRequiredProbes(aggregate.hit) → the missing required probes; non-empty = fail, naming them.
//
// Honesty rules: a run whose deployer did not collect probes (process/container today) says so
// in its result (`probes.collected: false`), counts as "not collected" here, and never as a run
// that hit nothing; a required probe is judged missing only over runs that collected.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { isProbeName, probeCatalog, requiredProbeNames, type ProbeName } from "../system/env/index.ts";
import { readRunResult, resultFileName, type RunResult } from "./result.ts";

/** One run as the aggregate sees it: its result and, when known, its directory. */
export interface ProbeRun {
  result: Pick<RunResult, "scenario" | "seed" | "replay" | "probes">;
  dir?: string;
}

export interface ProbeRow {
  name: ProbeName;
  description: string;
  required: boolean;
  /** Hits over every run. */
  hits: number;
  /** Runs that hit it at least once. */
  runs: number;
  /** The first run (in the order given) that hit it. */
  first?: { scenario: string; seed: number; replay: string; dir?: string };
}

export interface ProbeAggregate {
  /** One row per catalog probe, in catalog order. */
  rows: ProbeRow[];
  /** Names hit at least once. */
  hit: ProbeName[];
  /** Required probes no run hit (empty when no run collected probes: nothing to judge). */
  missingRequired: ProbeName[];
  runsCollected: number;
  /** Runs whose deployer did not collect probes, and why. */
  notCollected: { scenario: string; seed: number; reason: string }[];
  /** Names in a result that the catalog does not know (an older/newer system/): listed, not counted. */
  unknown: string[];
}

/** The required probes missing from `hit`, in catalog order. */
export function checkRequiredProbes(hit: Iterable<string>, required: readonly ProbeName[] = requiredProbeNames): ProbeName[] {
  const seen = new Set(hit);
  return required.filter((name) => !seen.has(name));
}

export function aggregateProbes(runs: readonly ProbeRun[], required: readonly ProbeName[] = requiredProbeNames): ProbeAggregate {
  const rows = new Map<ProbeName, ProbeRow>(probeCatalog.map((spec) => [spec.name, {
    name: spec.name, description: spec.description, required: required.includes(spec.name), hits: 0, runs: 0,
  }]));
  const notCollected: ProbeAggregate["notCollected"] = [];
  const unknown = new Set<string>();
  let runsCollected = 0;
  for (const { result, dir } of runs) {
    const probes = result.probes;
    if (probes === undefined || !probes.collected) {
      notCollected.push({ scenario: result.scenario, seed: result.seed, reason: probes?.reason ?? "the result has no probes (written before probes existed)" });
      continue;
    }
    runsCollected++;
    for (const [name, count] of Object.entries(probes.hits)) {
      if (!isProbeName(name)) {
        unknown.add(name);
        continue;
      }
      const row = rows.get(name)!;
      if (count === undefined || count <= 0) continue;
      row.hits += count;
      row.runs += 1;
      row.first ??= { scenario: result.scenario, seed: result.seed, replay: result.replay, ...(dir === undefined ? {} : { dir }) };
    }
  }
  const all = [...rows.values()];
  const hit = all.filter((row) => row.hits > 0).map((row) => row.name);
  return {
    rows: all, hit,
    missingRequired: runsCollected === 0 ? [] : checkRequiredProbes(hit, required),
    runsCollected, notCollected, unknown: [...unknown].sort(),
  };
}

/** Every result.json under `root` (recursively; replay/ subdirectories included), sorted by path. */
export function findRunResults(root: string): string[] {
  const found: string[] = [];
  const walk = (directory: string): void => {
    for (const name of readdirSync(directory).sort()) {
      const path = join(directory, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (name === resultFileName) found.push(directory);
    }
  };
  if (statSync(root).isDirectory()) walk(root);
  return found;
}

/** Reads every run under the roots, in path order. */
export function readProbeRuns(roots: readonly string[]): ProbeRun[] {
  return roots.flatMap((root) => findRunResults(root)).map((dir) => ({ result: readRunResult(dir), dir }));
}

/** The terminal table: hit/missed per probe, then the verdict line(s). */
export function renderProbeText(aggregate: ProbeAggregate): string {
  const lines: string[] = [];
  const width = Math.max(...aggregate.rows.map((row) => row.name.length));
  for (const row of aggregate.rows) {
    const mark = row.hits > 0 ? "hit " : row.required ? "MISS" : "-   ";
    const first = row.first === undefined ? "" : `  first: ${row.first.scenario} seed ${row.first.seed}`;
    lines.push(`${mark} ${row.required ? "R" : " "} ${row.name.padEnd(width)} ${String(row.hits).padStart(7)} hits ${String(row.runs).padStart(4)} runs${first}`);
  }
  const total = aggregate.rows.length;
  const required = aggregate.rows.filter((row) => row.required);
  lines.push(`probes: ${aggregate.hit.length}/${total} hit, required ${required.length - aggregate.missingRequired.length}/${required.length} hit, over ${aggregate.runsCollected} run(s)` +
    (aggregate.notCollected.length > 0 ? `; ${aggregate.notCollected.length} run(s) did not collect probes (${aggregate.notCollected[0]!.reason})` : ""));
  if (aggregate.unknown.length > 0) lines.push(`unknown probe names in results (not counted): ${aggregate.unknown.join(", ")}`);
  for (const name of aggregate.missingRequired) lines.push(`REQUIRED PROBE NOT HIT: ${name}`);
  return lines.join("\n") + "\n";
}
