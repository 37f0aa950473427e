// Small shared helpers for checker evidence and summaries: capped id lists (the count is always
// exact, the list is cut so result.json stays small at 1e6 events) and short id quotes for the
// one-sentence summaries.
import type { CheckContext } from "./context.ts";

export const defaultEvidenceIdsMax = 1000;

/** A capped list: `count` is exact, `items` holds at most the cap, `truncated` says so. */
export type CappedList<T> = { count: number; items: T[]; truncated: boolean };

export function capped<T>(items: readonly T[], max: number): CappedList<T> {
  return { count: items.length, items: items.slice(0, max), truncated: items.length > max };
}

export function idsMax(context: CheckContext): number {
  return context.options?.evidenceIdsMax ?? defaultEvidenceIdsMax;
}

/** "m-1, m-2, m-3 and 7 more" */
export function quoteIds(ids: readonly string[], shown = 3): string {
  const head = ids.slice(0, shown).join(", ");
  return ids.length > shown ? `${head} and ${ids.length - shown} more` : head;
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Nearest-rank percentile of an ascending array (null when empty). */
export function percentileOfSorted(sorted: Float64Array, fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "∞";
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms)} ms`;
}
