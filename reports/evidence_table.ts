// The table every evidence renderer draws: up to rowsShownMax rows of a capped list
// ({count, items}, as result.json stores it) with an "N more" line, and the defensive readers of
// evidence JSON (a file from an older run may hold any shape). Shared by evidence_html.ts and
// evidence_generic.ts so neither imports the other.
import { esc } from "./escape.ts";

export type Row = Record<string, unknown>;
export type Capped = { count: number; items: Row[] };

export const rowsShownMax = 100;

export const asRecord = (value: unknown): Row => (typeof value === "object" && value !== null && !Array.isArray(value) ? value as Row : {});
export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const asCapped = (value: unknown): Capped => {
  const record = asRecord(value);
  const items = asArray(record.items).map((item) => (typeof item === "string" ? { id: item } : asRecord(item)));
  return { count: typeof record.count === "number" ? record.count : items.length, items };
};
export const text = (value: unknown): string => {
  if (value === undefined || value === null) return "–";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
};

/** A table of up to rowsShownMax rows, with "N more" when the evidence holds more. */
export function table(caption: string, columns: [string, (row: Row) => string][], capped: Capped, cssClass = ""): string {
  if (capped.count === 0) return "";
  const rows = capped.items.slice(0, rowsShownMax).map((row) =>
    `<tr>${columns.map(([, cell]) => `<td>${cell(row)}</td>`).join("")}</tr>`).join("");
  const more = capped.count > Math.min(rowsShownMax, capped.items.length)
    ? `<p class="more">… and ${capped.count - Math.min(rowsShownMax, capped.items.length)} more (${capped.count} in all; result.json keeps the first ${capped.items.length}).</p>`
    : "";
  return `<table class="evidence ${esc(cssClass)}"><caption>${esc(caption)} (${capped.count})</caption>` +
    `<thead><tr>${columns.map(([name]) => `<th>${esc(name)}</th>`).join("")}</tr></thead><tbody>${rows}</tbody></table>${more}`;
}

