// What a battery visited: for every drawn option, how many runs had each value; for every fault
// draw, how many runs drew it per kind × role; runs per property and per topology. Built from
// the runs' scenarios (Scenario.generated), so it counts what ran, not what was planned. Every
// option value and every fault kind is listed, visited or not, so a corner never reached shows
// as a 0 instead of being silently absent.
import type { Scenario } from "../scenario.ts";
import { swarmOptionNames, swarmOptionValues } from "./config.ts";
import { pendingFaultKinds, swarmFaultKinds, swarmRoles } from "./faults.ts";

export interface Distribution {
  runs: number;
  /** option → value (as text) → runs. */
  options: Record<string, Record<string, number>>;
  /** fault kind → role → draws. */
  faults: Record<string, Record<string, number>>;
  properties: Record<string, number>;
}

export function emptyDistribution(): Distribution {
  const options: Distribution["options"] = {};
  for (const name of swarmOptionNames) options[name] = Object.fromEntries(swarmOptionValues[name].map((value) => [String(value), 0]));
  options["ordered"] = { false: 0, true: 0 };
  const faults: Distribution["faults"] = {};
  for (const kind of swarmFaultKinds) faults[kind] = Object.fromEntries(swarmRoles.map((role) => [role, 0]));
  return { runs: 0, options, faults, properties: {} };
}

/** Adds one run (its property name and scenario) to the tally. */
export function tally(distribution: Distribution, property: string, scenario: Scenario): void {
  distribution.runs++;
  distribution.properties[property] = (distribution.properties[property] ?? 0) + 1;
  const generated = scenario.generated;
  if (generated === undefined) return;
  for (const [name, value] of Object.entries(generated.config)) {
    const values = (distribution.options[name] ??= {});
    values[String(value)] = (values[String(value)] ?? 0) + 1;
  }
  for (const draw of generated.draws) {
    const roles = (distribution.faults[draw.kind] ??= {});
    roles[draw.role] = (roles[draw.role] ?? 0) + 1;
  }
}

/** Option values and fault kinds no run visited ("flushDiskType=SYNC_FLUSH", "disk-full"). */
export function unvisited(distribution: Distribution): string[] {
  const options = Object.entries(distribution.options).flatMap(([name, values]) =>
    Object.entries(values).filter(([, count]) => count === 0).map(([value]) => `${name}=${value}`));
  const faults = Object.entries(distribution.faults)
    .filter(([, roles]) => Object.values(roles).every((count) => count === 0)).map(([kind]) => kind);
  return [...options, ...faults];
}

/** A plain-text table for the terminal. */
export function renderDistributionText(distribution: Distribution): string {
  const lines = [`distribution over ${distribution.runs} swarm run(s)`];
  lines.push(`  properties: ${Object.entries(distribution.properties).map(([name, count]) => `${name} ${count}`).join(", ") || "none"}`);
  lines.push("  options (value: runs):");
  for (const [name, values] of Object.entries(distribution.options)) {
    lines.push(`    ${name.padEnd(32)} ${Object.entries(values).map(([value, count]) => `${value}: ${count}`).join("  ")}`);
  }
  lines.push(`  faults (draws by role): ${swarmRoles.join(" / ")}`);
  for (const [kind, roles] of Object.entries(distribution.faults)) {
    const total = Object.values(roles).reduce((sum, count) => sum + count, 0);
    lines.push(`    ${kind.padEnd(28)} ${String(total).padStart(4)}  ${swarmRoles.map((role) => String(roles[role] ?? 0).padStart(4)).join(" ")}`);
  }
  const missing = unvisited(distribution);
  lines.push(missing.length === 0 ? "  every option value and fault kind was visited" : `  never visited: ${missing.join(", ")}`);
  if (pendingFaultKinds.length > 0) lines.push(`  not drawable yet: ${pendingFaultKinds.join(", ")}`);
  return lines.join("\n");
}
