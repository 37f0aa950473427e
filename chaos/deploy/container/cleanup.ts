// Everything a container run creates carries the label mqlab.run=<runId>: containers, the run's
// network, the brokers' store volumes. Removal goes by that label, never by name patterns, so
// it finds what a crashed or interrupted run left behind and never touches anything else.
// Order matters: containers first (they hold the network endpoints and the volumes).
import { constants } from "node:os";
import type { Engine } from "./engine.ts";
import { connectEngine } from "./engine.ts";

export const runLabel = "mqlab.run";

export interface Leftovers {
  containers: number;
  networks: number;
  volumes: number;
}

function labelFilter(runId: string | undefined): string {
  return runId === undefined ? runLabel : `${runLabel}=${runId}`;
}

/** What is still there for a run (or for every run when runId is undefined). */
export async function listLeftovers(engine: Engine, runId?: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filters = { label: [labelFilter(runId)] };
  const containers = await engine.docker.listContainers({ all: true, filters });
  const networks = await engine.docker.listNetworks({ filters });
  const volumes = (await engine.docker.listVolumes({ filters })).Volumes ?? [];
  return {
    containers: containers.map((container) => container.Names[0]?.replace(/^\//, "") ?? container.Id),
    networks: networks.map((network) => network.Name),
    volumes: volumes.map((volume) => volume.Name),
  };
}

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

/** Removes every container, network and volume of one run (or of all runs); returns counts. */
export async function removeRunResources(engine: Engine, runId?: string): Promise<Leftovers> {
  const filters = { label: [labelFilter(runId)] };
  const removed: Leftovers = { containers: 0, networks: 0, volumes: 0 };
  const failures: string[] = [];
  const attempt = async (what: string, action: () => Promise<unknown>): Promise<boolean> => {
    try {
      await action();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      failures.push(`${what}: ${(error as Error).message}`);
      return false;
    }
  };
  for (const info of await engine.docker.listContainers({ all: true, filters })) {
    const container = engine.docker.getContainer(info.Id);
    // A paused container must be resumed before docker kills it cleanly.
    if (info.State === "paused") await attempt(`unpause ${info.Id}`, () => container.unpause());
    if (await attempt(`container ${info.Names[0] ?? info.Id}`, () => container.remove({ force: true, v: true }))) removed.containers++;
  }
  for (const info of await engine.docker.listNetworks({ filters })) {
    if (await attempt(`network ${info.Name}`, () => engine.docker.getNetwork(info.Id).remove())) removed.networks++;
  }
  for (const info of (await engine.docker.listVolumes({ filters })).Volumes ?? []) {
    if (await attempt(`volume ${info.Name}`, () => engine.docker.getVolume(info.Name).remove())) removed.volumes++;
  }
  if (failures.length > 0) throw new Error(`clean-up of ${labelFilter(runId)} left things behind: ${failures.join("; ")}`);
  return removed;
}

/**
 * Removes what container runs left behind: every container, network and volume labelled
 * mqlab.run (or only those of `runId`). For CI after a killed job, and for people after Ctrl-C
 * of a run whose own clean-up could not finish.
 */
export async function cleanContainerLeftovers(runId?: string): Promise<Leftovers> {
  return removeRunResources(await connectEngine(), runId);
}

/** On Ctrl-C or SIGTERM during a run: remove the run's containers, then exit 128+signal. */
export class InterruptCleanup {
  private readonly handler = (signal: NodeJS.Signals): void => {
    this.dispose();
    process.stderr.write(`mqlab: ${signal}: removing the containers, network and volumes of run ${this.runId}\n`);
    void removeRunResources(this.engine, this.runId)
      .catch((error: unknown) => process.stderr.write(`mqlab: clean-up failed (run cleanContainerLeftovers): ${(error as Error).message}\n`))
      // Exit as a shell reports a signal death (130 for SIGINT). Re-raising is not enough:
      // testcontainers' lock files load signal-exit, whose listener keeps the process alive.
      .finally(() => process.exit(128 + (constants.signals[signal] ?? 0)));
  };

  constructor(
    private readonly engine: Engine,
    readonly runId: string,
  ) {
    process.once("SIGINT", this.handler);
    process.once("SIGTERM", this.handler);
  }

  dispose(): void {
    process.removeListener("SIGINT", this.handler);
    process.removeListener("SIGTERM", this.handler);
  }
}
