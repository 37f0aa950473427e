// The battery summary as one self-contained HTML page (battery.json is the same data): the
// verdict, the failure with its shrunk schedule and replay command, the speed figures, the
// distribution of every drawn option value and fault kind × role (zeros included: a corner the
// battery never reached is visible), and one row per run. Reads the summary only.
import type { BatterySummary } from "../chaos/swarm/battery_summary.ts";
import { reportCss } from "./css.ts";
import { esc, seconds } from "./escape.ts";

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${head.map((cell) => `<th>${esc(cell)}</th>`).join("")}</tr></thead>` +
    `<tbody>${rows.map((row) => `<tr>${row.map((cell) => `<td>${esc(cell)}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

function failureSection(summary: BatterySummary): string {
  const failure = summary.failure;
  if (failure === undefined) return "";
  const failed = failure.result.checks.filter((check) => check.verdict === "fail").map((check) => `${check.name}: ${check.summary}`);
  const schedule = (failure.scenario?.faults ?? []).map((scheduled) =>
    [`${seconds(scheduled.atMs)}–${seconds(scheduled.healAtMs)}`, scheduled.fault.kind, JSON.stringify(scheduled.fault)]);
  return `<h2>Failure (${esc(failure.phase)}${failure.property === undefined ? "" : `, property ${esc(failure.property)}, run ${String(failure.runIndex)}`})</h2>
<p>${esc(failure.result.scenario)} — verdict <b>${esc(failure.verdict)}</b>${failure.result.error === undefined ? "" : `: ${esc(failure.result.error)}`}</p>
<ul>${failed.map((text) => `<li>${esc(text)}</li>`).join("")}</ul>
${failure.scenario === undefined ? "" : `<p>${esc(failure.scenario.description)}</p><h3>Shrunk schedule (${schedule.length} fault(s), from ${String(failure.originalFaults ?? "?")})</h3>${table(["window", "kind", "fault"], schedule)}`}
<div class="replay"><pre>${esc(failure.replay)}</pre></div>
${failure.reproduce === undefined ? "" : `<p>search again: <code>${esc(failure.reproduce)}</code></p>`}
<p>run directory: <code>${esc(failure.outDir)}</code>, trace ${esc(failure.result.traceHash ?? "–")}</p>`;
}

function distributionSection(summary: BatterySummary): string {
  const { distribution } = summary;
  const options = Object.entries(distribution.options).map(([name, values]) =>
    [name, Object.entries(values).map(([value, count]) => `${value}: ${count}`).join("   ")]);
  const roles = [...new Set(Object.values(distribution.faults).flatMap((byRole) => Object.keys(byRole)))];
  const faults = Object.entries(distribution.faults).map(([kind, byRole]) =>
    [kind, String(Object.values(byRole).reduce((sum, count) => sum + count, 0)), ...roles.map((role) => String(byRole[role] ?? 0))]);
  return `<h2>What the swarm visited (${distribution.runs} runs)</h2>
<p>Runs per property: ${esc(Object.entries(distribution.properties).map(([name, count]) => `${name} ${count}`).join(", ") || "none")}</p>
<h3>Configuration options (value: runs)</h3>${table(["option", "values"], options)}
<h3>Fault draws by kind × role</h3>${table(["kind", "total", ...roles], faults)}`;
}

function probesSection(summary: BatterySummary): string {
  const probes = summary.probes;
  const missed = probes.missingRequired.length === 0 ? "" :
    `<p class="verdict-fail">Required code probes not hit: ${esc(probes.missingRequired.join(", "))}</p>`;
  return `<h2>Code probes</h2><p>${probes.hit}/${probes.total} hit, required ${probes.requiredHit}/${probes.required} hit, over ${probes.runsCollected} run(s)` +
    `${probes.runsNotCollected > 0 ? `; ${probes.runsNotCollected} run(s) did not collect probes` : ""}. ` +
    `The table (hit/missed, first run with its replay): <a href="coverage.html">coverage.html</a>.</p>${missed}`;
}

export function renderBatteryHtml(summary: BatterySummary): string {
  const verdictClass = `verdict-${summary.verdict}`;
  const detail = summary.failure === undefined
    ? `${summary.suite === null ? "" : `CI suite ${summary.suite.passed}/${summary.suite.runs} passed; `}${summary.swarm.passed} of ${summary.swarm.runs} swarm runs passed, ${summary.swarm.skipped} case(s) skipped by a precondition`
    : `failed in the ${summary.failure.phase} phase`;
  const runs = summary.runs.map((run) => [String(run.index), run.property, run.topology, run.verdict, run.faultKinds.join(", ") || "–",
    `${run.wallMs} ms`, run.failedChecks.join(", "), String(run.fastCheckSeed), run.description.replace(/^.*configuration: /, "")]);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mqlab battery — ${esc(summary.verdict)}</title><style>${reportCss}
table { border-collapse: collapse; margin: 6px 0 14px; } td, th { border: 1px solid var(--line); padding: 2px 8px; text-align: left; font-size: 12.5px; }</style></head>
<body><header><h1>mqlab battery, seed ${summary.seed}</h1>
<div class="verdict ${verdictClass}"><span class="verdict-word">${esc(summary.verdict.toUpperCase())}</span><span class="verdict-detail">${esc(detail)}</span></div>
<p><code>${esc(summary.command)}</code> — budget ${esc(seconds(summary.budgetMs))}, took ${esc(seconds(summary.wallMs))}, stopped by ${esc(summary.stoppedBy)}
${summary.testFaults === undefined ? "" : `, deliberately broken broker ${esc(JSON.stringify(summary.testFaults))}`}</p>
<p>Swarm runs: ${summary.swarm.runs}, passed ${summary.swarm.passed}, failed ${summary.swarm.runs - summary.swarm.passed}; cases skipped by a fast-check precondition (neither run nor passed): ${summary.swarm.skipped}</p>
<p>Swarm speed: ${summary.swarm.runsPerMinute} runs/min, ${summary.swarm.simulatedSecondsPerWallSecond} simulated s per wall s</p></header>
<main>${failureSection(summary)}${probesSection(summary)}${distributionSection(summary)}
<h2>Swarm runs</h2>${table(["#", "property", "topology", "verdict", "fault draws", "wall", "failed checks", "fast-check seed", "configuration (options off their default)"], runs)}
${summary.suite === null ? "" : `<h2>CI suite</h2>${table(["scenario", "seed", "verdict", "wall", "replay"], summary.suite.results.map((result) => [result.scenario, String(result.seed), result.verdict, `${result.wallMs} ms`, result.replay]))}`}
</main></body></html>
`;
}
