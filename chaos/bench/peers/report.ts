// Renders the side-by-side benchmark's figures as one Markdown table (a row per measure, a
// column per peer) followed by the ratios the performance issue's "done when" names. With more
// than one round a cell holds every round's value ("run 1 / run 2"), and a ratio is taken within
// each round (both sides measured minutes apart, in the same state of the box), never across.
import type { Figure } from "./drivers.ts";

/** A figure of one round of the benchmark (1-based). */
export interface RoundFigure extends Figure {
  round: number;
}

const ROWS: { label: string; mode: string; value: (figure: Figure) => number; digits: number }[] = [
  { label: "publish, window 256, msgs/s", mode: "publish", value: (figure) => figure.rate, digits: 0 },
  { label: "publish server CPU %", mode: "publish", value: (figure) => figure.serverCpuPct, digits: 0 },
  { label: "publish server CPU µs/msg", mode: "publish", value: (figure) => figure.serverCpuUsPerMsg, digits: 1 },
  { label: "publish client CPU µs/msg", mode: "publish", value: (figure) => figure.clientCpuUsPerMsg, digits: 1 },
  { label: "sequential p50 ms", mode: "sequential", value: (figure) => figure.p50Ms, digits: 3 },
  { label: "sequential p99 ms", mode: "sequential", value: (figure) => figure.p99Ms, digits: 3 },
  { label: "fill backlog, msgs/s", mode: "fill", value: (figure) => figure.rate, digits: 0 },
  { label: "drain backlog, pull/group, msgs/s", mode: "drain-pull", value: (figure) => figure.rate, digits: 0 },
  { label: "drain backlog, push, msgs/s", mode: "drain-push", value: (figure) => figure.rate, digits: 0 },
  { label: "server RSS MiB after drain", mode: "drain-pull", value: (figure) => figure.serverRssMiB, digits: 0 },
];

function format(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return "-";
  return digits === 0 ? Math.round(value).toLocaleString("en-US") : value.toFixed(digits);
}

function find(figures: RoundFigure[], round: number, peer: string, mode: string): Figure | undefined {
  return figures.find((figure) => figure.round === round && figure.peer === peer && figure.mode === mode);
}

/** left / right within each round, " / " between rounds; "-" for a round missing either side. */
function ratio(figures: RoundFigure[], rounds: number[], left: [string, string], right: [string, string], pick: (figure: Figure) => number): string {
  return rounds.map((round) => {
    const a = find(figures, round, ...left);
    const b = find(figures, round, ...right);
    return a === undefined || b === undefined ? "-" : `${(pick(a) / pick(b)).toFixed(2)}×`;
  }).join(" / ");
}

export function renderTable(figures: RoundFigure[]): string {
  const peers = [...new Set(figures.map((figure) => figure.peer))];
  const rounds = [...new Set(figures.map((figure) => figure.round))].sort((a, b) => a - b);
  const lines = [
    ...(rounds.length > 1 ? [`Rounds ${rounds.join(" / ")} in every cell (each round runs the peers in the other order).`, ""] : []),
    `| measure | ${peers.join(" | ")} |`,
    `|---|${peers.map(() => "---:").join("|")}|`,
  ];
  for (const row of ROWS) {
    lines.push(`| ${row.label} | ${peers.map((peer) => rounds.map((round) => {
      const figure = find(figures, round, peer, row.mode);
      return format(figure === undefined ? undefined : row.value(figure), row.digits);
    }).join(" / ")).join(" | ")} |`);
  }
  const rate = (figure: Figure): number => figure.rate;
  lines.push("", "| ratio | value |", "|---|---:|");
  lines.push(`| mqlab ASYNC publish / NATS JetStream publish | ${ratio(figures, rounds, ["mqlab-async", "publish"], ["nats", "publish"], rate)} |`);
  lines.push(`| mqlab ASYNC publish, ROCKETMQ headers / NATS JetStream publish | ${ratio(figures, rounds, ["mqlab-async-rocketmq", "publish"], ["nats", "publish"], rate)} |`);
  lines.push(`| mqlab SYNC publish / Redis always publish | ${ratio(figures, rounds, ["mqlab-sync", "publish"], ["redis-always", "publish"], rate)} |`);
  lines.push(`| mqlab ASYNC publish / Redis everysec publish | ${ratio(figures, rounds, ["mqlab-async", "publish"], ["redis-everysec", "publish"], rate)} |`);
  lines.push(`| mqlab pull drain / Redis everysec XREADGROUP | ${ratio(figures, rounds, ["mqlab-async", "drain-pull"], ["redis-everysec", "drain-pull"], rate)} |`);
  lines.push(`| mqlab push drain / Redis everysec XREADGROUP | ${ratio(figures, rounds, ["mqlab-async", "drain-push"], ["redis-everysec", "drain-pull"], rate)} |`);
  lines.push(`| mqlab ASYNC sequential p50 / NATS sequential p50 | ${ratio(figures, rounds, ["mqlab-async", "sequential"], ["nats", "sequential"], (figure) => figure.p50Ms)} |`);
  return lines.join("\n");
}
