// `mqlab suite`: every scenario of a suite × seeds, optionally one shard of it (CI splits a
// suite over machines with --shard i/n), with a progress bar on a terminal.
import { SingleBar, Presets } from "cli-progress";
import { join } from "node:path";
import type { Suite } from "../../scenarios/index.ts";
import { findScenario } from "../../scenarios/index.ts";
import { createDeployer } from "../deploy/index.ts";
import type { RunResult } from "../result.ts";
import { runScenario } from "../runner.ts";
import { writeRunReport } from "../../reports/run_dir.ts";
import type { Shard } from "../../system/cli/index.ts";

/** Where a suite writes one run (scenario × seed). */
export function suiteRunDir(outDir: string, scenario: string, seed: number): string {
  return join(outDir, `${scenario.replaceAll("/", "__")}--seed-${seed}`);
}

export async function runSuite(suite: Suite, options: { seeds: number; shard: Shard | undefined; deployer: string; outDir: string }): Promise<RunResult[]> {
  const shard = options.shard ?? { index: 1, count: 1 };
  const jobs = suite.scenarios.flatMap((name) => Array.from({ length: options.seeds }, (_, index) => ({ name, seed: index + 1 })))
    .filter((_, index) => index % shard.count === shard.index - 1);
  const deployer = await createDeployer(options.deployer);
  const interactive = process.stderr.isTTY === true;
  const bar = new SingleBar({ format: "{bar} {value}/{total} {scenario} {status}", stream: process.stderr, noTTYOutput: false }, Presets.shades_classic);
  if (interactive) bar.start(jobs.length, 0, { scenario: "", status: "" });
  const results: RunResult[] = [];
  for (const [index, job] of jobs.entries()) {
    const scenario = findScenario(job.name);
    const outDir = suiteRunDir(options.outDir, job.name, job.seed);
    const replay = `npx mqlab run ${job.name} --deployer ${deployer.name} --seed ${job.seed}`;
    const result = await runScenario(scenario, { deployer, seed: job.seed, outDir, replayCommand: replay });
    writeRunReport(outDir);
    results.push(result);
    if (interactive) bar.update(index + 1, { scenario: job.name, status: result.verdict });
    else process.stderr.write(`[${index + 1}/${jobs.length}] ${job.name} seed ${job.seed}: ${result.verdict} (${result.wallMs} ms)\n`);
  }
  if (interactive) bar.stop();
  return results;
}
