// `mqlab run <file> --deployer k8s` through the CLI, with KUBECTL pointing at the fake kubectl
// (testing/fake_kubectl.sh; no cluster is reachable here): a fault k8s cannot inject is one
// line and exit 2 before kubectl is ever called; a run prints and reports the k8s deployer;
// Ctrl-C in the middle of a run deletes the run's namespace before the lab exits.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { formatControlLine } from "../worker_protocol.ts";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const fakeKubectl = fileURLToPath(new URL("testing/fake_kubectl.sh", import.meta.url));

function scenarioYaml(durationMs: number, fault: string): string {
  return `name: k8s-cli/1m
description: "1m: one producer, one consumer"
topology: 1m
workload:
  topics: [{ name: TopicCli, queues: 2 }]
  producers: [{ count: 1, topic: TopicCli, ratePerSecond: 5 }]
  consumers: [{ group: GroupCli, topic: TopicCli, count: 1 }]
faults:
  - ${fault}
durationMs: ${durationMs}
quiesceMs: 500
expectations: { checkers: [delivery] }
`;
}

interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function mqlab(args: string[], fakeDir: string, extraEnv: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, ["--import", "tsx", "chaos/cli/mqlab.ts", ...args], {
    cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KUBECTL: fakeKubectl, FAKE_KUBECTL_DIR: fakeDir, ...extraEnv },
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, exited: new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr }))) };
}

/** Canned container logs: each worker says ready, producers stop, everyone stops. */
function cannedLogs(dir: string): void {
  mkdirSync(join(dir, "logs"), { recursive: true });
  const ready = formatControlLine({ event: "ready" });
  const stopped = formatControlLine({ event: "stopped" });
  writeFileSync(join(dir, "logs", "producer-1.log"), ready + formatControlLine({ event: "producers-stopped" }) + stopped);
  writeFileSync(join(dir, "logs", "consumer-groupcli-1.log"), ready + stopped);
}

test("mqlab run --deployer k8s: refusal before kubectl, a reported run, Ctrl-C deletes the namespace", { timeout: 300_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "mqlab-k8s-cli-"));
  try {
    // A pause cannot be given by Chaos Mesh: one line, exit 2, kubectl never called.
    const refusedDir = join(root, "refused");
    mkdirSync(refusedDir);
    writeFileSync(join(root, "pause.yaml"), scenarioYaml(3_000, "{ atMs: 1000, healAtMs: 2000, fault: { kind: pause, target: broker-a } }"));
    const refused = await mqlab(["run", join(root, "pause.yaml"), "--deployer", "k8s", "--out", join(root, "out-refused")], refusedDir).exited;
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^mqlab: the k8s deployer cannot run k8s-cli\/1m: fault 0 \(pause\): Chaos Mesh has no SIGSTOP[^\n]*\n$/);
    assert.equal(existsSync(join(refusedDir, "calls.log")), false, "no kubectl call before the refusal");

    // A whole (short) run: the summary and the report name the deployer.
    const runDir = join(root, "run");
    cannedLogs(runDir);
    writeFileSync(join(root, "crash.yaml"), scenarioYaml(2_000, "{ atMs: 500, healAtMs: 1000, fault: { kind: crash, target: broker-a } }"));
    const ran = await mqlab(["run", join(root, "crash.yaml"), "--deployer", "k8s", "--k8s-image", "registry.example/mqlab:1", "--out", join(root, "out-run")], runDir).exited;
    assert.ok(ran.code === 0 || ran.code === 1, `a judged run (exit ${ran.code}): ${ran.stderr}`);
    assert.match(ran.stdout, /\(k8s, 1m\)/);
    assert.match(readFileSync(join(root, "out-run", "report.html"), "utf8"), /k8s/);
    assert.equal(JSON.parse(readFileSync(join(root, "out-run", "result.json"), "utf8")).deployer, "k8s");
    const runCalls = readFileSync(join(runDir, "calls.log"), "utf8");
    assert.match(runCalls, /apply -n mqlab-1m-\w+ -f -/);
    assert.match(readFileSync(join(runDir, "applied-1.json"), "utf8"), /registry\.example\/mqlab:1/);
    assert.match(runCalls.trim().split("\n").at(-1) ?? "", /^delete namespace mqlab-1m-\w+ /);

    // Ctrl-C while the workload runs (the follows hold, as on a live container).
    const interruptedDir = join(root, "interrupted");
    cannedLogs(interruptedDir);
    writeFileSync(join(root, "long.yaml"), scenarioYaml(120_000, "{ atMs: 100000, healAtMs: 110000, fault: { kind: crash, target: broker-a } }"));
    const long = mqlab(["run", join(root, "long.yaml"), "--deployer", "k8s", "--out", join(root, "out-long")], interruptedDir, { FAKE_KUBECTL_HOLD: "1" });
    const callsPath = join(interruptedDir, "calls.log");
    const deadline = Date.now() + 120_000;
    while (!(existsSync(callsPath) && readFileSync(callsPath, "utf8").includes("logs -f fake-pod -c consumer-groupcli-1"))) {
      assert.ok(Date.now() < deadline, "the run reached the workload");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    long.child.kill("SIGINT");
    const interrupted = await long.exited;
    assert.equal(interrupted.code, 130, interrupted.stderr);
    const lastCall = readFileSync(callsPath, "utf8").trim().split("\n").at(-1) ?? "";
    assert.match(lastCall, /^delete namespace mqlab-1m-\w+ /);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
