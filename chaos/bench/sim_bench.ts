// Simulator speed with the real system inside: for each topology, a steady workload (2
// producers × 10 msg/s, 2 consumers) and an idle cluster; prints simulated seconds per wall
// second and events per wall second, and simulated seconds per CPU second (process.cpuUsage over
// the run: the figure that holds on a loaded machine), with the load-independent shape of that
// CPU: events per simulated second (the idle timer floor), CPU µs per event, and CPU µs per
// message sent (steady). `--by-event` also books the CPU per kind of event (chaos/sim/event_costs.ts:
// timers by their creator, deliveries by route and request code) and prints the top rows; the
// booking reads the CPU clock per event, so its totals run higher than an unwatched run. Run:
// npx node --import tsx chaos/bench/sim_bench.ts [minutes] [topology (default: 1m, 2m-noslave, 2m-2s-sync)] [--by-event]
import { simCommand } from "../cli/sim_command.ts";
import type { TopologyName } from "../scenario.ts";
import { EventCosts } from "../sim/index.ts";

const byEvent = process.argv.includes("--by-event");
const positional = process.argv.slice(2).filter((arg) => arg !== "--by-event");
const minutes = Number(positional[0] ?? 10);
if (!Number.isFinite(minutes) || minutes <= 0) {
  console.error(`bench-sim: minutes must be a positive number, got ${positional[0]}`);
  process.exit(2);
}
const allTopologies: TopologyName[] = ["1m", "2m-noslave", "2m-2s-sync"];
const only = positional[1];
if (only !== undefined && !allTopologies.includes(only as TopologyName)) {
  console.error(`bench-sim: topology must be one of ${allTopologies.join(", ")}, got ${only}`);
  process.exit(2);
}
const topologies = only === undefined ? allTopologies : [only as TopologyName];
/** Every run's figures, printed as one JSON line at the end (`just bench-all` collects them). */
const figures: Record<string, unknown>[] = [];

for (const topology of topologies) {
  for (const [label, rate] of [["steady", undefined], ["idle", 0]] as const) {
    const runMinutes = label === "idle" ? minutes * 12 : minutes;
    const eventCosts = byEvent ? new EventCosts(cpuNowUs) : undefined;
    const cpuBefore = process.cpuUsage();
    const summary = await simCommand(topology, 1, runMinutes, rate, eventCosts);
    const cpuUsed = process.cpuUsage(cpuBefore);
    const cpuS = (cpuUsed.user + cpuUsed.system) / 1e6;
    const wallS = summary.wallMs / 1000;
    const simulatedS = (summary.simulatedMs ?? 0) / 1000;
    const events = summary.events ?? 0;
    const eventsPerSimulatedS = events / Math.max(1e-9, simulatedS);
    const cpuUsPerEvent = (cpuS * 1e6) / Math.max(1, events);
    const cpuUsPerMessage = summary.counts.sent > 0 ? (cpuS * 1e6) / summary.counts.sent : undefined;
    process.stdout.write(
      `${topology.padEnd(12)} ${label.padEnd(7)} simulated ${simulatedS.toFixed(0)} s in ${wallS.toFixed(2)} s wall: ` +
        `${(simulatedS / wallS).toFixed(0)} simulated s/wall s, ${(events / wallS).toFixed(0)} events/s, ` +
        `${(simulatedS / cpuS).toFixed(0)} simulated s/CPU s (${cpuS.toFixed(2)} CPU s), ` +
        `${eventsPerSimulatedS.toFixed(1)} events/simulated s, ${cpuUsPerEvent.toFixed(1)} CPU µs/event` +
        `${cpuUsPerMessage === undefined ? "" : `, ${cpuUsPerMessage.toFixed(0)} CPU µs/message`}, ` +
        `sent ${summary.counts.sent} consumed ${summary.counts.consumed}${summary.error ? ` ERROR ${summary.error}` : ""}\n`,
    );
    if (eventCosts !== undefined) printEventCosts(eventCosts, summary.counts.sent);
    figures.push({
      topology, workload: label, simulatedS, wallS, simulatedPerWall: simulatedS / wallS, eventsPerWallS: (summary.events ?? 0) / wallS,
      cpuS, simulatedPerCpuS: simulatedS / cpuS, eventsPerSimulatedS, cpuUsPerEvent, cpuUsPerMessage,
      traceHash: summary.traceHash, sent: summary.counts.sent, consumed: summary.counts.consumed, error: summary.error,
    });
  }
}
console.log(JSON.stringify({ bench: "sim", minutes, figures }));

function cpuNowUs(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** The costliest kinds of event: count, CPU, CPU per event, share, and CPU per message sent. */
function printEventCosts(eventCosts: EventCosts, sent: number): void {
  const rows = eventCosts.rows();
  const totalUs = rows.reduce((sum, row) => sum + row.cpuUs, 0);
  process.stdout.write(`  by event (${(totalUs / 1000).toFixed(0)} CPU ms booked${sent > 0 ? `, µs/msg = CPU per message sent` : ""}):\n`);
  for (const row of rows.slice(0, 25)) {
    process.stdout.write(
      `  ${(row.cpuUs / 1000).toFixed(1).padStart(9)} ms ${((100 * row.cpuUs) / Math.max(1, totalUs)).toFixed(1).padStart(5)} % ` +
        `${String(row.events).padStart(8)} × ${(row.cpuUs / row.events).toFixed(1).padStart(7)} µs` +
        `${sent > 0 ? ` ${(row.cpuUs / sent).toFixed(1).padStart(6)} µs/msg` : ""}  ${row.label}\n`,
    );
  }
}
