// The `k8s` deployer: a scenario on the Kubernetes cluster of kubectl's current context, faults
// through Chaos Mesh (k8s_cluster.ts says how a run goes). Before anything is applied, the
// whole scenario is put to checkScenario: fault kinds with no Chaos Mesh counterpart, faults on
// workload clients (the workload is one Job pod whose pods carry no per-node label, so Chaos
// Mesh could not select one client), ACL and pre-created broker topics (not rendered) are
// refused with the reason. Nothing is faked: what runs is what the report says ran.
import { faultNodes, type FaultKind } from "../../faults/types.ts";
import type { HistoryRecorder } from "../../history/types.ts";
import { k8sFaultSupport } from "../../k8s/chaos_faults.ts";
import { k8sName } from "../../k8s/render.ts";
import type { Scenario } from "../../scenario.ts";
import type { Cluster, ClusterPlan, Deployer, DeployerName, FaultSupport } from "../types.ts";
import { workerSpecs } from "../worker_protocol.ts";
import { K8sCluster } from "./k8s_cluster.ts";
import { processKubectl, type KubectlRunner } from "./kubectl.ts";

export interface K8sDeployerOptions {
  /** The node image the cluster can pull (default mqlab:<version>, what `just image` builds). */
  image: string;
  storageSize?: string;
  runner?: KubectlRunner;
  /** Namespace of the run (default mqlab-<topology>-<time>); must not exist yet. */
  namespace?: string;
  readyTimeoutMs?: number;
}

/** The first reason the scenario cannot run on k8s, or null. */
function k8sScenarioRefusal(scenario: Scenario): string | null {
  if (scenario.acl !== undefined) return "ACL (Scenario.acl) needs plain_acl.yml on each broker; the k8s manifests do not place it";
  if (scenario.brokerTopics !== undefined) return "brokerTopics (a store pre-filled with topics) is not rendered for k8s";
  if (scenario.testFaults !== undefined) return "testFaults (a deliberately broken broker) exist only in the sim deployer";
  const clients = new Set(workerSpecs({ namesrvAddr: "", runStartEpochMs: 0, seed: 0, intervals: {} as never, workload: scenario.workload }).map((spec) => spec.node));
  for (const [index, scheduled] of scenario.faults.entries()) {
    const support = k8sFaultSupport(scheduled.fault);
    if (!support.supported) return `fault ${index} (${scheduled.fault.kind}): ${support.why}`;
    const client = faultNodes(scheduled.fault).find((node) => clients.has(node));
    if (client !== undefined) return `fault ${index} (${scheduled.fault.kind}) names the workload client ${client}: the workload is one Job pod, Chaos Mesh cannot select one client in it`;
  }
  return null;
}

export class K8sDeployer implements Deployer {
  readonly name: DeployerName = "k8s";

  constructor(private readonly options: K8sDeployerOptions) {}

  supports(kind: FaultKind): FaultSupport {
    if (kind === "pause" || kind === "connection-reset" || kind === "acl-secret" || kind === "acl-file") {
      return k8sFaultSupport(kind === "connection-reset" ? { kind, source: "", target: "", midFrame: false } : kind === "pause" ? { kind, target: "" } : kind === "acl-file" ? { kind, target: "", text: "" } : { kind, target: "", secretKey: "" });
    }
    return { supported: true };
  }

  /** Throws (one line) what the scenario asks that k8s cannot give; called before the run. */
  checkScenario(scenario: Scenario): void {
    const refusal = k8sScenarioRefusal(scenario);
    if (refusal !== null) throw new Error(`the k8s deployer cannot run ${scenario.name}: ${refusal}`);
  }

  async deploy(plan: ClusterPlan, options: { outDir: string; history: HistoryRecorder }): Promise<Cluster> {
    const namespace = this.options.namespace ?? k8sName(`mqlab-${plan.topology}-${Date.now().toString(36)}`);
    const cluster = new K8sCluster({
      plan, namespace, runner: this.options.runner ?? processKubectl(), image: this.options.image, storageSize: this.options.storageSize ?? "2Gi",
      outDir: options.outDir, history: options.history, readyTimeoutMs: this.options.readyTimeoutMs ?? 300_000,
    });
    try {
      await cluster.bringUp();
    } catch (error) {
      // The runner never sees a cluster that failed to come up: remove what was applied here.
      const cleanup = await cluster.teardown().then(() => "", (caught: unknown) => ` (and its teardown failed: ${(caught as Error).message})`);
      throw new Error(`${(error as Error).message}${cleanup}`, { cause: error });
    }
    return cluster;
  }
}
