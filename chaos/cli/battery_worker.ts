// A battery worker thread (battery_pool.ts): runs the swarm runs it is handed, one at a time, and
// posts each outcome back; shrink steps go back as lines while they run.
import { parentPort, workerData } from "node:worker_threads";
import { errorText } from "../../system/stdx/index.ts";
import type { FromSwarmWorker, ToSwarmWorker } from "./battery_pool.ts";
import { swarmRun, type SwarmRunOptions } from "./swarm_run.ts";

const port = parentPort;
if (port === null) throw new Error("battery_worker.ts runs as a worker thread of battery_pool.ts");
const options = workerData as SwarmRunOptions;
const post = (message: FromSwarmWorker): void => port.postMessage(message);

port.on("message", (message: ToSwarmWorker) => {
  swarmRun(options, message.index, (text) => post({ type: "line", text })).then(
    (outcome) => post({ type: "done", outcome }),
    (error: unknown) => post({ type: "error", message: errorText(error) }),
  );
});
