// `mqlab k8s render`: a scenario as Kubernetes manifests. Per node a headless Service and a
// StatefulSet of one pod (brokers with a PersistentVolumeClaim for the store), a ConfigMap
// with every node's config (the plan's broker.conf, plus where the node lives in the cluster),
// the workload as a Job (one container per producer/consumer node; its stdout is the history,
// as the process deployer's workers write it) and the fault timeline as Chaos Mesh resources
// (chaos_faults.ts). Pods are labelled mqlab.dev/node and mqlab.dev/role so chaos selects one
// node. The image is the registry-free one the container deployer builds (chaos/deploy/
// container/image.ts): node as /usr/local/bin/node, the project in /app with tsx.
import { planCluster } from "../plan.ts";
import { namesrvIntervalKeys } from "../deploy/node_commands.ts";
import type { Scenario } from "../scenario.ts";
import type { ClusterPlan } from "../deploy/types.ts";
import { workerSpecs } from "../deploy/worker_protocol.ts";
import { imageAppDir, imageNodePath } from "../deploy/image_layout.ts";
import { chaosResource, k8sFaultSupport, k8sLabels, storeMountPath } from "./chaos_faults.ts";

export interface RenderOptions {
  namespace: string;
  image: string;
  /** Store volume size per broker. */
  storageSize: string;
  seed: number;
}

export interface RenderedManifests {
  /** Topology and workload objects (apply first). */
  cluster: object[];
  /** One Chaos Mesh resource per scheduled fault, in timeline order (apply each at its mqlab.dev/at-ms). */
  faults: object[];
}

const confDir = "/etc/mqlab";
const namesrvPort = 9876;
const brokerPort = 10911;

/** Kubernetes names: lowercase DNS labels. */
export function k8sName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 52) || "mqlab";
}

function labels(run: string, node: string, role: string): Record<string, string> {
  return { "mqlab.dev/run": run, [k8sLabels.node]: node, [k8sLabels.role]: role };
}

function service(run: string, namespace: string, node: string, role: string, ports: number[]): object {
  return {
    apiVersion: "v1", kind: "Service",
    metadata: { name: node, namespace, labels: labels(run, node, role) },
    spec: { clusterIP: "None", selector: { [k8sLabels.node]: node, "mqlab.dev/run": run }, ports: ports.map((port) => ({ name: `p${port}`, port, targetPort: port })) },
  };
}

/** The image's node running one of the project's entry points (relative to /app). */
function nodeCommand(entry: string, args: string[]): { command: string[]; args: string[]; workingDir: string } {
  return { command: [imageNodePath], args: ["--import", "tsx", entry, ...args], workingDir: imageAppDir };
}

function statefulSet(run: string, options: Omit<RenderOptions, "seed">, node: string, role: string, command: ReturnType<typeof nodeCommand>, ports: number[], withStore: boolean): object {
  const podLabels = labels(run, node, role);
  return {
    apiVersion: "apps/v1", kind: "StatefulSet",
    metadata: { name: node, namespace: options.namespace, labels: podLabels },
    spec: {
      serviceName: node, replicas: 1,
      selector: { matchLabels: { [k8sLabels.node]: node, "mqlab.dev/run": run } },
      template: {
        metadata: { labels: podLabels },
        spec: {
          containers: [{
            name: role, image: options.image, imagePullPolicy: "IfNotPresent", ...command,
            ports: ports.map((containerPort) => ({ containerPort })),
            volumeMounts: [{ name: "conf", mountPath: confDir }, ...(withStore ? [{ name: "store", mountPath: storeMountPath }] : [])],
            readinessProbe: { tcpSocket: { port: ports[0] }, periodSeconds: 2 },
          }],
          volumes: [{ name: "conf", configMap: { name: `${run}-conf` } }],
        },
      },
      ...(withStore ? { volumeClaimTemplates: [{ metadata: { name: "store" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: options.storageSize } } } }] } : {}),
    },
  };
}

