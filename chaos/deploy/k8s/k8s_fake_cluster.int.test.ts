// `--deployer k8s` end to end against a fake kubectl (testing/fake_kubectl.sh): no cluster is
// reachable here, so nothing runs in Kubernetes. The fake serves, as the Job's container logs,
// the workers' history of the same scenario run in the simulator; the k8s run must apply
// schema-valid objects in order (namespace, servers, rollout, workload Job, the PodChaos at the
// crash, its deletion at the heal, SIGUSR2 then SIGTERM to the workers, Job completion, the
// final log read, namespace deletion) and judge the collected history as the simulator did.
// A failed bring-up still deletes the namespace; a follow that dropped lines is completed
// from the final read.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { HistoryEvent } from "../../history/types.ts";
import { parseHistoryJsonl } from "../../history/types.ts";
import { validateManifests } from "../../k8s/validate.ts";
import { k8sName } from "../../k8s/render.ts";
import { historyFileName } from "../../result.ts";
import { runScenario } from "../../runner.ts";
import type { Scenario } from "../../scenario.ts";
import { SimDeployer } from "../sim/sim_deployer.ts";
import { formatControlLine, formatHistoryLine, workerSpecs } from "../worker_protocol.ts";
import { K8sDeployer } from "./k8s_deployer.ts";
import { processKubectl } from "./kubectl.ts";

const fakeKubectl = fileURLToPath(new URL("testing/fake_kubectl.sh", import.meta.url));

const scenario: Scenario = {
  name: "k8s/2m-noslave/broker-a-crash",
  description: "2m-noslave: broker-a down from 1 s to 2.5 s while one producer sends",
  topology: "2m-noslave",
  intervals: { routePollMs: 500, clientHeartbeatMs: 500, brokerRegisterMs: 500, namesrvScanMs: 500, brokerExpiryMs: 1500, rebalanceMs: 500, sendTimeoutMs: 1000 },
  workload: {
    topics: [{ name: "TopicK8s", queues: 4 }],
    producers: [{ count: 1, topic: "TopicK8s", ratePerSecond: 50 }],
    consumers: [{ group: "GroupK8s", topic: "TopicK8s", count: 1 }],
  },
  faults: [{ atMs: 1_000, healAtMs: 2_500, fault: { kind: "crash", target: "broker-a" } }],
  durationMs: 4_000,
  quiesceMs: 2_000,
  expectations: { checkers: ["delivery"] },
};

/** The sim run's client events, as each worker container would have logged them. */
function cannedLogs(events: readonly HistoryEvent[], dir: string): void {
  mkdirSync(join(dir, "logs"), { recursive: true });
  const specs = workerSpecs({ namesrvAddr: "", runStartEpochMs: 0, seed: 1, intervals: {} as never, workload: scenario.workload });
  for (const spec of specs) {
    const mine = events.filter((event) => "process" in event && event.process === spec.node);
    const lines = [formatControlLine({ event: "ready" }), "worker log line on stderr", ...mine.map(formatHistoryLine)];
    if (spec.role === "producer") lines.push(formatControlLine({ event: "producers-stopped" }));
    lines.push(formatControlLine({ event: "stopped" }));
    writeFileSync(join(dir, "logs", `${k8sName(spec.node)}.log`), lines.map((line) => line.replace(/\n$/, "")).join("\n") + "\n");
  }
}

function withFakeEnv<T>(dir: string, extra: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, { FAKE_KUBECTL_DIR: dir, ...extra });
  return body().finally(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });
}

function calls(dir: string): string[] {
  return readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n");
}

function applied(dir: string): object[] {
  return readdirSync(dir).filter((name) => name.startsWith("applied-")).sort((a, b) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0]))
    .flatMap((name) => (JSON.parse(readFileSync(join(dir, name), "utf8")) as { items: object[] }).items);
}

