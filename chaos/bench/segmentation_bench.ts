// What the hostile network costs: the same steady scenario with segmentation off (every write
// arrives whole) and at the sim deployer's default (segmentationModerate), interleaved in
// alternating order (the first run of a pair pays for warm-up), four rounds;
// prints CPU ms, wall ms and events. Run: npx node --import tsx chaos/bench/segmentation_bench.ts
import { executeScenario } from "../execute.ts";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import { steadyScenario } from "../cli/sim_command.ts";
import type { TopologyName } from "../scenario.ts";
for (let round = 0; round < 4; round++) {
  for (const topology of ["1m", "2m-2s-sync"] as TopologyName[]) {
    const order: ("off" | "moderate")[] = round % 2 === 0 ? ["moderate", "off"] : ["off", "moderate"];
    for (const seg of order) {
      const before = process.cpuUsage();
      const ex = await executeScenario(steadyScenario(topology, 2), new SimDeployer(seg === "off" ? { segmentation: null } : {}), { seed: 1, outDir: "", wallClock: () => performance.now() });
      const used = process.cpuUsage(before);
      const cpuMs = (used.user + used.system) / 1000;
      console.log(`${topology.padEnd(11)} ${seg.padEnd(9)} cpu ${cpuMs.toFixed(0)} ms wall ${ex.wallMs.toFixed(0)} ms events ${ex.eventsProcessed} ${ex.error ?? ""}`);
    }
  }
}
