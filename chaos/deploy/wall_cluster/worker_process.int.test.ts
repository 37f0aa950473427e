// A real worker process (chaos/deploy/worker.ts with the stand-in workload, no network) under
// the run's stop order: a producer that is down or paused when producers are stopped must not
// send once a heal restarts or resumes it after the send phase (execute.ts heals what is still
// broken after stopProducers), and one stopped once is not told again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryHistory } from "../../history/types.ts";
import { rocketmqIntervals, type Workload } from "../../scenario.ts";
import { repoRoot, workerArgv } from "../node_commands.ts";
import { WorkerHistoryBridge, workerSpecs } from "../worker_protocol.ts";
import { NodeLedger } from "./node_ledger.ts";
import { RunClock } from "./run_clock.ts";
import { childEnv, startWorkers, type WorkerProcess } from "./worker_process.ts";

const fakeWorkload = fileURLToPath(new URL("../testing/fake_workload.ts", import.meta.url));
const workload: Workload = { topics: [{ name: "T", queues: 1 }], producers: [{ count: 2, topic: "T" }], consumers: [] };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function withProducers(body: (workers: WorkerProcess[], sends: (node: string) => number) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-worker-stop-"));
  const history = new MemoryHistory();
  const ledger = new NodeLedger(history, new RunClock());
  const specs = workerSpecs({ namesrvAddr: "127.0.0.1:9", runStartEpochMs: Date.now(), seed: 1, intervals: rocketmqIntervals, workload, module: fakeWorkload });
  const adopted: WorkerProcess[] = [];
  try {
    const workers = await startWorkers(specs, {
      bridge: new WorkerHistoryBridge(history), ledger, readyTimeoutMs: 20_000, stopTimeoutMs: 2_000,
      nodeDir: (node) => join(dir, node),
      command: (spec, specPath) => ({ argv: workerArgv(specPath), env: childEnv({ MQLAB_NODE: spec.node }), cwd: repoRoot, logPath: join(dir, `${spec.node}.log`) }),
      adopt: (worker) => adopted.push(worker),
    });
    const sends = (node: string): number => history.events.filter((event) => event.type === "invoke" && event.process === node).length;
    await body(workers, sends);
  } finally {
    await Promise.all(adopted.map((worker) => worker.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sends made by `node` over `ms` of quiet (the fake producer sends every 20 ms while it may). */
async function sendsDuring(sends: (node: string) => number, node: string, ms: number): Promise<number> {
  const before = sends(node);
  await sleep(ms);
  return sends(node) - before;
}

test("a producer down or paused when producers stop is stopped when a heal restarts or resumes it", { timeout: 60_000 }, async () => {
  await withProducers(async (workers, sends) => {
    // Arrange: both send, then one is crashed and one frozen.
    const [crashed, paused] = workers;
    assert.ok(crashed !== undefined && paused !== undefined);
    for (let waitedMs = 0; (sends(crashed.name) === 0 || sends(paused.name) === 0) && waitedMs < 10_000; waitedMs += 20) await sleep(20);
    assert.ok(sends(crashed.name) > 0 && sends(paused.name) > 0, "both producers sent first");
    await crashed.crash();
    await paused.pause();

    // Act: stop producers while one is down and one is frozen; both return at once.
    await crashed.stopProducing(5_000);
    await paused.stopProducing(5_000);
    // Then the heals of the end of the send phase.
    await crashed.restart();
    await paused.resume();

    // Assert: neither sends any more.
    assert.equal(await sendsDuring(sends, crashed.name, 300), 0, "the restarted producer was told to stop");
    assert.equal(await sendsDuring(sends, paused.name, 300), 0, "the resumed producer was told to stop");
    // A later pause and resume, or another stop, tell the same incarnation nothing new.
    await paused.pause();
    await paused.resume();
    await paused.stopProducing(5_000);
    assert.equal(await sendsDuring(sends, paused.name, 200), 0);
  });
});
