// The battery's worker threads: a run comes back as the same plain data a run on this thread
// gives, and closing the pool rejects the runs still in flight instead of leaving them hanging.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SwarmWorkerPool } from "./battery_pool.ts";
import { swarmRun, type SwarmRunOptions } from "./swarm_run.ts";

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
