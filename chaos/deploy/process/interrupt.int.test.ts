// Clean-up however the lab ends: Ctrl-C (SIGINT) of a lab process tears its cluster down and
// exits 130; a lab killed with SIGKILL leaves its processes and namespace behind, and
// cleanLeftovers (`mqlab clean`) removes them, as it removes a deliberately leaked namespace
// with its nftables table. Every cleanLeftovers test lives in this file, so they run one at a
// time (a clean-up in one test would otherwise remove another test's deliberate leftovers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { tsEntryArgv } from "../node_commands.ts";
import { netnsSupport } from "../wall_cluster/host_commands.ts";
import { AddressPlan } from "../address_plan.ts";
import { listNetns, NetNamespace } from "./netns.ts";
import { faultPacketRules, renderNftRules } from "../wall_cluster/packet_rules.ts";
import { cleanLeftovers, newRunId, RunDir, runIdVariable, runProcesses, runsRoot } from "./run_state.ts";

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

test("cleanLeftovers removes a dead run's namespace (with its table), processes and state", { skip: mode === "netns" ? false : `needs a network namespace with nftables: ${support.available ? "" : support.why}` }, async () => {
  const leakedId = newRunId();
  const leaked = new RunDir(leakedId);
  leaked.create(`mqlab-${leakedId}`);
  // An owner that is certainly dead: a process that already exited.
  const dead = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => dead.once("exit", resolve));
  writeFileSync(leaked.path("owner.json"), JSON.stringify({ pid: dead.pid, startTicks: 1, createdAtMs: 0 }));
  const leakedNs = await NetNamespace.create(`mqlab-${leakedId}`);
  const plan = new AddressPlan(["namesrv-1"], ["broker-a"]);
  await leakedNs.addRules(renderNftRules(faultPacketRules({ kind: "partition", shape: "halves" }, plan) ?? [], "mqlab-fault-0"));
  const sleeper = spawn("ip", ["netns", "exec", leakedNs.name, "sleep", "300"], { env: { ...process.env, [runIdVariable]: leakedId }, detached: true, stdio: "ignore" });
  sleeper.unref();
  const hostSleeper = spawn("sleep", ["300"], { env: { ...process.env, [runIdVariable]: leakedId }, detached: true, stdio: "ignore" });
  hostSleeper.unref();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(runProcesses(leakedId).length, 2);
  const live = await startLab();

  const report = await cleanLeftovers();
  assert.ok(report.runs.includes(leakedId));
  assert.ok(report.namespaces.includes(leakedNs.name));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(runProcesses(leakedId), []);
  assert.ok(!(await listNetns()).includes(leakedNs.name));
  assert.ok(!existsSync(leaked.dir));

  assert.ok(!report.runs.includes(live.runId), "a live run is left alone");
  assert.ok(runProcesses(live.runId).length >= 6 && (await namespaceExists(live.runId)));
  live.lab.kill("SIGINT");
  assert.equal(await live.exited, 130);
});
