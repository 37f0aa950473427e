// A battery worker thread (battery_pool.ts): runs the swarm runs and CI-suite runs it is handed,
// one at a time, and posts each outcome back; shrink steps go back as lines while they run.
import { parentPort, workerData } from "node:worker_threads";
import { errorText } from "../../system/stdx/index.ts";
import type { FromSwarmWorker, ToSwarmWorker } from "./battery_pool.ts";
import { SimDeployer } from "../deploy/sim/sim_deployer.ts";
import { runSuiteJob } from "./suite_command.ts";
import { swarmRun, type SwarmRunOptions } from "./swarm_run.ts";

const port = parentPort;
if (port === null) throw new Error("battery_worker.ts runs as a worker thread of battery_pool.ts");
const options = workerData as SwarmRunOptions;
const post = (message: FromSwarmWorker): void => port.postMessage(message);

const simDeployer = new SimDeployer();

port.on("message", (message: ToSwarmWorker) => {
  const outcome = message.kind === "swarm"
    ? swarmRun(options, message.index, (text) => post({ type: "line", text }))
    : runSuiteJob(message.job, simDeployer, message.outDir);
  outcome.then(
    (outcome) => post({ type: "done", outcome }),
    (error: unknown) => post({ type: "error", message: errorText(error) }),
  );
});
