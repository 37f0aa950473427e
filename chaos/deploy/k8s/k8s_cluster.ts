// One run on Kubernetes (kubectl's current context), driven through a KubectlRunner:
//   deploy     — a namespace of its own (labelled mqlab.dev/run), the servers' ConfigMap,
//                Services and StatefulSets (chaos/k8s/render.ts), then `rollout status` of each
//                StatefulSet; run time 0 is when every server pod is ready.
//   workload   — the worker specs (with this run's start) and the Job; once its pod is Ready,
//                every container's log is followed (job_workload.ts) until each says "ready".
//   faults     — each scheduled fault's Chaos Mesh resource is created at atMs and deleted at
//                healAtMs, both by the lab's timeline (chaos/execute.ts), so the history's
//                inject/heal times are when they happened; resources carry no spec.duration
//                (a fault without a heal lasts until the namespace goes).
//   producers  — SIGUSR2 to each producer's worker; drain: SIGTERM to every worker, the Job
//                completes, the logs are read once more for anything the follow missed.
//   teardown   — the namespace is deleted (also on Ctrl-C/SIGTERM and at exit: teardown_guard).
// Clocks: workers time their events from this machine's run start (runStartEpochMs in their
// spec), so the cluster's nodes must keep NTP time with this machine.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Fault } from "../../faults/types.ts";
import type { HistoryRecorder, NodeEvent } from "../../history/types.ts";
import type { Workload } from "../../scenario.ts";
import { chaosResource } from "../../k8s/chaos_faults.ts";
import { k8sName, renderServers, renderWorkload, workloadJobName } from "../../k8s/render.ts";
import { guardCluster } from "../wall_cluster/teardown_guard.ts";
import { RunClock } from "../wall_cluster/run_clock.ts";
import type { Cluster, ClusterPlan, DeployedNode, DeployerName } from "../types.ts";
import { WorkerHistoryBridge, workerSpecs } from "../worker_protocol.ts";
import { JobWorkload, type JobContainer } from "./job_workload.ts";
import { kubectl, listOf, type KubectlRunner } from "./kubectl.ts";

export interface K8sClusterOptions {
  plan: ClusterPlan;
  runner: KubectlRunner;
  /** The run's namespace (also its mqlab.dev/run label). */
  namespace: string;
  image: string;
  storageSize: string;
  outDir: string;
  history: HistoryRecorder;
  /** Server rollout, Job pod start, worker ready. */
  readyTimeoutMs: number;
}

const downEvents: Partial<Record<Fault["kind"], [NodeEvent["event"], NodeEvent["event"]]>> = {
  crash: ["crash", "restart"], "power-loss": ["power-loss", "restart"],
};

export class K8sCluster implements Cluster {
  readonly deployer: DeployerName = "k8s";
  private readonly clock = new RunClock();
  private readonly down = new Set<string>();
  private readonly bridge: WorkerHistoryBridge;
  private job: JobWorkload | undefined;
  private drained = false;
  private tornDown: Promise<void> | undefined;
  private readonly unguard: () => void;

  constructor(private readonly options: K8sClusterOptions) {
    this.bridge = new WorkerHistoryBridge(options.history);
    mkdirSync(this.nodesDir(), { recursive: true });
    this.unguard = guardCluster({ teardown: () => this.teardown(), killSync: () => options.runner.runSync(["delete", "namespace", options.namespace, "--wait=false"]) });
  }

  private get run(): string {
    return this.options.namespace;
  }

  private nodesDir(): string {
    return join(this.options.outDir, "nodes");
  }

  private kubectl(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    return kubectl(this.options.runner, args, options);
  }

