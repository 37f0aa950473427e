// The battery's worker threads: a swarm run or a suite run comes back as the same plain data the
// run gives on this thread (suite results in job order), and closing the pool rejects the runs
// still in flight instead of leaving them hanging.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SwarmWorkerPool } from "./battery_pool.ts";
import { swarmRun, type SwarmRunOptions } from "./swarm_run.ts";
import { runSuite } from "./suite_command.ts";

const root = mkdtempSync(join(tmpdir(), "mqlab-battery-pool-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));
const options: SwarmRunOptions = { seed: 7, outDir: root, deployer: "sim", shrinkRunsMax: 0 };

test("a run on a worker thread gives what the same run gives on this thread", async () => {
  const pool = new SwarmWorkerPool(1, options, () => undefined);
  try {
    const [threaded, inline] = await Promise.all([pool.run(3), swarmRun(options, 3, () => undefined)]);
    assert.deepEqual(threaded.record, { ...inline.record, wallMs: threaded.record.wallMs });
    assert.ok(threaded.record.traceHash !== undefined);
    assert.deepEqual(threaded.scenario, inline.scenario);
    assert.deepEqual(threaded.result.probes, inline.result.probes);
  } finally {
    await pool.close();
  }
});

test("closing the pool rejects the run in flight", async () => {
  const pool = new SwarmWorkerPool(1, options, () => undefined);
  const inFlight = pool.run(0);
  await pool.close();
  await assert.rejects(inFlight, /swarm run 0: its worker thread stopped/);
  assert.throws(() => { void new SwarmWorkerPool(0, options, () => undefined).run(1); }, /more than 0 run\(s\) in flight/);
});

test("a suite on two threads gives the results one thread gives, in job order", async () => {
  const suite = { name: "pool-test", description: "three short runs", scenarios: ["1m/transactions", "smoke/1m/no-fault"], seeds: 2 };
  const inline = await runSuite(suite, { seeds: 2, shard: undefined, deployer: "sim", outDir: join(root, "inline") });
  const pool = new SwarmWorkerPool(2, options, () => undefined);
  try {
    const outDir = join(root, "threaded");
    const threaded = await runSuite(suite, { seeds: 2, shard: undefined, deployer: "sim", outDir, threads: 2, runJob: (job) => pool.runSuiteJob(job, outDir) });
    const brief = (results: typeof inline): unknown[] => results.map((result) => [result.scenario, result.seed, result.verdict, result.traceHash]);
    assert.equal(inline.length, 4);
    assert.deepEqual(brief(threaded), brief(inline));
    assert.ok(inline.every((result) => result.traceHash !== undefined));
  } finally {
    await pool.close();
  }
});
