// The workload worker: one client node (producer or consumer) in its own OS process or
// container, run by the process and container deployers with the same Env users' clients get
// (the real one). Usage: worker.ts --spec <file.json> | --spec-json '<json>' [--watch-stdin].
// Protocol in worker_protocol.ts: history and control lines on stdout, logs on stderr;
// SIGUSR2 or stdin "stop-producers" stops sending; SIGTERM/SIGINT (or stdin closing, with
// --watch-stdin, so a worker never outlives its deployer) stops the node and exits. With
// --watch-stdin it also takes the other stdin commands of worker_commands.ts (acl-secret).
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRealEnv } from "../../system/env/real/index.ts";
import type { HistoryEvent, HistoryRecorder } from "../history/types.ts";
import { formatControlLine, formatHistoryLine, type RunWorkloadNode, type WorkerControl, type WorkerSpec, type WorkloadNodeHandle } from "./worker_protocol.ts";
import { parseWorkerCommand, runWorkerCommand } from "./worker_commands.ts";

const defaultModule = fileURLToPath(new URL("../workload/index.ts", import.meta.url));

function readSpec(argv: readonly string[]): { spec: WorkerSpec; watchStdin: boolean } {
  const valueOf = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const file = valueOf("--spec");
  const json = valueOf("--spec-json") ?? (file === undefined ? undefined : readFileSync(file, "utf8"));
  if (json === undefined) throw new Error("usage: worker.ts --spec <file.json> | --spec-json '<json>' [--watch-stdin]");
  return { spec: JSON.parse(json) as WorkerSpec, watchStdin: argv.includes("--watch-stdin") };
}

function control(message: WorkerControl): void {
  process.stdout.write(formatControlLine(message));
}

async function loadRunner(modulePath: string): Promise<RunWorkloadNode> {
  const loaded = (await import(pathToFileURL(modulePath).href)) as { runWorkloadNode?: RunWorkloadNode };
  if (typeof loaded.runWorkloadNode !== "function") throw new Error(`${modulePath} does not export runWorkloadNode`);
  return loaded.runWorkloadNode;
}

async function main(): Promise<void> {
  const { spec, watchStdin } = readSpec(process.argv.slice(2));
  // runStartEpochMs 0: run time starts when this worker starts (rendered k8s Jobs, chaos/k8s/).
  if (spec.runStartEpochMs === 0) spec.runStartEpochMs = Date.now();
  const env = createRealEnv({ nodeName: spec.node });
  let opIdCounter = 0;
  // Pipes are synchronous on Linux, so every line is out before the process exits.
  const recorder: HistoryRecorder = {
    record: (event: HistoryEvent) => void process.stdout.write(formatHistoryLine(event)),
    nextOpId: () => ++opIdCounter,
  };
  const runWorkloadNode = await loadRunner(spec.module ?? defaultModule);
  const handle: WorkloadNodeHandle = await runWorkloadNode(env, spec, recorder);

  let stopping: Promise<void> | undefined;
  const stopProducing = (): void => {
    void handle.stopProducing().then(() => control({ event: "producers-stopped" }));
  };
  const stop = (): Promise<void> => {
    stopping ??= handle.stop().then(() => {
      control({ event: "stopped" });
      env.close();
      process.exit(0);
    });
    return stopping;
  };
  process.on("SIGUSR2", stopProducing);
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  if (watchStdin) {
    const lines = createInterface({ input: process.stdin });
    const target = { stopProducing, stop: () => void stop(), node: handle, control };
    lines.on("line", (line) => {
      if (line.trim() === "") return;
      const command = parseWorkerCommand(line);
      if ("invalid" in command) process.stderr.write(`worker ignores a stdin line (${command.invalid})\n`);
      else runWorkerCommand(command, target);
    });
    lines.on("close", () => void stop());
  }
  control({ event: "ready" });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  control({ event: "failed", error: message });
  process.stderr.write(`worker failed: ${message}\n`);
  process.exit(1);
});
