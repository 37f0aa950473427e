// `--broken <switch>[=value]`: which test-only broker fault (system/broker/test_faults.ts) a
// check turns on, to prove its property catches a deliberately broken broker. Numeric
// switches take a value or a default that shows within a short run.
import type { BrokerTestFaults } from "../../system/broker/test_faults.ts";

type SwitchName = keyof BrokerTestFaults;

const switches: Record<SwitchName, { kind: "flag" } | { kind: "number"; defaultValue: number; what: string }> = {
  ackBeforeFlush: { kind: "flag" },
  dropEveryNthSend: { kind: "number", defaultValue: 50, what: "N" },
  duplicatePullEveryNth: { kind: "number", defaultValue: 20, what: "N" },
  skipCommitOffset: { kind: "flag" },
  writeBehindMs: { kind: "number", defaultValue: 500, what: "ms" },
};

export const brokenSwitchNames: readonly string[] = Object.keys(switches);

export function brokenUsage(): string {
  return Object.entries(switches)
    .map(([name, spec]) => (spec.kind === "flag" ? name : `${name}[=${spec.what}, default ${spec.defaultValue}]`))
    .join(" | ");
}

/** "writeBehindMs=200" → { writeBehindMs: 200 }; throws with the known names otherwise. */
export function parseBrokenSwitch(text: string): BrokerTestFaults {
  const [name = "", value] = text.split("=", 2);
  if (!Object.hasOwn(switches, name)) throw new Error(`unknown --broken switch "${name}" (known: ${brokenUsage()})`);
  const key = name as SwitchName;
  const spec = switches[key];
  if (spec.kind === "flag") {
    if (value !== undefined && value !== "true") throw new Error(`--broken ${name} takes no value`);
    return { [key]: true };
  }
  const parsed = value === undefined ? spec.defaultValue : Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`--broken ${name}=${String(value)}: want a positive integer (${spec.what})`);
  return { [key]: parsed };
}

/** A short tag for directory names: "writeBehindMs-500". */
export function brokenTag(faults: BrokerTestFaults): string {
  return Object.entries(faults).map(([name, value]) => (value === true ? name : `${name}-${String(value)}`)).join("+");
}
