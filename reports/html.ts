// One run's report as ONE self-contained HTML file (inline CSS, inline SVG, a few lines of
// inline JS for the copy button; nothing fetched, readable offline). It reads only the result
// and the history (never system/), aggregates the history per time bucket, and escapes every
// string that came from the run. Sections: verdict banner, run facts, replay command,
// incident narrative and phases, timeline, checks with evidence, counts, latency, queue
// ownership over time, intervals and broker.conf overrides.
import type { HistoryEvent } from "../chaos/history/types.ts";
import type { CheckResult, PhaseResult, PhaseSymptom, RunCounts, RunResult } from "../chaos/result.ts";
import { reportCss } from "./css.ts";
import { esc, millis, seconds } from "./escape.ts";
import { evidenceHtml } from "./evidence_html.ts";
import { groupLags } from "./lag.ts";
import { runProbesHtml } from "./probes_html.ts";
import { sendErrorsSection } from "./send_errors.ts";
import { assignmentLanes, bucketize, faultBands, nodeMarks, timeRange } from "./series.ts";
import { assignmentSvg, faultColor, lagSvg, palette, seriesStyles, timelineSvg } from "./svg.ts";

export interface ReportOptions {
  /**
   * An incident run (chaos/incident.ts): each phase's history, in result.phases order. The
   * timeline and queue ownership are then drawn per phase, beside each other, with the
   * phase's symptom spans shaded; the run-level timeline and counts are left out.
   */
  phaseHistories?: readonly (readonly HistoryEvent[])[];
}

export function renderReport(result: RunResult, history: readonly HistoryEvent[], options: ReportOptions = {}): string {
  const { originMs, endMs } = timeRange(result, history);
  const perPhase = options.phaseHistories !== undefined && result.phases !== undefined;
  const title = `${result.verdict.toUpperCase()} · ${result.scenario} · seed ${result.seed}`;
  return [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${esc(title)}</title><style>${reportCss}</style></head><body>`,
    `<header><h1>${esc(result.scenario)}</h1>${banner(result)}${facts(result)}</header>`,
    `<main>`,
    replayBox(result.replay),
    result.narrative === undefined ? "" : narrative(result),
    result.phases === undefined || result.phases.length === 0 ? "" : phases(result.phases, options.phaseHistories),
    perPhase ? "" : timeline(result, history, originMs, endMs),
    perPhase ? "" : lag(result, history, originMs, endMs),
    checks(result.checks),
    perPhase ? "" : countsSection(result.counts),
    perPhase ? "" : sendErrorsSection(history),
    perPhase ? "" : assignments(history, originMs, endMs),
    configuration(result),
    runProbesHtml(result),
    `</main>`,
    perPhase
      ? `<footer>mqlab incident report · ${esc((options.phaseHistories ?? []).reduce((sum, events) => sum + events.length, 0))} history events in ${esc(result.phases?.length ?? 0)} phases · generated from result.json and each phase's history.jsonl</footer>`
      : `<footer>mqlab report · ${esc(history.length)} history events · generated from result.json and history.jsonl</footer>`,
    `<script>${copyScript}</script>`,
    "</body></html>",
  ].join("\n");
}

function banner(result: RunResult): string {
  const failed = result.checks.filter((check) => check.verdict === "fail").map((check) => check.name);
  const detail = result.verdict === "error"
    ? `The run itself broke: ${esc(result.error ?? "no message")}`
    : failed.length > 0 ? `Failed checks: ${esc(failed.join(", "))}` : `All ${result.checks.length} checks passed`;
  return `<div id="verdict" class="verdict verdict-${esc(result.verdict)}"><span class="verdict-word">${esc(result.verdict.toUpperCase())}</span><span class="verdict-detail">${detail}</span></div>`;
}

function facts(result: RunResult): string {
  const rows: [string, string][] = [
    ["scenario", result.scenario], ["topology", result.topology], ["deployer", result.deployer], ["seed", String(result.seed)],
    ["started", result.startedAt], ["wall time", millis(result.wallMs)],
  ];
  if (result.simulatedMs !== undefined) rows.push(["simulated time", seconds(result.simulatedMs)]);
  if (result.traceHash !== undefined) rows.push(["trace hash", result.traceHash]);
  return `<dl class="facts">${rows.map(([name, value]) => `<dt>${esc(name)}</dt><dd>${esc(value)}</dd>`).join("")}</dl>`;
}

