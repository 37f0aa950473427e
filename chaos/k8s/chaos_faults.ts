// A scenario's fault timeline as Chaos Mesh resources, one per scheduled fault, each carrying
// its run time in the annotation mqlab.dev/at-ms (Chaos Mesh starts a resource when it is
// created, so whoever applies them by hand creates each at its time) and its length as
// spec.duration (healAtMs − atMs; none: it lasts until deleted). `--deployer k8s` renders them
// without a duration: it creates each at atMs and deletes it at healAtMs (chaos/deploy/k8s/).
//   crash → PodChaos pod-failure (the pod is unavailable for the duration, then back with its
//   volume); power-loss → PodChaos pod-kill (the StatefulSet restarts it at once: no duration);
//   firewall, heartbeat-loss, partition → NetworkChaos partition between the nodes' pods;
//   flow → NetworkChaos delay or loss; slow-disk → IOChaos latency on the store volume;
//   disk-full → IOChaos fault errno 28 (ENOSPC); clock-skew → TimeChaos; namesrv-all-down →
//   PodChaos pod-failure on every NameServer. pause and connection-reset have no Chaos Mesh
//   counterpart, and the ACL faults nothing to act on (no ACL is rendered): refused with the
//   reason. Port-level firewalls become whole-pod partitions (NetworkChaos cannot select a
//   port), which the resource's annotation says.
import type { Fault, ScheduledFault } from "../faults/types.ts";
import type { FaultSupport } from "../deploy/types.ts";

export const storeMountPath = "/var/lib/mqlab/store";
const nodeLabel = "mqlab.dev/node";
const roleLabel = "mqlab.dev/role";

export function k8sFaultSupport(fault: Fault): FaultSupport {
  if (fault.kind === "pause") return { supported: false, why: "Chaos Mesh has no SIGSTOP chaos (PodChaos kills or fails pods)" };
  if (fault.kind === "connection-reset") return { supported: false, why: "Chaos Mesh cannot reset established TCP connections mid-frame" };
  if (fault.kind === "acl-secret" || fault.kind === "acl-file") return { supported: false, why: "the rendered cluster runs without ACL (no plain_acl.yml is placed), so there is nothing to rewrite" };
  if (fault.kind === "partition" && fault.target === undefined) return { supported: false, why: `partition "${fault.shape}" needs a target node to select pods by` };
  return { supported: true };
}

function selectorFor(namespace: string, labels: Record<string, string>): object {
  return { namespaces: [namespace], labelSelectors: labels };
}

function durationText(scheduled: ScheduledFault): { duration?: string } {
  return scheduled.healAtMs === undefined ? {} : { duration: `${Math.max(1, Math.round(scheduled.healAtMs - scheduled.atMs))}ms` };
}

interface ChaosResource {
  apiVersion: "chaos-mesh.org/v1alpha1";
  kind: "PodChaos" | "NetworkChaos" | "IOChaos" | "TimeChaos";
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: Record<string, unknown>;
}

/** The resource for one scheduled fault (throws for a refused kind: check k8sFaultSupport first). */
export function chaosResource(scheduled: ScheduledFault, faultIndex: number, namespace: string, runLabel: string): ChaosResource {
  const fault = scheduled.fault;
  const support = k8sFaultSupport(fault);
  if (!support.supported) throw new Error(`k8s cannot inject "${fault.kind}": ${support.why}`);
  const node = (name: string): object => selectorFor(namespace, { [nodeLabel]: name });
  const base = (kind: ChaosResource["kind"], spec: Record<string, unknown>, note?: string): ChaosResource => ({
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind,
    metadata: {
      name: `${runLabel}-fault-${String(faultIndex).padStart(2, "0")}-${fault.kind}`,
      namespace,
      labels: { "mqlab.dev/run": runLabel },
      annotations: { "mqlab.dev/at-ms": String(scheduled.atMs), "mqlab.dev/fault": JSON.stringify(fault), ...(note === undefined ? {} : { "mqlab.dev/note": note }) },
    },
    spec: { ...spec, ...durationText(scheduled) },
  });
  switch (fault.kind) {
    case "crash":
      return base("PodChaos", { action: "pod-failure", mode: "one", selector: node(fault.target) });
    case "power-loss": {
      const resource = base("PodChaos", { action: "pod-kill", mode: "one", selector: node(fault.target) }, "pod-kill: the StatefulSet restarts the pod at once; unsynced page cache is lost with the container");
      delete resource.spec.duration;
      return resource;
    }
    case "namesrv-all-down":
      return base("PodChaos", { action: "pod-failure", mode: "all", selector: selectorFor(namespace, { [roleLabel]: "namesrv" }) });
    case "firewall":
      return base("NetworkChaos", {
        action: "partition", mode: "all", selector: node(fault.source), direction: fault.direction === "both" ? "both" : "to",
        target: { mode: "all", selector: node(fault.target) },
      }, fault.port === "any" ? undefined : `whole-pod partition: NetworkChaos cannot select the ${fault.port} port`);
    case "heartbeat-loss":
      return base("NetworkChaos", {
        action: "partition", mode: "all", selector: node(fault.source), direction: "to",
        target: { mode: "all", selector: selectorFor(namespace, { [roleLabel]: fault.scope === "broker-to-namesrv" ? "namesrv" : "broker" }) },
      }, "a partition drops every packet to the peers, not only heartbeats");
    case "partition":
      return base("NetworkChaos", {
        action: "partition", mode: "all", selector: node(fault.target ?? ""), direction: "both",
        target: { mode: "all", selector: selectorFor(namespace, { "mqlab.dev/run": runLabel }) },
      }, `${fault.shape}: the target node cut from every other pod of the run`);
    case "flow":
      return base("NetworkChaos", {
        ...(fault.lossPercent > 0 && fault.delayMs === 0
          ? { action: "loss", loss: { loss: String(fault.lossPercent) } }
          : { action: "delay", delay: { latency: `${fault.delayMs}ms`, jitter: `${fault.jitterMs}ms` } }),
        mode: "all", selector: node(fault.source), direction: fault.direction === "both" ? "both" : "to",
        target: { mode: "all", selector: node(fault.target) },
      });
    case "slow-disk":
      // fsync ×factor has no direct knob: each I/O on the store gets 1 ms × factor of latency.
      return base("IOChaos", { action: "latency", mode: "one", selector: node(fault.target), volumePath: storeMountPath, path: `${storeMountPath}/**/*`, delay: `${fault.factor}ms`, percent: 100 });
    case "disk-full":
      return base("IOChaos", { action: "fault", mode: "one", selector: node(fault.target), volumePath: storeMountPath, path: `${storeMountPath}/**/*`, errno: 28, percent: 100, methods: ["WRITE"] });
    case "disk-error": {
      // EIO (errno 5) on the store's writes, fsyncs or both; inode exhaustion is ENOSPC (28) on open.
      const methods = fault.errors === "write" ? ["WRITE"] : fault.errors === "fsync" ? ["FSYNC"] : fault.errors === "create" ? ["OPEN"] : ["WRITE", "FSYNC"];
      const errno = fault.errors === "create" ? 28 : 5;
      return base("IOChaos", { action: "fault", mode: "one", selector: node(fault.target), volumePath: storeMountPath, path: `${storeMountPath}/**/*`, errno, percent: 100, methods });
    }
    case "clock-skew":
      return base("TimeChaos", { mode: "one", selector: node(fault.target), timeOffset: `${fault.offsetMs}ms` });
    default:
      throw new Error(`k8s cannot inject "${fault.kind}"`);
  }
}

export const k8sLabels = { node: nodeLabel, role: roleLabel };