test("k8s deployer on a fake kubectl: applies, schedules the PodChaos, collects the Job's history and judges it as the simulator did", { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "mqlab-k8s-fake-"));
  try {
    const sim = await runScenario(scenario, { deployer: new SimDeployer(), seed: 1, outDir: join(root, "sim") });
    const simEvents = parseHistoryJsonl(readFileSync(join(root, "sim", historyFileName), "utf8"));
    const fake = join(root, "fake");
    cannedLogs(simEvents, fake);
    const deployer = new K8sDeployer({ image: "mqlab:test", runner: processKubectl(fakeKubectl), namespace: "mqlab-test-run", readyTimeoutMs: 10_000 });
    // The follow drops every line after the 20th: the final read must supply the rest.
    const k8s = await withFakeEnv(fake, { FAKE_KUBECTL_FOLLOW_LINES: "20" }, () => runScenario(scenario, { deployer, seed: 1, outDir: join(root, "k8s") }));

    process.stdout.write(`sim: ${sim.verdict} ${JSON.stringify(sim.counts)}\nk8s (fake kubectl): ${k8s.verdict} ${JSON.stringify(k8s.counts)} (${k8s.wallMs} ms)\n`);
    assert.equal(k8s.error, undefined);
    assert.equal(k8s.deployer, "k8s");
    assert.ok(sim.counts.acked > 50, `the sim run sent enough to judge (${sim.counts.acked} acked)`);
    assert.equal(k8s.verdict, sim.verdict);
    assert.deepEqual(k8s.counts, sim.counts);

    const log = calls(fake);
    const order = ["config current-context", "apply -f -", "apply -n mqlab-test-run -f -", "rollout status statefulset/namesrv-1", "get pods", "wait --for=condition=Ready pod/fake-pod",
      "logs -f fake-pod -c consumer-groupk8s-1", "delete podchaos.chaos-mesh.org mqlab-test-run-fault-00-crash", "exec fake-pod -c producer-1 -n mqlab-test-run -- /usr/local/bin/node -e process.kill(1, \"SIGUSR2\")",
      "exec fake-pod -c consumer-groupk8s-1 -n mqlab-test-run -- /usr/local/bin/node -e process.kill(1, \"SIGTERM\")", "wait --for=condition=complete job/mqlab-test-run-workload", "logs fake-pod -c producer-1", "delete namespace mqlab-test-run"];
    // Each step is found after the one before it.
    let from = 0;
    for (const step of order) {
      const found = log.findIndex((line, position) => position >= from && line.startsWith(step));
      assert.ok(found >= 0, `"${step}" after call ${from}:\n${log.join("\n")}`);
      from = found + 1;
    }
    for (const node of ["namesrv-1", "namesrv-2", "broker-a", "broker-b"]) assert.ok(log.some((line) => line.startsWith(`rollout status statefulset/${node} `)), node);

    const objects = applied(fake);
    assert.deepEqual(validateManifests(objects.filter((object) => (object as { kind: string }).kind !== "Namespace")), []);
    const kinds = objects.map((object) => (object as { kind: string }).kind);
    assert.deepEqual(kinds.filter((kind) => kind === "PodChaos"), ["PodChaos"]);
    const chaos = objects.find((object) => (object as { kind: string }).kind === "PodChaos") as { spec: Record<string, unknown> };
    assert.equal(chaos.spec.duration, undefined, "the lab deletes the resource at the heal: no Chaos Mesh duration");
    const workloadMap = objects.find((object) => (object as { metadata: { name: string } }).metadata.name === "mqlab-test-run-workload" && (object as { kind: string }).kind === "ConfigMap") as { data: Record<string, string> };
    const spec = JSON.parse(workloadMap.data["producer-1.json"] ?? "{}") as { runStartEpochMs: number };
    assert.ok(spec.runStartEpochMs > 0, "the workers time events from the lab's run start");

    const history = parseHistoryJsonl(readFileSync(join(root, "k8s", historyFileName), "utf8"));
    // Run time 0 is when the servers are ready; the Job's start can push the first action late.
    const nemesis = history.filter((event) => event.type === "nemesis");
    assert.deepEqual(nemesis.map((event) => event.phase), ["inject", "heal"]);
    assert.ok(nemesis[0]!.timeMs >= 1_000 && nemesis[1]!.timeMs >= 2_500 && nemesis[1]!.timeMs < 4_000, JSON.stringify(nemesis));
    assert.ok(readFileSync(join(root, "k8s", "nodes", "producer-1.log"), "utf8").includes("worker log line on stderr"));
    assert.equal(JSON.parse(readFileSync(join(root, "k8s", "k8s-deployer.json"), "utf8")).context, "fake-context");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a bring-up that fails still deletes the run's namespace; the run is an error with kubectl's reason", { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "mqlab-k8s-fake-"));
  try {
    const deployer = new K8sDeployer({ image: "mqlab:test", runner: processKubectl(fakeKubectl), namespace: "mqlab-broken-run", readyTimeoutMs: 5_000 });
    const result = await withFakeEnv(root, { FAKE_KUBECTL_FAIL: "statefulset/broker-b" }, () => runScenario(scenario, { deployer, seed: 1, outDir: join(root, "out") }));
    assert.equal(result.verdict, "error");
    assert.match(result.error ?? "", /kubectl rollout status statefulset\/broker-b .*fake failure/);
    assert.equal(calls(root).at(-1), "delete namespace mqlab-broken-run --wait=true --timeout=300s");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
