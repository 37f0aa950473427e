// Evidence of the guarantee checkers (orderly, sharding, retry, delay, late-join,
// producer-failover, replica, routes, duplicates, send-status) rendered from its shape, so a
// new field shows up without a renderer change: every capped list ({count, items}) becomes a
// table whose columns are its items' keys (nested objects flattened one level: "first.id"),
// plain arrays of objects become tables too, and scalars become a facts line. Times (keys
// ending in Ms) print as durations or run times. Bounds that carry a mechanism and terms
// (BoundDerivation, RouteBound) get their own table: the report shows what each bound assumed.
import { esc, millis } from "./escape.ts";
import { table } from "./evidence_table.ts";

type Row = Record<string, unknown>;

const isRecord = (value: unknown): value is Row => typeof value === "object" && value !== null && !Array.isArray(value);
const isCapped = (value: unknown): value is { count: number; items: unknown[] } =>
  isRecord(value) && typeof value.count === "number" && Array.isArray(value.items);

function flatten(row: unknown): Row {
  if (!isRecord(row)) return { value: row };
  const flat: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (isRecord(value) && !Object.values(value).some(isRecord)) {
      for (const [inner, innerValue] of Object.entries(value)) flat[`${key}.${inner}`] = innerValue;
    } else {
      flat[key] = value;
    }
  }
  return flat;
}

function cell(key: string, value: unknown): string {
  if (value === undefined) return "–";
  if (value === null) return key.endsWith("Ms") ? "unbounded / never" : "–";
  if (typeof value === "number" && /Ms$/.test(key)) return esc(millis(value));
  if (typeof value === "string" && /(^id$|\.id$|^queue$|^key$)/.test(key)) return `<code>${esc(value)}</code>`;
  if (Array.isArray(value) && value.every((item) => typeof item !== "object")) return esc(value.join(", "));
  return esc(typeof value === "string" ? value : JSON.stringify(value));
}

const humanize = (key: string): string => key.replace(/([A-Z])/g, " $1").replace(/^./, (first) => first.toUpperCase());

function rowsTable(caption: string, items: readonly unknown[], count: number, cssClass: string): string {
  const rows = items.map(flatten);
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return table(caption, columns.map((key): [string, (row: Row) => string] => [key, (row) => cell(key, row[key])]), { count, items: rows }, cssClass);
}

/** A bound's derivation: its value, the mechanism it assumes and the terms it adds up. */
export function derivationsTable(caption: string, derivations: readonly unknown[]): string {
  const rows = derivations.filter(isRecord).map((entry) => ({
    name: entry.name ?? entry.mechanism,
    valueMs: entry.valueMs ?? entry.boundMs,
    mechanism: entry.mechanism,
    terms: Array.isArray(entry.terms)
      ? entry.terms.filter(isRecord).map((term) => `${String(term.name)} ${millis(term.ms as number)}`).join(" + ")
      : entry.derivation,
  }));
  const text = (value: unknown): string => (typeof value === "string" || typeof value === "number" ? String(value) : "–");
  return table(caption, [["bound", (row) => esc(text(row.name))], ["value", (row) => esc(millis(row.valueMs as number))],
    ["mechanism it assumes", (row) => esc(text(row.mechanism))], ["derived from", (row) => esc(text(row.terms))]],
  { count: rows.length, items: rows }, "derivations");
}

export function genericEvidence(evidence: Row): string {
  const facts: string[] = [];
  const tables: string[] = [];
  for (const [key, value] of Object.entries(evidence)) {
    if (isCapped(value)) {
      tables.push(rowsTable(humanize(key), value.items, value.count, key));
    } else if (Array.isArray(value) && value.some(isRecord)) {
      tables.push(key === "bounds" || key === "derivations" ? derivationsTable(`${humanize(key)} (mechanism and intervals)`, value) : rowsTable(humanize(key), value, value.length, key));
    } else if (isRecord(value)) {
      facts.push(`${esc(humanize(key))}: ${esc(Object.entries(value).map(([inner, innerValue]) => `${inner} ${String(innerValue)}`).join(", ") || "none")}`);
    } else {
      facts.push(`${esc(humanize(key))}: ${cell(key, value)}`);
    }
  }
  return (facts.length > 0 ? `<p class="facts">${facts.join(" · ")}</p>` : "") + tables.join("");
}