function replayBox(command: string): string {
  return `<section id="replay-section"><h2>Replay</h2><p>This one command re-runs exactly this run (same scenario, same seed):</p>` +
    `<div class="replay"><pre id="replay"><code>${esc(command)}</code></pre><button type="button" id="copy-replay">Copy</button></div></section>`;
}

function narrative(result: RunResult): string {
  const story = result.narrative;
  if (story === undefined) return "";
  const item = (name: string, body: string): string => `<dt>${esc(name)}</dt><dd>${esc(body)}</dd>`;
  return `<section id="narrative"><h2>Incident: ${esc(story.title)}</h2><dl class="story">` +
    item("Symptom", story.symptom) + item("Cause", story.cause) + item("What this report shows", story.reportShows) + item("Fix", story.fix) +
    `</dl></section>`;
}

function phases(list: readonly PhaseResult[], histories?: readonly (readonly HistoryEvent[])[]): string {
  const column = (phase: PhaseResult, index: number): string => `<div class="phase"><h3>${esc(phase.phase)} <span class="badge badge-${esc(phase.verdict)}">${esc(phase.verdict.toUpperCase())}</span></h3>` +
    (phase.description === undefined ? "" : `<p>${esc(phase.description)}</p>`) +
    (phase.symptom === undefined ? "" : symptom(phase.symptom)) +
    (histories?.[index] === undefined ? "" : phaseCharts(phase, histories[index] ?? [], index)) +
    `<p class="small">seed ${esc(phase.seed)} · ${esc(phase.topology)} · broker.conf: ${esc(Object.entries(phase.brokerConfig).map(([key, value]) => `${key}=${value}`).join(", ") || "defaults")}</p>` +
    `<ul class="phase-checks">${phase.checks.map((check) => `<li><span class="badge badge-${esc(check.verdict)}">${esc(check.verdict)}</span> <strong>${esc(check.name)}</strong>: ${esc(check.summary)}</li>`).join("")}</ul>` +
    countsTable(phase.counts) + `<p class="small">replay: <code>${esc(phase.replay)}</code></p></div>`;
  return `<section id="phases"><h2>Phases side by side</h2><div class="phases">${list.map(column).join("")}</div></section>`;
}

function symptom(reading: PhaseSymptom): string {
  const rows = Object.entries(reading.measured).map(([key, value]) => `<tr><th>${esc(key)}</th><td>${esc(String(value))}</td></tr>`).join("");
  return `<p class="symptom"><span class="badge badge-${reading.present ? "fail" : "pass"}">${reading.present ? "SYMPTOM SHOWN" : "NO SYMPTOM"}</span> ${esc(reading.summary)}</p>` +
    (rows === "" ? "" : `<table class="counts symptom-measured"><tbody>${rows}</tbody></table>`);
}

/** One phase's timeline (faults and symptom spans shaded) and queue ownership. */
function phaseCharts(phase: PhaseResult, history: readonly HistoryEvent[], index: number): string {
  const { originMs, endMs } = timeRange(phase, history);
  const series = bucketize(history, originMs, endMs);
  const spans = (phase.symptom?.spans ?? []).map((span) => ({ startMs: span.startMs, endMs: span.endMs, kind: "symptom", target: span.label }));
  const { marks } = nodeMarks(history);
  const chart = timelineSvg(series, [...faultBands(phase, history), ...spans], marks).replace('id="timeline"', `id="timeline-phase-${index + 1}"`);
  const faults = faultBands(phase, history).map((band) => `${band.kind} ${band.target}${band.detail === undefined ? "" : ` (${band.detail})`} ${seconds(band.startMs - originMs)} → ${band.endMs === null ? "never healed" : seconds(band.endMs - originMs)}`);
  const legend = seriesStyles.map((style) => `<span class="key"><span class="swatch" style="background:${style.color}"></span>${esc(style.label)}</span>`).join("");
  return `<h4>Timeline</h4>${chart}<div class="legend">${legend}</div><p class="small">${esc(faults.length === 0 ? "No faults." : `Faults: ${faults.join("; ")}.`)}${spans.length === 0 ? "" : " Bands labelled “symptom” mark when the symptom showed."}</p>` +
    assignments(history, originMs, endMs).replace(/<section id="assignment"><h2>Queue ownership over time<\/h2>/, "<section><h4>Queue ownership</h4>");
}

