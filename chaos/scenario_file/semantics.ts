// What the schema cannot say about a scenario: the topology exists (one of the four, or a
// directory beside the file with topology.json and <node>.properties files), every node a fault
// or a per-node override names exists in that topology and workload, and the fault timeline
// fits the run (injected within the send phase, healed after it was injected). Each problem is
// one located error listing what would have been allowed.
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { listTopologies, loadTopology } from "../topologies/index.ts";
import { faultNodes } from "../faults/types.ts";
import type { Scenario, Workload } from "../scenario.ts";
import { consumerNodeCount } from "../workload/consumer_schedule.ts";
import type { ParsedSource, PathSegment, ScenarioFileError } from "./source.ts";

/** The topology as the scenario will run it: a built-in name or an absolute directory. */
export function resolveTopology(source: ParsedSource, topology: string, at: readonly PathSegment[]): string | ScenarioFileError {
  const known = listTopologies();
  if (known.includes(topology)) return topology;
  const directory = isAbsolute(topology) ? topology : resolve(dirname(source.file), topology);
  if (existsSync(join(directory, "topology.json")) && statSync(directory).isDirectory()) return directory;
  return source.error([...at, "topology"], `unknown topology "${topology}" (allowed: ${known.join(", ")}, or a directory holding topology.json and its broker .properties files)`);
}

/** Node names of a run: NameServers, brokers (file stems), producers and consumers. */
export function scenarioNodes(topology: string, workload: Workload): { brokers: string[]; all: string[] } {
  const loaded = loadTopology(topology);
  const brokers = loaded.brokers.map((broker) => {
    const stem = broker.file.replace(/\.properties$/, "");
    return stem === "broker" ? "broker-a" : stem;
  });
  const nameServers = Array.from({ length: loaded.nameServers }, (_, index) => `namesrv-${index + 1}`);
  let producerNumber = 0;
  const producers = workload.producers.flatMap((spec) => Array.from({ length: spec.count }, () => `producer-${++producerNumber}`));
  const consumers = workload.consumers.flatMap((group) => Array.from({ length: consumerNodeCount(group) }, (_, index) => `consumer-${group.group}-${index + 1}`));
  return { brokers, all: [...nameServers, ...brokers, ...producers, ...consumers] };
}

function listed(names: readonly string[]): string {
  return names.length > 12 ? `${names.slice(0, 12).join(", ")}, ...` : names.join(", ");
}

/** null when the scenario's nodes and timeline are consistent; else the first problem. */
export function semanticError(source: ParsedSource, scenario: Scenario, at: readonly PathSegment[]): ScenarioFileError | null {
  const nodes = scenarioNodes(scenario.topology, scenario.workload);
  const where = `topology ${scenario.topology} with this workload`;
  const unknownNode = (name: string, path: PathSegment[], pool: readonly string[]): ScenarioFileError =>
    source.error([...at, ...path], `node "${name}" does not exist in ${where} (nodes: ${listed(pool)})`);
  for (const [index, scheduled] of scenario.faults.entries()) {
    const fault = scheduled.fault as unknown as Record<string, unknown>;
    for (const name of faultNodes(scheduled.fault)) {
      if (nodes.all.includes(name)) continue;
      const field = ["target", "source"].find((key) => fault[key] === name) ?? "target";
      return unknownNode(name, ["faults", index, "fault", field], nodes.all);
    }
    if (scheduled.atMs > scenario.durationMs) {
      return source.error([...at, "faults", index, "atMs"], `fault at ${scheduled.atMs} ms is after the end of the run's send phase (durationMs ${scenario.durationMs}); faults start within [0, ${scenario.durationMs}]`);
    }
    if (scheduled.healAtMs !== undefined && scheduled.healAtMs < scheduled.atMs) {
      return source.error([...at, "faults", index, "healAtMs"], `heal at ${scheduled.healAtMs} ms is before the fault's atMs ${scheduled.atMs}`);
    }
  }
  for (const name of Object.keys(scenario.brokerConfigByNode ?? {})) {
    if (!nodes.brokers.includes(name)) return unknownNode(name, ["brokerConfigByNode", name], nodes.brokers);
  }
  for (const [index, spec] of (scenario.brokerTopics ?? []).entries()) {
    if (!nodes.brokers.includes(spec.node)) return unknownNode(spec.node, ["brokerTopics", index, "node"], nodes.brokers);
  }
  return null;
}
