// `mqlab suite`: every scenario of a suite × seeds, optionally one shard of it (CI splits a
// suite over machines with --shard i/n), with a progress bar on a terminal.
import { SingleBar, Presets } from "cli-progress";
import { join } from "node:path";
import type { Suite } from "../../scenarios/index.ts";
import { findScenario } from "../../scenarios/index.ts";
import { createDeployer } from "../deploy/index.ts";
import type { Deployer } from "../deploy/types.ts";
import type { RunResult } from "../result.ts";
import { runScenario } from "../runner.ts";
import { writeRunReport } from "../../reports/run_dir.ts";
import type { Shard } from "../../system/cli/index.ts";

/** Where a suite writes one run (scenario × seed). */
export function suiteRunDir(outDir: string, scenario: string, seed: number): string {
  return join(outDir, `${scenario.replaceAll("/", "__")}--seed-${seed}`);
}

/** One run of a suite: a scenario and a seed. */
export interface SuiteJob {
  name: string;
  seed: number;
}

/** A suite's runs (scenario × seeds), cut to one shard. */
export function suiteJobs(suite: Suite, seeds: number, shard: Shard | undefined): SuiteJob[] {
  const { index, count } = shard ?? { index: 1, count: 1 };
  return suite.scenarios.flatMap((name) => Array.from({ length: seeds }, (_, seedIndex) => ({ name, seed: seedIndex + 1 })))
    .filter((_, jobIndex) => jobIndex % count === index - 1);
}

/** Runs one suite job into its run directory (suiteRunDir) and writes its report. */
export async function runSuiteJob(job: SuiteJob, deployer: Deployer, outDir: string): Promise<RunResult> {
  const runDir = suiteRunDir(outDir, job.name, job.seed);
  const replay = `npx mqlab run ${job.name} --deployer ${deployer.name} --seed ${job.seed}`;
  const result = await runScenario(findScenario(job.name), { deployer, seed: job.seed, outDir: runDir, replayCommand: replay });
  writeRunReport(runDir);
  return result;
}

/**
 * Runs a suite (or a shard of it) and returns its results in job order. With `runJob` (the
 * battery's worker threads, simulator only) up to `threads` jobs run at once; progress is still
 * reported in job order.
 */
export async function runSuite(
  suite: Suite,
  options: { seeds: number; shard: Shard | undefined; deployer: string; outDir: string; threads?: number; runJob?: (job: SuiteJob) => Promise<RunResult> },
): Promise<RunResult[]> {
  const jobs = suiteJobs(suite, options.seeds, options.shard);
  let runJob = options.runJob;
  if (runJob === undefined) {
    const deployer = await createDeployer(options.deployer);
    runJob = (job) => runSuiteJob(job, deployer, options.outDir);
  }
  const interactive = process.stderr.isTTY === true;
  const bar = new SingleBar({ format: "{bar} {value}/{total} {scenario} {status}", stream: process.stderr, noTTYOutput: false }, Presets.shades_classic);
  if (interactive) bar.start(jobs.length, 0, { scenario: "", status: "" });
  const results: (RunResult | undefined)[] = jobs.map(() => undefined);
  let nextJob = 0;
  let reported = 0;
  const lane = async (run: (job: SuiteJob) => Promise<RunResult>): Promise<void> => {
    while (nextJob < jobs.length) {
      const index = nextJob++;
      results[index] = await run(jobs[index]!);
      for (let result = results[reported]; result !== undefined; result = results[reported]) {
        const job = jobs[reported]!;
        reported++;
        if (interactive) bar.update(reported, { scenario: job.name, status: result.verdict });
        else process.stderr.write(`[${reported}/${jobs.length}] ${job.name} seed ${job.seed}: ${result.verdict} (${result.wallMs} ms)\n`);
      }
    }
  };
  const lanes = options.runJob === undefined ? 1 : Math.max(1, options.threads ?? 1);
  await Promise.all(Array.from({ length: Math.min(lanes, jobs.length) }, () => lane(runJob)));
  if (interactive) bar.stop();
  return results.map((result) => result!);
}
