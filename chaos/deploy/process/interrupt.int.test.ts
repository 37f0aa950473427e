// Clean-up however the lab ends: Ctrl-C (SIGINT) of a lab process tears its cluster down and
// exits 130; a lab killed with SIGKILL leaves its processes and namespace behind, and
// cleanLeftovers (`mqlab clean`) removes them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { tsEntryArgv } from "./agent_client.ts";
import { netnsSupport } from "./host_commands.ts";
import { listNetns } from "./netns.ts";
import { cleanLeftovers, runProcesses, runsRoot } from "./run_state.ts";

const support = await netnsSupport();
const mode = support.available ? "netns" : "host";
const fixture = fileURLToPath(new URL("./testing/deploy_and_wait.ts", import.meta.url));

async function startLab(): Promise<{ lab: ChildProcess; runId: string; exited: Promise<number | null> }> {
  const [file, ...args] = tsEntryArgv(fixture, [mode]);
  const lab = spawn(file ?? process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => lab.once("exit", (code) => resolve(code)));
  const runId = await new Promise<string>((resolve, reject) => {
    createInterface({ input: lab.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      if (line.startsWith("ready ")) resolve(line.slice("ready ".length));
    });
    void exited.then((code) => reject(new Error(`lab exited with ${code} before ready`)));
  });
  return { lab, runId, exited };
}

async function namespaceExists(runId: string): Promise<boolean> {
  return mode === "netns" && (await listNetns()).includes(`mqlab-${runId}`);
}

test(`Ctrl-C of the lab tears its ${mode} cluster down and exits 130`, { timeout: 60_000 }, async () => {
  const { lab, runId, exited } = await startLab();
  assert.ok(runProcesses(runId).length >= 6, "the cluster runs");
  assert.equal(await namespaceExists(runId), mode === "netns");
  lab.kill("SIGINT");
  assert.equal(await exited, 130);
  assert.deepEqual(runProcesses(runId), []);
  assert.equal(await namespaceExists(runId), false);
  assert.ok(!existsSync(join(runsRoot, runId)));
});

test(`a SIGKILLed lab leaves its ${mode} cluster behind; cleanLeftovers removes it`, { timeout: 60_000 }, async () => {
  const { lab, runId, exited } = await startLab();
  lab.kill("SIGKILL");
  await exited;
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(runProcesses(runId).length >= 6, "servers outlive a killed lab");
  assert.equal(await namespaceExists(runId), mode === "netns");
  const report = await cleanLeftovers();
  assert.ok(report.runs.includes(runId));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(runProcesses(runId), []);
  assert.equal(await namespaceExists(runId), false);
  assert.ok(!existsSync(join(runsRoot, runId)));
});
