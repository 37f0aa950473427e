// Test support for the client integration tests: a real cluster of OS processes (mqnamesrv +
// mqbroker via system/cli/testing/processes.ts), consumer workers (consumer_worker.ts) as OS
// processes whose JSON-line reports are parsed, and mqadmin runs.
// Like system/cli/, this spawns processes and touches the file system.
/* eslint-disable no-restricted-imports, no-restricted-globals */
import { spawn, execFile } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freeBrokerPort, killAll, startBroker, startNamesrv, writeBrokerConf } from "../../cli/testing/processes.ts";
import type { NodeProcess } from "../../cli/testing/processes.ts";
import type { WorkerConfig } from "./consumer_worker.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const workerEntry = fileURLToPath(new URL("./consumer_worker.ts", import.meta.url));
const aliOnsEntry = fileURLToPath(new URL("./ali_ons_worker.cjs", import.meta.url));
const mqadminEntry = fileURLToPath(new URL("../../cli/mqadmin.ts", import.meta.url));

export interface ProcessCluster {
  readonly dir: string;
  readonly namesrvAddr: string;
  readonly brokers: Map<string, { process: NodeProcess; addr: string }>;
  stop(): Promise<void>;
}

/** One mqnamesrv and the named brokers as OS processes; conf lines apply to every broker. */
export async function startProcessCluster(brokerNames: string[], brokerConf: Record<string, string | number | boolean> = {}): Promise<ProcessCluster> {
  const dir = mkdtempSync(join(tmpdir(), "mqlab-client-int-"));
  const brokers = new Map<string, { process: NodeProcess; addr: string }>();
  const workers = liveWorkers;
  try {
    const namesrv = await startNamesrv(dir);
    const namesrvAddr = `127.0.0.1:${namesrv.port}`;
    for (const brokerName of brokerNames) {
      const port = await freeBrokerPort();
      const conf = writeBrokerConf(dir, port, { brokerName, namesrvAddr, ...brokerConf });
      brokers.set(brokerName, { process: await startBroker(conf), addr: `127.0.0.1:${port}` });
    }
    return {
      dir, namesrvAddr, brokers,
      stop: async () => {
        for (const worker of workers) worker.child.kill("SIGKILL");
        killAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    killAll();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export interface WorkerLine {
  type: string;
  atMs: number;
  [key: string]: unknown;
}

export interface Worker {
  readonly child: ChildProcess;
  readonly lines: WorkerLine[];
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

const liveWorkers = new Set<Worker>();

export function spawnWorker(config: WorkerConfig): Worker {
  return spawnJsonLines(["--import", "tsx", workerEntry, JSON.stringify(config)]);
}

/** ali_ons_worker.cjs: the ali-ons client in its own process (see that file for the config). */
export function spawnAliOns(config: Record<string, unknown>): Worker {
  return spawnJsonLines([aliOnsEntry, JSON.stringify(config)]);
}

function spawnJsonLines(args: string[]): Worker {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot, env: { ...process.env, MQLAB_LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: WorkerLine[] = [];
  let pending = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.startsWith("{")) lines.push(JSON.parse(line) as WorkerLine);
      newline = pending.indexOf("\n");
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const worker: Worker = { child, lines, stderr: () => err, exit: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
  liveWorkers.add(worker);
  void worker.exit.then(() => liveWorkers.delete(worker));
  return worker;
}

/** The queues a worker holds for topic after its latest rebalance line (keys "brokerName/queueId"). */
export function heldQueues(worker: Worker, topic: string): string[] {
  for (let i = worker.lines.length - 1; i >= 0; i--) {
    const line = worker.lines[i]!;
    if (line.type === "rebalance" && line["topic"] === topic) {
      return (line["assigned"] as { brokerName: string; queueId: number }[]).map((mq) => `${mq.brokerName}/${mq.queueId}`);
    }
  }
  return [];
}

export function messageBodies(worker: Worker): string[] {
  return worker.lines.filter((line) => line.type === "msg").map((line) => line["body"] as string);
}

export async function waitUntil(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs mqadmin with args; resolves with exit code, stdout and stderr. */
export function runMqadmin(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", mqadminEntry, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }));
  });
}

export { killAll };
