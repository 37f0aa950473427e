import fc from "fast-check";
import { findProperty } from "../check/properties.ts";
import { judgeScenario } from "../check/check.ts";
import { swarmSource } from "./swarm_case.ts";
import { runPlan } from "./battery.ts";
const from = Number(process.argv[2] ?? 0), n = Number(process.argv[3] ?? 6);
const t0 = performance.now(); let sim = 0;
for (let i = from; i < from + n; i++) {
  const plan = runPlan(1, i);
  const source = swarmSource(findProperty(plan.property));
  const [c] = fc.sample(source.arbitrary, { seed: plan.fastCheckSeed, numRuns: 1, unbiased: true });
  const scenario = source.scenarioOf(c!);
  if (process.env.OLD === "1") { scenario.durationMs = 60_000; scenario.quiesceMs = 40_000; }
  const j = await judgeScenario(scenario, c!.seed);
  sim += j.simulatedMs ?? 0;
}
const cpu = process.cpuUsage();
console.log(JSON.stringify({ runs: n, wallMs: Math.round(performance.now() - t0), cpuUserMs: Math.round(cpu.user / 1000), simS: sim / 1000 }));