function timeline(result: RunResult, history: readonly HistoryEvent[], originMs: number, endMs: number): string {
  const series = bucketize(history, originMs, endMs);
  const bands = faultBands(result, history);
  const { marks, total } = nodeMarks(history);
  const legend = seriesStyles.map((style) => `<span class="key"><span class="swatch" style="background:${style.color}"></span>${esc(style.label)}</span>`).join("");
  const faultRows = bands.map((band) => `<tr><td><span class="swatch" style="background:${faultColor(band.kind)}"></span>${esc(band.kind)}</td><td>${esc(band.target)}</td>` +
    `<td>${esc(band.detail ?? "")}</td><td>${esc(seconds(band.startMs - originMs))}</td><td>${band.endMs === null ? "never" : esc(seconds(band.endMs - originMs))}</td></tr>`).join("");
  const nodeRows = marks.slice(0, 60).map((mark) => `<tr><td>${esc(seconds(mark.timeMs - originMs))}</td><td>${esc(mark.node)}</td><td>${esc(mark.event)}</td></tr>`).join("");
  return `<section id="timeline-section"><h2>Timeline</h2>` +
    `<p>x = seconds since the run started; one point per ${esc(millis(series.bucketMs))}, as a rate per second. Shaded bands are faults (inject → heal); marks on the bottom lane are node events (hover for details).</p>` +
    timelineSvg(series, bands, marks) + `<div class="legend">${legend}</div>` +
    (bands.length === 0 ? "<p>No faults were injected.</p>" : `<table class="evidence faults"><caption>Faults</caption><thead><tr><th>kind</th><th>target</th><th>detail</th><th>inject</th><th>heal</th></tr></thead><tbody>${faultRows}</tbody></table>`) +
    (total === 0 ? "" : `<details><summary>Node events (${esc(total)})</summary><table class="evidence"><thead><tr><th>time</th><th>node</th><th>event</th></tr></thead><tbody>${nodeRows}</tbody></table>${total > 60 ? `<p class="more">… and ${esc(total - 60)} more.</p>` : ""}</details>`) +
    `</section>`;
}

