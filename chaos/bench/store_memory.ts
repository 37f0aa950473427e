// The memory half of `just bench-store` (issue 15): what a broker-like process (the store on the
// real Env, started with the broker's node flags) holds when its one queue is empty, after
// 1,000,000 × 1 KiB messages are written, and after each read pass. A sample is the process's
// memoryUsage (rss, heapUsed, heapTotal, external, arrayBuffers) and V8's space sizes, taken
// after a full GC. The child prints one JSON line (`{"bench":"store-memory",...}`); the parent
// parses it back with parseMemoryReport, which rejects anything malformed.
// Invariant: the target is rssAboveEmptyMiB < memoryTargetMiB for every sample after the fill.
import { readFileSync } from "node:fs";
import v8 from "node:v8";

/** Issue 15: RSS after the fill and the read passes stays this far above the empty store. */
export const memoryTargetMiB = 50;

/** The V8 spaces a sample records (committed size, used, physical), MiB. */
const spaceNames = ["new_space", "old_space", "code_space", "large_object_space", "new_large_object_space", "trusted_space"] as const;

export interface SpaceSample { sizeMiB: number; usedMiB: number; physicalMiB: number }

export interface MemorySample {
  label: string;
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
  spaces: Record<string, SpaceSample>;
  /** Linux: RSS by mapping (/proc/self/smaps): "[anon]" (V8 pages, big buffers, malloc arenas of threads), "[heap]" (main malloc arena), "node" (the binary), "files". */
  rssByMappingMiB: Record<string, number>;
}

export interface MemoryReport {
  bench: "store-memory";
  nodeArgs: string[];
  messageCount: number;
  writeMsgsPerS: number;
  samples: MemorySample[];
}

const mib = (bytes: number): number => bytes / (1024 * 1024);

function mappingKind(name: string): string {
  if (name === "") return "[anon]";
  if (/\/node$/.test(name)) return "node";
  return name.startsWith("/") ? "files" : name;
}

function rssByMapping(): Record<string, number> {
  let text: string;
  try {
    text = readFileSync("/proc/self/smaps", "latin1");
  } catch {
    return {};
  }
  const kb: Record<string, number> = {};
  let kind = "";
  for (const line of text.split("\n")) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping !== null) kind = mappingKind(mapping[1] ?? "");
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null) kb[kind] = (kb[kind] ?? 0) + Number(rss[1]);
  }
  return Object.fromEntries(Object.entries(kb).filter(([, value]) => value >= 1024).map(([name, value]) => [name, value / 1024]));
}

/** One sample after a full GC (the child runs with --expose-gc; without it, as it is). */
export function sampleMemory(label: string): MemorySample {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  const spaces: Record<string, SpaceSample> = {};
  for (const space of v8.getHeapSpaceStatistics()) {
    if (!(spaceNames as readonly string[]).includes(space.space_name)) continue;
    spaces[space.space_name] = {
      sizeMiB: mib(space.space_size), usedMiB: mib(space.space_used_size), physicalMiB: mib(space.physical_space_size),
    };
  }
  return {
    label, rssMiB: mib(usage.rss), heapUsedMiB: mib(usage.heapUsed), heapTotalMiB: mib(usage.heapTotal),
    externalMiB: mib(usage.external), arrayBuffersMiB: mib(usage.arrayBuffers), spaces, rssByMappingMiB: rssByMapping(),
  };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function sampleProblem(sample: unknown): string | null {
  if (typeof sample !== "object" || sample === null) return "a sample is not an object";
  const fields = sample as Record<string, unknown>;
  if (typeof fields["label"] !== "string") return "a sample has no label";
  for (const key of ["rssMiB", "heapUsedMiB", "heapTotalMiB", "externalMiB", "arrayBuffersMiB"]) {
    if (!isFiniteNumber(fields[key])) return `sample ${String(fields["label"])}: ${key} is not a number`;
  }
  if (typeof fields["spaces"] !== "object" || fields["spaces"] === null) return `sample ${String(fields["label"])}: no spaces`;
  return null;
}

/** The child's report from its stdout; throws naming what is wrong. */
export function parseMemoryReport(stdout: string): MemoryReport {
  const line = stdout.split("\n").find((text) => text.startsWith('{"bench":"store-memory"'));
  if (line === undefined) throw new Error("no store-memory JSON line in the child's output");
  const report = JSON.parse(line) as MemoryReport;
  if (!Array.isArray(report.samples) || !Array.isArray(report.nodeArgs)) throw new Error("store-memory report without samples or nodeArgs");
  if (!isFiniteNumber(report.messageCount)) throw new Error("store-memory report without messageCount");
  for (const sample of report.samples) {
    const problem = sampleProblem(sample);
    if (problem !== null) throw new Error(problem);
  }
  if (!report.samples.some((sample) => sample.label === "empty")) throw new Error("store-memory report without the empty sample");
  return report;
}

/** RSS of each sample above the empty store's, MiB. */
export function rssAboveEmpty(report: MemoryReport): Record<string, number> {
  const empty = report.samples.find((sample) => sample.label === "empty");
  if (empty === undefined) throw new Error("no empty sample");
  return Object.fromEntries(report.samples.map((sample) => [sample.label, sample.rssMiB - empty.rssMiB]));
}

/** "name value unit" lines of one sample, as the rest of bench-store prints. */
export function sampleLines(sample: MemorySample, aboveEmptyMiB: number): string[] {
  const prefix = `million.${sample.label}`;
  const lines = [
    `${prefix}.rss ${sample.rssMiB.toFixed(2)} MiB`,
    `${prefix}.rss_above_empty ${aboveEmptyMiB.toFixed(2)} MiB`,
    `${prefix}.heap_used ${sample.heapUsedMiB.toFixed(2)} MiB`,
    `${prefix}.heap_total ${sample.heapTotalMiB.toFixed(2)} MiB`,
    `${prefix}.external ${sample.externalMiB.toFixed(2)} MiB`,
    `${prefix}.array_buffers ${sample.arrayBuffersMiB.toFixed(2)} MiB`,
  ];
  const mappings = Object.entries(sample.rssByMappingMiB ?? {}).map(([name, value]) => `${name} ${value.toFixed(1)}`);
  if (mappings.length > 0) lines.push(`${prefix}.rss_by_mapping ${mappings.join(", ")} MiB`);
  for (const [name, space] of Object.entries(sample.spaces)) {
    lines.push(`${prefix}.${name} ${space.sizeMiB.toFixed(2)} MiB (used ${space.usedMiB.toFixed(2)}, physical ${space.physicalMiB.toFixed(2)})`);
  }
  return lines;
}
