// The report's stylesheet, inlined into every report (no external files, no web fonts).
// Plain, readable, printable; the verdict banner is the one loud element.
export const reportCss = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --soft: #f6f8fa; --good: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 22px; margin: 0 0 10px; word-break: break-all; }
h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 28px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
h4 { font-size: 14px; margin: 12px 0 4px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.verdict { display: flex; align-items: center; gap: 16px; padding: 14px 18px; border-radius: 8px; color: #fff; margin: 8px 0 12px; }
.verdict-word { font-size: 30px; font-weight: 800; letter-spacing: 2px; }
.verdict-detail { font-size: 15px; }
.verdict-pass { background: var(--good); }
.verdict-fail { background: var(--bad); }
.verdict-error { background: #6e4a00; }
.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr max-content 1fr; gap: 2px 12px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; font-weight: 600; word-break: break-all; }
.replay { display: flex; gap: 8px; align-items: stretch; }
.replay pre { flex: 1; margin: 0; padding: 10px 12px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; user-select: all; }
.replay button { padding: 0 14px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
.chart { width: 100%; height: auto; display: block; background: #fff; }
.chart .axis { stroke: #8c959f; stroke-width: 1; }
.chart .grid { stroke: #eaeef2; stroke-width: 1; }
.chart .tick { font-size: 11px; fill: var(--muted); }
.chart .fault-label { font-size: 11px; font-weight: 600; }
.chart .lane { fill: #f6f8fa; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 6px 0 10px; font-size: 12.5px; color: var(--muted); }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
table { border-collapse: collapse; margin: 8px 0; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); }
table.counts th { font-weight: normal; color: var(--muted); }
table.counts td { text-align: right; font-variant-numeric: tabular-nums; min-width: 80px; }
.bad { color: var(--bad); font-weight: 700; }
.more, .small { color: var(--muted); font-size: 12.5px; }
.check { border: 1px solid var(--line); border-left-width: 5px; border-radius: 6px; padding: 4px 14px 8px; margin: 10px 0; }
.check-pass { border-left-color: var(--good); }
.check-fail { border-left-color: var(--bad); }
.check .summary { margin: 2px 0 6px; }
.badge { display: inline-block; font-size: 11px; font-weight: 700; padding: 1px 7px; border-radius: 10px; color: #fff; vertical-align: 1px; }
.badge-pass { background: var(--good); }
.badge-fail { background: var(--bad); }
.badge-error { background: #6e4a00; }
.badge-skip { background: #777; }
details > summary { cursor: pointer; color: var(--muted); }
.story dt { font-weight: 700; margin-top: 8px; }
.story dd { margin: 2px 0 0 0; }
.phases { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
.phase { border: 1px solid var(--line); border-radius: 6px; padding: 4px 14px 10px; }
.phase-checks { padding-left: 18px; }
.columns { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
pre.json { background: var(--soft); padding: 8px; overflow-x: auto; }
footer { color: var(--muted); font-size: 12px; padding: 24px 20px 40px; }
@media print { .replay button { display: none; } }
`;
