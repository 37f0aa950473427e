// The report's hand-written inline SVG charts, sharing one time axis (x = seconds): the
// timeline (fault bands shaded and labelled inject→heal, per-second rates of sends, acks,
// failed/unknown sends, deliveries and retries, node events as marks), consumer lag per group
// (one line per group, fault bands shaded) and the queue ownership lanes per consumer group (a
// coloured band per holder, red where two hold a queue).
// Every element is closed explicitly and every text escaped; tooltips are <title> children.
import { coord, esc, seconds } from "./escape.ts";
import type { GroupLag } from "./lag.ts";
import type { FaultBand, GroupLanes, NodeMark, Series } from "./series.ts";

export const chartWidth = 1000;
const left = 84;
const right = 16;
const plotWidth = chartWidth - left - right;

export const seriesStyles = [
  // Drawn in this order, widest first, so equal rates stay visible as stacked strokes.
  { key: "invoked", label: "sends invoked", color: "#8a8f98", dash: "", width: 5 },
  { key: "acked", label: "acks", color: "#1a7f37", dash: "", width: 3.2 },
  { key: "delivered", label: "deliveries", color: "#0969da", dash: "", width: 1.6 },
  { key: "failed", label: "send failures / unknown", color: "#cf222e", dash: "", width: 2 },
  { key: "retried", label: "retries (reconsume)", color: "#bc4c00", dash: "4 3", width: 1.6 },
  { key: "delayed", label: "delayed messages delivered", color: "#8250df", dash: "2 2", width: 1.6 },
  { key: "deadLettered", label: "moved to the DLQ", color: "#24292f", dash: "1 3", width: 2.4 },
] as const;

export const palette = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#72b7b2", "#eeca3b", "#ff9da6", "#79706e", "#bab0ac"];

const faultColors: Record<string, string> = {
  crash: "#cf222e", "clean-restart": "#cf222e", "power-loss": "#8b0000", pause: "#bf8700", firewall: "#8250df", partition: "#8250df",
  "heartbeat-loss": "#1b7c83", flow: "#6e7781", "clock-skew": "#0550ae", "slow-disk": "#953800", "disk-full": "#953800", "disk-error": "#953800",
  "namesrv-all-down": "#a40e26",
  "acl-secret": "#6639ba", "acl-file": "#6639ba",
  // An incident phase's symptom reading (when the symptom showed), not a fault.
  symptom: "#bc4c00",
};

const markColors: Record<string, string> = {
  crash: "#cf222e", "clean-restart": "#cf222e", "power-loss": "#8b0000", restart: "#1a7f37", start: "#1a7f37", pause: "#bf8700", resume: "#0969da", stop: "#6e7781",
};

export const faultColor = (kind: string): string => faultColors[kind] ?? "#6e7781";

class Axis {
  constructor(readonly originMs: number, readonly endMs: number) {}
  x(timeMs: number): number {
    const span = Math.max(1, this.endMs - this.originMs);
    return left + (Math.min(Math.max(timeMs, this.originMs), this.endMs) - this.originMs) / span * plotWidth;
  }
  ticks(): number[] {
    const spanS = (this.endMs - this.originMs) / 1000;
    const step = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].find((choice) => spanS / choice <= 12) ?? 7200;
    const ticks: number[] = [];
    for (let tick = 0; tick <= spanS + 1e-9; tick += step) ticks.push(this.originMs + tick * 1000);
    return ticks;
  }
}

function axisSvg(axis: Axis, y: number): string {
  const parts = [`<line x1="${left}" y1="${y}" x2="${chartWidth - right}" y2="${y}" class="axis"></line>`];
  for (const tick of axis.ticks()) {
    const x = coord(axis.x(tick));
    parts.push(`<line x1="${x}" y1="${y}" x2="${x}" y2="${y + 4}" class="axis"></line>`);
    parts.push(`<text x="${x}" y="${y + 16}" text-anchor="middle" class="tick">${esc(seconds(tick - axis.originMs))}</text>`);
  }
  return parts.join("");
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= value) ?? 10;
  return step * magnitude;
}