  /** Namespace, servers, and waiting until every server pod is ready. */
  async bringUp(): Promise<void> {
    const { plan, namespace } = this.options;
    const context = (await this.kubectl(["config", "current-context"])).trim();
    writeFileSync(join(this.options.outDir, "k8s-deployer.json"), JSON.stringify({ context, namespace, image: this.options.image, storageSize: this.options.storageSize }, null, 2) + "\n");
    this.options.history.record({ type: "note", timeMs: 0, process: "lab", text: `k8s: context ${context}, namespace ${namespace}, image ${this.options.image}` });
    const namespaceObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { "mqlab.dev/run": this.run, "app.kubernetes.io/managed-by": "mqlab" } } };
    await this.kubectl(["apply", "-f", "-"], { input: listOf([namespaceObject]) });
    await this.kubectl(["apply", "-n", namespace, "-f", "-"], { input: listOf(renderServers(plan, this.run, { namespace, image: this.options.image, storageSize: this.options.storageSize })) });
    const servers = [...plan.nameServers, ...plan.brokers.map((broker) => broker.node)];
    const timeout = `--timeout=${Math.ceil(this.options.readyTimeoutMs / 1000)}s`;
    await Promise.all(servers.map((node) => this.kubectl(["rollout", "status", `statefulset/${node}`, "-n", namespace, timeout], { timeoutMs: this.options.readyTimeoutMs + 10_000 })));
    this.clock.restartNow();
    for (const node of servers) this.options.history.record({ type: "node", timeMs: this.nowMs(), node, event: "start" });
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  advanceTo(ms: number): Promise<void> {
    return this.clock.advanceTo(ms);
  }

  nodes(): DeployedNode[] {
    const { plan } = this.options;
    const servers: DeployedNode[] = [
      ...plan.nameServers.map((name) => ({ name, role: "namesrv" as const, address: `${name}.${this.options.namespace}.svc:9876`, alive: !this.down.has(name) })),
      ...plan.brokers.map((broker) => ({ name: broker.node, role: "broker" as const, address: `${broker.node}.${this.options.namespace}.svc:10911`, alive: !this.down.has(broker.node) })),
    ];
    const clients = (this.job?.containers ?? []).map((entry) => ({ name: entry.node, role: entry.role, alive: !this.drained }));
    return [...servers, ...clients];
  }

  namesrvAddr(): string {
    return this.options.plan.nameServers.map((name) => `${name}:9876`).join(";");
  }

  private resourceOf(fault: Fault, faultIndex: number): ReturnType<typeof chaosResource> {
    // atMs 0 and no healAtMs: no spec.duration; the lab deletes the resource at the heal.
    return chaosResource({ atMs: 0, fault }, faultIndex, this.options.namespace, this.run);
  }

  private recordDown(fault: Fault, phase: 0 | 1): void {
    const events = downEvents[fault.kind];
    const targets = fault.kind === "namesrv-all-down" ? this.options.plan.nameServers : events !== undefined && "target" in fault && fault.target !== undefined ? [fault.target] : [];
    const event = events?.[phase] ?? (phase === 0 ? "crash" : "restart");
    for (const node of targets) {
      if (phase === 0) this.down.add(node);
      else this.down.delete(node);
      this.options.history.record({ type: "node", timeMs: this.nowMs(), node, event });
    }
  }

  async inject(fault: Fault, faultIndex: number): Promise<void> {
    await this.kubectl(["apply", "-n", this.options.namespace, "-f", "-"], { input: listOf([this.resourceOf(fault, faultIndex)]) });
    this.recordDown(fault, 0);
  }

  async heal(fault: Fault, faultIndex: number): Promise<void> {
    const resource = this.resourceOf(fault, faultIndex);
    await this.kubectl(["delete", `${resource.kind.toLowerCase()}.chaos-mesh.org`, resource.metadata.name, "-n", this.options.namespace, "--ignore-not-found", "--timeout=120s"], { timeoutMs: 130_000 });
    this.recordDown(fault, 1);
  }

  async startWorkload(workload: Workload): Promise<void> {
    const { plan, namespace } = this.options;
    const planned = { ...plan, workload };
    await this.kubectl(["apply", "-n", namespace, "-f", "-"], { input: listOf(renderWorkload(planned, this.run, { namespace, image: this.options.image }, this.clock.freeze())) });
    const pod = await this.jobPod();
    const timeout = `--timeout=${Math.ceil(this.options.readyTimeoutMs / 1000)}s`;
    await this.kubectl(["wait", "--for=condition=Ready", `pod/${pod}`, "-n", namespace, timeout], { timeoutMs: this.options.readyTimeoutMs + 10_000 });
    const specs = workerSpecs({ namesrvAddr: this.namesrvAddr(), runStartEpochMs: this.clock.startEpochMs, seed: plan.seed, intervals: plan.intervals, workload });
    const containers: JobContainer[] = specs.map((spec) => ({ container: k8sName(spec.node), node: spec.node, role: spec.role }));
    this.job = new JobWorkload(this.options.runner, namespace, pod, containers, this.bridge, this.options.history, () => this.nowMs(), this.nodesDir());
    this.job.follow();
    await this.job.waitForAll(containers, "ready", this.options.readyTimeoutMs);
    for (const entry of containers) this.options.history.record({ type: "node", timeMs: this.nowMs(), node: entry.node, event: "start" });
  }

  /** The Job's pod name (it exists shortly after the Job: polled). */
  private async jobPod(): Promise<string> {
    const deadline = Date.now() + this.options.readyTimeoutMs;
    for (;;) {
      const names = (await this.kubectl(["get", "pods", "-n", this.options.namespace, "-l", `job-name=${workloadJobName(this.run)}`, "-o", "jsonpath={.items[*].metadata.name}"])).trim();
      const [first] = names.split(/\s+/).filter((name) => name !== "");
      if (first !== undefined) return first;
      if (Date.now() > deadline) throw new Error(`the workload Job's pod did not appear within ${this.options.readyTimeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  async stopProducers(): Promise<void> {
    const job = this.job;
    if (job === undefined) return;
    const producers = job.containers.filter((entry) => entry.role === "producer");
    await job.signal(producers, "SIGUSR2");
    await job.waitForAll(producers, "producers-stopped", this.options.plan.intervals.sendTimeoutMs * 3 + 5_000);
  }

  /** Every worker stops (consumers record dead letters), the Job completes, the logs are complete. */
  async drainWorkload(): Promise<void> {
    const job = this.job;
    if (job === undefined || this.drained) return;
    this.drained = true;
    await job.signal(job.containers, "SIGTERM");
    await job.waitForAll(job.containers, "stopped", 60_000);
    await this.kubectl(["wait", "--for=condition=complete", `job/${workloadJobName(this.run)}`, "-n", this.options.namespace, "--timeout=120s"], { timeoutMs: 130_000 });
    await job.followsDone(30_000);
    const problems = await job.collectRest();
    for (const problem of problems) this.options.history.record({ type: "note", timeMs: this.nowMs(), process: "lab", text: `k8s workload log: ${problem}` });
    for (const entry of job.containers) this.options.history.record({ type: "node", timeMs: this.nowMs(), node: entry.node, event: "stop" });
  }

  teardown(): Promise<void> {
    this.tornDown ??= this.doTeardown();
    return this.tornDown;
  }

  private async doTeardown(): Promise<void> {
    try {
      if (this.job !== undefined && !this.drained) {
        // The run broke or was interrupted: keep what the workers logged so far.
        await this.job.stopFollowing();
        for (const problem of await this.job.collectRest()) this.options.history.record({ type: "note", timeMs: this.nowMs(), process: "lab", text: `k8s workload log: ${problem}` });
      }
    } finally {
      try {
        await this.kubectl(["delete", "namespace", this.options.namespace, "--wait=true", "--timeout=300s"], { timeoutMs: 310_000 });
      } finally {
        this.unguard();
      }
    }
  }
}
