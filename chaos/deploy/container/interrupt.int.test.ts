// Clean-up however the lab ends: Ctrl-C (SIGINT) of a lab process removes its containers,
// network and volumes before it exits; a lab killed with SIGKILL leaves them (its workers stop
// by themselves: their stdin was the lab's attach), and cleanContainerLeftovers(runId) — what
// `mqlab clean` calls — removes them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { cleanContainerLeftovers, listLeftovers } from "./cleanup.ts";
import { connectEngine } from "./engine.ts";
import { containerTestsSkip } from "./testing/skip.ts";

const skip = await containerTestsSkip();
const fixture = fileURLToPath(new URL("./testing/deploy_and_wait.ts", import.meta.url));

async function startLab(): Promise<{ lab: ChildProcess; runId: string; exited: Promise<{ code: number | null; signal: string | null }> }> {
  const lab = spawn(process.execPath, ["--import", "tsx", fixture], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => lab.once("exit", (code, signal) => resolve({ code, signal })));
  const runId = await new Promise<string>((resolve, reject) => {
    createInterface({ input: lab.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      if (line.startsWith("ready ")) resolve(line.slice("ready ".length));
    });
    void exited.then(({ code }) => reject(new Error(`lab exited with ${code} before ready`)));
  });
  return { lab, runId, exited };
}

test("Ctrl-C of the lab removes its containers, network and volumes", { skip, timeout: 300_000 }, async () => {
  const engine = await connectEngine();
  const { lab, runId, exited } = await startLab();
  assert.equal((await listLeftovers(engine, runId)).containers.length, 3, "namesrv, broker, producer run");
  lab.kill("SIGINT");
  const { code, signal } = await exited;
  assert.equal(code, 130, `exit ${code} ${signal}`);
  assert.deepEqual(await listLeftovers(engine, runId), { containers: [], networks: [], volumes: [] });
});

test("a SIGKILLed lab leaves its run behind; its workers stop; cleanContainerLeftovers removes the rest", { skip, timeout: 300_000 }, async () => {
  const engine = await connectEngine();
  const { lab, runId, exited } = await startLab();
  lab.kill("SIGKILL");
  await exited;
  const left = await listLeftovers(engine, runId);
  assert.equal(left.containers.length, 3);
  assert.equal(left.networks.length, 1);
  let workerRunning = true;
  for (let attempt = 0; attempt < 40 && workerRunning; attempt++) {
    const [worker] = await engine.docker.listContainers({ all: true, filters: { label: [`mqlab.run=${runId}`, "mqlab.node=producer-1"] } });
    workerRunning = worker?.State === "running";
    if (workerRunning) await sleep(250);
  }
  assert.equal(workerRunning, false, "the worker stopped when its stdin (the lab's attach) closed");
  assert.deepEqual(await cleanContainerLeftovers(runId), { containers: 3, networks: 1, volumes: 2 });
  assert.deepEqual(await listLeftovers(engine, runId), { containers: [], networks: [], volumes: [] });
});
