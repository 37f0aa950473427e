// Simulator speed with the real system inside: for each topology, a steady workload (2
// producers × 10 msg/s, 2 consumers) and an idle cluster; prints simulated seconds per wall
// second and events per wall second, and simulated seconds per CPU second (process.cpuUsage over
// the run: the figure that holds on a loaded machine), with the load-independent shape of that
// CPU: events per simulated second (the idle timer floor), CPU µs per event, and CPU µs per
// message sent (steady). Run:
// npx node --import tsx chaos/bench/sim_bench.ts [minutes] [topology (default: 1m, 2m-noslave, 2m-2s-sync)]
import { simCommand } from "../cli/sim_command.ts";
import type { TopologyName } from "../scenario.ts";

const minutes = Number(process.argv[2] ?? 10);
if (!Number.isFinite(minutes) || minutes <= 0) {
  console.error(`bench-sim: minutes must be a positive number, got ${process.argv[2]}`);
  process.exit(2);
}
const allTopologies: TopologyName[] = ["1m", "2m-noslave", "2m-2s-sync"];
const only = process.argv[3];
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
    const cpuBefore = process.cpuUsage();
    const summary = await simCommand(topology, 1, runMinutes, rate);
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
    figures.push({
      topology, workload: label, simulatedS, wallS, simulatedPerWall: simulatedS / wallS, eventsPerWallS: (summary.events ?? 0) / wallS,
      cpuS, simulatedPerCpuS: simulatedS / cpuS, eventsPerSimulatedS, cpuUsPerEvent, cpuUsPerMessage,
      traceHash: summary.traceHash, sent: summary.counts.sent, consumed: summary.counts.consumed, error: summary.error,
    });
  }
}
console.log(JSON.stringify({ bench: "sim", minutes, figures }));
