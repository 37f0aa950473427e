// Escaping for everything the reports emit: every piece of text that came from a run (ids,
// error messages, node names, summaries) passes through one of these before it reaches HTML,
// SVG or XML. Characters XML 1.0 forbids (control characters) are replaced, so the output
// always parses.

const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" };

/** Text and attribute values for HTML, SVG and XML (quotes escaped too). */
export function esc(value: unknown): string {
  return String(value)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd")
    .replace(/[&<>"']/g, (character) => entities[character] ?? character);
}

/** Seconds with up to one decimal, for axes and tables ("12.5 s"). */
export function seconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  const value = ms / 1000;
  return `${Number.isInteger(value) ? value.toFixed(0) : value.toFixed(value < 10 ? 3 : 1)} s`;
}

export function millis(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  return ms >= 10_000 ? seconds(ms) : `${Math.round(ms)} ms`;
}

/** A number for SVG coordinates (no exponent, two decimals at most). */
export function coord(value: number): string {
  return (Math.round(value * 100) / 100).toString();
}
