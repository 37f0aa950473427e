// The lab one mutant faces (`just mutation`): a short, fixed, deterministic slice of the CI lab
// run in one process — the smoke scenarios (every topology's crash or firewall fault, intervals
// scaled down, ~1 min simulated each) plus a few generated no-acked-loss property runs — so a
// mutant costs seconds, not the battery's minutes. Exit 0 every run passed, 1 a check failed or
// a property found a counterexample, 2 a run broke (an exception counts as killing the mutant too).
// Usage: mutation_lab.ts [outDir]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { smokeScenario } from "../../scenarios/library/smoke.ts";
import { runCheck } from "../check/check.ts";
import { findProperty } from "../check/properties.ts";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import { runScenario } from "../runner.ts";
import type { TopologyName } from "../scenario.ts";

const scenarios: [TopologyName, "no-fault" | "broker-crash" | "firewall-drop"][] = [
  ["1m", "broker-crash"],
  ["2m-noslave", "firewall-drop"],
  ["2m-2s-async", "broker-crash"],
  ["2m-2s-sync", "broker-crash"],
  ["2m-2s-sync", "firewall-drop"],
];

async function main(): Promise<number> {
  const outDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "mqlab-mutation-lab-"));
  let worst = 0;
  try {
    for (const [topology, fault] of scenarios) {
      const scenario = smokeScenario(topology, fault);
      const result = await runScenario(scenario, { deployer: new SimDeployer(), seed: 1, outDir: join(outDir, `${topology}-${fault}`), writeReport: false });
      process.stdout.write(`${result.verdict} ${scenario.name}${result.verdict === "pass" ? "" : `: ${result.error ?? result.checks.filter((c) => c.verdict === "fail").map((c) => c.summary).join("; ")}`}\n`);
      if (result.verdict !== "pass") return result.verdict === "fail" ? 1 : 2;
    }
    const report = await runCheck({
      property: findProperty("no-acked-loss"), topology: "2m-2s-sync", runs: 3, seed: 1, shrinkRunsMax: 0,
      outDir: join(outDir, "check"), command: "mutation lab",
    });
    process.stdout.write(`${report.failed ? "fail" : "pass"} check no-acked-loss (${report.runs} runs)\n`);
    if (report.failed) worst = 1;
  } finally {
    if (process.argv[2] === undefined) rmSync(outDir, { recursive: true, force: true });
  }
  return worst;
}

process.exit(await main());