export function timelineSvg(series: Series, bands: readonly FaultBand[], marks: readonly NodeMark[]): string {
  const axis = new Axis(series.originMs, series.endMs);
  const top = 34;
  const plotHeight = 190;
  const laneY = top + plotHeight + 14;
  const height = laneY + 22 + 26;
  const perSecond = 1000 / series.bucketMs;
  let maxRate = 0;
  for (const style of seriesStyles) for (const value of series[style.key]) maxRate = Math.max(maxRate, value * perSecond);
  const yMax = niceMax(maxRate);
  const y = (rate: number): number => top + plotHeight - rate / yMax * plotHeight;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" id="timeline" class="chart" viewBox="0 0 ${chartWidth} ${height}" role="img" aria-label="timeline">`];
  bands.forEach((band, index) => {
    const x1 = axis.x(band.startMs);
    const x2 = Math.max(x1 + 2, axis.x(band.endMs ?? series.endMs));
    const healed = band.endMs === null ? "never healed" : `heal ${seconds(band.endMs - series.originMs)}`;
    const label = `${band.kind} ${band.target}`;
    const tip = `${label}${band.detail === undefined ? "" : ` (${band.detail})`}: inject ${seconds(band.startMs - series.originMs)} → ${healed}`;
    parts.push(`<g class="fault"><title>${esc(tip)}</title>` +
      `<rect class="fault-shade" x="${coord(x1)}" y="${top}" width="${coord(x2 - x1)}" height="${laneY + 22 - top}" fill="${faultColor(band.kind)}" fill-opacity="0.14"></rect>` +
      `<text class="fault-label" x="${coord(x1 + 3)}" y="${12 + (index % 2) * 13}" fill="${faultColor(band.kind)}">${esc(label)}</text></g>`);
  });
  for (const rate of [0, yMax / 2, yMax]) {
    parts.push(`<line x1="${left}" y1="${coord(y(rate))}" x2="${chartWidth - right}" y2="${coord(y(rate))}" class="grid"></line>`);
    parts.push(`<text x="${left - 6}" y="${coord(y(rate) + 4)}" text-anchor="end" class="tick">${esc(formatRate(rate))}</text>`);
  }
  parts.push(`<text x="12" y="${top + plotHeight / 2}" class="tick" transform="rotate(-90 12 ${top + plotHeight / 2})" text-anchor="middle">per second</text>`);
  for (const style of seriesStyles) {
    const values = series[style.key];
    if (!values.some((value) => value > 0)) continue;
    const points = Array.from(values, (value, index) =>
      `${coord(axis.x(series.originMs + (index + 0.5) * series.bucketMs))},${coord(y(value * perSecond))}`).join(" ");
    parts.push(`<polyline class="series series-${style.key}" points="${points}" fill="none" stroke="${style.color}" stroke-width="${style.width}" stroke-linejoin="round"${style.dash === "" ? "" : ` stroke-dasharray="${style.dash}"`}><title>${esc(style.label)}</title></polyline>`);
  }
  parts.push(`<text x="${left - 6}" y="${laneY + 14}" text-anchor="end" class="tick">nodes</text>`);
  parts.push(`<line x1="${left}" y1="${laneY + 11}" x2="${chartWidth - right}" y2="${laneY + 11}" class="grid"></line>`);
  for (const mark of marks) {
    const x = coord(axis.x(mark.timeMs));
    parts.push(`<g class="node-mark"><title>${esc(`${seconds(mark.timeMs - series.originMs)} ${mark.node} ${mark.event}`)}</title>` +
      `<line x1="${x}" y1="${laneY}" x2="${x}" y2="${laneY + 22}" stroke="${markColors[mark.event] ?? "#6e7781"}" stroke-width="2"></line>` +
      `<circle cx="${x}" cy="${laneY + 11}" r="3.5" fill="${markColors[mark.event] ?? "#6e7781"}"></circle></g>`);
  }
  parts.push(axisSvg(axis, laneY + 26));
  parts.push("</svg>");
  return parts.join("");
}

