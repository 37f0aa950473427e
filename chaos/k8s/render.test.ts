// `mqlab k8s render` for all four topologies with a crash, a partition, a disk fault (full and
// slow) and a clock skew: every object passes the Kubernetes schemas (kubernetes-models) and
// the Chaos Mesh CRD subset; the validators themselves reject broken objects; faults with no
// Chaos Mesh counterpart are refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { listTopologies, loadTopology } from "../topologies/index.ts";
import type { Scenario, TopologyName } from "../scenario.ts";
import { renderManifests } from "./render.ts";
import { validateManifests } from "./validate.ts";

const options = { namespace: "mqlab", image: "mqlab:0.1.0", storageSize: "2Gi", seed: 1 };

function scenarioFor(topology: TopologyName): Scenario {
  return {
    name: `k8s/${topology}/faults`, description: "", topology,
    workload: {
      topics: [{ name: "TopicTest", queues: 4 }],
      producers: [{ count: 1, topic: "TopicTest", ratePerSecond: 10 }],
      consumers: [{ group: "GroupTest", topic: "TopicTest", count: 2 }],
    },
    faults: [
      { atMs: 10_000, healAtMs: 40_000, fault: { kind: "crash", target: "broker-a" } },
      { atMs: 50_000, healAtMs: 70_000, fault: { kind: "partition", shape: "isolate", target: "namesrv-1" } },
      { atMs: 20_000, healAtMs: 30_000, fault: { kind: "disk-full", target: "broker-a" } },
      { atMs: 25_000, healAtMs: 35_000, fault: { kind: "slow-disk", target: "broker-a", factor: 20 } },
      { atMs: 60_000, healAtMs: 80_000, fault: { kind: "clock-skew", target: "broker-a", offsetMs: -90_000 } },
      { atMs: 65_000, healAtMs: 75_000, fault: { kind: "firewall", source: "producer-1", target: "broker-a", port: "broker", mode: "drop", direction: "both" } },
    ],
    durationMs: 90_000, quiesceMs: 30_000, expectations: { checkers: ["delivery"] },
  };
}

test("all four topologies with crash, partition, disk faults and clock skew render to schema-valid manifests", () => {
  assert.equal(listTopologies().length, 4);
  for (const topology of listTopologies() as TopologyName[]) {
    const rendered = renderManifests(scenarioFor(topology), options);
    assert.deepEqual(validateManifests([...rendered.cluster, ...rendered.faults]), [], topology);
    const kinds = (objects: object[]): string[] => objects.map((object) => (object as { kind: string }).kind);
    assert.deepEqual(kinds(rendered.faults), ["PodChaos", "IOChaos", "IOChaos", "NetworkChaos", "TimeChaos", "NetworkChaos"], topology);
    const statefulSets = kinds(rendered.cluster).filter((kind) => kind === "StatefulSet").length;
    const files = loadTopology(topology);
    assert.equal(statefulSets, files.nameServers + files.brokers.length, `${topology}: a StatefulSet per node`);
    assert.equal(kinds(rendered.cluster).filter((kind) => kind === "Service").length, statefulSets);
    assert.equal(kinds(rendered.cluster).filter((kind) => kind === "Job").length, 1);
  }
});

test("the validators reject what the API server or Chaos Mesh would", () => {
  const rendered = renderManifests(scenarioFor("1m"), options);
  const [podChaos] = rendered.faults as { spec: Record<string, unknown> }[];
  assert.ok(podChaos !== undefined);
  const wrongAction = { ...podChaos, spec: { ...podChaos.spec, action: "pod-explode" } };
  assert.match(validateManifests([wrongAction]).join(), /PodChaos\/.*action must be equal to one of the allowed values/);
  const unknownField = { ...podChaos, spec: { ...podChaos.spec, durationMs: 5 } };
  assert.match(validateManifests([unknownField]).join(), /must NOT have additional properties \(durationMs\)/);
  const statefulSet = rendered.cluster.find((object) => (object as { kind: string }).kind === "StatefulSet") as { spec: { replicas: unknown } };
  assert.match(validateManifests([{ ...statefulSet, spec: { ...statefulSet.spec, replicas: "one" } }]).join(), /StatefulSet\/.*replicas must be integer/);
});

test("faults with no Chaos Mesh counterpart are refused", () => {
  const scenario = scenarioFor("1m");
  assert.throws(() => renderManifests({ ...scenario, faults: [{ atMs: 1, fault: { kind: "pause", target: "broker-a" } }] }, options), /cannot inject "pause": Chaos Mesh has no SIGSTOP/);
  assert.throws(() => renderManifests({ ...scenario, faults: [{ atMs: 1, fault: { kind: "connection-reset", source: "producer-1", target: "broker-a", midFrame: true } }] }, options), /cannot inject "connection-reset"/);
});
