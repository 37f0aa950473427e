// The four classic RocketMQ deployments, as RocketMQ's own distribution writes them: one
// broker.conf-style properties file per broker plus topology.json (NameServer count, order).
// The same files start a real cluster (`mqbroker -c`) and a simulated one.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";

export const topologyRoot = dirname(fileURLToPath(import.meta.url));

export interface TopologyBroker {
  /** File name, e.g. "broker-a-s.properties". */
  file: string;
  /** Absolute path of the file. */
  path: string;
  /** The file's text (broker.conf format). */
  text: string;
}

export interface Topology {
  name: string;
  description: string;
  nameServers: number;
  brokers: TopologyBroker[];
}

export function listTopologies(): string[] {
  return readdirSync(topologyRoot)
    .filter((entry) => statSync(join(topologyRoot, entry)).isDirectory())
    .sort();
}

export function loadTopology(name: string): Topology {
  const known = listTopologies();
  // A scenario file may name its own directory (topology.json + broker.conf files) by absolute path.
  if (!known.includes(name) && !isAbsolute(name)) {
    throw new Error(`unknown topology "${name}" (known: ${known.join(", ")})`);
  }
  const directory = isAbsolute(name) ? name : join(topologyRoot, name);
  const manifest = JSON.parse(readFileSync(join(directory, "topology.json"), "utf8")) as {
    name: string;
    description: string;
    nameServers: number;
    brokers: string[];
  };
  return {
    name: manifest.name,
    description: manifest.description,
    nameServers: manifest.nameServers,
    brokers: manifest.brokers.map((file) => {
      const path = join(directory, file);
      return { file, path, text: readFileSync(path, "utf8") };
    }),
  };
}
