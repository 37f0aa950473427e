// Typed access to parse-prometheus-text-format (no bundled types) for tests: parses exposition
// text into prom2json-shaped families and picks samples by name and labels. The parser throws
// on malformed text, which is the validity check the tests rely on.
import { createRequire } from "node:module";

export interface PromSample {
  readonly value?: string;
  readonly labels?: Record<string, string>;
  readonly buckets?: Record<string, string>;
  readonly count?: string;
  readonly sum?: string;
}

export interface PromFamily {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly metrics: readonly PromSample[];
}

const parse = createRequire(import.meta.url)("parse-prometheus-text-format") as (text: string) => PromFamily[];

export function parsePrometheusText(text: string): PromFamily[] {
  return parse(text);
}

export function family(families: readonly PromFamily[], name: string): PromFamily | undefined {
  return families.find((candidate) => candidate.name === name);
}

/** Sum of the samples of `name` whose labels include `labels`. */
export function sampleSum(families: readonly PromFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = family(families, name)?.metrics.filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
  if (found === undefined || found.length === 0) return undefined;
  return found.reduce((sum, sample) => sum + Number(sample.value ?? sample.count ?? 0), 0);
}