function lag(result: RunResult, history: readonly HistoryEvent[], originMs: number, endMs: number): string {
  const series = bucketize(history, originMs, endMs);
  const lags = groupLags(history, originMs, series.bucketMs, series.invoked.length);
  if (lags.length === 0) return "";
  const legend = lags.map((entry, index) => `<span class="key"><span class="swatch" style="background:${palette[index % palette.length] ?? "#999"}"></span>${esc(entry.group)}</span>`).join("");
  const rows = lags.map((entry) => `<tr><td>${esc(entry.group)}</td><td>${esc(entry.maxLag)}</td><td>${entry.maxLag === 0 ? "–" : esc(seconds(entry.maxLagAtMs - originMs))}</td>` +
    `<td>${entry.caughtUpAtMs === null ? "never behind" : esc(seconds(entry.caughtUpAtMs - originMs))}</td></tr>`).join("");
  return `<section id="lag-section"><h2>Consumer lag</h2>` +
    `<p>Messages acked to the producer but not yet received by the group, at the end of each ${esc(millis(series.bucketMs))} (rocketmq_group_diff, seen from the clients). Only messages the group received in the end count; delayed messages wait on purpose and are left out; losses are the delivery check's.</p>` +
    lagSvg(lags, series, faultBands(result, history)) + `<div class="legend">${legend}</div>` +
    `<table class="evidence"><thead><tr><th>group</th><th>most behind</th><th>at</th><th>caught up at</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function checks(list: readonly CheckResult[]): string {
  if (list.length === 0) return `<section id="checks"><h2>Checks</h2><p>No checks ran (see the verdict above).</p></section>`;
  const sections = list.map((check) => `<section class="check check-${esc(check.verdict)}" id="check-${esc(check.name)}">` +
    `<h3><span class="badge badge-${esc(check.verdict)}">${esc(check.verdict.toUpperCase())}</span> ${esc(check.name)}</h3><p class="summary">${esc(check.summary)}</p>` +
    `<details class="evidence-details"${check.verdict === "fail" ? " open" : ""}><summary>Evidence</summary>${evidenceHtml(check)}</details></section>`);
  return `<section id="checks"><h2>Checks</h2>${sections.join("")}</section>`;
}

const countLabels: [keyof RunCounts, string][] = [
  ["sent", "sends invoked"], ["acked", "acked"], ["failed", "failed"], ["unknown", "outcome unknown"], ["consumed", "distinct messages delivered"],
  ["deliveries", "deliveries (all)"], ["lost", "lost"], ["duplicated", "duplicated"], ["unexpected", "unexpected"],
  ["unknownResolvedOk", "unknown, later delivered"], ["failedButDelivered", "failed, delivered anyway"],
];

function countsTable(counts: RunCounts): string {
  const bad = new Set<keyof RunCounts>(["lost", "unexpected"]);
  return `<table class="counts"><tbody>${countLabels.map(([key, label]) => {
    const value = counts[key] ?? 0;
    return `<tr><th>${esc(label)}</th><td class="${bad.has(key) && value > 0 ? "bad" : ""}">${esc(value)}</td></tr>`;
  }).join("")}</tbody></table>`;
}

function countsSection(counts: RunCounts): string {
  return `<section id="counts"><h2>Counts</h2>${countsTable(counts)}</section>`;
}

function assignments(history: readonly HistoryEvent[], originMs: number, endMs: number): string {
  const groups = assignmentLanes(history, endMs);
  if (groups.length === 0) return "";
  const body = groups.map((lanes) => {
    const legend = lanes.processes.map((process, index) => `<span class="key"><span class="swatch" style="background:${palette[index % palette.length] ?? "#999"}"></span>${esc(process)}</span>`).join("");
    return `<h3>Group ${esc(lanes.group)} · topic ${esc(lanes.topic)}</h3>${assignmentSvg(lanes, originMs, endMs)}` +
      `<div class="legend">${legend}<span class="key"><span class="swatch" style="background:#cf222e"></span>held by two or more</span></div>`;
  }).join("");
  return `<section id="assignment"><h2>Queue ownership over time</h2><p>One lane per queue; the colour says which consumer held it (from the consumers' rebalance snapshots), red where two held it at once, empty where nobody did.</p>${body}</section>`;
}

function configuration(result: RunResult): string {
  const intervals = Object.entries(result.intervals).map(([key, value]) => `<tr><th>${esc(key)}</th><td>${esc(millis(value))}</td></tr>`).join("");
  const overrides = Object.entries(result.brokerConfig).map(([key, value]) => `<tr><th>${esc(key)}</th><td>${esc(value)}</td><td>all brokers</td></tr>`);
  for (const [node, config] of Object.entries(result.brokerConfigByNode ?? {})) {
    for (const [key, value] of Object.entries(config)) overrides.push(`<tr><th>${esc(key)}</th><td>${esc(value)}</td><td>${esc(node)}</td></tr>`);
  }
  return `<section id="configuration"><h2>Intervals and configuration</h2><div class="columns">` +
    `<table class="evidence"><caption>Intervals used</caption><tbody>${intervals}</tbody></table>` +
    (overrides.length === 0 ? "<p>broker.conf: the topology's files, no overrides.</p>" : `<table class="evidence"><caption>broker.conf overrides</caption><tbody>${overrides.join("")}</tbody></table>`) +
    `</div></section>`;
}

const copyScript = `document.getElementById("copy-replay").addEventListener("click", function () {
  var text = document.getElementById("replay").textContent;
  var button = this;
  function done(ok) { button.textContent = ok ? "Copied" : "Select and copy"; }
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(function () { done(true); }, function () { select(); done(false); });
  } else { select(); done(false); }
  function select() { var range = document.createRange(); range.selectNodeContents(document.getElementById("replay")); var selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range); }
});`;
