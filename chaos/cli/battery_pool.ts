// The battery's runs on worker threads. Its runs are independent (a swarm run is a function of
// the battery's seed and its index; a suite run of its scenario and seed), so N threads run N at
// once; each thread loads the lab once and then takes runs one at a time. Outcomes come back as
// plain data and the battery accepts them in order, so what a battery reports does not depend
// on how many threads ran it — only how many runs fit in its budget does.
import { Worker } from "node:worker_threads";
import { errorText } from "../../system/stdx/index.ts";
import type { RunResult } from "../result.ts";
import type { SuiteJob } from "./suite_command.ts";
import type { SwarmRunOptions, SwarmRunOutcome } from "./swarm_run.ts";

/** What a worker thread (battery_worker.ts) posts back. */
export type FromSwarmWorker = { type: "line"; text: string } | { type: "done"; outcome: SwarmRunOutcome | RunResult } | { type: "error"; message: string };

/** What the pool posts to a worker thread: a swarm run by index, or a CI-suite run (simulator). */
export type ToSwarmWorker = { kind: "swarm"; index: number } | { kind: "suite"; job: SuiteJob; outDir: string };

export class SwarmWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly started = new Set<Worker>();

  constructor(
    readonly threads: number,
    private readonly options: SwarmRunOptions,
    private readonly line: (text: string) => void,
  ) {}

  /**
   * Runs swarm run `index` on an idle thread (starting one while fewer than `threads` run).
   * Rejects when the run threw (the lab broke) or its thread died or was closed.
   */
  run(index: number): Promise<SwarmRunOutcome> {
    return this.dispatch({ kind: "swarm", index }, `swarm run ${index}`) as Promise<SwarmRunOutcome>;
  }

  /** Runs one CI-suite job in the simulator on an idle thread (its run directory under outDir). */
  runSuiteJob(job: SuiteJob, outDir: string): Promise<RunResult> {
    return this.dispatch({ kind: "suite", job, outDir }, `suite run ${job.name} seed ${job.seed}`) as Promise<RunResult>;
  }

  private dispatch(message: ToSwarmWorker, label: string): Promise<SwarmRunOutcome | RunResult> {
    const worker = this.idle.pop() ?? this.start();
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      const onMessage = (reply: FromSwarmWorker): void => {
        if (reply.type === "line") {
          this.line(reply.text);
          return;
        }
        settle();
        this.idle.push(worker);
        if (reply.type === "done") resolve(reply.outcome);
        else reject(new Error(reply.message));
      };
      const onError = (error: Error): void => {
        settle();
        this.started.delete(worker);
        reject(new Error(`${label}: its worker thread failed: ${errorText(error)}`));
      };
      const onExit = (code: number): void => {
        settle();
        this.started.delete(worker);
        reject(new Error(`${label}: its worker thread stopped (exit code ${code})`));
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.postMessage(message);
    });
  }

  /** Stops every thread; runs still in flight reject. */
  async close(): Promise<void> {
    const workers = [...this.started];
    this.started.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private start(): Worker {
    if (this.started.size >= this.threads) throw new Error(`SwarmWorkerPool: more than ${this.threads} run(s) in flight`);
    // The .mjs entry registers tsx's loader in the new thread (as the package's bin shim does),
    // whether or not this process was started with `--import tsx`; no execArgv is passed on
    // (a test runner's preloads, profiler flags belong to this thread).
    const worker = new Worker(new URL("./battery_worker.mjs", import.meta.url), { workerData: this.options, execArgv: [] });
    this.started.add(worker);
    return worker;
  }
}
