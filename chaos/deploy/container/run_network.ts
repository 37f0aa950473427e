// The network a container run lives on: a bridge created for the run, labelled mqlab.run, with
// a /16 of its own ("10.N.0.0/16") so every node gets a fixed address that survives a restart
// (faults name node pairs by address, brokers register theirs with the NameServers). The
// network is internal: containers reach each other and the host's bridge address, nothing else.
import { randomInt } from "node:crypto";
import type { Engine } from "./engine.ts";
import { runLabel } from "./cleanup.ts";

export interface RunNetwork {
  id: string;
  name: string;
  /** First two octets, "10.N": node addresses are "10.N.<group>.<index>". */
  ipPrefix: string;
  subnet: string;
  gateway: string;
}

function isOverlap(error: unknown): boolean {
  return /overlap|already/i.test((error as Error).message ?? "");
}

/** Creates the run's network on a free 10.N.0.0/16 (N drawn at random; retried on overlap). */
export async function createRunNetwork(engine: Engine, runId: string, attempts = 20): Promise<RunNetwork> {
  const name = `mqlab-${runId}`;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    // 10.100–10.249: away from the 10.0/10.1 ranges a host's own LAN most often uses.
    const ipPrefix = `10.${randomInt(100, 250)}`;
    const subnet = `${ipPrefix}.0.0/16`;
    const gateway = `${ipPrefix}.0.1`;
    try {
      const network = await engine.docker.createNetwork({
        Name: name,
        Driver: "bridge",
        Internal: true,
        CheckDuplicate: true,
        Labels: { [runLabel]: runId },
        IPAM: { Driver: "default", Config: [{ Subnet: subnet, Gateway: gateway }] },
      });
      return { id: network.id, name, ipPrefix, subnet, gateway };
    } catch (error) {
      lastError = error;
      if (!isOverlap(error)) break;
    }
  }
  throw new Error(`could not create the run network ${name}: ${(lastError as Error).message}`, { cause: lastError });
}