/** Consumer lag per group: messages stored but not yet received, at each bucket's end. */
export function lagSvg(lags: readonly GroupLag[], series: Series, bands: readonly FaultBand[]): string {
  const axis = new Axis(series.originMs, series.endMs);
  const top = 10;
  const plotHeight = 140;
  const height = top + plotHeight + 30;
  const yMax = niceMax(Math.max(0, ...lags.map((entry) => entry.maxLag)));
  const y = (messages: number): number => top + plotHeight - messages / yMax * plotHeight;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" id="lag" class="chart" viewBox="0 0 ${chartWidth} ${height}" role="img" aria-label="consumer lag per group">`];
  for (const band of bands) {
    const x1 = axis.x(band.startMs);
    const x2 = Math.max(x1 + 2, axis.x(band.endMs ?? series.endMs));
    parts.push(`<rect class="fault-shade" x="${coord(x1)}" y="${top}" width="${coord(x2 - x1)}" height="${plotHeight}" fill="${faultColor(band.kind)}" fill-opacity="0.14"><title>${esc(`${band.kind} ${band.target}`)}</title></rect>`);
  }
  for (const messages of [0, yMax / 2, yMax]) {
    parts.push(`<line x1="${left}" y1="${coord(y(messages))}" x2="${chartWidth - right}" y2="${coord(y(messages))}" class="grid"></line>`);
    parts.push(`<text x="${left - 6}" y="${coord(y(messages) + 4)}" text-anchor="end" class="tick">${esc(formatRate(messages))}</text>`);
  }
  parts.push(`<text x="12" y="${top + plotHeight / 2}" class="tick" transform="rotate(-90 12 ${top + plotHeight / 2})" text-anchor="middle">messages</text>`);
  lags.forEach((entry, index) => {
    const points = Array.from(entry.lag, (messages, bucket) =>
      `${coord(axis.x(series.originMs + (bucket + 1) * series.bucketMs))},${coord(y(messages))}`).join(" ");
    parts.push(`<polyline class="lag-series" points="${axis.x(series.originMs)},${coord(y(0))} ${points}" fill="none" stroke="${palette[index % palette.length] ?? "#999"}" stroke-width="2" stroke-linejoin="round"><title>${esc(`lag of ${entry.group}`)}</title></polyline>`);
  });
  parts.push(axisSvg(axis, top + plotHeight + 4));
  parts.push("</svg>");
  return parts.join("");
}

function formatRate(rate: number): string {
  return rate >= 100 ? Math.round(rate).toString() : (Math.round(rate * 10) / 10).toString();
}

export function assignmentSvg(lanes: GroupLanes, originMs: number, endMs: number): string {
  const axis = new Axis(originMs, endMs);
  const laneHeight = 16;
  const top = 6;
  const height = top + lanes.lanes.length * laneHeight + 26;
  const colorOf = (process: string): string => palette[Math.max(0, lanes.processes.indexOf(process)) % palette.length] ?? "#999";
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" class="chart assignment" viewBox="0 0 ${chartWidth} ${height}" role="img" aria-label="${esc(`queue ownership of group ${lanes.group}`)}">`];
  lanes.lanes.forEach((lane, index) => {
    const laneTop = top + index * laneHeight;
    parts.push(`<text x="${left - 6}" y="${laneTop + 12}" text-anchor="end" class="tick">${esc(lane.queue)}</text>`);
    parts.push(`<rect x="${left}" y="${laneTop + 1}" width="${plotWidth}" height="${laneHeight - 2}" class="lane"></rect>`);
    for (const segment of lane.segments) {
      const x1 = axis.x(segment.startMs);
      const width = Math.max(1, axis.x(segment.endMs) - x1);
      const double = segment.holders.length > 1;
      const fill = double ? "#cf222e" : colorOf(segment.holders[0] ?? "");
      const tip = `${lane.queue} ${double ? `held by ${segment.holders.length}: ` : "held by "}${segment.holders.join(", ")} from ${seconds(segment.startMs - originMs)} to ${seconds(segment.endMs - originMs)}`;
      parts.push(`<rect class="${double ? "hold double-held" : "hold"}" x="${coord(x1)}" y="${laneTop + 2}" width="${coord(width)}" height="${laneHeight - 4}" fill="${fill}"><title>${esc(tip)}</title></rect>`);
    }
  });
  parts.push(axisSvg(axis, top + lanes.lanes.length * laneHeight + 4));
  parts.push("</svg>");
  return parts.join("");
}
