// Java properties files (broker.conf, namesrv.properties) read with `dot-properties`, keeping
// each entry's line number so a bad value can be reported as file:line.
import { Pair, parseLines } from "dot-properties";

export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based line where the entry starts. */
  line: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export function parseProperties(text: string): PropertyEntry[] {
  const lineStarts = [0];
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) === 10) lineStarts.push(index + 1);
  }
  const lineOf = (offset: number): number => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
  const entries: PropertyEntry[] = [];
  for (const node of parseLines(text, true)) {
    if (!(node instanceof Pair)) continue;
    entries.push({ key: node.key, value: node.value.trim(), line: lineOf(node.range?.[0] ?? 0) });
  }
  return entries;
}

/** Typed value kinds a config key can hold; parse errors name the source and line. */
export type ValueKind = "int" | "long" | "bool" | "string" | { enum: readonly string[] };

export function parseValue(kind: ValueKind, entry: PropertyEntry, sourceName: string): string | number | boolean {
  const where = `${sourceName}:${entry.line}`;
  const raw = entry.value;
  if (kind === "string") return raw;
  if (kind === "bool") {
    if (raw === "true" || raw === "false") return raw === "true";
    throw new ConfigError(`${where}: ${entry.key}=${raw}: expected true or false`);
  }
  if (kind === "int" || kind === "long") {
    if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${where}: ${entry.key}=${raw}: expected an integer`);
    const value = Number(raw);
    const limit = kind === "int" ? 2 ** 31 : Number.MAX_SAFE_INTEGER;
    if (value >= limit || value < -limit) {
      throw new ConfigError(`${where}: ${entry.key}=${raw}: out of range for ${kind === "int" ? "a 32-bit int" : "a long"}`);
    }
    return value;
  }
  if (!kind.enum.includes(raw)) {
    throw new ConfigError(`${where}: ${entry.key}=${raw}: expected one of ${kind.enum.join(", ")}`);
  }
  return raw;
}

export interface KeySpec {
  kind: ValueKind;
  /** Other spellings RocketMQ versions accepted (e.g. mapedFileSizeCommitLog). */
  aliases?: readonly string[];
}

/**
 * Applies properties onto defaults using a key table. Unknown keys produce warnings (RocketMQ
 * ignores them silently, which hides typos); malformed values throw ConfigError with file:line.
 */
export function applyProperties<T extends object>(
  defaults: T,
  specs: { readonly [K in keyof T]?: KeySpec },
  entries: readonly PropertyEntry[],
  sourceName: string,
): { config: T; warnings: string[] } {
  const config = { ...defaults } as Record<string, unknown>;
  const warnings: string[] = [];
  const byName = new Map<string, string>();
  for (const [key, spec] of Object.entries(specs) as [string, KeySpec][]) {
    byName.set(key, key);
    for (const alias of spec.aliases ?? []) byName.set(alias, key);
  }
  for (const entry of entries) {
    const key = byName.get(entry.key);
    if (key === undefined) {
      warnings.push(`${sourceName}:${entry.line}: unknown key ${entry.key} (ignored)`);
      continue;
    }
    const spec = (specs as Record<string, KeySpec>)[key];
    if (spec === undefined) continue;
    config[key] = parseValue(spec.kind, entry, sourceName);
  }
  return { config: config as T, warnings };
}

/** Renders a config as key=value lines, sorted, as `mqbroker -p` / `mqnamesrv -p` print it. */
export function formatProperties(config: object): string {
  return Object.entries(config)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${String(value)}`)
    .join("\n");
}
