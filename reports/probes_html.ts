// Code-probe coverage as HTML: the table a suite or battery writes (coverage.html) — every
// probe, hit or missed, required or not, its hits and runs, and the first run that hit it with
// that run's replay command — and the small per-run section of report.html (the probes this run
// hit). It reads the aggregate chaos/probes.ts computed (never system/); every string is escaped.
import type { ProbeAggregate } from "../chaos/probes.ts";
import type { RunResult } from "../chaos/result.ts";
import { reportCss } from "./css.ts";
import { esc } from "./escape.ts";

/** The probe table (a <section>), for a page of its own or a summary report. */
export function probeTableHtml(aggregate: ProbeAggregate): string {
  const required = aggregate.rows.filter((row) => row.required);
  const verdict = aggregate.runsCollected === 0
    ? `<p class="symptom"><span class="badge badge-error">NOT COLLECTED</span> No run collected probes${aggregate.notCollected[0] === undefined ? "" : `: ${esc(aggregate.notCollected[0].reason)}`}.</p>`
    : aggregate.missingRequired.length === 0
      ? `<p class="symptom"><span class="badge badge-pass">REQUIRED PROBES HIT</span> All ${required.length} required probes were hit.</p>`
      : `<p class="symptom"><span class="badge badge-fail">REQUIRED PROBES MISSED</span> Not hit: ${aggregate.missingRequired.map((name) => `<code>${esc(name)}</code>`).join(", ")}.</p>`;
  const rows = aggregate.rows.map((row) => {
    const state = row.hits > 0 ? "hit" : row.required ? "missed (required)" : "missed";
    const badge = row.hits > 0 ? "pass" : row.required ? "fail" : "skip";
    const first = row.first === undefined ? "" : `${esc(row.first.scenario)} seed ${esc(row.first.seed)}<br><code>${esc(row.first.replay)}</code>`;
    return `<tr class="probe-${row.hits > 0 ? "hit" : "missed"}"><td><span class="badge badge-${badge}">${esc(state)}</span></td><td><code>${esc(row.name)}</code>${row.required ? " <strong>R</strong>" : ""}</td>` +
      `<td>${esc(row.description)}</td><td>${esc(row.hits)}</td><td>${esc(row.runs)}</td><td>${first}</td></tr>`;
  }).join("");
  const notes = [
    `${aggregate.hit.length} of ${aggregate.rows.length} probes hit over ${aggregate.runsCollected} run(s); required: ${required.length - aggregate.missingRequired.length} of ${required.length}.`,
    aggregate.notCollected.length === 0 ? "" : `${aggregate.notCollected.length} run(s) did not collect probes (${esc(aggregate.notCollected[0]!.reason)}).`,
    aggregate.unknown.length === 0 ? "" : `Unknown probe names in results, not counted: ${esc(aggregate.unknown.join(", "))}.`,
  ].filter((note) => note !== "").join(" ");
  return `<section id="probes"><h2>Code probes</h2>${verdict}<p class="small">${notes} <strong>R</strong> = the CI battery must hit it.</p>` +
    `<table class="counts probe-table"><thead><tr><th>state</th><th>probe</th><th>path it marks</th><th>hits</th><th>runs</th><th>first hit by (replay)</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** A whole page: coverage.html of a suite, a battery or `mqlab coverage --html`. */
export function renderProbeCoverage(title: string, aggregate: ProbeAggregate): string {
  return [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${esc(title)}</title><style>${reportCss}</style></head><body>`,
    `<header><h1>${esc(title)}</h1></header><main>`,
    probeTableHtml(aggregate),
    `</main><footer>mqlab probe coverage · generated from result.json files</footer></body></html>`,
  ].join("\n");
}

/** report.html's section: the probes this one run hit (names and counts), or why none were collected. */
export function runProbesHtml(result: RunResult): string {
  const probes = result.probes;
  if (probes === undefined) return "";
  if (!probes.collected) return `<section id="probes"><h2>Code probes</h2><p class="small">Not collected: ${esc(probes.reason)}.</p></section>`;
  const entries = Object.entries(probes.hits);
  const rows = entries.map(([name, count]) => `<tr><td><code>${esc(name)}</code></td><td>${esc(count)}</td></tr>`).join("");
  return `<section id="probes"><h2>Code probes</h2><p class="small">${esc(entries.length)} probe(s) on rare paths of system/ were hit in this run ` +
    `(<code>npx mqlab coverage &lt;dir&gt;</code> shows the ones a set of runs missed).</p>` +
    (rows === "" ? "" : `<table class="counts"><thead><tr><th>probe</th><th>hits</th></tr></thead><tbody>${rows}</tbody></table>`) + `</section>`;
}
