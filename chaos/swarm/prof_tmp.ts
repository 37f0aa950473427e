import fc from "fast-check";
import { findProperty } from "../check/properties.ts";
import { swarmSource } from "./swarm_case.ts";
import { runPlan } from "./battery.ts";
let faults = 0; const kinds = new Map<string, number>();
for (let i = 0; i < 200; i++) {
  const plan = runPlan(1, i);
  const source = swarmSource(findProperty(plan.property));
  const [c] = fc.sample(source.arbitrary, { seed: plan.fastCheckSeed, numRuns: 1, unbiased: true });
  faults += c!.draws.length;
  for (const d of c!.draws) kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
}
console.log("draws per run", faults / 200, [...kinds].sort());