/** Per node a Service and a StatefulSet, and the ConfigMap with every node's config (apply first). */
export function renderServers(plan: ClusterPlan, run: string, options: Omit<RenderOptions, "seed">): object[] {
  const namesrvAddr = namesrvAddrOf(plan);
  const conf: Record<string, string> = {};
  for (const name of plan.nameServers) {
    const intervalLines = Object.entries(namesrvIntervalKeys(plan.intervals)).map(([key, value]) => `${key}=${value}`);
    conf[`${name}.properties`] = [`listenHost=0.0.0.0`, `listenPort=${namesrvPort}`, ...intervalLines, ""].join("\n");
  }
  for (const broker of plan.brokers) {
    conf[`${broker.node}.properties`] = `${broker.confText.trimEnd()}\n\n# mqlab k8s render: where the broker lives\nbrokerIP1=${broker.node}.${options.namespace}.svc\nlistenPort=${brokerPort}\nhaListenPort=${brokerPort + 1}\nstorePathRootDir=${storeMountPath}\nmqlabAllowFastIntervals=true\n`;
  }
  return [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${run}-conf`, namespace: options.namespace, labels: { "mqlab.dev/run": run } }, data: conf },
    ...plan.nameServers.flatMap((name) => [
      service(run, options.namespace, name, "namesrv", [namesrvPort]),
      statefulSet(run, options, name, "namesrv", nodeCommand("system/cli/mqnamesrv.ts", ["-c", `${confDir}/${name}.properties`]), [namesrvPort], false),
    ]),
    ...plan.brokers.flatMap((broker) => [
      service(run, options.namespace, broker.node, "broker", [brokerPort, brokerPort - 2, brokerPort + 1]),
      statefulSet(run, options, broker.node, "broker", nodeCommand("system/cli/mqbroker.ts", ["-c", `${confDir}/${broker.node}.properties`, "-n", namesrvAddr]), [brokerPort, brokerPort - 2, brokerPort + 1], true),
    ]),
  ];
}

/** The Job's name (its pod carries the label job-name=<it>). */
export function workloadJobName(run: string): string {
  return `${run}-workload`;
}

/**
 * The workload: a ConfigMap of worker specs and a Job with one container per client node
 * (container name k8sName(node)). runStartEpochMs 0 lets each worker start its own run clock
 * (a rendered file applied by hand); `--deployer k8s` passes its own run start instead.
 */
export function renderWorkload(plan: ClusterPlan, run: string, options: Omit<RenderOptions, "seed" | "storageSize">, runStartEpochMs = 0): object[] {
  const specs = workerSpecs({ namesrvAddr: namesrvAddrOf(plan), runStartEpochMs, seed: plan.seed, intervals: plan.intervals, workload: plan.workload });
  const workload: Record<string, string> = Object.fromEntries(specs.map((spec) => [`${spec.node}.json`, JSON.stringify(spec, null, 2) + "\n"]));
  return [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${run}-workload`, namespace: options.namespace, labels: { "mqlab.dev/run": run } }, data: workload },
    {
      apiVersion: "batch/v1", kind: "Job",
      metadata: { name: workloadJobName(run), namespace: options.namespace, labels: { "mqlab.dev/run": run, [k8sLabels.role]: "workload" } },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: { "mqlab.dev/run": run, [k8sLabels.role]: "workload" } },
          spec: {
            restartPolicy: "Never",
            containers: specs.map((spec) => ({
              name: k8sName(spec.node), image: options.image, imagePullPolicy: "IfNotPresent",
              ...nodeCommand("chaos/deploy/worker.ts", ["--spec", `${confDir}/workload/${spec.node}.json`]),
              volumeMounts: [{ name: "workload", mountPath: `${confDir}/workload` }],
            })),
            volumes: [{ name: "workload", configMap: { name: `${run}-workload` } }],
          },
        },
      },
    },
  ];
}

function namesrvAddrOf(plan: ClusterPlan): string {
  return plan.nameServers.map((name) => `${name}:${namesrvPort}`).join(";");
}

/** Faults with no Chaos Mesh counterpart throw (k8sFaultSupport says why). */
export function renderManifests(scenario: Scenario, options: RenderOptions): RenderedManifests {
  for (const scheduled of scenario.faults) {
    const support = k8sFaultSupport(scheduled.fault);
    if (!support.supported) throw new Error(`k8s cannot inject "${scheduled.fault.kind}": ${support.why}`);
  }
  const run = k8sName(`mqlab-${scenario.name}`);
  const plan = planCluster(scenario, options.seed);
  const cluster = [...renderServers(plan, run, options), ...renderWorkload(plan, run, options)];
  const faults = [...scenario.faults.entries()]
    .sort(([, left], [, right]) => left.atMs - right.atMs)
    .map(([index, scheduled]) => chaosResource(scheduled, index, options.namespace, run));
  return { cluster, faults };
}
